/**
 * The money-moving requests of the service (payouts, card vends, card dispenses), idempotent by the client's
 * `transaction`: the request is journalled before the device is asked, the outcome before anyone hears of it; a
 * repeated transaction returns the stored outcome (`replayed: true`) and moves nothing, one still running is awaited;
 * a request found in the journal without an outcome after a restart becomes `uncertain` until an operator resolves it.
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { assertMinorUnits, type Money } from '../core/money.js';
import type { Journal, JournalRecord } from '../journal/types.js';
import { messageOf } from './devices/base.js';
import type { CardDispenseResult, PayoutResult } from './devices/types.js';

export type OperationKind = 'payout' | 'vend' | 'dispense_card';

/** Journal record types of each operation's request and result (`uncertain` is shared, with `op` in its body). */
export const REQUEST_TYPE: Readonly<Record<OperationKind, string>> = {
  payout: 'payout_request',
  vend: 'vend_request',
  dispense_card: 'dispense_request',
};
export const RESULT_TYPE: Readonly<Record<OperationKind, string>> = {
  payout: 'payout_result',
  vend: 'vend_result',
  dispense_card: 'dispense_result',
};

interface Stored {
  transaction: string;
  device: string;
  /** Journal seq of the outcome. */
  seq: number;
  /** True when this answer is the stored outcome of an earlier request with the same transaction. */
  replayed: boolean;
}

/** A payout or a vend: `paid` is what left the device (payout) or what the card was charged (vend). */
export interface PayoutOutcome extends PayoutResult, Stored {
  op: 'payout' | 'vend';
}

export interface CardOutcome extends CardDispenseResult, Stored {
  op: 'dispense_card';
}

export type OperationOutcome = PayoutOutcome | CardOutcome;

const TRANSACTION = /^[\x21-\x7e]{1,128}$/;

function opOfType(type: string): OperationKind | undefined {
  return (Object.keys(REQUEST_TYPE) as OperationKind[]).find((k) => REQUEST_TYPE[k] === type);
}

/** The outcome stored in a result record (`op` from its body; journals written before vends knew only payouts). */
export function outcomeOf(record: JournalRecord, replayed: boolean): OperationOutcome {
  const b = record.body;
  const op = (typeof b.op === 'string' ? b.op : 'payout') as OperationKind;
  const common = {
    transaction: String(b.transaction),
    device: String(b.device),
    seq: record.seq,
    replayed,
    ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
    ...(typeof b.code === 'string' ? { code: b.code } : {}),
  };
  if (op === 'dispense_card') {
    return { op, ...common, status: b.status as CardOutcome['status'], tcd: Number(b.tcd) };
  }
  return {
    op,
    ...common,
    status: b.status as PayoutOutcome['status'],
    requested: b.requested as Money,
    paid: b.paid as Money,
  };
}

/** What a request is about: money (payout, vend) or a card dispenser. Compared with a repeated transaction's. */
export type OperationRequest = { amount: number; currency: string } | { tcd: number };

export interface OperationHooks {
  /** An outcome was journalled (not for replays). */
  outcome(outcome: OperationOutcome, record: JournalRecord): void;
  /** The set of uncertain transactions of `device` changed. */
  uncertainChanged(device: string): void;
}

export class Operations {
  private readonly inflight = new Map<string, Promise<OperationOutcome>>();
  /** Transactions whose last outcome is uncertain, by device. */
  private readonly uncertain = new Map<string, Set<string>>();

  constructor(
    private readonly journal: Journal,
    private readonly hooks: OperationHooks,
  ) {}

  /** Requests journalled before a crash without an outcome become uncertain; then the uncertain set is rebuilt. */
  recover(): void {
    for (const r of this.journal.since(0, Number.MAX_SAFE_INTEGER)) {
      const tx = r.body.transaction;
      const op = opOfType(r.type);
      if (typeof tx !== 'string' || op === undefined || this.journal.transaction(tx)?.result) continue;
      const b = r.body;
      const what =
        op === 'dispense_card'
          ? { status: 'uncertain', tcd: b.tcd }
          : {
              status: 'uncertain',
              requested: { amount: b.amount, currency: b.currency },
              paid: { amount: 0, currency: b.currency },
            };
      this.journal.append('uncertain', {
        transaction: tx,
        device: b.device,
        op,
        ...what,
        reason: `the service stopped while this ${op.replace('_', ' ')} ran; check the device before trying again`,
        code: ErrorCode.Uncertain,
      });
    }
    for (const r of this.journal.since(0, Number.MAX_SAFE_INTEGER)) {
      const tx = r.body.transaction;
      if (typeof tx !== 'string') continue;
      if (r.type === 'uncertain') this.mark(String(r.body.device), tx, true);
      else if (Object.values(RESULT_TYPE).includes(r.type)) this.mark(String(r.body.device), tx, false);
    }
  }

  uncertainCount(device: string): number {
    return this.uncertain.get(device)?.size ?? 0;
  }

  /** The stored outcome of a transaction (undefined while it runs or when unknown). */
  outcome(transaction: string): OperationOutcome | undefined {
    const result = this.journal.transaction(transaction)?.result;
    return result ? outcomeOf(result, true) : undefined;
  }

