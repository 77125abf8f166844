/**
 * The CCNET coin changer in the service (`CoinChanger` of kioskbus/ccnet): coins in are credits, the tubes are its
 * levels, and a payout is a plan of DISPENSE commands over the tubes. Each DISPENSE is sent once; when its answer is in
 * doubt the host asks the changer and the payout ends `uncertain` with what is known to have left.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { CoinChanger, CoinState, DenominationWord } from '../../ccnet/index.js';
import type { CoinSimulator } from '../../ccnet/simulator/index.js';
import { payoutFailure, refused } from './base.js';
import { CcnetServiceDevice, insertedType, valueOf, type Common } from './ccnet-common.js';
import type { DeviceLevel, PayoutResult, SimAction } from './types.js';

/** When tube levels are read again after a coin or a payout (besides at once). */
const LATE_REFRESH_MS = 1000;

/** One DISPENSE of a payout plan. */
export interface CoinDispense {
  coinType: number;
  count: number;
  value: number;
}

/**
 * The coins that make `amount` exactly from the tubes (largest first, at most 255 coins per DISPENSE); undefined when
 * the tubes cannot make it.
 */
export function planCoins(
  amount: number,
  counts: readonly (number | undefined)[],
  table: readonly DenominationWord[],
  currency: string,
): CoinDispense[] | undefined {
  const tubes = counts
    .map((count, coinType) => ({ coinType, count: count ?? 0, value: valueOf(table, coinType) }))
    .filter((t) => t.count > 0 && t.value?.currency === currency)
    .map((t) => ({ coinType: t.coinType, count: t.count, value: t.value?.amount ?? 0 }))
    .filter((t) => t.value > 0)
    .sort((a, b) => b.value - a.value);
  const plan: CoinDispense[] = [];
  let left = amount;
  for (const tube of tubes) {
    let count = Math.min(tube.count, Math.floor(left / tube.value));
    left -= count * tube.value;
    while (count > 0) {
      const n = Math.min(count, 255);
      plan.push({ coinType: tube.coinType, count: n, value: tube.value });
      count -= n;
    }
  }
  return left === 0 && amount > 0 ? plan : undefined;
}

const IDLE = new Set(['IDLING', 'UNIT_DISABLED']);

export class CcnetCoinDevice extends CcnetServiceDevice<CoinChanger, CoinSimulator> {
  constructor(options: Common & { host: CoinChanger; sim?: CoinSimulator }) {
    super(options, ['insert', 'jam', 'clear-jam', 'power-cut', 'lose-answer'], 'DISPENSE');
    const host = this.host;
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
    this.followLink(host);
  }

  protected async open(): Promise<void> {
    const { identification, coinTable } = await this.host.initialize();
    this.host.start();
    const accepts = coinTable.flatMap((w) => (w.value ? [w.value] : []));
    this.update({
      model: identification.model,
      accepts,
      canPayout: true,
      ...(accepts[0] ? { currency: accepts[0].currency } : {}),
    });
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
    // a changer may count a coin in its tubes only after the PAYOUT state has gone, and a TUBE STATUS read at that
    // moment can fail on a busy line: look again a little later
    clearTimeout(this.lateRefresh);
    this.lateRefresh = setTimeout(() => {
      if (this.snap.state !== 'stopped') this.refresh().catch(() => undefined);
    }, LATE_REFRESH_MS);
    this.lateRefresh.unref();
  }
  private lateRefresh: ReturnType<typeof setTimeout> | undefined;

  /**
   * Pays `amount` from the tubes: plans the coins from TUBE STATUS, then one DISPENSE per coin type, each awaited
   * until the changer has left PAYOUT BUSY. Refused (nothing moved) when the tubes cannot make the amount exactly.
   */
  async payout(amount: Money): Promise<PayoutResult> {
    if (!this.snap.online) return refused(amount, `${this.id} is offline`, ErrorCode.Offline);
    if (this.snap.currency !== undefined && amount.currency !== this.snap.currency) {
      return refused(amount, `${this.id} pays ${this.snap.currency}, not ${amount.currency}`, ErrorCode.InvalidMoney);
    }
    let plan: CoinDispense[] | undefined;
    try {
      const tubes = await this.host.tubeStatus();
      plan = planCoins(amount.amount, tubes.counts, this.host.coinTable, amount.currency);
    } catch (error) {
      return payoutFailure(error, amount);
    }
    if (!plan) {
      return refused(
        amount,
        `the tubes cannot make ${String(amount.amount)} ${amount.currency} exactly`,
        ErrorCode.CannotPayExact,
      );
    }
    this.setState('busy');
    let paid = 0;
    try {
      for (const step of plan) {
        const idle = this.untilIdle();
        idle.catch(() => undefined); // when DISPENSE itself fails, its error is the one reported
        await this.host.dispense(step.coinType, step.count);
        paid += step.count * step.value;
        await idle;
      }
      return { status: 'paid', requested: amount, paid: { amount: paid, currency: amount.currency } };
    } catch (error) {
      // a DISPENSE in doubt (or a later one refused): what left is known only up to the last acknowledged one
      return { ...payoutFailure(error, amount, paid), status: 'uncertain' };
    } finally {
      this.setState(this.idleState());
      this.touch();
    }
  }

  /** Resolves when the changer reports an idle state after PAYOUT BUSY (or the payout timeout passes). */
  private untilIdle(): Promise<void> {
    return new Promise((resolve, reject) => {
      let busySeen = false;
      const onState = (state: CoinState): void => {
        if (state.name === 'PAYOUT_BUSY') busySeen = true;
        else if (busySeen && IDLE.has(state.name)) done();
      };
      const timer = setTimeout(() => {
        this.host.off('state', onState);
        reject(
          new KioskbusError(ErrorCode.Timeout, `${this.id} still busy paying out after ${this.payoutTimeoutMs} ms`),
        );
      }, this.payoutTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.host.off('state', onState);
        resolve();
      };
      this.host.on('state', onState);
    });
  }

  protected override act(action: SimAction): void {
    const sim = this.simFor(action);
    if (this.actCommon(action)) return;
    switch (action.action) {
      case 'insert':
        sim.insertCoin(insertedType(this.id, this.host.coinTable, action.value));
        break;
      case 'jam':
        sim.setFault('COIN_JAM');
        break;
      case 'clear-jam':
        sim.clearFault();
        break;
      default:
        throw this.unsupported(action);
    }
  }
}
