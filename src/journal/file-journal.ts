/**
 * The money journal in a folder: `journal.jsonl` (append-only JSON lines with a CRC32 each, see lines.ts) and
 * `journal.lock` (one writer). Every append is `writeSync` + `fdatasyncSync` before it returns, so a caller that
 * reports an event after `append()` never reports one that is not on disk. Compaction writes `journal.jsonl.new`,
 * syncs it, renames it over the journal and syncs the folder.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { encodeLine, scanJournal } from './lines.js';
import { acquireLock } from './lock.js';
import { OPERATION_REQUEST_TYPES, OPERATION_RESULT_TYPES } from './types.js';
import type { Journal, JournalConsumer, JournalRecord, RetentionOverflow, TransactionRecord } from './types.js';

export interface FileJournalOptions {
  /** The folder of the journal (created when missing). */
  dir: string;
  /** Compact on open, and after an append, once the file is bigger than this (bytes). Default 8 MiB. */
  compactAboveBytes?: number;
  /** Milliseconds since the epoch (tests). Default Date.now. */
  now?: () => number;
  /**
   * Consumers known before the journal opens, by name, with their persisted cursors (the MQTT bridge's): their floor
   * holds from the first compaction on, including the one on open.
   */
  retain?: Readonly<Record<string, number>>;
  /** Retention cap: a compaction that would keep more than this for consumers drops their unread records. 64 MiB. */
  retainMaxBytes?: number;
}

