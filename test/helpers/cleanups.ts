import { afterEach } from 'vitest';

/** Something a test started and must stop: a broker, a client, a process, a service. */
export type Cleanup = () => Promise<unknown>;

/**
 * The clean-ups of the calling test file: each test pushes what it started, and after each test they run, the
 * last pushed first, each awaited.
 */
export function cleanupAfterEach(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}
