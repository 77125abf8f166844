/**
 * The one poll loop and recovery contract of every kioskbus device (eSSP, CCNET, ControllerBox). The protocol supplies
 * four hooks (open the port, run the start-up sequence, poll once, probe a silent device); the loop owns the rest:
 *
 * - **fixed-rate polling**: rounds are due at `start + k × pollIntervalMs`; the interval is the period, not a pause after
 *   each poll. A round that overruns its slot is followed at once by the next (no burst to catch up) and counted as a
 *   missed deadline;
 * - **offline once, online once**: silence longer than `offlineAfterMs` or a lost port emits `offline` once; the loop
 *   then reopens the port and probes the device with back-off (`reopenMinMs` doubling up to `reopenMaxMs`); the first
 *   answer emits `online` once and the device is set up again (reason `online`);
 * - **busy**: a start-up sequence that throws BUSY / DEVICE_BUSY (the device is finishing an operation, for example a
 *   note in escrow after an outage) puts the device in `busy`: the loop keeps polling at the period, because the device
 *   needs polls to finish, and retries the start-up with back-off;
 * - **calls while not ready** wait in `whenReady()` at most `readyTimeoutMs` and then fail with a typed NOT_READY.
 *
 * Every state change goes through the pure table of lifecycle.ts. Timers run on the injected Clock.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { ErrorCode, isKioskbusError, KioskbusError, toKioskbusError } from './errors.js';
import { transition, type DeviceState, type InitReason, type LifecycleInput } from './lifecycle.js';

export type { DeviceState, InitReason } from './lifecycle.js';

export interface DeviceLoopHooks {
  /** Opens the port if it is not open (a reopen after a loss). Throws when it cannot. */
  open(): Promise<void>;
  /** The protocol's start-up sequence. Throwing BUSY or DEVICE_BUSY puts the device in `busy` (polled, retried). */
  initialise(reason: InitReason): Promise<void>;
  /**
   * One poll round with its events. No-answer errors (TIMEOUT, CRC_MISMATCH, NAK, OFFLINE) count as silence; port
   * errors (NOT_OPEN, DISCONNECTED, TRANSPORT_ERROR) mean the port is lost; anything else is reported as a `problem`.
   */
  poll(): Promise<void>;
  /** While offline: one short attempt to reach the device. Resolves when it answered. */
  probe(): Promise<void>;
}

export interface DeviceLoopOptions {
  /** The polling period in ms. */
  pollIntervalMs: number;
  /** Silence after which the device is offline; 0: at the first no-answer (for a bus that retries itself). Default 0. */
  offlineAfterMs?: number;
  /** First wait before reaching an offline device again; doubles up to reopenMaxMs. Default 250. */
  reopenMinMs?: number;
  /** Longest wait between attempts to reach an offline device. Default 5000. */
  reopenMaxMs?: number;
  /** Longest wait of `whenReady()` (and so of an application call while the device is not ready). Default 5000. */
  readyTimeoutMs?: number;
  /** Longest time `start()` waits for a device that answers busy. Default 60 000. */
  startTimeoutMs?: number;
  clock?: Clock;
}

export interface DeviceLoopEvents {
  /** Every state change. */
  state: [to: DeviceState, from: DeviceState];
  /** The device stopped answering or its port was lost (once per outage). */
  offline: [error: KioskbusError];
  /** The device answered again after an outage (once); it is set up again next. */
  online: [];
  /** Anything else that went wrong in the background (the loop goes on). */
  problem: [error: KioskbusError];
}

export type FailureKind = 'no-answer' | 'port-lost' | 'busy' | 'stopped' | 'other';

/** How the loop reads an error thrown by a hook. */
export function classifyFailure(error: unknown): FailureKind {
  if (!isKioskbusError(error)) return 'other';
  switch (error.code) {
    case ErrorCode.Timeout:
    case ErrorCode.CrcMismatch:
    case ErrorCode.Nak:
    case ErrorCode.Offline:
      return 'no-answer';
    case ErrorCode.NotOpen:
    case ErrorCode.Disconnected:
    case ErrorCode.TransportError:
      return 'port-lost';
    case ErrorCode.Busy:
    case ErrorCode.DeviceBusy:
      return 'busy';
    case ErrorCode.Closed:
    case ErrorCode.Cancelled:
      return 'stopped';
    default:
      return 'other';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: KioskbusError) => void;
  timer: TimerHandle | undefined;
}

