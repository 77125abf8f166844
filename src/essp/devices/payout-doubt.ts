/**
 * Uncertain outcomes of the eSSP commands that move money (PAYOUT_AMOUNT, PAYOUT_BY_DENOMINATION, FLOAT_AMOUNT,
 * FLOAT_BY_DENOMINATION, EMPTY_ALL, SMART_EMPTY, NV11 PAYOUT_NOTE and STACK_NOTE).
 *
 * The sequence bit makes an identical retransmission safe: a device that ran the command and lost its reply answers
 * the resend from its last reply, without running it again. But when every transmission went unanswered, or the port
 * was lost while the command was out, the host cannot tell whether the device ran it. It never guesses and never
 * resends: the call rejects with UNCERTAIN at once, and once the device answers again the host finds out what it can
 * (the payout events it reports: DISPENSING, DISPENSED, HALTED, TIME_OUT, INCOMPLETE_PAYOUT, ...; its levels) and
 * emits one `uncertain` event with everything known. See docs/essp-payout.md, "Uncertain outcomes".
 */
import type { Clock } from '../../core/clock.js';
import type { DeviceState } from '../../core/device-loop.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
import type { SspCommandName } from '../commands.js';
import type { DenominationLevel } from '../decoders.js';
import type { SspEvent, SspValue } from '../events.js';

/** What the host knows about a money-moving command whose outcome the wire could not tell. */
export interface PayoutUncertainty {
  command: SspCommandName;
  /** The amount asked for (minor units) and its currency, when the command had one. */
  requested?: number;
  currency?: string;
  /** Transmissions of the command (identical resends), when the bus knows them. */
  tries?: number;
  /** The error of the last try (TIMEOUT, DISCONNECTED, ...) and its message. */
  cause: ErrorCode;
  message: string;
  /**
   * `ran`: the device reported activity of this kind after the doubt (it received the command);
   * `not-seen`: it answered again, was polled (3 answered poll rounds in `ready`, at least 3 poll periods) and reported
   * none (most likely it never got the command,
   * but a device that lost power in the middle may have forgotten it: compare `levelsAfter` with your records);
   * `unknown`: it did not answer again in time.
   */
  finding: 'ran' | 'not-seen' | 'unknown';
  /** The value the device reported paid (DISPENSED, HALTED, TIME_OUT, INCOMPLETE_PAYOUT, ...), when it did. */
  paid?: number;
  /** The payout events the device reported after the doubt, in order. */
  reported: SspEvent[];
  /** The life-cycle state of the device when the host finished finding out. */
  stateAfter: DeviceState;
  /** The stored levels read after the doubt (when the device answered). */
  levelsAfter?: DenominationLevel[];
}

/**
 * Errors after which a command may or may not have been run: it was sent, and then no reply, or a reply the host could
 * not read (its inner CRC or count failed after decryption, or its data did not decode), which may say it ran.
 */
const IN_DOUBT = new Set<ErrorCode>([
  ErrorCode.Timeout,
  ErrorCode.Disconnected,
  ErrorCode.TransportError,
  ErrorCode.Closed,
  ErrorCode.Cancelled,
  ErrorCode.DecryptFailed,
  ErrorCode.CountMismatch,
  ErrorCode.UnexpectedReply,
  ErrorCode.ShortData,
]);

export function isInDoubt(error: unknown): error is KioskbusError {
  return isKioskbusError(error) && IN_DOUBT.has(error.code);
}

/** Events that tell what the device did with a money-moving command. */
const ACTIVITY = new Set([
  'DISPENSING',
  'DISPENSED',
  'HALTED',
  'TIME_OUT',
  'JAMMED',
  'INCOMPLETE_PAYOUT',
  'INCOMPLETE_FLOAT',
  'FLOATING',
  'FLOATED',
  'EMPTYING',
  'EMPTIED',
  'SMART_EMPTYING',
  'SMART_EMPTIED',
  'CASHBOX_PAID',
  'NOTE_HELD_IN_BEZEL',
  'NOTE_TRANSFERED_TO_STACKER',
  'ERROR_DURING_PAYOUT',
]);

/** Events after which the operation is over (nothing more to wait for). */
const FINAL = new Set([
  'DISPENSED',
  'HALTED',
  'TIME_OUT',
  'INCOMPLETE_PAYOUT',
  'INCOMPLETE_FLOAT',
  'FLOATED',
  'EMPTIED',
  'SMART_EMPTIED',
  'NOTE_TRANSFERED_TO_STACKER',
]);

/** What `findOut` needs of a payout facade. */
export interface DoubtHost {
  readonly state: DeviceState;
  readonly clock: Clock;
  readonly pollIntervalMs: number;
  /** Calls `onEvent` for every poll event and `onState` at every state change; returns the unsubscribe. */
  watch(onEvent: (event: SspEvent) => void, onState: () => void): () => void;
  readLevels(): Promise<DenominationLevel[]>;
  /** Poll rounds the device has answered so far (a counter: only differences count). */
  polls(): number;
}

export interface DoubtOptions {
  /** How long to wait for the device to be ready again. Default 120 000 ms. */
  reachMs?: number;
  /** After it is ready: at least how long to watch its events for activity. Default 3 poll periods. */
  settleMs?: number;
  /** After it is ready: how many answered poll rounds, with no activity, make "not seen". Default 3. */
  settlePolls?: number;
  /** Once activity is seen: how long to wait for the end of the operation. Default 60 000 ms. */
  finishMs?: number;
}