/** What `open` found: records read and bytes cut off a torn last line. */
export interface JournalOpenReport {
  records: number;
  cutBytes: number;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FileJournal implements Journal {
  readonly file: string;
  readonly openReport: JournalOpenReport;
  private fd: number | undefined;
  private bytes: number;
  private seq = 0;
  private readonly records: JournalRecord[] = [];
  private readonly unacked = new Map<number, JournalRecord>();
  private readonly transactions = new Map<string, TransactionRecord>();
  private readonly release: () => void;
  private readonly limit: number;
  /** Compact again only once the file has doubled since the last compaction (payouts are kept for ever). */
  private compactAt: number;
  private readonly now: () => number;
  private readonly consumers = new Map<
    string,
    { cursor: number; onOverflow: ((overflow: RetentionOverflow) => void) | undefined }
  >();
  private readonly retainMax: number;

  constructor(private readonly options: FileJournalOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.file = join(options.dir, 'journal.jsonl');
    this.limit = options.compactAboveBytes ?? 8 * 1024 * 1024;
    this.compactAt = this.limit;
    this.now = options.now ?? Date.now;
    this.retainMax = options.retainMaxBytes ?? 64 * 1024 * 1024;
    for (const [name, cursor] of Object.entries(options.retain ?? {})) {
      this.consumers.set(name, { cursor, onOverflow: undefined });
    }
    this.release = acquireLock(join(options.dir, 'journal.lock'));
    try {
      const created = !existsSync(this.file);
      const data = created ? Buffer.alloc(0) : readFileSync(this.file);
      const scan = scanJournal(data, this.file);
      this.fd = openSync(this.file, created ? 'w+' : 'r+', 0o600);
      if (created) syncDir(options.dir);
      if (scan.cutBytes > 0) ftruncateSync(this.fd, scan.goodBytes);
      this.bytes = scan.goodBytes;
      if (scan.needsNewline) this.write('\n');
      else if (scan.cutBytes > 0) fdatasyncSync(this.fd);
      for (const record of scan.records) this.index(record);
      this.openReport = { records: scan.records.length, cutBytes: scan.cutBytes };
    } catch (error) {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      this.release();
      throw error;
    }
    if (this.bytes > this.compactAt) this.compact();
  }

  get lastSeq(): number {
    return this.seq;
  }

  append(type: string, body: Record<string, unknown>): JournalRecord {
    const record: JournalRecord = { seq: this.seq + 1, ts: this.now(), type, body };
    this.write(encodeLine(record));
    this.index(record);
    if (this.bytes > this.compactAt) this.compact();
    return record;
  }

  ack(seq: number): boolean {
    if (!this.unacked.has(seq)) {
      return this.records.some((r) => r.type === 'credit' && r.seq === seq) || seq <= this.compactedBelow;
    }
    this.append('ack', { credit: seq });
    return true;
  }

  pending(): JournalRecord[] {
    return [...this.unacked.values()];
  }

  since(after: number, limit = 1000): JournalRecord[] {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid]?.seq ?? 0) <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.records.slice(lo, lo + Math.max(0, limit));
  }

  transaction(id: string): TransactionRecord | undefined {
    return this.transactions.get(id);
  }

  compact(): void {
    const fd = this.requireOpen();
    const money = (r: JournalRecord): boolean =>
      (r.type === 'credit' && this.unacked.has(r.seq)) ||
      OPERATION_REQUEST_TYPES.includes(r.type) ||
      OPERATION_RESULT_TYPES.includes(r.type);
    const floor = this.floor();
    let kept = this.records.filter((r) => money(r) || (floor !== undefined && r.seq > floor));
    let lines = kept.map(encodeLine);
    let overflow: RetentionOverflow | undefined;
    const wouldBeBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    if (floor !== undefined && wouldBeBytes > this.retainMax) {
      // the cap wins over the floor: the disk must not fill because a consumer is away
      kept = this.records.filter(money);
      lines = kept.map(encodeLine);
      overflow = {
        consumers: [...this.consumers]
          .filter(([, c]) => c.cursor < this.seq)
          .map(([name, c]) => ({ name, cursor: c.cursor })),
        droppedThrough: this.seq,
        wouldBeBytes,
        capBytes: this.retainMax,
      };
    }
    const markers: JournalRecord[] = [];
    let seq = this.seq;
    if (overflow) {
      seq += 1;
      markers.push({ seq, ts: this.now(), type: 'retention_overflow', body: { ...overflow } });
    }
    seq += 1;
    markers.push({ seq, ts: this.now(), type: 'compacted', body: { below: this.seq } });
    const keep = [...kept, ...markers];
    const text = [...lines, ...markers.map(encodeLine)].join('');
    const next = `${this.file}.new`;
    const out = openSync(next, 'w', 0o600);
    try {
      writeSync(out, text);
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(next, this.file);
    syncDir(this.options.dir);
    closeSync(fd);
    this.fd = openSync(this.file, 'r+');
    this.bytes = Buffer.byteLength(text);
    this.records.length = 0;
    for (const record of keep) this.records.push(record);
    this.seq = seq;
    this.compactAt = Math.max(this.limit, 2 * this.bytes);
    if (overflow) {
      const told = overflow;
      for (const { name } of told.consumers) {
        const listener = this.consumers.get(name)?.onOverflow;
        // after this append (or open) has returned: a listener may append (an alert) itself
        if (listener)
          queueMicrotask(() => {
            listener(told);
          });
      }
    }
  }

  retain(name: string, cursor: number, onOverflow?: (overflow: RetentionOverflow) => void): JournalConsumer {
    const entry = { cursor, onOverflow };
    this.consumers.set(name, entry);
    const consumers = this.consumers;
    return {
      name,
      get cursor() {
        return entry.cursor;
      },
      advance(seq: number) {
        if (seq > entry.cursor) entry.cursor = seq;
      },
      release() {
        if (consumers.get(name) === entry) consumers.delete(name);
      },
    };
  }

  /** The lowest cursor of the registered consumers (undefined: nobody reads the journal by seq). */
  private floor(): number | undefined {
    let floor: number | undefined;
    for (const c of this.consumers.values()) floor = floor === undefined ? c.cursor : Math.min(floor, c.cursor);
    return floor;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.release();
  }

  /** Seqs at or below this were compacted away (acknowledged credits among them). */
  private get compactedBelow(): number {
    let below = 0;
    for (const r of this.records) if (r.type === 'compacted') below = Number(r.body.below);
    return below;
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new KioskbusError(ErrorCode.Closed, `journal ${this.file} is closed`);
    return this.fd;
  }

  private write(text: string): void {
    const fd = this.requireOpen();
    const data = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, this.bytes + done);
    fdatasyncSync(fd);
    this.bytes += data.length;
  }

  private index(record: JournalRecord): void {
    this.seq = record.seq;
    this.records.push(record);
    const body = record.body;
    if (record.type === 'credit') this.unacked.set(record.seq, record);
    else if (record.type === 'ack') this.unacked.delete(Number(body.credit));
    else if (OPERATION_REQUEST_TYPES.includes(record.type) && typeof body.transaction === 'string') {
      this.transactions.set(body.transaction, { request: record });
    } else if (OPERATION_RESULT_TYPES.includes(record.type) && typeof body.transaction === 'string') {
      const known = this.transactions.get(body.transaction);
      if (known) known.result = record;
    }
  }
}
