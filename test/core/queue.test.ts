import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delay } from '../../src/core/clock.js';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { CommandQueue } from '../../src/core/queue.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CommandQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one task at a time in FIFO order', async () => {
    const queue = new CommandQueue();
    const log: string[] = [];
    const gates = [deferred<string>(), deferred<string>(), deferred<string>()];
    const results = gates.map((gate, i) =>
      queue.run(async () => {
        log.push(`start ${i}`);
        const value = await gate.promise;
        log.push(`end ${i}`);
        return value;
      }),
    );
    await Promise.resolve();
    expect(log).toEqual(['start 0']);
    expect(queue.busy).toBe(true);
    expect(queue.size).toBe(2);
    gates[1]?.resolve('b');
    await Promise.resolve();
    expect(log).toEqual(['start 0']);
    gates[0]?.resolve('a');
    gates[2]?.resolve('c');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    expect(queue.busy).toBe(false);
  });

  it('times a task out, aborts its signal and goes on with the next', async () => {
    const queue = new CommandQueue();
    let seen: AbortSignal | undefined;
    const slow = queue.run(
      (signal) => {
        seen = signal;
        return new Promise(() => undefined);
      },
      { timeoutMs: 500, label: 'POLL' },
    );
    const next = queue.run(() => Promise.resolve('next'));
    const outcome = slow.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(499);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(isKioskbusError(error, ErrorCode.Timeout)).toBe(true);
    expect((error as Error).message).toContain('POLL timed out after 500 ms');
    expect(seen?.aborted).toBe(true);
    expect(await next).toBe('next');
  });

  it('passes task errors through and continues', async () => {
    const queue = new CommandQueue();
    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      queue.run(() => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    expect(await queue.run(() => Promise.resolve(7))).toBe(7);
  });

  it('cancels waiting and running tasks on close, and refuses new ones', async () => {
    const queue = new CommandQueue();
    let signal: AbortSignal | undefined;
    const running = queue.run((s) => {
      signal = s;
      return delay(10_000, undefined, s);
    });
    const waiting = queue.run(() => Promise.resolve(1), { label: 'SETUP_REQUEST' });
    const r1 = running.catch((e: unknown) => e);
    const r2 = waiting.catch((e: unknown) => e);
    await Promise.resolve();
    queue.close('port closed');
    expect(isKioskbusError(await r1, ErrorCode.Closed)).toBe(true);
    const e2 = await r2;
    expect(isKioskbusError(e2, ErrorCode.Closed)).toBe(true);
    expect((e2 as Error).message).toContain('SETUP_REQUEST cancelled: port closed');
    expect(signal?.aborted).toBe(true);
    await expect(queue.run(() => Promise.resolve(1))).rejects.toMatchObject({ code: ErrorCode.Closed });
    expect(queue.closed).toBe(true);
  });

  it("honours the caller's abort signal, before and during the run", async () => {
    const queue = new CommandQueue();
    const before = new AbortController();
    before.abort();
    await expect(queue.run(() => Promise.resolve(1), { signal: before.signal })).rejects.toMatchObject({
      code: ErrorCode.Cancelled,
    });
    const during = new AbortController();
    const task = queue.run(() => new Promise(() => undefined), { signal: during.signal, label: 'HOLD' });
    const outcome = task.catch((e: unknown) => e);
    await Promise.resolve();
    during.abort();
    expect(await outcome).toMatchObject({ code: ErrorCode.Cancelled });
    expect(await queue.run(() => Promise.resolve('after'))).toBe('after');
  });

  it('hands tasks that are neither timed out nor cancelled one shared signal (no controller per command)', async () => {
    const queue = new CommandQueue();
    const seen: AbortSignal[] = [];
    for (let i = 0; i < 3; i++) {
      await queue.run((signal) => {
        seen.push(signal);
        return Promise.resolve(i);
      });
    }
    await queue.run(
      (signal) => {
        seen.push(signal);
        return Promise.resolve();
      },
      { timeoutMs: 100, signal: new AbortController().signal },
    );
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]?.aborted).toBe(false);
  });

  it('gives the next task a fresh signal once one was aborted, and an old timer never reaches it', async () => {
    const queue = new CommandQueue();
    let first: AbortSignal | undefined;
    let second: AbortSignal | undefined;
    let third: AbortSignal | undefined;
    const slow = queue
      .run(
        (signal) => {
          first = signal;
          return new Promise(() => undefined);
        },
        { timeoutMs: 50, label: 'SLOW' },
      )
      .catch((e: unknown) => e);
    const quick = queue.run(
      (signal) => {
        second = signal;
        return Promise.resolve('quick');
      },
      { timeoutMs: 50 },
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(await slow).toMatchObject({ code: ErrorCode.Timeout });
    expect(await quick).toBe('quick');
    expect(first?.aborted).toBe(true);
    expect(first?.reason).toMatchObject({ code: ErrorCode.Timeout });
    expect(second).not.toBe(first);
    expect(second?.aborted).toBe(false);
    // the quick task's own 50 ms timer was cleared: it must not abort the task running when it would have fired
    const held = deferred<string>();
    const next = queue.run((signal) => {
      third = signal;
      return held.promise;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(third).toBe(second);
    expect(third?.aborted).toBe(false);
    held.resolve('done');
    expect(await next).toBe('done');
  });

  it("aborts the running task's signal when the caller cancels, and ignores a cancel after it finished", async () => {
    const queue = new CommandQueue();
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const task = queue
      .run(
        (signal) => {
          seen = signal;
          return delay(1000, undefined, signal);
        },
        { signal: caller.signal, label: 'HOLD' },
      )
      .catch((e: unknown) => e);
    await Promise.resolve();
    caller.abort();
    const error = await task;
    expect(isKioskbusError(error, ErrorCode.Cancelled)).toBe(true);
    expect((error as Error).message).toContain('HOLD cancelled');
    expect(seen?.aborted).toBe(true);

    const later = new AbortController();
    let fresh: AbortSignal | undefined;
    expect(
      await queue.run(
        (signal) => {
          fresh = signal;
          return Promise.resolve('ok');
        },
        { signal: later.signal },
      ),
    ).toBe('ok');
    const holder = deferred<number>();
    let running: AbortSignal | undefined;
    const after = queue.run((signal) => {
      running = signal;
      return holder.promise;
    });
    await Promise.resolve();
    later.abort(); // its task has settled: the listener is gone, the running task is untouched
    expect(fresh?.aborted).toBe(false);
    expect(running?.aborted).toBe(false);
    holder.resolve(3);
    expect(await after).toBe(3);
  });

  it('keeps FIFO order over many queued tasks and closes an idle queue quietly', async () => {
    const queue = new CommandQueue();
    const order: number[] = [];
    const all = Array.from({ length: 2500 }, (_, i) =>
      queue.run(() => {
        order.push(i);
        return Promise.resolve(i);
      }),
    );
    expect(queue.size).toBe(2499);
    expect(await Promise.all(all)).toEqual(order);
    expect(order).toEqual([...Array(2500).keys()]);
    expect(queue.size).toBe(0);
    queue.close();
    queue.close();
    expect(queue.closed).toBe(true);
  });
});
