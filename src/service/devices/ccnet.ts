/**
 * CCNET devices in the service: bill validator and Bill-to-Bill (`BillValidator`, `BillToBill`), coin changer and
 * card reader of kioskbus/ccnet, with their simulators when simulated.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import { BillToBill, type BillDevice, type CardReader, type CoinChanger, type DenominationWord } from '../../ccnet/index.js';
import type { BillSimulator, CardReaderSimulator, CoinSimulator } from '../../ccnet/simulator/index.js';
import { BaseDevice, payoutFailure, refused, type BaseOptions } from './base.js';
import type { DeviceLevel, PayoutResult, SimAction } from './types.js';

/** How many polls a simulated power cut leaves unanswered. */
const POWER_CUT_POLLS = 25;

interface Common extends BaseOptions {
  release: () => Promise<void>;
  payoutTimeoutMs?: number;
}

/** What the service does with every CCNET host: switch it on and off, stop it. */
interface CcnetHost {
  enable(): Promise<unknown>;
  disable(): Promise<unknown>;
  stop(): void;
}

/** Disables the host when it still answers, stops its polling, then lets go of the shared bus. */
async function stopHost(host: CcnetHost, release: () => Promise<void>): Promise<void> {
  try {
    await host.disable();
  } catch {
    // gone: nothing to disable
  }
  host.stop();
  await release();
}

function valueOf(table: readonly DenominationWord[], type: number): Money | undefined {
  return table.find((w) => w.type === type)?.value;
}

function typeOf(table: readonly DenominationWord[], value: Money): number | undefined {
  return table.find((w) => w.value?.amount === value.amount && w.value.currency === value.currency)?.type;
}

function noType(id: string, value: Money, table: readonly DenominationWord[]): KioskbusError {
  const known = table.flatMap((w) => (w.value ? [String(w.value.amount)] : [])).join(', ');
  return new KioskbusError(
    ErrorCode.InvalidArgument,
    `${id} has no type for ${String(value.amount)} ${value.currency}; it takes ${known}`,
  );
}

const BILL_JAMS = new Set(['VALIDATOR_JAMMED', 'DROP_CASSETTE_JAMMED', 'CASSETTE_JAMMED', 'JAMMED']);

export class CcnetBillDevice extends BaseDevice {
  private readonly host: BillDevice;
  private readonly sim: BillSimulator | undefined;
  private readonly release: () => Promise<void>;
  private readonly payoutTimeoutMs: number;

  constructor(options: Common & { host: BillDevice; sim?: BillSimulator }) {
    super(options, ['insert', 'jam', 'clear-jam', 'remove-cashbox', 'replace-cashbox', 'power-cut']);
    this.host = options.host;
    this.sim = options.sim;
    this.release = options.release;
    this.payoutTimeoutMs = options.payoutTimeoutMs ?? 60_000;
    this.snap.canPayout = this.host instanceof BillToBill;
    const host = this.host;
    this.forwardUncertain(host);
    host.on('credit', (credit) => {
      if (credit.value) this.report({ type: 'credit', value: credit.value, billType: credit.billType, medium: 'note' });
      else this.report({ type: 'credit_unknown_value', billType: credit.billType });
      this.touch();
    });
    host.on('rejected', (state) => {
      this.report({ type: 'rejected', reason: state.subName ?? state.name });
    });
    host.on('fault', (state) => {
      if (BILL_JAMS.has(state.name)) {
        this.update({ jammed: true });
        this.report({ type: 'jam', state: state.name });
      } else if (state.name === 'DROP_CASSETTE_OUT_OF_POSITION') {
        this.update({ cashbox: { ...this.snap.cashbox, present: false } });
        this.report({ type: 'cashbox_removed' });
      } else if (state.name === 'DROP_CASSETTE_FULL') {
        this.report({ type: 'cashbox_full' });
      } else {
        this.report({ type: 'fault', state: state.name });
      }
    });
    host.on('state', (state, previous) => {
      if (state.name === 'IDLING' || state.name === 'UNIT_DISABLED') {
        if (this.snap.jammed) this.update({ jammed: false });
        if (previous?.name === 'DROP_CASSETTE_OUT_OF_POSITION') {
          this.update({ cashbox: { ...this.snap.cashbox, present: true } });
          this.report({ type: 'cashbox_inserted' });
        }
      }
    });
    host.on('offline', (error) => {
      this.wentOffline(error.message);
    });
    host.on('online', () => {
      this.cameOnline();
    });
  }

