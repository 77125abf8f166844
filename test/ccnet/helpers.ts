import { afterEach, beforeEach, vi } from 'vitest';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { CoinChanger } from '../../src/ccnet/devices/coin-changer.js';
import { CcnetFramer, type CcnetFrame } from '../../src/ccnet/frame.js';
import { CoinSimulator } from '../../src/ccnet/simulator/coin.js';
import type { FrameError } from '../../src/core/framer.js';
import { createMemoryPair } from '../../src/transport/memory.js';

import { settle } from '../helpers/settle.js';

export { settle };

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

/**
 * A `CcnetFramer` that collects what it delivers: every frame in `frames`, every dropped run in `errors`; `push`
 * returns the frames that chunk completed.
 */
export function collectingFramer(options: { maxFrameLength?: number } = {}) {
  const frames: CcnetFrame[] = [];
  const errors: FrameError[] = [];
  const framer = new CcnetFramer({
    ...options,
    frame: (frame) => {
      frames.push(frame);
    },
    error: (error) => {
      errors.push(error);
    },
  });
  return {
    framer,
    frames,
    errors,
    push(chunk: Uint8Array): CcnetFrame[] {
      const from = frames.length;
      framer.push(chunk);
      return frames.slice(from);
    },
  };
}

/** The frames in a byte string (whole frames; a partial one at the end is left out). */
export function framesIn(bytes: Uint8Array): CcnetFrame[] {
  return collectingFramer().push(bytes);
}

/** A coin changer host on the simulator over a memory pair (10 coins of type 1 in a tube of 50), initialised and enabled. */
export async function coinRig(): Promise<{ sim: CoinSimulator; cc: CoinChanger }> {
  const [host, device] = createMemoryPair();
  const sim = new CoinSimulator({ tubes: { 1: { count: 10, capacity: 50 } } });
  sim.attach(device);
  const cc = new CoinChanger(new CcnetBus(host));
  await settle(cc.initialize(), 2000);
  await settle(cc.enable());
  return { sim, cc };
}
