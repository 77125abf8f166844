/**
 * The service's heart, without HTTP: owns the devices and the journal. Every credit, payout request, payout result
 * and uncertain outcome is journalled (fdatasync) before a listener hears of it; every other device event is
 * journalled too, so each message carries a journal seq. Payouts are idempotent by client `transaction`.
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { assertCurrency, assertMinorUnits, type Money } from '../core/money.js';
import type { Journal, JournalRecord } from '../journal/types.js';
import { AlertTracker, type Alert, type AlertChange } from './alerts.js';
import type { DeviceConfig, ServiceConfig } from './config.js';
import { messageOf } from './devices/base.js';
import type { DeviceEvent, DeviceSnapshot, PayoutResult, ServiceDevice, SimAction } from './devices/types.js';
import { SIM_ACTIONS } from './devices/types.js';
import { Operations, type CardOutcome, type OperationOutcome, type PayoutOutcome } from './operations.js';

export type { CardOutcome, OperationOutcome, PayoutOutcome } from './operations.js';

/** A message to clients (WebSocket, MQTT): every one names its device (when it has one) and a journal seq. */
export type ServiceMessage =
  | { type: 'state'; device: string; seq: number; state: DeviceSnapshot; alerts: Alert[] }
  | { type: 'event'; device: string; seq: number; ts: number; event: DeviceEvent }
  | { type: 'credit'; device: string; seq: number; ts: number; value: Money; replay?: boolean; [key: string]: unknown }
  | { type: 'payout'; device: string; seq: number; ts: number; outcome: PayoutOutcome }
  | { type: 'vend'; device: string; seq: number; ts: number; outcome: PayoutOutcome }
  | { type: 'card'; device: string; seq: number; ts: number; outcome: CardOutcome }
  | { type: 'alert'; device: string; seq: number; active: boolean; alert: Alert }
  | { type: 'ack'; seq: number; credits: number[] };

export interface DeviceView extends DeviceSnapshot {
  alerts: Alert[];
}

export interface CreditView {
  seq: number;
  ts: number;
  device: string;
  value: Money;
}

function creditView(record: JournalRecord): CreditView {
  const b = record.body;
  return {
    seq: record.seq,
    ts: record.ts,
    device: String(b.device),
    value: { amount: Number(b.amount), currency: String(b.currency) },
  };
}

export class KioskService {
  readonly kiosk: string;
  private readonly devices = new Map<string, { device: ServiceDevice; config: DeviceConfig; cashboxFull: boolean }>();
  private readonly listeners = new Set<(message: ServiceMessage) => void>();
  private readonly alerts = new AlertTracker();
  private readonly operations: Operations;
  private closing = false;
  private closed = false;

  constructor(
    config: ServiceConfig,
    devices: ServiceDevice[],
    readonly journal: Journal,
    private readonly now: () => number = Date.now,
  ) {
    this.kiosk = config.kiosk;
    devices.forEach((device, i) => {
      const dc = config.devices[i];
      if (!dc) throw new KioskbusError(ErrorCode.InvalidArgument, `no configuration for device ${device.id}`);
      this.devices.set(device.id, { device, config: dc, cashboxFull: false });
      device.on('event', (event) => {
        this.onEvent(device, event);
      });
      device.on('change', () => {
        this.onChange(device);
      });
    });
    this.operations = new Operations(journal, {
      outcome: (outcome, record) => {
        const type = outcome.op === 'dispense_card' ? 'card' : outcome.op;
        this.publish({ type, device: outcome.device, seq: record.seq, ts: record.ts, outcome } as ServiceMessage);
      },
      uncertainChanged: (device) => {
        this.evaluateAlerts(device);
      },
    });
    this.operations.recover();
  }

  /** Starts every device (in parallel); resolves when all have started or failed. */
  async start(): Promise<void> {
    await Promise.all([...this.devices.values()].map(({ device }) => device.start()));
  }

