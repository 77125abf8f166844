/**
 * The operations that move money over time in a simulated payout device: payout, float, empty, smart empty and the
 * NV11 payout/stack note, one item at a time on the simulator clock, with their status and end events.
 *
 * A note paid out waits in the bezel until the customer takes it; HALT_PAYOUT stops after the item in motion; a jam
 * stops the operation until `clearJam()` (JAM_RECOVERY, then it goes on); a power cycle mid-operation puts the item
 * in motion back (or, from the bezel, out) and reports INCOMPLETE_PAYOUT / INCOMPLETE_FLOAT with the exact values at
 * the next start.
 */
import { PAYOUT_ERROR_BYTES } from '../../commands.js';
import type { SspEvent } from '../../events.js';
import type { SimEvent } from '../event-queue.js';
import type { Stock } from './change.js';
import {
  key,
  PayoutLedger,
  tableEvent,
  type Denomination,
  type Item,
  type Operation,
  type OperationKind,
  type Step,
} from './ledger.js';

export abstract class PayoutOperations extends PayoutLedger {
  statusEvents(): SimEvent[] {
    const out: SspEvent[] = [];
    const op = this.op;
    const v = this.core.protocolVersion;
    if (op) {
      if (op.kind === 'payout' || op.kind === 'payoutNote')
        out.push(this.valuesEvent('DISPENSING', op.done, op.currency));
      else if (op.kind === 'float') out.push(this.valuesEvent('FLOATING', op.done, op.currency));
      else if (op.kind === 'empty') out.push(this.simple('EMPTYING'));
      else if (op.kind === 'smartEmpty') out.push(this.valuesEvent('SMART_EMPTYING', op.done, op.currency));
      if (op.phase === 'bezel' && op.current && v >= 8)
        out.push(this.valueEvent('NOTE_HELD_IN_BEZEL', op.current.item));
      if (op.phase === 'jammed') out.push(this.valuesEvent('JAMMED', op.done, op.currency));
      if (op.phase === 'recovering' && v >= 7) out.push(this.simple('JAM_RECOVERY'));
    }
    if (this.config.kind === 'notes' && this.storedCount() >= this.config.capacity * this.config.containers) {
      out.push(this.simple('DEVICE_FULL'));
    }
    return out.map((e) => this.simEvent(e));
  }

  // ---- operations ------------------------------------------------------------------------------------------------

  /** Why a new operation cannot start now (F5 error byte), or undefined. */
  protected refusal(): number | undefined {
    if (!this.core.enabled || !this.payoutEnabled || this.outOfService) return PAYOUT_ERROR_BYTES.disabled;
    if (this.busy()) return PAYOUT_ERROR_BYTES.busy;
    return undefined;
  }

  busy(): boolean {
    return this.op !== undefined;
  }

  /** Stock of a currency by denomination (only what may leave: the top item for LIFO stores). */
  protected stock(currency: string): { denominations: Denomination[]; stock: Stock[] } {
    const denominations = this.denominations.filter((d) => d.currency === currency);
    return {
      denominations,
      stock: denominations.map((d) => ({ value: d.value, count: this.level(d.value, currency) })),
    };
  }

  /** Steps that move `counts` (per denomination) out of the store, to `to`. */
  protected stepsFor(denominations: readonly Denomination[], counts: readonly number[], to: Step['to']): Step[] {
    const steps: Step[] = [];
    const taken = this.containers.map(() => new Set<number>());
    // pay the biggest first, as the devices do
    const order = denominations.map((d, i) => ({ d, n: counts[i] ?? 0 })).sort((a, b) => b.d.value - a.d.value);
    for (const { d, n } of order) {
      let left = n;
      for (let c = this.containers.length - 1; c >= 0 && left > 0; c--) {
        const container = this.containers[c] ?? [];
        for (let i = container.length - 1; i >= 0 && left > 0; i--) {
          const item = container[i];
          if (!item || taken[c]?.has(i) || item.value !== d.value || item.currency !== d.currency) continue;
          taken[c]?.add(i);
          steps.push({ item, container: c, to });
          left--;
        }
      }
    }
    return steps;
  }

