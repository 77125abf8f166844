/**
 * The polling cadence every CCNET host device shares: POLL every `pollIntervalMs`; when the device has
 * not answered for `nonResponseMs` (spec: 5 s) it is offline and the host sends RESET at least every
 * `resetIntervalMs` (spec: at least every 10 s) until it answers again. Timers run on the injected Clock.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';

export interface PollLoopOptions {
  /** Interval between POLLs (spec t-poll 100–200 ms). Default 200 ms. */
  pollIntervalMs?: number;
  /** Silence after which the device counts as offline (spec 5 s). Default 5000 ms. */
  nonResponseMs?: number;
  /** RESET cadence while offline (spec: at least every 10 s). Default 5000 ms, at most 10 000. */
  resetIntervalMs?: number;
}

export interface PollLoopHooks {
  poll(): Promise<void>;
  reset(): Promise<void>;
  /** Called once when the device stopped answering. */
  offline(error: KioskbusError): void;
  /** Called once when an offline device answered RESET again (re-initialise here). */
  online(): Promise<void>;
  /** Anything else that went wrong in a poll (never thrown at the caller). */
  problem(error: KioskbusError): void;
}

/** Errors that mean "the device did not answer properly". */
export function isNoAnswer(error: unknown): error is KioskbusError {
  return (
    isKioskbusError(error) &&
    (error.code === ErrorCode.Timeout || error.code === ErrorCode.CrcMismatch || error.code === ErrorCode.Nak)
  );
}

export class PollLoop {
  readonly pollIntervalMs: number;
  readonly nonResponseMs: number;
  readonly resetIntervalMs: number;
  private timer: TimerHandle | undefined;
  private running = false;
  private busy = false;
  private lastAnswerAt: number;
  private offlineState = false;

  constructor(
    private readonly clock: Clock,
    private readonly hooks: PollLoopHooks,
    options: PollLoopOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.nonResponseMs = options.nonResponseMs ?? 5000;
    this.resetIntervalMs = Math.min(options.resetIntervalMs ?? 5000, 10_000);
    this.lastAnswerAt = clock.now();
  }

  get online(): boolean {
    return !this.offlineState;
  }

  get started(): boolean {
    return this.running;
  }

  /** Records an answer from the device (any command), keeping it online. */
  answered(): void {
    this.lastAnswerAt = this.clock.now();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastAnswerAt = this.clock.now();
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (!this.running || this.busy) return;
    this.busy = true;
    let next = this.pollIntervalMs;
    try {
      if (this.offlineState) {
        try {
          await this.hooks.reset();
          this.answered();
          this.offlineState = false;
          await this.hooks.online();
        } catch (error) {
          // re-initialisation failed half way: stay offline, RESET again later
          this.offlineState = true;
          if (!isNoAnswer(error)) this.report(error);
          next = this.resetIntervalMs;
        }
      } else {
        try {
          await this.hooks.poll();
          this.answered();
        } catch (error) {
          if (isNoAnswer(error)) {
            if (this.clock.now() - this.lastAnswerAt >= this.nonResponseMs) {
              this.offlineState = true;
              this.hooks.offline(
                new KioskbusError(
                  ErrorCode.Offline,
                  `no answer for ${this.clock.now() - this.lastAnswerAt} ms; sending RESET every ${this.resetIntervalMs} ms`,
                  { cause: error.message },
                ),
              );
              next = 0;
            }
          } else this.report(error);
        }
      }
    } finally {
      this.busy = false;
    }
    this.schedule(next);
  }

  private report(error: unknown): void {
    if (isKioskbusError(error)) {
      if (error.code === ErrorCode.Closed || error.code === ErrorCode.Cancelled) return;
      this.hooks.problem(error);
    } else this.hooks.problem(new KioskbusError(ErrorCode.DeviceError, String(error)));
  }
}