/** Counters for benchmarks and health pages. */
export interface DeviceLoopStats {
  /** Poll rounds run. */
  rounds: number;
  /** Poll rounds the device answered. */
  answered: number;
  /** Rounds that started later than their slot because the previous one overran. */
  missedDeadlines: number;
  /** Outages (offline events). */
  outages: number;
}

export class DeviceLoop extends EventEmitter<DeviceLoopEvents> {
  readonly pollIntervalMs: number;
  readonly offlineAfterMs: number;
  readonly reopenMinMs: number;
  readonly reopenMaxMs: number;
  readonly readyTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly stats: DeviceLoopStats = { rounds: 0, answered: 0, missedDeadlines: 0, outages: 0 };
  private readonly clock: Clock;
  private current: DeviceState = 'closed';
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  /** When the next poll round is due (fixed rate). */
  private due = 0;
  private lastAnswerAt = 0;
  /** A start-up sequence is due (reason), run by the next round. */
  private pendingInit: InitReason | undefined;
  /** Back-off of the start-up retries while busy and of the reconnect attempts while offline. */
  private backoffMs: number;
  private retryInitAt = 0;
  /** The reason of a start-up that met silence and is due again (state `initialising`). */
  private initRetry: InitReason | undefined;
  private readonly waiters = new Set<Waiter>();
  private startWaiter: Waiter | undefined;

