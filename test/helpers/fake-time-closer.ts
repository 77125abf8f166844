import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Fake timers for every test of the file, and after each test the closing of what it registered with `onClose`,
 * advancing fake time while it closes (a device stopping its loop or a bus waiting out a reply needs timers to run).
 */
export function useFakeTimeAndCloser(): { onClose(close: () => Promise<void>): void } {
  let close: (() => Promise<void>) | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    const closing = close?.();
    close = undefined;
    for (let i = 0; i < 100 && closing; i++) await vi.advanceTimersByTimeAsync(100);
    await closing;
    vi.useRealTimers();
  });
  return {
    onClose(fn) {
      close = fn;
    },
  };
}
