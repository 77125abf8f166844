/**
 * The money journal's contract. The service writes every credit, payout request, payout result and uncertain outcome
 * here, durably, before anyone hears of it. The file implementation (`FileJournal`) is the default; the interface is
 * kept small so another store (e.g. SQLite) could replace it.
 */

/** Requests of money-moving operations, indexed by their client `transaction` and kept by compaction. */
export const OPERATION_REQUEST_TYPES: readonly string[] = ['payout_request', 'vend_request', 'dispense_request'];
/** Outcomes of those requests (`uncertain` for any of them), indexed and kept the same way. */
export const OPERATION_RESULT_TYPES: readonly string[] = [
  'payout_result',
  'vend_result',
  'dispense_result',
  'uncertain',
];

/** Record types with a meaning for money; other types (device events) are allowed and kept as they are. */
export type MoneyRecordType =
  | 'credit'
  | 'ack'
  | 'payout_request'
  | 'payout_result'
  | 'vend_request'
  | 'vend_result'
  | 'dispense_request'
  | 'dispense_result'
  | 'uncertain';

/** One journal record. `seq` grows by one per append and is never reused, not even across compactions. */
export interface JournalRecord {
  seq: number;
  /** Milliseconds since the epoch when it was written. */
  ts: number;
  type: MoneyRecordType | (string & {});
  /** The record's fields (device id, amount, currency, transaction ...): plain JSON. */
  body: Record<string, unknown>;
}

/** What the journal knows about one money-moving `transaction` (payout, vend, card dispense). */
export interface TransactionRecord {
  request: JournalRecord;
  /** The outcome, once journalled; absent while the payout runs (or when the process died during it). */
  result?: JournalRecord;
}

/** What a compaction dropped although a consumer had not read it (the retention cap was exceeded). */
export interface RetentionOverflow {
  /** The consumers that lost records, with their cursors at the time. */
  consumers: { name: string; cursor: number }[];
  /** Records at or below this seq that were not money records are gone. */
  droppedThrough: number;
  /** Size the journal would have had with every unread record kept (bytes). */
  wouldBeBytes: number;
  capBytes: number;
}

/**
 * A reader of the journal by seq (the MQTT bridge): while it is registered, compaction keeps every record after its
 * cursor (a retention floor), up to the journal's retention cap.
 */
export interface JournalConsumer {
  readonly name: string;
  /** The highest seq it has handled (records after it are kept for it). */
  readonly cursor: number;
  /** Moves the cursor forward (never back). */
  advance(seq: number): void;
  /** Unregisters: its floor no longer holds records. */
  release(): void;
}

export interface Journal {
  /** The highest seq written so far (0 for an empty journal). */
  readonly lastSeq: number;
  /** Appends a record and returns it once it is on disk (fdatasync). Throws when the journal is closed. */
  append(type: string, body: Record<string, unknown>): JournalRecord;
  /** Acknowledges a credit (appends an `ack`); acknowledging one twice is a no-op. Returns false for an unknown seq. */
  ack(seq: number): boolean;
  /** Credits without an `ack`, oldest first. */
  pending(): JournalRecord[];
  /** Records with seq > `after`, oldest first, at most `limit`. Only records still in the file after a compaction. */
  since(after: number, limit?: number): JournalRecord[];
  /** The payout request and result stored under a client `transaction` id. */
  transaction(id: string): TransactionRecord | undefined;
  /**
   * Rewrites the file with what must be kept (pending credits, money-moving requests and outcomes, and every record
   * after the lowest consumer cursor) and renames it into place.
   */
  compact(): void;
  /**
   * Registers (or updates, by `name`) a consumer reading from `cursor`; `onOverflow` hears when a compaction had to
   * drop records it had not read because the retention cap was exceeded.
   */
  retain(name: string, cursor: number, onOverflow?: (overflow: RetentionOverflow) => void): JournalConsumer;
  /** Releases the lock and the file. Idempotent. */
  close(): void;
}
