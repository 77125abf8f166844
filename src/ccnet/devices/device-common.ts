/**
 * Plumbing the CCNET host devices (bill validator / B2B, coin changer, card reader) share: the POLL loop
 * wiring, the state description used in ILLEGAL COMMAND errors, "wait until the device left its start-up
 * states", waiting for a named state, and the rule that tells a repeated POLL answer from a new event.
 */
import { bytesEqual } from '../../core/bytes.js';
import { delay, type Clock } from '../../core/clock.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { CcnetLink } from '../link.js';
import { PollLoop, type PollLoopOptions } from './poll-loop.js';

/** What every decoded POLL answer has. */
export interface PolledState {
  code: number;
  name: string;
  raw: Uint8Array;
}

/** `IDLING (14H)`: the state named in ILLEGAL COMMAND errors. */
export function describeState(state: PolledState | undefined): string | undefined {
  return state ? `${state.name} (${state.code.toString(16).toUpperCase()}H)` : undefined;
}

/** The part of a device the shared POLL loop drives. */
export interface LoopDevice {
  readonly clock: Clock;
  poll(): Promise<unknown>;
  reset(): Promise<void>;
  emit(event: 'offline' | 'problem', error: KioskbusError): boolean;
  emit(event: 'online'): boolean;
}

/**
 * The POLL loop of one device: POLL, RESET while offline, and on coming back `emit('online')`, then
 * `reinitialise()` (forget the old state, wait until ready, re-enable what was enabled).
 */
export function createDeviceLoop(
  device: LoopDevice,
  reinitialise: () => Promise<void>,
  options: PollLoopOptions,
  onOffline?: () => void,
): PollLoop {
  return new PollLoop(
    device.clock,
    {
      poll: async () => {
        await device.poll();
      },
      reset: () => device.reset(),
      offline: (error) => {
        onOffline?.();
        device.emit('offline', error);
      },
      online: async () => {
        device.emit('online');
        await reinitialise();
      },
      problem: (error) => device.emit('problem', error),
    },
    options,
  );
}

/**
 * POLLs (`poll`) until `ready(state)`; between POLLs waits `pauseMs(state)`. Throws TIMEOUT with `message`
 * when the device is still not ready after `timeoutMs`.
 */
export async function pollUntil<S extends PolledState>(
  clock: Clock,
  poll: () => Promise<S>,
  ready: (state: S) => boolean,
  options: { timeoutMs: number; pauseMs: (state: S) => number; message: (state: S) => string; address: number },
): Promise<S> {
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const s = await poll();
    if (ready(s)) return s;
    if (clock.now() >= deadline) {
      throw new KioskbusError(ErrorCode.Timeout, options.message(s), { address: options.address, raw: s.raw });
    }
    await delay(options.pauseMs(s), clock);
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
 * our ACK, so the same bytes twice in a row can be one event or two:
 *
 * - a steady state (IDLING, ESCROW, a fault) with the same bytes is the same state: never a new event;
 * - an event state (a credit, a return, a vend result) with the same bytes is a repeat only when the ACK
 *   of the previous answer is in doubt: the link saw trouble since then (resend, timeout, NAK, damaged or
 *   stray frame, an ACK that could not be written), or the answer is the very next POLL after it, within
 *   `windowMs` (a device that silently missed our ACK repeats at the next POLL). An identical event after a
 *   longer quiet gap on a clean line is a new event: the ACK went out and nothing disturbed the line.
 */
export class RepeatFilter {
  private last: { raw: Uint8Array; at: number; trouble: number } | undefined;

  constructor(
    private readonly link: CcnetLink,
    readonly windowMs: number,
  ) {}

  /** `link.lineTrouble` now: take it just before sending the POLL whose answer goes to `isRepeat`. */
  sample(): number {
    return this.link.lineTrouble;
  }

  /**
   * Records `raw` (answered at `now` to a POLL sent when the trouble count was `troubleAtSend`) and says
   * whether it repeats the previous answer.
   */
  isRepeat(raw: Uint8Array, isEvent: boolean, now: number, troubleAtSend: number): boolean {
    const prev = this.last;
    this.last = { raw, at: now, trouble: this.link.lineTrouble };
    if (!prev || !bytesEqual(prev.raw, raw)) return false;
    if (!isEvent) return true;
    return troubleAtSend !== prev.trouble || now - prev.at <= this.windowMs;
  }

  /** Forgets the previous answer (after RESET / re-initialisation). */
  forget(): void {
    this.last = undefined;
  }
}
