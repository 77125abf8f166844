/**
 * Waiting for a promise in a test: the one module for it. With fake timers the clock has to move for retransmit
 * timeouts, polls and device delays to happen; these helpers move it (never a real sleep) and hand the outcome over
 * without an unhandled rejection.
 */
import { vi } from 'vitest';

/** Advances fake time by `ms` while `p` runs, then resolves with its value or rejects with its error. */
export async function settle<T>(p: Promise<T>, ms = 500): Promise<T> {
  const outcome = p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await vi.advanceTimersByTimeAsync(ms);
  const r = await outcome;
  if (!r.ok) throw r.error;
  return r.value;
}

export interface StepOptions {
  /** Fake milliseconds per step (default 50). */
  stepMs?: number;
  /** Steps before giving up moving the clock (default 2000); the promise is still awaited afterwards. */
  maxSteps?: number;
}

/**
 * Advances fake time in steps until `p` settles (a command waiting for retransmissions or a rebooting device),
 * then resolves with its value or rejects with its error.
 */
export async function settleSteps<T>(p: Promise<T>, options: StepOptions = {}): Promise<T> {
  const stepMs = options.stepMs ?? 50;
  const maxSteps = options.maxSteps ?? 2000;
  const state = { done: false };
  const watched = p.finally(() => {
    state.done = true;
  });
  watched.catch(() => undefined); // handled by the caller's await below; never unhandled while the clock moves
  for (let i = 0; i < maxSteps && !state.done; i++) await vi.advanceTimersByTimeAsync(stepMs);
  return watched;
}

/** {@link settleSteps} for an outcome the test does not need (a refused payout is fine): never rejects. */
export async function settleStepsQuietly(p: Promise<unknown>, options: StepOptions = {}): Promise<void> {
  await settleSteps(p, options).catch(() => undefined);
}

/** Real timers: lets queued microtasks and the timers due within `ms` run. */
export async function tick(ms = 0): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
