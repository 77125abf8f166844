/**
 * Issue 12 item 4 for the eSSP host: no process-wide async hook, and the bus adds no abort listener to the queue's
 * shared signal for an exchange whose caller passed none (the listener count stays 0 across many exchanges).
 */
import { getEventListeners } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { createMemoryPair } from '../../src/transport/memory.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

describe('a host that costs nothing (eSSP)', () => {
  it('no eSSP module uses async_hooks (AsyncLocalStorage slows every await of the application)', () => {
    const root = join(import.meta.dirname, '../../src/essp');
    const users = sources(root).filter((f) => readFileSync(f, 'utf8').includes('node:async_hooks'));
    expect(users).toEqual([]);
  });

  it('an exchange without a caller signal adds no abort listener; one with a signal removes its own', async () => {
    vi.useFakeTimers();
    try {
      const [host, end] = createMemoryPair();
      const sim = new SspSimulator({ device: 'nv200' });
      const detach = sim.attach(end);
      const bus = new SspBus(host);
      const seen: number[] = [];
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the signal as `this`
      const addEventListener = AbortSignal.prototype.addEventListener;
      const spy = vi.spyOn(AbortSignal.prototype, 'addEventListener').mockImplementation(function (
        this: AbortSignal,
        ...args: Parameters<AbortSignal['addEventListener']>
      ) {
        seen.push(1);
        addEventListener.apply(this, args);
      });
      for (let i = 0; i < 5; i++) {
        const sync = bus.sync(0);
        await vi.advanceTimersByTimeAsync(20);
        await sync;
      }
      expect(seen).toHaveLength(0);
      const controller = new AbortController();
      const sync = bus.sync(0, { signal: controller.signal });
      await vi.advanceTimersByTimeAsync(20);
      await sync;
      expect(seen.length).toBeGreaterThan(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      spy.mockRestore();
      await bus.close();
      detach();
      sim.close();
      await end.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