  subscribe(listener: (message: ServiceMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(message: ServiceMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch {
        // a listener's failure is its own; the others still hear
      }
    }
  }

  private onEvent(device: ServiceDevice, event: DeviceEvent): void {
    const entry = this.devices.get(device.id);
    if (event.type === 'cashbox_full' && entry) entry.cashboxFull = true;
    if (event.type === 'cashbox_inserted' && entry) entry.cashboxFull = false;
    try {
      if (event.type === 'credit') {
        const value = event.value as Money;
        const rest: Record<string, unknown> = { ...event };
        delete rest.type;
        delete rest.value;
        const record = this.journal.append('credit', {
          device: device.id,
          amount: value.amount,
          currency: value.currency,
          ...rest,
        });
        this.publish({ type: 'credit', device: device.id, seq: record.seq, ts: record.ts, value, ...rest });
        return;
      }
      const record = this.journal.append('event', { device: device.id, ...event });
      this.publish({ type: 'event', device: device.id, seq: record.seq, ts: record.ts, event });
    } catch (error) {
      // The journal could not take it (closed, disk full): say so loudly; the device's own record still has it.
      process.stderr.write(
        `kioskbus serve: could not journal ${JSON.stringify({ device: device.id, ...event })}: ${messageOf(error)}\n`,
      );
    }
  }

  private onChange(device: ServiceDevice): void {
    if (this.closed) return;
    try {
      this.evaluateAlerts(device.id);
    } catch (error) {
      process.stderr.write(`kioskbus serve: could not journal an alert of ${device.id}: ${messageOf(error)}\n`);
    }
    this.publish({
      type: 'state',
      device: device.id,
      seq: this.journal.lastSeq,
      state: device.snapshot(),
      alerts: this.alerts.of(device.id),
    });
  }

  /**
   * Raises (or clears) the kiosk's `journal_backlog` alert (device `journal`): the journal dropped records a consumer
   * (the MQTT bridge) had not read, because the retention cap was exceeded. Journalled and announced like any alert.
   */
  journalBacklog(active: boolean, detail?: Record<string, unknown>): void {
    if (this.closed) return;
    const change = this.alerts.toggle('journal', 'journal_backlog', active, this.now(), detail);
    if (!change) return;
    const record = this.journal.append('alert', {
      device: 'journal',
      code: change.alert.code,
      active: change.active,
      ...(change.alert.detail ? { detail: change.alert.detail } : {}),
    });
    this.publish({ type: 'alert', device: 'journal', seq: record.seq, active: change.active, alert: change.alert });
  }

  private evaluateAlerts(id: string): void {
    const entry = this.devices.get(id);
    if (!entry) return;
    const changes: AlertChange[] = this.alerts.evaluate(
      {
        snapshot: entry.device.snapshot(),
        uncertain: this.operations.uncertainCount(id),
        cashboxFullReported: entry.cashboxFull,
      },
      entry.config.alerts,
      this.now(),
    );
    for (const change of changes) {
      const record = this.journal.append('alert', {
        device: id,
        code: change.alert.code,
        active: change.active,
        ...(change.alert.detail ? { detail: change.alert.detail } : {}),
      });
      this.publish({ type: 'alert', device: id, seq: record.seq, active: change.active, alert: change.alert });
    }
  }

  // ---- queries -------------------------------------------------------------------------------------------------

  list(): DeviceView[] {
    return [...this.devices.values()].map(({ device }) => ({
      ...device.snapshot(),
      alerts: this.alerts.of(device.id),
    }));
  }

  view(id: string): DeviceView {
    const device = this.device(id);
    return { ...device.snapshot(), alerts: this.alerts.of(id) };
  }

  alertList(): Alert[] {
    return this.alerts.list();
  }

  pendingCredits(): CreditView[] {
    return this.journal.pending().map(creditView);
  }

  journalSince(after: number, limit: number): JournalRecord[] {
    return this.journal.since(after, limit);
  }

  private device(id: string): ServiceDevice {
    const entry = this.devices.get(id);
    if (!entry) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `no device "${id}"; devices: ${[...this.devices.keys()].join(', ')}`,
        {
          status: 404,
        },
      );
    }
    return entry.device;
  }

  // ---- commands ------------------------------------------------------------------------------------------------

  /** Acknowledges credits by seq; returns the seqs that were credits. Unknown seqs are refused. */
  ack(seqs: readonly number[]): number[] {
    const unknown = seqs.filter((s) => !Number.isSafeInteger(s) || !this.journal.ack(s));
    if (unknown.length > 0) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `not credits of this journal: ${unknown.join(', ')}`, {
        status: 404,
      });
    }
    this.publish({ type: 'ack', seq: this.journal.lastSeq, credits: [...seqs] });
    return [...seqs];
  }

  async setEnabled(id: string | undefined, on: boolean): Promise<DeviceView[]> {
    if (this.closing && on) throw new KioskbusError(ErrorCode.Closed, 'the service is shutting down');
    const targets = id === undefined ? [...this.devices.values()].map((e) => e.device) : [this.device(id)];
    const results = await Promise.allSettled(targets.map((d) => (on ? d.enable() : d.disable())));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${targets[i]?.id ?? '?'}: ${messageOf(r.reason)}`] : [],
    );
    if (failed.length > 0 && id !== undefined) {
      throw new KioskbusError(ErrorCode.DeviceError, failed.join('; '), { status: 502 });
    }
    return targets.map((d) => this.view(d.id));
  }

  /**
   * Resets a device's activity counters (after a cash collection): journalled with what they were, then announced.
   * A device that keeps no counters is refused with a reason; one that does not know the command answers so itself.
   */
  async resetCounts(id: string): Promise<{ seq: number; before: unknown }> {
    const device = this.device(id);
    if (!device.resetCounts) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `${id} keeps no activity counters to reset`, { status: 409 });
    }
    const { before } = await device.resetCounts();
    const record = this.journal.append('counts_reset', { device: id, before });
    this.publish({
      type: 'event',
      device: id,
      seq: record.seq,
      ts: record.ts,
      event: { type: 'counts_reset', before },
    });
    return { seq: record.seq, before };
  }

  async simulate(id: string, action: SimAction): Promise<void> {
    const device = this.device(id);
    if (!device.simulate || !device.snapshot().simulated) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `${id} is a real device; only simulated devices take simulator actions`,
        {
          status: 409,
        },
      );
    }
    if (!(SIM_ACTIONS as readonly string[]).includes(action.action)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `action must be one of ${SIM_ACTIONS.join(', ')}`);
    }
    await device.simulate(action);
  }

  /** The stored outcome of a transaction (undefined while it runs or when unknown). */
  outcomeOf(transaction: string): OperationOutcome | undefined {
    return this.operations.outcome(transaction);
  }

  /** The stored outcome of a payout (or any money-moving request) by its transaction. */
  payoutOf(transaction: string): OperationOutcome | undefined {
    return this.operations.outcome(transaction);
  }

  private refuseWhenClosing(): void {
    if (this.closing) throw new KioskbusError(ErrorCode.Closed, 'the service is shutting down', { status: 503 });
  }

  /**
   * Pays `amount` from device `id` under the client's `transaction`. The request is journalled before the device is
   * asked; the outcome is journalled before it is returned. A transaction seen before returns its stored outcome
   * (`replayed: true`) and moves nothing; one still running is awaited.
   */
  async payout(id: string, amount: Money, transaction: string): Promise<PayoutOutcome> {
    return this.moneyOperation(
      'payout',
      id,
      amount,
      transaction,
      'cannot pay out',
      (device) => device.payout !== undefined && device.snapshot().canPayout,
      (device) => device.payout?.(amount),
    );
  }

  /**
   * Charges `amount` to a card at card reader `id` under the client's `transaction` (idempotent like a payout): the
   * reader opens a session and waits up to `waitMs` for a card. `paid` is what the card was charged.
   */
  async vend(id: string, amount: Money, transaction: string, waitMs?: number): Promise<PayoutOutcome> {
    return this.moneyOperation(
      'vend',
      id,
      amount,
      transaction,
      'is not a card reader',
      (device) => device.vend !== undefined && device.snapshot().canVend === true,
      (device) => device.vend?.(amount, waitMs),
    );
  }

  /**
   * A payout or vend of `amount` at device `id` under the client's `transaction` (see `payout`): `id <refusal>` (409)
   * when the device is not `able`, otherwise `act` on it once the request is journalled.
   */
  private async moneyOperation(
    op: 'payout' | 'vend',
    id: string,
    amount: Money,
    transaction: string,
    refusal: string,
    able: (device: ServiceDevice) => boolean,
    act: (device: ServiceDevice) => Promise<PayoutResult> | undefined,
  ): Promise<PayoutOutcome> {
    assertMinorUnits(amount.amount);
    assertCurrency(amount.currency);
    const outcome = await this.operations.run(
      op,
      id,
      transaction,
      { amount: amount.amount, currency: amount.currency },
      () => {
        if (!able(this.device(id))) {
          throw new KioskbusError(ErrorCode.InvalidArgument, `${id} ${refusal}`, { status: 409 });
        }
        this.refuseWhenClosing();
      },
      () => {
        const done = act(this.device(id));
        if (!done) throw new KioskbusError(ErrorCode.InvalidArgument, `${id} ${refusal}`);
        return done;
      },
    );
    return outcome as PayoutOutcome;
  }

  /** Dispenses one card from dispenser `tcd` of device `id` under the client's `transaction` (idempotent). */
  async dispenseCard(id: string, tcd: number, transaction: string): Promise<CardOutcome> {
    if (!Number.isSafeInteger(tcd) || tcd < 0 || tcd > 255) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `tcd must be a dispenser number 0..255, got ${String(tcd)}`);
    }
    const outcome = await this.operations.run(
      'dispense_card',
      id,
      transaction,
      { tcd },
      () => {
        const device = this.device(id);
        const dispensers = device.snapshot().dispensers;
        if (!device.dispenseCard || !dispensers) {
          throw new KioskbusError(ErrorCode.InvalidArgument, `${id} has no card dispensers`, { status: 409 });
        }
        if (!dispensers.includes(tcd)) {
          throw new KioskbusError(
            ErrorCode.InvalidArgument,
            `${id} has no dispenser ${String(tcd)}; it has ${dispensers.join(', ')}`,
            { status: 409 },
          );
        }
        this.refuseWhenClosing();
      },
      () => {
        const device = this.device(id);
        if (!device.dispenseCard) throw new KioskbusError(ErrorCode.InvalidArgument, `${id} has no card dispensers`);
        return device.dispenseCard(tcd);
      },
    );
    return outcome as CardOutcome;
  }

  /**
   * An operator checked the device after an uncertain outcome and says what happened (`paid` for a payout or vend,
   * `dispensed` for a card): journalled as the result (`resolved: true`), which clears `uncertain_pending`.
   */
  resolve(transaction: string, answer: { paid?: Money; dispensed?: boolean }): OperationOutcome {
    return this.operations.resolve(transaction, answer);
  }

  /** Disables every device, lets running payouts finish (at most `graceMs`), stops the devices, closes the journal. */
  async close(graceMs = 30_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.setEnabled(undefined, false).catch(() => undefined);
    await this.operations.settle(graceMs);
    await Promise.allSettled([...this.devices.values()].map(({ device }) => device.stop()));
    this.listeners.clear();
    this.closed = true;
    this.journal.close();
  }
}
