/**
 * The box's send queue of statuses and events on one line. A box that resends (the default) sends one frame at a
 * time and waits for the host's answer: RESULT_SUCCESS delivers it; RESULT_COMM_PROTOCOL_CRC_INVALID, _START_STOP_
 * BYTE_INVALID or _TIMEOUT (the host got it damaged) and no answer within `answerTimeoutMs` send it again, up to
 * `maxTries` sends in all, after which it is lost; any other result (RESULT_ERROR, _ID_INVALID) is a refusal and
 * drops it. A box that does not resend writes every frame at once and forgets it.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';

/** Results that tell the box its frame arrived damaged: send it again. */
const RESEND_RESULTS: ReadonlySet<number> = new Set([0x03, 0x04, 0x05]);
const SUCCESS = 0x00;

export interface OutboxItem {
  id: number;
  data: Uint8Array;
  name: string;
  kind: 'status' | 'event';
  /** Statuses with the same key replace each other while waiting (only the latest state matters). */
  key?: string;
}

/** Ground truth for tests and the soak: what the box sent and what became of it. */
export interface OutboxCounters {
  /** Statuses and events queued (each counted once). */
  queued: number;
  /** Frames written again (a resend). */
  resent: number;
  /** Answered with success. */
  delivered: number;
  /** Answered with a refusal. */
  refused: number;
  /** Events given up after `maxTries` sends, or dropped by a power cut (statuses are not counted). */
  lostEvents: number;
  /** `lostEvents` by message name (BILL_ACCEPTED, CARD_EVENT, RFID_DETECTED). */
  lostByName: Record<string, number>;
}

export interface OutboxOptions {
  /** Send one at a time and resend until answered (default true). */
  resend: boolean;
  answerTimeoutMs: number;
  maxTries: number;
  /** Most frames waiting; beyond it new statuses are dropped, events still queue. */
  limit: number;
  clock: Clock;
}

export class Outbox {
  private readonly queue: (OutboxItem & { tries: number })[] = [];
  private timer: TimerHandle | undefined;
  private inFlight = false;

  constructor(
    private readonly write: (id: number, data: Uint8Array) => Promise<void>,
    private readonly options: OutboxOptions,
    private readonly counters: OutboxCounters,
    private readonly onError: (error: unknown) => void,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  /** Queues a status or event (and sends it when the line is free). */
  push(item: OutboxItem): void {
    this.counters.queued += 1;
    if (!this.options.resend) {
      this.write(item.id, item.data).catch(this.onError);
      return;
    }
    if (item.key !== undefined) {
      const waiting = this.queue.findIndex((q, i) => (i > 0 || !this.inFlight) && q.key === item.key);
      if (waiting >= 0) {
        this.queue[waiting] = { ...item, tries: 0 };
        return;
      }
    }
    if (item.kind === 'status' && this.queue.length >= this.options.limit) return;
    this.queue.push({ ...item, tries: 0 });
    if (!this.inFlight) this.sendHead();
  }

  /** The host answered a frame with this id. */
  answer(id: number, result: number): void {
    const head = this.queue[0];
    if (!this.inFlight || !head || head.id !== id) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (RESEND_RESULTS.has(result)) {
      this.retry();
      return;
    }
    if (result === SUCCESS) this.counters.delivered += 1;
    else this.counters.refused += 1;
    this.next();
  }

  /** Drops everything (a power cut): returns the items that were waiting. */
  clear(): OutboxItem[] {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = false;
    const dropped = this.queue.splice(0);
    for (const item of dropped) this.lose(item, 1);
    return dropped;
  }

  /** Puts items back (a box that keeps its queue across a power cut) and sends them. */
  restore(items: readonly OutboxItem[]): void {
    for (const item of items) {
      this.queue.push({ ...item, tries: 0 });
      this.lose(item, -1);
    }
    if (!this.inFlight && this.queue.length > 0) this.sendHead();
  }

  private lose(item: OutboxItem, count: number): void {
    if (item.kind !== 'event') return;
    this.counters.lostEvents += count;
    this.counters.lostByName[item.name] = (this.counters.lostByName[item.name] ?? 0) + count;
  }

  private next(): void {
    this.queue.shift();
    this.inFlight = false;
    if (this.queue.length > 0) this.sendHead();
  }

  private retry(): void {
    const head = this.queue[0];
    if (!head) return;
    if (head.tries >= this.options.maxTries) {
      this.lose(head, 1);
      this.next();
      return;
    }
    this.counters.resent += 1;
    this.sendHead();
  }

  private sendHead(): void {
    const head = this.queue[0];
    if (!head) return;
    this.inFlight = true;
    head.tries += 1;
    this.write(head.id, head.data).catch(this.onError);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.retry();
    }, this.options.answerTimeoutMs);
  }
}
