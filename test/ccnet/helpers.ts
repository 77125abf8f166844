import { afterEach, beforeEach, vi } from 'vitest';
import { createMemoryPair } from '../../src/transport/memory.js';

export { settle } from '../helpers/settle.js';

/**
 * A host ↔ device line over two in-memory pairs that, while `on`, flips one bit in about `flipRate` of the
 * chunks in either direction and, after `strayRate` of the device's chunks, adds 3 stray bytes for the host.
 */
export function noisyLine(rnd: () => number, options: { flipRate?: number; strayRate?: number } = {}) {
  const flipRate = options.flipRate ?? 0.08;
  const strayRate = options.strayRate ?? 0;
  const [host, midA] = createMemoryPair();
  const [midB, device] = createMemoryPair();
  const line = { on: false, host, device };
  const noise = (chunk: Uint8Array): Uint8Array => {
    if (!line.on || rnd() > flipRate) return chunk;
    const bad = chunk.slice();
    const at = Math.floor(rnd() * bad.length);
    bad[at] = (bad[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
    return bad;
  };
  midA.on('data', (c) => void midB.write(noise(c)));
  midB.on('data', (c) => {
    void midA.write(noise(c));
    if (line.on && strayRate > 0 && rnd() < strayRate) {
      void midA.write(Uint8Array.of(0x02, Math.floor(rnd() * 256), Math.floor(rnd() * 256)));
    }
  });
  return line;
}

/** Fake timers for every test of the enclosing `describe` (real ones again after each). */
export function useFakeTimersPerTest(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
