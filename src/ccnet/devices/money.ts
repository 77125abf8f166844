/**
 * How a CCNET money-moving command (B2B DISPENSE, UNLOAD, RECYCLING CASSETTE UNLOAD; coin DISPENSE; card VEND
 * REQUEST / REFUND) is run: one at a time per device as far as the host can see, sent once, and, when its answer is
 * in doubt, settled by asking the device (never resent) and reported as a typed `uncertain` outcome.
 */
import type { Clock } from '../../core/clock.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
import { describeTries, type TryRecord } from '../link.js';

/** What every decoded POLL answer has. */
export interface PolledState {
  code: number;
  name: string;
  raw: Uint8Array;
}

/** What is known about a money-moving command whose answer was in doubt. */
export interface UncertainOutcome {
  command: string;
  address: number;
  /** Every try and what happened on it (one for a money-moving command: it is never resent blindly). */
  tries: TryRecord[];
  /** The device's POLL state after the doubt (undefined: it did not answer the POLL either). */
  stateAfter: string | undefined;
  stateAfterRaw: Uint8Array | undefined;
  /** POLL states seen from the command until the check, in order (the command's progress shows here). */
  statesSeen: string[];
  /**
   * `executed`: the device shows the command's progress or result (DISPENSING, UNLOADED, VENDING, PAYOUT BUSY...);
   * `no-sign`: it answered but shows nothing of the command (it most likely did not act, but the wire cannot prove
   * it); `no-answer`: it did not answer the check either.
   */
  evidence: 'executed' | 'no-sign' | 'no-answer';
  /** Further facts read from the device after the doubt (cassette status, tube counts). */
  facts: Record<string, unknown>;
  /** The link error that raised the doubt. */
  cause: KioskbusError;
}

/** Link errors after which a command may or may not have reached the device. */
export function isDoubt(error: unknown): error is KioskbusError {
  return (
    isKioskbusError(error) &&
    (error.code === ErrorCode.Timeout || error.code === ErrorCode.CrcMismatch || error.code === ErrorCode.Nak)
  );
}

/**
 * One money-moving operation at a time per device, as far as the host can see. An operation counts as running from
 * the moment its command is sent until a POLL answered after the command shows the device idle again (`idle`: the
 * states of a device with nothing to do, a finished operation's result included). While one runs (or may run: its
 * answer was in doubt), a new one waits, bounded, then fails DEVICE_BUSY without being sent; so the progress a POLL
 * shows after a command always belongs to that command, never to the one before.
 */
export class MoneyGuard {
  private running: { command: string; sent: boolean } | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly idle: ReadonlySet<string>,
    private readonly waitMs = 5000,
  ) {}

  /** The command still running (or whose end the host has not seen yet). */
  get busyWith(): string | undefined {
    return this.running?.command;
  }

  /** Every POLL state the device handles. */
  observe(name: string): void {
    if (this.running?.sent !== true || !this.idle.has(name)) return;
    this.running = undefined;
    for (const w of [...this.waiters]) w();
  }

  /** The device was set up again (RESET): nothing of ours runs any more. */
  clear(): void {
    this.running = undefined;
    for (const w of [...this.waiters]) w();
  }

  /** Waits (at most `waitMs`) until no operation runs, then marks `command` as running. */
  async begin(command: string, address: number): Promise<void> {
    const deadline = this.clock.now() + this.waitMs;
    while (this.running) {
      const left = deadline - this.clock.now();
      if (left <= 0) {
        throw new KioskbusError(
          ErrorCode.DeviceBusy,
          `${command} to device ${address} not sent: the previous ${this.running.command} has not been seen to finish`,
          { address, command, previous: this.running.command },
        );
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.clock.clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = this.clock.setTimeout(done, left);
        this.waiters.add(done);
      });
    }
    this.running = { command, sent: false };
  }

  /** The command's exchange is over (answered, refused or in doubt); a refusal ends the operation at once. */
  sent(refused: boolean): void {
    if (!this.running) return;
    if (refused) this.clear();
    else this.running.sent = true;
  }
}