  constructor(
    private readonly hooks: DeviceLoopHooks,
    options: DeviceLoopOptions,
  ) {
    super();
    const interval = options.pollIntervalMs;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `pollIntervalMs must be a positive number, got ${interval}`);
    }
    this.pollIntervalMs = interval;
    this.offlineAfterMs = options.offlineAfterMs ?? 0;
    this.reopenMinMs = options.reopenMinMs ?? 250;
    this.reopenMaxMs = Math.max(options.reopenMaxMs ?? 5000, this.reopenMinMs);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 5000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
    this.backoffMs = this.reopenMinMs;
  }

  get state(): DeviceState {
    return this.current;
  }

  /** The state now (a method, so that the compiler does not carry a narrowed state across an await). */
  private is(state: DeviceState): boolean {
    return this.current === state;
  }

  /** True from `start()` until `stop()`. */
  get running(): boolean {
    return this.current !== 'closed';
  }

  /**
   * Opens the port, runs the start-up sequence and starts polling. Resolves when the device is ready; a device that
   * answers busy is polled until it is (at most `startTimeoutMs`). Rejects, and the loop is closed again, when the
   * port cannot be opened or the start-up fails.
   */
  async start(): Promise<void> {
    if (this.current !== 'closed') return this.whenReady();
    this.go('start');
    try {
      await this.hooks.open();
      this.go('opened');
      this.lastAnswerAt = this.clock.now();
      await this.hooks.initialise('start');
    } catch (error) {
      if (classifyFailure(error) === 'busy' && this.is('initialising')) {
        return this.waitForStart(error);
      }
      this.go('failed');
      throw toKioskbusError(error, ErrorCode.DeviceError);
    }
    if (!this.is('initialising')) throw new KioskbusError(ErrorCode.Closed, 'stopped during start-up');
    this.becomeReady();
    return Promise.resolve();
  }

  /** Stops polling and waits for the round in flight. Calls waiting in `whenReady()` fail with NOT_READY. */
  async stop(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current !== 'closed') this.go('stop');
    await this.inFlight?.catch(() => undefined);
  }

  /** Runs the start-up sequence again at the next round (the device reset, powered up, lost its key; or on request). */
  requestInit(reason: InitReason): void {
    if (this.current === 'closed') return;
    this.pendingInit ??= reason;
    if (this.current === 'ready' || this.current === 'busy') this.scheduleAt(this.clock.now());
  }

  /** The device answered (any command): it is not silent. */
  answered(): void {
    this.lastAnswerAt = this.clock.now();
  }

  /**
   * Resolves when the device is ready: at once in `ready`, after at most `readyTimeoutMs` otherwise, else rejects with
   * NOT_READY naming the state. A stopped device rejects at once.
   */
  whenReady(): Promise<void> {
    if (this.current === 'ready') return Promise.resolve();
    if (this.current === 'closed') return Promise.reject(this.notReady('the device is not started'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      waiter.timer = this.clock.setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.notReady(`the device is still ${this.current} after ${this.readyTimeoutMs} ms`));
      }, this.readyTimeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notReady(message: string): KioskbusError {
    return new KioskbusError(ErrorCode.NotReady, message, { state: this.current });
  }

  private waitForStart(cause: unknown): Promise<void> {
    this.go('busy');
    this.retryInitAt = this.clock.now() + this.backoffMs;
    this.scheduleAt(this.clock.now());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      waiter.timer = this.clock.setTimeout(() => {
        this.startWaiter = undefined;
        const error = new KioskbusError(
          ErrorCode.NotReady,
          `the device stayed busy for ${this.startTimeoutMs} ms during start-up`,
          { state: this.current, cause: isKioskbusError(cause) ? cause.message : String(cause) },
        );
        void this.stop().then(() => {
          reject(error);
        });
      }, this.startTimeoutMs);
      this.startWaiter = waiter;
    });
  }

  /** Applies an input to the state table; emits `state` and settles waiters on a change. */
  private go(input: LifecycleInput): void {
    const from = this.current;
    const to = transition(from, input);
    if (to === undefined || to === from) return;
    this.current = to;
    this.safeEmit('state', to, from);
    if (to === 'ready') {
      this.settleWaiters(undefined);
    } else if (to === 'closed') {
      this.settleWaiters(this.notReady('the device was stopped'));
    }
  }

  private settleWaiters(error: KioskbusError | undefined): void {
    const all = [...this.waiters];
    if (this.startWaiter) all.push(this.startWaiter);
    this.waiters.clear();
    this.startWaiter = undefined;
    for (const waiter of all) {
      this.clock.clearTimeout(waiter.timer);
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private becomeReady(): void {
    this.initRetry = undefined;
    this.go('initialised');
    this.backoffMs = this.reopenMinMs;
    this.lastAnswerAt = this.clock.now();
    this.due = this.clock.now();
    this.scheduleAt(this.due);
  }

  private scheduleAt(at: number): void {
    if (this.current === 'closed') return;
    this.clock.clearTimeout(this.timer);
    if (this.inFlight) return; // the round in flight schedules the next one when it ends
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.inFlight = this.round().finally(() => {
          this.inFlight = undefined;
          this.scheduleNext();
        });
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  /** After a round: the next slot at the fixed rate, or the back-off while the device is unreachable. */
  private scheduleNext(): void {
    const now = this.clock.now();
    switch (this.current) {
      case 'closed':
        return;
      case 'offline':
      case 'reopening':
        this.scheduleAt(now + this.backoffMs);
        return;
      default: {
        if (this.pendingInit !== undefined && this.current === 'ready') {
          this.scheduleAt(now);
          return;
        }
        this.due += this.pollIntervalMs;
        if (this.due < now) {
          this.stats.missedDeadlines++;
          this.due = now;
        }
        this.scheduleAt(this.due);
      }
    }
  }

  private async round(): Promise<void> {
    switch (this.current) {
      case 'ready':
        if (this.pendingInit !== undefined) {
          const reason = this.pendingInit;
          this.pendingInit = undefined;
          this.go('reinit');
          await this.runInit(reason);
          return;
        }
        await this.pollRound();
        return;
      case 'busy':
        await this.pollRound();
        if (!this.is('busy')) return;
        if (this.pendingInit !== undefined || this.clock.now() >= this.retryInitAt) {
          const reason = this.pendingInit ?? 'request';
          this.pendingInit = undefined;
          await this.runInit(reason);
        }
        return;
      case 'offline':
        await this.reconnect();
        return;
      case 'initialising':
        if (this.initRetry !== undefined && this.clock.now() >= this.retryInitAt) {
          const reason = this.pendingInit ?? this.initRetry;
          this.pendingInit = undefined;
          this.initRetry = undefined;
          await this.runInit(reason);
        }
        return;
      default:
        return;
    }
  }

  /** A start-up that met silence is tried again after the back-off (until the silence makes the device offline). */
  private retryInit(reason: InitReason): void {
    this.initRetry = reason;
    this.retryInitAt = this.clock.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.reopenMaxMs);
  }

  private async pollRound(): Promise<void> {
    this.stats.rounds++;
    try {
      await this.hooks.poll();
      this.stats.answered++;
      this.answered();
    } catch (error) {
      this.failed(error);
    }
  }

  /** The start-up sequence from `initialising` or `busy`. */
  private async runInit(reason: InitReason): Promise<void> {
    if (this.current === 'busy') this.go('reinit');
    try {
      await this.hooks.initialise(reason);
    } catch (error) {
      if (this.current === 'closed') return;
      const kind = classifyFailure(error);
      if (kind === 'busy') {
        this.answered();
        this.go('busy');
        this.retryInitAt = this.clock.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.reopenMaxMs);
        return;
      }
      if (kind === 'no-answer' || kind === 'port-lost') {
        this.failed(error);
        // silent, but not yet for long enough to be offline: the next round tries the start-up again
        if (this.is('initialising')) this.retryInit(reason);
        return;
      }
      if (kind !== 'stopped') this.problem(error);
      // the device answers but the set-up failed: try again after a pause, polling meanwhile
      this.go('busy');
      this.retryInitAt = this.clock.now() + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.reopenMaxMs);
      return;
    }
    if (this.current !== 'initialising') return;
    this.becomeReady();
  }

  /** A poll or start-up step failed: silence, a lost port, or a problem to report. */
  private failed(error: unknown): void {
    if (this.current === 'closed') return;
    switch (classifyFailure(error)) {
      case 'busy':
        this.answered(); // a busy answer is an answer
        return;
      case 'stopped':
        return;
      case 'port-lost':
        this.goOffline('portLost', error);
        return;
      case 'no-answer':
        if (this.clock.now() - this.lastAnswerAt >= this.offlineAfterMs) this.goOffline('silent', error);
        return;
      default:
        this.problem(error);
    }
  }

  private goOffline(input: 'silent' | 'portLost', cause: unknown): void {
    const wasReachable = this.current !== 'offline' && this.current !== 'reopening';
    this.go(input);
    if (!wasReachable) return;
    this.stats.outages++;
    this.backoffMs = this.reopenMinMs;
    const silentFor = this.clock.now() - this.lastAnswerAt;
    const reason = input === 'portLost' ? 'the port was lost' : `no answer for ${silentFor} ms`;
    const error = new KioskbusError(ErrorCode.Offline, `offline: ${reason}`, {
      cause: isKioskbusError(cause) ? cause.message : String(cause),
      causeCode: isKioskbusError(cause) ? cause.code : undefined,
    });
    this.safeEmit('offline', error);
  }

  /** One attempt to reach an offline device: reopen the port if needed, probe, then set it up again. */
  private async reconnect(): Promise<void> {
    this.go('retry');
    try {
      await this.hooks.open();
      await this.hooks.probe();
    } catch (error) {
      if (this.current === 'closed') return;
      const kind = classifyFailure(error);
      if (kind !== 'no-answer' && kind !== 'port-lost' && kind !== 'stopped') this.problem(error);
      this.go('failed');
      this.backoffMs = Math.min(this.backoffMs * 2, this.reopenMaxMs);
      return;
    }
    if (this.current !== 'reopening') return;
    this.answered();
    this.go('answered');
    this.safeEmit('online');
    this.pendingInit = undefined;
    await this.runInit('online');
  }

  private problem(error: unknown): void {
    this.safeEmit('problem', toKioskbusError(error, ErrorCode.DeviceError));
  }

  /** Emits without letting a throwing listener break the loop (it is reported as a LISTENER_FAILED problem). */
  private safeEmit<K extends keyof DeviceLoopEvents>(name: K, ...args: DeviceLoopEvents[K]): void {
    try {
      (this.emit as (name: K, ...args: DeviceLoopEvents[K]) => boolean)(name, ...args);
    } catch (error) {
      if (name === 'problem') return;
      this.safeEmit(
        'problem',
        new KioskbusError(
          ErrorCode.ListenerFailed,
          `a '${name}' listener threw: ${String(error)}`,
          {},
          { cause: error },
        ),
      );
    }
  }
}
