/**
 * The poll event buffer of a simulated eSSP device.
 *
 * - One-shot events (CREDIT_NOTE, NOTE_STACKED, ...) are queued when they happen and reported once, oldest first.
 * - Status events (READ_NOTE while reading, NOTE_STACKING, jams, DISABLED, ...) are queued when the state begins and
 *   also re-reported by every poll while the state lasts (the manual's "Repeat: yes"); a reply never holds the same
 *   status event twice.
 * - POLL_WITH_ACK: events the manual marks "Poll with Ack" (credits, cleared-into-cashbox, fraud) stay in the reply of
 *   every POLL_WITH_ACK until EVENT_ACK. A plain POLL reports each queued event once and forgets the unacknowledged ones.
 *
 * A reply holds at most `maxBytes` of event data; what does not fit stays queued for the next poll.
 */

import { EVENT_SPECS, type SspEvent, type SspEventName } from '../events.js';

/** Event names of the simulator: the seed library's names, as the eSSP tables define them (src/essp/events.ts). */
export type SimEventName = SspEventName;

/** A device event before encoding: the name and, for channel events, the channel (0 = unknown / still reading). */
export interface SimEvent {
  name: SimEventName;
  channel?: number;
  /** Payout devices: the complete table event (values, items), encoded as it is. */
  event?: SspEvent;
}

/** Events repeated by POLL_WITH_ACK until EVENT_ACK (GA138 event pages, "Poll with Ack: yes"; the tables' `ack`). */
export const ACKED_EVENTS: ReadonlySet<string> = new Set<string>([
  'CREDIT_NOTE',
  'NOTE_CLEARED_TO_CASHBOX',
  'FRAUD_ATTEMPT',
  ...EVENT_SPECS.filter((spec) => spec.ack === true).map((spec) => spec.name),
]);

function sameEvent(a: SimEvent, b: SimEvent): boolean {
  return a.name === b.name && (a.channel ?? -1) === (b.channel ?? -1);
}

export interface TakenEvents {
  events: SimEvent[];
  /** Encoded event bytes, in order (what follows the F0 of the reply). */
  bytes: Uint8Array[];
}

export class EventQueue {
  private queue: SimEvent[] = [];
  private unacked: SimEvent[] = [];
  /** Events dropped because nobody polled (the buffer is bounded like a device's). */
  dropped = 0;

  constructor(
    private readonly onPush?: (event: SimEvent) => void,
    private readonly capacity = 128,
  ) {}

  push(event: SimEvent): void {
    if (this.queue.length >= this.capacity) {
      // Drop the oldest status-like event first; keep money events as long as possible.
      const index = this.queue.findIndex((e) => !ACKED_EVENTS.has(e.name));
      this.queue.splice(index >= 0 ? index : 0, 1);
      this.dropped += 1;
    }
    this.queue.push(event);
    this.onPush?.(event);
  }

  /** Pending events, oldest first (for inspection). */
  get pending(): readonly SimEvent[] {
    return this.queue;
  }

  /** Reported by POLL_WITH_ACK and not yet acknowledged. */
  get awaitingAck(): readonly SimEvent[] {
    return this.unacked;
  }

  clear(): void {
    this.queue = [];
    this.unacked = [];
  }

  /**
   * Takes the events for one poll reply. `status` are the events of the current state, added when not already in the
   * reply. `encode` turns an event into bytes; events stop being added once `maxBytes` would be exceeded.
   */
  take(
    mode: 'poll' | 'pollWithAck',
    status: readonly SimEvent[],
    encode: (event: SimEvent) => Uint8Array,
    maxBytes: number,
  ): TakenEvents {
    const events: SimEvent[] = [];
    const bytes: Uint8Array[] = [];
    let size = 0;
    const add = (event: SimEvent): boolean => {
      const b = encode(event);
      if (size + b.length > maxBytes) return false;
      size += b.length;
      events.push(event);
      bytes.push(b);
      return true;
    };
    if (mode === 'pollWithAck') {
      for (const e of this.unacked) if (!add(e)) return { events, bytes };
    } else {
      this.unacked = [];
    }
    let taken = 0;
    for (const e of this.queue) {
      if (!add(e)) break;
      taken += 1;
      if (mode === 'pollWithAck' && ACKED_EVENTS.has(e.name)) this.unacked.push(e);
    }
    const full = taken < this.queue.length;
    this.queue = this.queue.slice(taken);
    if (!full) {
      for (const s of status) {
        if (events.some((e) => sameEvent(e, s))) continue;
        if (!add(s)) break;
      }
    }
    return { events, bytes };
  }

  /** EVENT_ACK: true when there was something to acknowledge. */
  ack(): boolean {
    if (this.unacked.length === 0) return false;
    this.unacked = [];
    return true;
  }
}