  protected start(kind: OperationKind, currency: string, requested: number, steps: Step[]): void {
    this.op = { kind, currency, requested, done: 0, steps, current: undefined, phase: 'moving', halting: false };
    this.opToken++;
    this.lastCashboxOperation = new Map();
    this.core.note(`${kind} of ${String(requested)} ${currency} started (${String(steps.length)} item(s))`);
    this.next();
  }

  private next(): void {
    const op = this.op;
    if (!op) return;
    if (op.halting) {
      this.finish('HALTED');
      return;
    }
    const step = op.steps.shift();
    if (!step) {
      this.finish();
      return;
    }
    const container = this.containers[step.container] ?? [];
    const index = container.lastIndexOf(step.item);
    if (index < 0) {
      // the item left by another way (cannot happen while an operation runs); skip it
      this.next();
      return;
    }
    container.splice(index, 1);
    const a = this.account(step.item.currency);
    a.stored -= step.item.value;
    a.inTransit += step.item.value;
    op.current = step;
    op.phase = 'moving';
    this.scheduleArrival(op);
  }

  private scheduleArrival(op: Operation): void {
    const token = this.opToken;
    const ms = op.current?.to === 'cashbox' ? this.config.timing.cashboxMs : this.config.timing.itemMs;
    this.core.schedule(ms, () => {
      if (this.op === op && this.opToken === token && op.phase === 'moving') this.arrive(op);
    });
  }

  private arrive(op: Operation): void {
    const step = op.current;
    if (!step) return;
    const item = step.item;
    const a = this.account(item.currency);
    if (step.to === 'cashbox') {
      a.inTransit -= item.value;
      a.cashbox += item.value;
      const k = key(item.value, item.currency);
      this.cashbox.set(k, (this.cashbox.get(k) ?? 0) + 1);
      this.lastCashboxOperation.set(k, (this.lastCashboxOperation.get(k) ?? 0) + 1);
      this.counters.transferred += 1;
      this.cashboxArrived?.(item);
      op.done += item.value;
      op.current = undefined;
      if (op.kind === 'stackNote' && this.core.protocolVersion >= 6) {
        this.push(this.valueEvent('NOTE_TRANSFERED_TO_STACKER', item));
      }
      this.next();
      return;
    }
    op.done += item.value;
    this.counters.dispensed += 1;
    if (this.config.kind === 'notes' && this.holdsInBezel()) {
      op.phase = 'bezel';
      const takeMs = this.config.timing.takeNoteMs;
      const token = this.opToken;
      if (takeMs !== undefined) {
        this.core.schedule(takeMs, () => {
          if (this.op === op && this.opToken === token && op.phase === 'bezel') this.taken(op);
        });
      }
      return;
    }
    this.taken(op);
  }

  /** Note devices: whether a paid note waits in the bezel for the customer (NV11: not with NO_HOLD_NOTE_ON_PAYOUT). */
  protected holdsInBezel(): boolean {
    return true;
  }

  private taken(op: Operation): void {
    const step = op.current;
    if (!step) return;
    const a = this.account(step.item.currency);
    a.inTransit -= step.item.value;
    a.paidOut += step.item.value;
    op.current = undefined;
    this.next();
  }

  private finish(override?: 'HALTED' | 'TIME_OUT'): void {
    const op = this.op;
    if (!op) return;
    this.op = undefined;
    this.opToken++;
    const endName =
      override ??
      (op.kind === 'payout' || op.kind === 'payoutNote'
        ? 'DISPENSED'
        : op.kind === 'float'
          ? 'FLOATED'
          : op.kind === 'smartEmpty'
            ? 'SMART_EMPTIED'
            : op.kind === 'empty'
              ? 'EMPTIED'
              : undefined);
    if (endName === 'EMPTIED') this.push(this.simple('EMPTIED'));
    else if (endName !== undefined) this.push(this.valuesEvent(endName, op.done, op.currency));
    this.core.note(`${op.kind} finished${override ? ` (${override})` : ''}: ${String(op.done)} ${op.currency}`);
  }

  // ---- scripting: the mechanics ------------------------------------------------------------------------------------

  /** The customer takes the note held in the bezel. */
  takeNote(): boolean {
    const op = this.op;
    if (op?.phase !== 'bezel') return false;
    this.taken(op);
    return true;
  }

