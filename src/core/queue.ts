import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { ErrorCode, KioskbusError } from './errors.js';

export interface QueueTaskOptions {
  /** Rejects the task with a `TIMEOUT` error (and aborts its signal) after this long. */
  timeoutMs?: number;
  /** Names the task in errors (a command name). */
  label?: string;
  /** Caller's own cancellation. */
  signal?: AbortSignal;
}

interface Entry {
  run: (signal: AbortSignal) => Promise<unknown>;
  options: QueueTaskOptions;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * One request in flight per bus, first in first out. Each task gets an AbortSignal that fires on
 * timeout, on caller cancellation and on `close()`; a task that has settled is never settled twice.
 */
export class CommandQueue {
  private readonly pending: Entry[] = [];
  private running = false;
  private closedWith: KioskbusError | undefined;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Number of tasks waiting (not counting the one running). */
  get size(): number {
    return this.pending.length;
  }

  get busy(): boolean {
    return this.running;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  run<T>(task: (signal: AbortSignal) => Promise<T>, options: QueueTaskOptions = {}): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (options.signal?.aborted) {
      return Promise.reject(
        new KioskbusError(ErrorCode.Cancelled, `${options.label ?? 'request'} cancelled before it started`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: task, options, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Rejects every waiting task and aborts the running one. Later `run` calls reject at once. */
  close(reason = 'queue closed'): void {
    if (this.closedWith) return;
    this.closedWith = new KioskbusError(ErrorCode.Closed, reason);
    const waiting = this.pending.splice(0);
    for (const entry of waiting) {
      entry.reject(new KioskbusError(ErrorCode.Closed, `${entry.options.label ?? 'request'} cancelled: ${reason}`));
    }
    this.abortCurrent?.(this.closedWith);
  }

  private abortCurrent: ((reason: KioskbusError) => void) | undefined;

  private pump(): void {
    if (this.running) return;
    const entry = this.pending.shift();
    if (!entry) return;
    this.running = true;
    const controller = new AbortController();
    let settled = false;
    let timer: TimerHandle | undefined;
    const label = entry.options.label ?? 'request';

    const finish = (ok: boolean, value: unknown): void => {
      if (settled) return;
      settled = true;
      this.clock.clearTimeout(timer);
      entry.options.signal?.removeEventListener('abort', onCallerAbort);
      this.abortCurrent = undefined;
      if (ok) entry.resolve(value);
      else entry.reject(value);
      this.running = false;
      this.pump();
    };
    const abort = (reason: KioskbusError): void => {
      controller.abort(reason);
      finish(false, reason);
    };
    const onCallerAbort = (): void => {
      abort(new KioskbusError(ErrorCode.Cancelled, `${label} cancelled`));
    };
    this.abortCurrent = abort;
    entry.options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (entry.options.timeoutMs !== undefined) {
      const ms = entry.options.timeoutMs;
      timer = this.clock.setTimeout(() => {
        abort(new KioskbusError(ErrorCode.Timeout, `${label} timed out after ${ms} ms`, { command: label }));
      }, ms);
    }
    let promise: Promise<unknown>;
    try {
      promise = entry.run(controller.signal);
    } catch (error) {
      finish(false, error);
      return;
    }
    promise.then(
      (value) => {
        finish(true, value);
      },
      (error: unknown) => {
        finish(false, error);
      },
    );
  }
}