  /** Resolves when every running request has finished (or after `ms`). */
  async settle(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight.values()]),
      new Promise((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  /**
   * Runs `exec` once for `transaction`: journals the request, runs it, journals the outcome (an exception of `exec`
   * becomes `uncertain`) and tells the hooks. A known transaction returns its stored outcome; the same transaction for
   * another operation, device or request is refused (409). `check` runs only for a new transaction (it may refuse).
   */
  async run(
    op: OperationKind,
    device: string,
    transaction: string,
    request: OperationRequest,
    check: () => void,
    exec: () => Promise<PayoutResult | CardDispenseResult>,
  ): Promise<OperationOutcome> {
    if (!TRANSACTION.test(transaction)) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        'transaction must be 1..128 printable ASCII characters without spaces',
      );
    }
    const running = this.inflight.get(transaction);
    if (running) {
      const outcome = await running;
      this.sameRequest(transaction, op, device, request);
      return { ...outcome, replayed: true };
    }
    const known = this.journal.transaction(transaction);
    if (known) {
      this.sameRequest(transaction, op, device, request);
      if (known.result) return outcomeOf(known.result, true);
    }
    check();
    const run = (async (): Promise<OperationOutcome> => {
      this.journal.append(REQUEST_TYPE[op], { transaction, device, ...request });
      let result: PayoutResult | CardDispenseResult;
      try {
        result = await exec();
      } catch (error) {
        result =
          'tcd' in request
            ? { status: 'uncertain', tcd: request.tcd, reason: messageOf(error) }
            : {
                status: 'uncertain',
                requested: request,
                paid: { amount: 0, currency: request.currency },
                reason: messageOf(error),
              };
      }
      const uncertain = result.status === 'uncertain';
      const record = this.journal.append(uncertain ? 'uncertain' : RESULT_TYPE[op], {
        transaction,
        device,
        op,
        ...result,
      });
      if (uncertain) this.mark(device, transaction, true);
      const outcome = outcomeOf(record, false);
      this.hooks.outcome(outcome, record);
      if (uncertain) this.hooks.uncertainChanged(device);
      return outcome;
    })();
    this.inflight.set(transaction, run);
    try {
      return await run;
    } finally {
      this.inflight.delete(transaction);
    }
  }

  /**
   * An operator checked the device after an uncertain outcome and says what happened: for a payout or vend what was
   * paid (`paid`), for a card dispense whether the card left (`dispensed`). Journalled as the result
   * (`resolved: true`), which clears the `uncertain_pending` alert.
   */
  resolve(transaction: string, answer: { paid?: Money; dispensed?: boolean }): OperationOutcome {
    const known = this.journal.transaction(transaction);
    if (known?.result?.type !== 'uncertain') {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `transaction "${transaction}" has no uncertain outcome to resolve`,
        { status: 409 },
      );
    }
    const b = known.request.body;
    const op = opOfType(known.request.type) ?? 'payout';
    const device = String(b.device);
    let result: Record<string, unknown>;
    if (op === 'dispense_card') {
      if (typeof answer.dispensed !== 'boolean') {
        throw new KioskbusError(ErrorCode.InvalidArgument, 'say whether the card left: {"dispensed": true}');
      }
      result = { status: answer.dispensed ? 'dispensed' : 'refused', tcd: b.tcd };
    } else {
      const paid = answer.paid;
      if (!paid) throw new KioskbusError(ErrorCode.InvalidArgument, 'say what was paid: {"paid": {...}}');
      assertMinorUnits(paid.amount);
      result = { status: 'paid', requested: { amount: b.amount, currency: b.currency }, paid };
    }
    const record = this.journal.append(RESULT_TYPE[op], {
      transaction,
      device,
      op,
      ...result,
      reason: 'resolved by an operator',
      resolved: true,
    });
    this.mark(device, transaction, false);
    const outcome = outcomeOf(record, false);
    this.hooks.outcome(outcome, record);
    this.hooks.uncertainChanged(device);
    return outcome;
  }

  private sameRequest(transaction: string, op: OperationKind, device: string, request: OperationRequest): void {
    const known = this.journal.transaction(transaction)?.request;
    if (!known) return;
    const b = known.body;
    const same =
      known.type === REQUEST_TYPE[op] &&
      b.device === device &&
      ('tcd' in request ? b.tcd === request.tcd : b.amount === request.amount && b.currency === request.currency);
    if (!same) {
      const what = 'tcd' in b ? `a card from dispenser ${String(b.tcd)}` : `${String(b.amount)} ${String(b.currency)}`;
      const kind = opOfType(known.type) ?? 'payout';
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `transaction "${transaction}" was used for a ${kind.replace('_', ' ')} of ${what} from ${String(b.device)}; use a new transaction id`,
        { status: 409 },
      );
    }
  }

  private mark(device: string, transaction: string, on: boolean): void {
    let set = this.uncertain.get(device);
    if (!set) {
      set = new Set();
      this.uncertain.set(device, set);
    }
    if (on) set.add(transaction);
    else set.delete(transaction);
  }
}