  /** The item in motion jams: the operation stops (JAMMED; ERROR_DURING_PAYOUT at v>=7) until `clearJam()`. */
  jam(): boolean {
    const op = this.op;
    if (op?.phase !== 'moving' || !op.current) return false;
    op.phase = 'jammed';
    if (this.config.kind === 'notes' && this.core.protocolVersion >= 7) this.errorDuringPayout(op, 0x01);
    this.core.note('payout jammed');
    return true;
  }

  /** Service clears the jam: JAM_RECOVERY, then the item goes on and the operation continues. */
  clearJam(): boolean {
    const op = this.op;
    if (op?.phase !== 'jammed') return false;
    op.phase = 'recovering';
    const token = this.opToken;
    this.core.schedule(this.config.timing.jamRecoveryMs, () => {
      if (this.op !== op || this.opToken !== token || op.phase !== 'recovering') return;
      op.phase = 'moving';
      this.scheduleArrival(op);
    });
    return true;
  }

  /**
   * The mechanism cannot find the next item (stall): the item in motion goes back into the store, the operation
   * ends with TIME_OUT (value paid so far; ERROR_DURING_PAYOUT "payout stalled" at v>=7 on note devices).
   */
  timeOut(): boolean {
    const op = this.op;
    if (!op) return false;
    this.putBack(op);
    if (this.config.kind === 'notes' && this.core.protocolVersion >= 7) this.errorDuringPayout(op, 0x03);
    this.finish('TIME_OUT');
    return true;
  }

  private errorDuringPayout(op: Operation, error: number): void {
    this.push(
      tableEvent({
        name: 'ERROR_DURING_PAYOUT',
        values: [{ value: op.done, currency: op.currency }],
        error,
        reason: '',
      }),
    );
  }

  /** The payout goes out of service (PAYOUT_OUT_OF_SERVICE at v>=6): payouts refused, notes to the cashbox. */
  setOutOfService(out: boolean): void {
    if (out && !this.outOfService && this.core.protocolVersion >= 6) this.push(this.simple('PAYOUT_OUT_OF_SERVICE'));
    this.outOfService = out;
  }

  /** The item in motion (not yet in the bezel) returns into its container. */
  private putBack(op: Operation): void {
    const step = op.current;
    if (!step || op.phase === 'bezel') return;
    const a = this.account(step.item.currency);
    a.inTransit -= step.item.value;
    a.stored += step.item.value;
    this.containers[step.container]?.push(step.item);
    op.current = undefined;
  }

  // ---- behaviour hooks -------------------------------------------------------------------------------------------

  beforePoll(): void {
    this.protocolSeen = this.core.protocolVersion;
  }

  powerUp(): void {
    const op = this.op;
    this.op = undefined;
    this.opToken++;
    this.payoutEnabled = !this.config.needsPayoutEnable;
    if (!op) return;
    const step = op.current;
    if (step && op.phase === 'bezel') {
      // the note had left: it is the customer's
      const a = this.account(step.item.currency);
      a.inTransit -= step.item.value;
      a.paidOut += step.item.value;
      this.noteDispensedAtPowerUp?.(step.item);
      op.current = undefined;
    } else {
      this.putBack(op);
    }
    const item = { paid: op.done, requested: op.requested, currency: op.currency };
    if (op.kind === 'payout' || op.kind === 'payoutNote') {
      this.push(tableEvent({ name: 'INCOMPLETE_PAYOUT', items: [item] }));
    } else if (op.kind === 'float') {
      this.push(tableEvent({ name: 'INCOMPLETE_FLOAT', items: [item] }));
    }
    this.core.note(`power lost during ${op.kind}: ${String(op.done)} of ${String(op.requested)} ${op.currency}`);
  }

  /** NV11: NOTE_DISPENSED_AT_POWER-UP for a note in the bezel at power loss. */
  protected noteDispensedAtPowerUp?(item: Item): void;

  snapshot(): Record<string, unknown> {
    return {
      containers: this.containers.map((c) => c.map((i) => ({ ...i }))),
      operation: this.op ? { ...this.op, steps: this.op.steps.length } : undefined,
      payoutEnabled: this.payoutEnabled,
      outOfService: this.outOfService,
      counters: { ...this.counters },
      accounting: this.accounting(),
    };
  }
}
