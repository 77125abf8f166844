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
  settled: boolean;
  timer: TimerHandle | undefined;
  onCallerAbort: (() => void) | undefined;
}

/**
 * One request in flight per bus, first in first out. Each task gets an AbortSignal that fires on timeout, on
 * caller cancellation and on `close()`; a task that has settled is never settled twice.
 *
 * The signal is the queue's, shared by the tasks that run one after the other until one of them is aborted (the
 * next task then gets a fresh one): a command that is neither timed out nor cancelled costs no AbortController.
 * A task must therefore stop using its signal (and remove its listeners) once its promise has settled.
 */
export class CommandQueue {
  private readonly pending: Entry[] = [];
  private head = 0;
  private running: Entry | undefined;
  private closedWith: KioskbusError | undefined;
  private controller = new AbortController();

  constructor(private readonly clock: Clock = systemClock) {}

  /** Number of tasks waiting (not counting the one running). */
  get size(): number {
    return this.pending.length - this.head;
  }

  get busy(): boolean {
    return this.running !== undefined;
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
      this.pending.push({
        run: task,
        options,
        resolve: resolve as (v: unknown) => void,
        reject,
        settled: false,
        timer: undefined,
        onCallerAbort: undefined,
      });
      if (!this.running) this.pump();
    });
  }

  /** Rejects every waiting task and aborts the running one. Later `run` calls reject at once. */
  close(reason = 'queue closed'): void {
    if (this.closedWith) return;
    this.closedWith = new KioskbusError(ErrorCode.Closed, reason);
    const waiting = this.pending.splice(this.head);
    this.pending.length = 0;
    this.head = 0;
    for (const entry of waiting) {
      entry.reject(new KioskbusError(ErrorCode.Closed, `${entry.options.label ?? 'request'} cancelled: ${reason}`));
    }
    if (this.running) this.abort(this.running, this.closedWith);
  }

  private pump(): void {
    if (this.running) return;
    const entry = this.pending[this.head];
    if (!entry) return;
    this.pending[this.head] = undefined as unknown as Entry; // the queue no longer holds the finished task
    this.head++;
    if (this.head === this.pending.length) {
      this.pending.length = 0;
      this.head = 0;
    } else if (this.head >= 1024) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    this.running = entry;
    const { options } = entry;
    const callerSignal = options.signal;
    if (callerSignal) {
      entry.onCallerAbort = () => {
        this.abort(entry, new KioskbusError(ErrorCode.Cancelled, `${options.label ?? 'request'} cancelled`));
      };
      callerSignal.addEventListener('abort', entry.onCallerAbort, { once: true });
    }
    if (options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      entry.timer = this.clock.setTimeout(() => {
        const label = options.label ?? 'request';
        this.abort(
          entry,
          new KioskbusError(ErrorCode.Timeout, `${label} timed out after ${ms} ms`, { command: label }),
        );
      }, ms);
    }
    let promise: Promise<unknown>;
    try {
      promise = entry.run(this.controller.signal);
    } catch (error) {
      this.finish(entry, false, error);
      return;
    }
    promise.then(
      (value) => {
        this.finish(entry, true, value);
      },
      (error: unknown) => {
        this.finish(entry, false, error);
      },
    );
  }

  /** Aborts the running task's signal (the next task gets a fresh one) and rejects it with `reason`. */
  private abort(entry: Entry, reason: KioskbusError): void {
    if (entry.settled) return;
    if (this.running === entry) {
      const controller = this.controller;
      this.controller = new AbortController();
      controller.abort(reason);
    }
    this.finish(entry, false, reason);
  }

  private finish(entry: Entry, ok: boolean, value: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    if (entry.onCallerAbort) entry.options.signal?.removeEventListener('abort', entry.onCallerAbort);
    if (ok) entry.resolve(value);
    else entry.reject(value);
    if (this.running === entry) {
      this.running = undefined;
      this.pump();
    }
  }
}