  protected async open(): Promise<void> {
    const { identification, billTable } = await this.host.initialize();
    this.host.start();
    const accepts = billTable.flatMap((w) => (w.value ? [w.value] : []));
    this.update({
      model: identification.partNumber,
      accepts,
      ...(accepts[0] ? { currency: accepts[0].currency } : {}),
    });
  }

  async stop(): Promise<void> {
    this.update({ state: 'stopped' });
    await stopHost(this.host, this.release);
  }

  protected async setEnabled(on: boolean): Promise<void> {
    await (on ? this.host.enable() : this.host.disable());
  }

  override async refresh(): Promise<void> {
    if (this.sim) {
      this.update({
        cashbox: {
          present: this.snap.cashbox?.present ?? true,
          count: this.sim.dropCount,
          capacity: this.sim.dropCapacity,
        },
      });
    }
    if (!(this.host instanceof BillToBill)) return;
    const cassettes = await this.host.cassetteStatus();
    const levels: DeviceLevel[] = [];
    for (const c of cassettes) {
      const value = typeof c.type === 'number' ? valueOf(this.host.billTable, c.type) : undefined;
      if (!c.present || !value) continue;
      const capacity = this.sim?.cassettes[c.cassette - 1]?.capacity;
      levels.push({ value, count: c.count, ...(capacity !== undefined ? { capacity } : {}) });
    }
    this.update({ levels });
  }

  private touch(): void {
    setImmediate(() => {
      this.refresh().catch(() => undefined);
    });
  }

  async payout(amount: Money): Promise<PayoutResult> {
    const b2b = this.host;
    if (!(b2b instanceof BillToBill)) return refused(amount, `${this.id} cannot pay out`, ErrorCode.InvalidArgument);
    if (!this.snap.online) return refused(amount, `${this.id} is offline`, ErrorCode.Offline);
    let plan;
    try {
      plan = await b2b.planPayout(amount);
    } catch (error) {
      return payoutFailure(error, amount);
    }
    const wasEnabled = this.snap.enabled;
    try {
      await b2b.disable();
    } catch (error) {
      return payoutFailure(error, amount);
    }
    this.setState('busy');
    try {
      await b2b.dispenseAndWait(plan, this.payoutTimeoutMs);
      return { status: 'paid', requested: amount, paid: amount };
    } catch (error) {
      // DISPENSE may have started: what left the unit is not known
      return { ...payoutFailure(error, amount), status: 'uncertain' };
    } finally {
      this.setState(this.idleState());
      if (wasEnabled) await this.enable().catch(() => undefined);
      this.touch();
    }
  }

  protected override act(action: SimAction): void {
    const sim = this.sim;
    if (!sim) throw this.unsupported(action);
    switch (action.action) {
      case 'insert': {
        if (!action.value) throw new KioskbusError(ErrorCode.InvalidArgument, 'insert needs a value');
        const type = typeOf(this.host.billTable, action.value);
        if (type === undefined) throw noType(this.id, action.value, this.host.billTable);
        sim.insertBill(type);
        break;
      }
      case 'jam':
        sim.setFault('VALIDATOR_JAMMED');
        break;
      case 'clear-jam':
      case 'replace-cashbox':
        sim.clearFault();
        break;
      case 'remove-cashbox':
        sim.removeDropCassette();
        break;
      case 'power-cut':
        sim.faults.dropReplies = POWER_CUT_POLLS;
        break;
      default:
        throw this.unsupported(action);
    }
  }
}

export class CcnetCoinDevice extends BaseDevice {
  private readonly host: CoinChanger;
  private readonly sim: CoinSimulator | undefined;
  private readonly release: () => Promise<void>;

  constructor(options: Common & { host: CoinChanger; sim?: CoinSimulator }) {
    super(options, ['insert', 'jam', 'clear-jam', 'power-cut']);
    this.host = options.host;
    this.sim = options.sim;
    this.release = options.release;
    const host = this.host;
    this.forwardUncertain(host);
    host.on('coin', (coin) => {
      if (coin.value)
        this.report({ type: 'credit', value: coin.value, coinType: coin.coinType, medium: 'coin', route: coin.route });
      else this.report({ type: 'credit_unknown_value', coinType: coin.coinType });
      this.touch();
    });
    host.on('rejected', (coin) => {
      this.report({ type: 'rejected', coinType: coin.coinType });
    });
    host.on('fault', (state) => {
      const jam = state.name.includes('JAM');
      if (jam) this.update({ jammed: true });
      this.report({ type: jam ? 'jam' : 'fault', state: state.name });
    });
    host.on('state', (state) => {
      if ((state.name === 'IDLING' || state.name === 'UNIT_DISABLED') && this.snap.jammed)
        this.update({ jammed: false });
    });
    host.on('offline', (error) => {
      this.wentOffline(error.message);
    });
    host.on('online', () => {
      this.cameOnline();
    });
  }