export interface MoneyCommandOptions {
  command: string;
  address: number;
  /** Sends the command once (the bus never resends a money-moving command). */
  send: () => Promise<void>;
  /** Registers a listener for every POLL state the device handles; returns its removal. */
  watchStates: (listener: (name: string) => void) => () => void;
  /** One POLL through the device (its events are reported and ACKed as usual). */
  poll: () => Promise<PolledState>;
  /** States that show the command ran. */
  executedStates: ReadonlySet<string>;
  /** Reads further facts after the doubt (cassettes, tubes); failures are recorded, never thrown. */
  facts?: () => Promise<Record<string, unknown>>;
  /** Called with the outcome before the rejection (the device's `uncertain` event). */
  report: (outcome: UncertainOutcome) => void;
  /** The device's guard: one money operation at a time. */
  guard: MoneyGuard;
}

/**
 * Runs a money-moving command. When its answer is in doubt (no answer, a damaged answer, a NAK that may follow a
 * command the device took), it is not resent: the device is asked (POLL, plus `facts`), the outcome is reported,
 * and the call rejects with UNCERTAIN carrying what is known. Other errors are rethrown as they are.
 */
export async function runMoneyCommand(options: MoneyCommandOptions): Promise<void> {
  await options.guard.begin(options.command, options.address);
  const seen: string[] = [];
  const unwatch = options.watchStates((name) => seen.push(name));
  try {
    try {
      await options.send();
      options.guard.sent(false);
      return;
    } catch (error) {
      options.guard.sent(!isDoubt(error));
      if (!isDoubt(error)) throw error;
      const outcome = await inspectAfterDoubt(options, error, seen);
      options.report(outcome);
      throw uncertainError(outcome);
    }
  } finally {
    unwatch();
  }
}

async function inspectAfterDoubt(
  options: MoneyCommandOptions,
  cause: KioskbusError,
  seen: string[],
): Promise<UncertainOutcome> {
  let after: PolledState | undefined;
  for (let i = 0; i < 3 && after === undefined; i++) {
    try {
      after = await options.poll();
    } catch (error) {
      if (!isDoubt(error)) break;
    }
  }
  let facts: Record<string, unknown> = {};
  if (after && options.facts) {
    try {
      facts = await options.facts();
    } catch (error) {
      facts = { factsError: error instanceof Error ? error.message : String(error) };
    }
  }
  const tries = (cause.context.tries as TryRecord[] | undefined) ?? [];
  const executed = seen.some((name) => options.executedStates.has(name));
  return {
    command: options.command,
    address: options.address,
    tries,
    stateAfter: after?.name,
    stateAfterRaw: after?.raw,
    statesSeen: [...seen],
    evidence: executed ? 'executed' : after ? 'no-sign' : 'no-answer',
    facts,
    cause,
  };
}

/** The UNCERTAIN error of an outcome (its context holds what is known). */
export function uncertainError(o: UncertainOutcome): KioskbusError {
  const verdict =
    o.evidence === 'executed'
      ? `the device shows it ran (states seen: ${o.statesSeen.join(', ')})`
      : o.evidence === 'no-sign'
        ? `the device shows no sign of it (state ${o.stateAfter ?? '?'}), but the wire cannot prove it did not act`
        : 'the device did not answer the check either';
  return new KioskbusError(
    ErrorCode.Uncertain,
    `${o.command} to device ${o.address}: outcome uncertain (${describeTries(o.tries)}); not resent; ${verdict}`,
    {
      address: o.address,
      command: o.command,
      tries: o.tries,
      stateAfter: o.stateAfter,
      statesSeen: o.statesSeen,
      evidence: o.evidence,
      facts: o.facts,
      cause: o.cause.message,
      causeCode: o.cause.code,
      ...(o.stateAfterRaw ? { raw: o.stateAfterRaw } : {}),
    },
    { cause: o.cause },
  );
}
