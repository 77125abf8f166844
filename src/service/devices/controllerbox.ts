/**
 * The ControllerBox kiosk board in the service (`ControllerBoxHost` of kioskbus/controllerbox): bills accepted are
 * credits; RFID taps, card dispenser and error reports are events. The box has no command that stops its bill
 * acceptor, so `disable` turns its status reports off and a bill it still reports is still credited (money is never
 * dropped).
 */
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
import type { ControllerBoxHost } from '../../controllerbox/index.js';
import type { ControllerBoxSimulator } from '../../controllerbox/simulator/index.js';
import { BaseDevice, messageOf, type BaseOptions } from './base.js';
import type { CardDispenseResult, SimAction } from './types.js';

/** `lose-answer`: how long the simulated box is without power as DISPENSE_CARD arrives. */
const LOSE_ANSWER_OFF_MS = 300;

/** ERROR_FLAG bit the simulator raises for a jam (bill acceptor error). */
const BILL_ACCEPTOR_ERROR = 0x0001;

export class ControllerBoxDevice extends BaseDevice {
  private readonly host: ControllerBoxHost;
  private readonly sim: ControllerBoxSimulator | undefined;
  private readonly release: () => Promise<void>;
  private readonly tcds = new Map<number, string>();
  private errorFlags = 0;
  /** `lose-answer`: the box loses power as the next DISPENSE_CARD arrives. */
  private loseNextAnswer = false;

  constructor(
    options: BaseOptions & { host: ControllerBoxHost; sim?: ControllerBoxSimulator; release: () => Promise<void> },
  ) {
    super(options, ['insert', 'tap', 'jam', 'clear-jam', 'lose-answer']);
    this.host = options.host;
    this.sim = options.sim;
    if (options.sim) this.snap.dispensers = options.sim.state.tcds.map((_, i) => i);
    this.release = options.release;
    const host = this.host;
    this.forwardUncertain(host);
    host.on('billAccepted', (bill) => {
      this.report({
        type: 'credit',
        value: bill.value,
        medium: 'note',
        ...(bill.status ? { status: bill.status.name } : {}),
      });
    });
    host.on('rfidDetected', (tap) => {
      this.report({ type: 'card_ready', rfid: tap.rfid, balance: tap.money });
    });
    host.on('cardEvent', (card) => {
      this.report({ type: 'card_dispensed', tcd: card.tcd, direction: card.direction });
    });
    host.on('tcdStatus', (tcd) => {
      // the box repeats its statuses periodically: report a dispenser only when it changed
      const key = `${String(tcd.low)}${String(tcd.empty)}${String(tcd.error)}`;
      if (this.tcds.get(tcd.tcd) === key) return;
      this.tcds.set(tcd.tcd, key);
      const known = this.snap.dispensers ?? [];
      if (!known.includes(tcd.tcd)) this.update({ dispensers: [...known, tcd.tcd].sort((a, b) => a - b) });
      this.report({ type: 'dispenser_status', tcd: tcd.tcd, low: tcd.low, empty: tcd.empty, error: tcd.error });
    });
    host.on('deviceError', (error) => {
      if (error.flags === this.errorFlags) return;
      this.errorFlags = error.flags;
      const jammed = (error.flags & BILL_ACCEPTOR_ERROR) !== 0;
      if (jammed !== this.snap.jammed) this.update({ jammed });
      this.report({ type: jammed ? 'jam' : 'fault', errors: error.errors });
    });
    this.followLink(host);
  }

  protected async open(): Promise<void> {
    await this.host.start();
    const version = await this.host.version();
    const v = version.firmware;
    this.update({
      model: `ControllerBox fw ${String(v.major)}.${String(v.minor)}.${String(v.patch)}`,
      currency: this.host.currency,
    });
  }

  async stop(): Promise<void> {
    this.update({ state: 'stopped' });
    await this.host.close();
    await this.release();
  }

  protected async setEnabled(on: boolean): Promise<void> {
    await this.host.setStatusPolling(on);
  }

  /**
   * One card from dispenser `tcd` (DISPENSE_CARD, never resent). `dispensed` when the box said so (or, after a lost
   * answer, its CARD_EVENT came); `refused` when it answered with an error; `uncertain` when its answer was lost and
   * no card event proved the card left.
   */
  async dispenseCard(tcd: number): Promise<CardDispenseResult> {
    if (!this.snap.online) return { status: 'refused', tcd, reason: `${this.id} is offline`, code: ErrorCode.Offline };
    if (this.loseNextAnswer && this.sim) {
      this.loseNextAnswer = false;
      void this.sim.powerCycle(LOSE_ANSWER_OFF_MS);
    }
    this.setState('busy');
    try {
      await this.host.dispenseCard(tcd);
      return { status: 'dispensed', tcd };
    } catch (error) {
      const code = isKioskbusError(error) ? error.code : undefined;
      return {
        status: code === ErrorCode.Uncertain ? 'uncertain' : 'refused',
        tcd,
        reason: messageOf(error),
        ...(code !== undefined ? { code } : {}),
      };
    } finally {
      this.setState(this.idleState());
    }
  }

  override async simulate(action: SimAction): Promise<void> {
    const sim = this.sim;
    if (!sim) throw this.unsupported(action);
    switch (action.action) {
      case 'insert':
        if (!action.value) throw new KioskbusError(ErrorCode.InvalidArgument, 'insert needs a value');
        if (action.value.currency !== this.host.currency) {
          throw new KioskbusError(
            ErrorCode.InvalidArgument,
            `${this.id} takes ${this.host.currency}, not ${action.value.currency}`,
          );
        }
        await sim.acceptBill(action.value.amount);
        return;
      case 'tap':
        await sim.tapRfid({ rfid: Uint8Array.of(0x04, 0xa2, 0x2b, 0x1a), money: action.value?.amount ?? 0 });
        return;
      case 'jam':
        await sim.raiseError(BILL_ACCEPTOR_ERROR);
        return;
      case 'clear-jam':
        await sim.raiseError(0);
        return;
      case 'lose-answer':
        this.loseNextAnswer = true;
        return;
      default:
        throw this.unsupported(action);
    }
  }
}
