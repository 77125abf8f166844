/**
 * Plumbing the CCNET host devices (bill validator / B2B, coin changer, card reader) share: the state description
 * used in ILLEGAL COMMAND errors, "wait until the device left its start-up states", waiting for a named state, the
 * rule that tells a repeated POLL answer from a new event. Money-moving commands: ./money.ts (re-exported here).
 */
import { bytesEqual } from '../../core/bytes.js';
import { delay, type Clock } from '../../core/clock.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { CcnetLink } from '../link.js';
import type { PolledState } from './money.js';

/** `IDLING (14H)`: the state named in ILLEGAL COMMAND errors. */
export function describeState(state: PolledState | undefined): string | undefined {
  return state ? `${state.name} (${state.code.toString(16).toUpperCase()}H)` : undefined;
}

/**
 * POLLs (`poll`) until `ready(state)`, at a fixed rate: POLLs are due every `pauseMs(state)` from the previous due
 * time (the pause is the period, not a gap after each answer). Throws TIMEOUT with `message` when the device is
 * still not ready after `timeoutMs`.
 */
export async function pollUntil<S extends PolledState>(
  clock: Clock,
  poll: () => Promise<S>,
  ready: (state: S) => boolean,
  options: { timeoutMs: number; pauseMs: (state: S) => number; message: (state: S) => string; address: number },
): Promise<S> {
  const deadline = clock.now() + options.timeoutMs;
  let due = clock.now();
  for (;;) {
    const s = await poll();
    if (ready(s)) return s;
    const now = clock.now();
    if (now >= deadline) {
      throw new KioskbusError(ErrorCode.Timeout, options.message(s), { address: options.address, raw: s.raw });
    }
    due = Math.max(due + options.pauseMs(s), now);
    if (due > now) await delay(due - now, clock);
  }
}

/** Promises waiting for a state by name, fed by the device's POLL handling. */
export class StateWaiters<S extends PolledState> {
  private readonly waiters = new Set<(s: S) => void>();

  constructor(private readonly clock: Clock) {}

  /** Resolves with the next state whose name is in `names`; rejects with TIMEOUT (`what`) after `timeoutMs`. */
  wait(names: readonly string[], timeoutMs: number, what: string): Promise<S> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(check);
        reject(new KioskbusError(ErrorCode.Timeout, `no ${names.join('/')} from ${what} in ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (s: S): void => {
        if (!names.includes(s.name)) return;
        this.clock.clearTimeout(timer);
        this.waiters.delete(check);
        resolve(s);
      };
      this.waiters.add(check);
    });
  }

  notify(state: S): void {
    for (const w of [...this.waiters]) w(state);
  }
}

/**
 * Tells a repeated POLL answer from a new one. A CCNET device repeats its last answer when it did not see
 * our ACK, so the same bytes twice in a row can be one event or two. The rule asks whether our ACK of the
 * previous answer can have been lost:
 *
 * - a steady state (IDLING, ESCROW, a fault) with the same bytes is the same state: never a new event;
 * - an event state (a credit, a return, a vend result) with the same bytes is a repeat when the line saw
 *   trouble on this address or unattributable trouble (resend, timeout, NAK either way, damaged or stray
 *   frame, an ACK that could not be written) anywhere from the previous answer up to and including the POLL
 *   exchange that brought this one back (a lost POLL answer and its resend included); or, on a clean line,
 *   when this POLL was the next one after the previous answer, sent within `windowMs` (a device that
 *   silently missed our ACK repeats at the next POLL). The window is derived from the link's real timing:
 *   the poll period plus one response timeout, t-free and the wire time of one exchange (another device's
 *   exchange on the same bus can delay our POLL by that much).
 *
 * An identical event to a POLL sent later on a clean line is a new event: the ACK went out and nothing
 * disturbed the line.
 */
export class RepeatFilter {
  private last: { raw: Uint8Array; at: number; trouble: number } | undefined;
  readonly windowMs: number;

  constructor(
    private readonly link: CcnetLink,
    private readonly address: number,
    windowMs: number | undefined,
    pollIntervalMs: number,
  ) {
    this.windowMs = windowMs ?? nextPollWindowMs(link, pollIntervalMs);
  }

  /** Take just before sending the POLL whose answer goes to `isRepeat`. */
  sample(): { at: number; trouble: number } {
    return { at: this.link.clock.now(), trouble: this.link.troubleFor(this.address) };
  }

  /**
   * Records `raw` (the answer to the POLL `sent` describes; its exchange, ACK included, is over) and says
   * whether it repeats the previous answer.
   */
  isRepeat(raw: Uint8Array, isEvent: boolean, sent: { at: number; trouble: number }): boolean {
    const prev = this.last;
    const trouble = this.link.troubleFor(this.address);
    this.last = { raw, at: this.link.clock.now(), trouble };
    if (!prev || !bytesEqual(prev.raw, raw)) return false;
    if (!isEvent) return true;
    return trouble !== prev.trouble || sent.at - prev.at <= this.windowMs;
  }

  /** Forgets the previous answer (after RESET / re-initialisation). */
  forget(): void {
    this.last = undefined;
  }
}

/**
 * How late after an answer the next POLL can be sent when the poll loop runs on time: one poll period, plus one
 * other exchange on the bus (response timeout, t-free and its frames on the wire) that may delay it.
 */
export function nextPollWindowMs(link: CcnetLink, pollIntervalMs: number): number {
  const o = link.options;
  // POLL (6) + a short answer (7) + ACK (6) on the wire, twice: ours and one exchange that may sit before it
  return pollIntervalMs + o.responseTimeoutMs + link.tFreeMs + 2 * link.wireTimeMs(19) + o.interByteTimeoutMs;
}

export * from './money.js';