/** The UNCERTAIN error a money-moving call rejects with. */
export function uncertainError(
  command: SspCommandName,
  cause: KioskbusError,
  known: { requested?: number; currency?: string; address: number },
): KioskbusError {
  const tries = typeof cause.context.transmissions === 'number' ? cause.context.transmissions : undefined;
  return new KioskbusError(
    ErrorCode.Uncertain,
    `${command}: the device may or may not have run it (${cause.code}: ${cause.message}); not resent, the outcome follows as an 'uncertain' event`,
    {
      address: known.address,
      command,
      cause: cause.code,
      ...(tries !== undefined ? { tries } : {}),
      ...(known.requested !== undefined ? { requested: known.requested } : {}),
      ...(known.currency !== undefined ? { currency: known.currency } : {}),
    },
    { cause },
  );
}

function paidOf(event: SspEvent): number | undefined {
  if ('items' in event) return event.items.reduce((sum, i) => sum + i.paid, 0);
  if ('values' in event && Array.isArray(event.values)) return firstValue(event.values);
  if ('value' in event) return event.value.value;
  return undefined;
}

function firstValue(values: SspValue[]): number | undefined {
  return values[0]?.value;
}

/**
 * Watches the device after a doubt: waits until it is ready again, collects the activity it reports, reads its
 * levels, and resolves with what is known. Never throws.
 */
export async function findOut(
  host: DoubtHost,
  doubt: Pick<PayoutUncertainty, 'command' | 'requested' | 'currency' | 'tries' | 'cause' | 'message'>,
  options: DoubtOptions = {},
): Promise<PayoutUncertainty> {
  const reported: SspEvent[] = [];
  let finished = false;
  let wake: (() => void) | undefined;
  const onEvent = (event: SspEvent): void => {
    if (!ACTIVITY.has(event.name)) return;
    reported.push(event);
    if (FINAL.has(event.name)) finished = true;
    wake?.();
  };
  const onState = (): void => wake?.();
  const unwatch = host.watch(onEvent, onState);
  /** The state now (a call, so that the compiler does not carry a narrowed state across an await). */
  const state = (): DeviceState => host.state;
  let reached = false as boolean;
  /** Resolves after `ms` or as soon as `done()` holds (checked at every event and state change). */
  const waitUntil = (ms: number, done: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (done()) {
        resolve();
        return;
      }
      const timer = host.clock.setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        if (!done()) return;
        host.clock.clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });
  try {
    // Reached again = ready AND answering: right after the failure the loop may not have noticed the outage yet, so
    // a read of the levels (ungated, harmless) proves the device answers; it is retried until `reachMs` is over.
    const deadline = host.clock.now() + (options.reachMs ?? 120_000);
    let levelsAfter: DenominationLevel[] | undefined;
    const left = (): number => Math.max(0, deadline - host.clock.now());
    const settlePolls = options.settlePolls ?? 3;
    let settled = false;
    while (!settled && host.clock.now() < deadline && state() !== 'closed') {
      await waitUntil(left(), () => state() === 'ready' || state() === 'closed');
      if (state() !== 'ready') break;
      try {
        levelsAfter = await host.readLevels();
        reached = true;
      } catch {
        // not answering yet (or GET_ALL_LEVELS unknown to this device): wait for the loop to get it back
        await waitUntil(Math.min(host.pollIntervalMs * 5, left()), () => false);
        if (state() === 'ready' && reported.length > 0) reached = true;
      }
      if (!reached) continue;
      // Settle: the device must have been POLLED and have answered, in `ready`, `settlePolls` times (and for at least
      // `settleMs`) with no activity before "not seen" can be said. A loop that went back to re-initialising meanwhile
      // polled nothing: the device is reached again first.
      const from = host.polls();
      const until = host.clock.now() + (options.settleMs ?? 3 * host.pollIntervalMs);
      const isFinished = (): boolean => finished;
      while (!isFinished() && state() === 'ready' && host.clock.now() < deadline) {
        if (host.polls() - from >= settlePolls && host.clock.now() >= until) break;
        await waitUntil(Math.min(host.pollIntervalMs, left()), () => finished || state() !== 'ready');
      }
      if (reported.length > 0 && !isFinished()) await waitUntil(options.finishMs ?? 60_000, isFinished);
      if (reported.length === 0 && (state() !== 'ready' || host.polls() - from < settlePolls)) {
        reached = false; // left `ready` (or ran out of time) before it had been polled enough
        continue;
      }
      settled = true;
    }
    let finding: PayoutUncertainty['finding'] = reported.length > 0 ? 'ran' : 'unknown';
    if (settled) {
      levelsAfter = (await host.readLevels().catch(() => undefined)) ?? levelsAfter;
      // after the read: a poll during it may have brought the device's report
      finding = reported.length > 0 ? 'ran' : 'not-seen';
    }
    // one snapshot for the finding, the amount and the list (events after this belong to the application's loop)
    const events = [...reported];
    const last = [...events].reverse().find((e) => FINAL.has(e.name)) ?? events.at(-1);
    const paid = last ? paidOf(last) : undefined;
    if (events.length > 0) finding = 'ran';
    return {
      ...doubt,
      finding,
      ...(paid !== undefined ? { paid } : {}),
      reported: events,
      stateAfter: host.state,
      ...(levelsAfter ? { levelsAfter } : {}),
    };
  } finally {
    unwatch();
  }
}