  protected async open(): Promise<void> {
    const { identification, coinTable } = await this.host.initialize();
    this.host.start();
    const accepts = coinTable.flatMap((w) => (w.value ? [w.value] : []));
    this.update({ model: identification.model, accepts, ...(accepts[0] ? { currency: accepts[0].currency } : {}) });
  }

  async stop(): Promise<void> {
    this.update({ state: 'stopped' });
    await stopHost(this.host, this.release);
  }

  protected async setEnabled(on: boolean): Promise<void> {
    await (on ? this.host.enable() : this.host.disable());
  }

  override async refresh(): Promise<void> {
    const tubes = await this.host.tubeStatus();
    const levels: DeviceLevel[] = [];
    tubes.counts.forEach((count, type) => {
      const value = valueOf(this.host.coinTable, type);
      const capacity = this.sim?.tubes.get(type)?.capacity;
      if (value && (count > 0 || capacity !== undefined)) {
        levels.push({ value, count, ...(capacity !== undefined ? { capacity } : {}) });
      }
    });
    this.update({ levels, ...(this.sim ? { cashbox: { present: true, count: this.sim.cashbox } } : {}) });
  }

  private touch(): void {
    setImmediate(() => {
      this.refresh().catch(() => undefined);
    });
  }

  protected override act(action: SimAction): void {
    const sim = this.sim;
    if (!sim) throw this.unsupported(action);
    switch (action.action) {
      case 'insert': {
        if (!action.value) throw new KioskbusError(ErrorCode.InvalidArgument, 'insert needs a value');
        const type = typeOf(this.host.coinTable, action.value);
        if (type === undefined) throw noType(this.id, action.value, this.host.coinTable);
        sim.insertCoin(type);
        break;
      }
      case 'jam':
        sim.setFault('COIN_JAM');
        break;
      case 'clear-jam':
        sim.clearFault();
        break;
      case 'power-cut':
        sim.faults.dropReplies = POWER_CUT_POLLS;
        break;
      default:
        throw this.unsupported(action);
    }
  }
}

export class CcnetCardDevice extends BaseDevice {
  private readonly host: CardReader;
  private readonly sim: CardReaderSimulator | undefined;
  private readonly release: () => Promise<void>;
  private readonly currency: string;

  constructor(options: Common & { host: CardReader; sim?: CardReaderSimulator; currency?: string }) {
    super(options, ['tap', 'power-cut']);
    this.host = options.host;
    this.sim = options.sim;
    this.release = options.release;
    this.currency = options.currency ?? 'EUR';
    const host = this.host;
    this.forwardUncertain(host);
    host.on('cardReady', () => {
      this.report({ type: 'card_ready' });
    });
    host.on('vendApproved', () => {
      this.report({ type: 'vend_approved' });
    });
    host.on('vendDenied', () => {
      this.report({ type: 'vend_denied' });
    });
    host.on('fault', (state) => {
      this.report({ type: 'fault', state: state.name });
    });
    host.on('offline', (error) => {
      this.wentOffline(error.message);
    });
    host.on('online', () => {
      this.cameOnline();
    });
  }

  protected async open(): Promise<void> {
    const { identification } = await this.host.initialize();
    this.host.start();
    this.update({ model: identification.partNumber, currency: this.currency });
  }

  async stop(): Promise<void> {
    this.update({ state: 'stopped' });
    await stopHost(this.host, this.release);
  }

  protected async setEnabled(on: boolean): Promise<void> {
    await (on ? this.host.enable() : this.host.disable());
  }

  protected override act(action: SimAction): void {
    const sim = this.sim;
    if (!sim) throw this.unsupported(action);
    if (action.action === 'tap') {
      const balance = action.value ?? { amount: 5000, currency: this.currency };
      sim.tapCard({
        storedValue: true,
        wallets: [{ currency: balance.currency, balance: balance.amount, decimals: 2 }],
      });
      this.report({ type: 'card_tapped', balance });
    } else if (action.action === 'power-cut') {
      sim.faults.dropReplies = POWER_CUT_POLLS;
    } else {
      throw this.unsupported(action);
    }
  }
}
