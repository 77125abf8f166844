/**
 * CCNET bill devices in the service: bill validator and Bill-to-Bill (`BillValidator`, `BillToBill` of kioskbus/ccnet),
 * with their simulators when simulated. The coin changer and card reader are in ccnet-coin.ts and ccnet-card.ts.
 */
import { ErrorCode } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import { BillToBill, type BillDevice } from '../../ccnet/index.js';
import type { BillSimulator } from '../../ccnet/simulator/index.js';
import { payoutFailure, refused } from './base.js';
import { CcnetServiceDevice, insertedType, valueOf, type Common } from './ccnet-common.js';
import type { DeviceLevel, PayoutResult, SimAction } from './types.js';

const BILL_JAMS = new Set(['VALIDATOR_JAMMED', 'DROP_CASSETTE_JAMMED', 'CASSETTE_JAMMED', 'JAMMED']);

export class CcnetBillDevice extends CcnetServiceDevice<BillDevice, BillSimulator> {
  constructor(options: Common & { host: BillDevice; sim?: BillSimulator }) {
    super(options, ['insert', 'jam', 'clear-jam', 'remove-cashbox', 'replace-cashbox', 'power-cut']);
    this.snap.canPayout = this.host instanceof BillToBill;
    const host = this.host;
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
    this.followLink(host);
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
    const sim = this.simFor(action);
    if (this.actCommon(action)) return;
    switch (action.action) {
      case 'insert':
        sim.insertBill(insertedType(this.id, this.host.billTable, action.value));
        break;
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
      default:
        throw this.unsupported(action);
    }
  }
}
