import { describe, expect, it } from 'vitest';
import { delay } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { createMemoryPair } from '../../src/transport/memory.js';

describe('VirtualClock', () => {
  it('fires timers in due order, same-time timers in the order they were set, and moves time to each', async () => {
    const clock = new VirtualClock({ startMs: 1000 });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${String(clock.now())}`), 30);
    clock.setTimeout(() => fired.push(`a@${String(clock.now())}`), 10);
    clock.setTimeout(() => fired.push(`b@${String(clock.now())}`), 10);
    clock.setTimeout(() => fired.push(`late@${String(clock.now())}`), 100);
    await clock.advance(50);
    expect(fired).toEqual(['a@1010', 'b@1010', 'c@1030']);
    expect(clock.now()).toBe(1050);
    expect(clock.pending).toBe(1);
    expect(clock.nextDueAt()).toBe(1100);
    await clock.runUntil(1100);
    expect(fired.at(-1)).toBe('late@1100');
    expect(clock.pending).toBe(0);
    expect(clock.fired).toBe(4);
  });

  it('fires timers set by timers within the same run, and never those that were cleared', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    const chain = (n: number): void => {
      fired.push(clock.now());
      if (n > 0)
        clock.setTimeout(() => {
          chain(n - 1);
        }, 5);
    };
    clock.setTimeout(() => {
      chain(3);
    }, 0);
    const cleared = clock.setTimeout(() => fired.push(-1), 7);
    clock.clearTimeout(cleared);
    clock.clearTimeout(undefined);
    await clock.advance(100);
    expect(fired).toEqual([0, 5, 10, 15]);
  });

  it('lets promise chains settle between timers (delay() on the clock, awaits in between)', async () => {
    const clock = new VirtualClock();
    const steps: number[] = [];
    const job = (async () => {
      for (let i = 0; i < 5; i++) {
        await delay(100, clock);
        await Promise.resolve();
        await Promise.resolve();
        steps.push(clock.now());
      }
    })();
    await clock.advance(1000);
    await job;
    expect(steps).toEqual([100, 200, 300, 400, 500]);
  });

  it('completes request/reply exchanges over a memory pair before time moves on', async () => {
    for (const latencyMs of [0, 3]) {
      const clock = new VirtualClock();
      const [host, device] = createMemoryPair({ clock, latencyMs });
      device.on('data', (chunk) => {
        void device.write(Uint8Array.of((chunk[0] ?? 0) + 1));
      });
      const answers: number[] = [];
      const ask = (n: number): Promise<number> =>
        new Promise((resolve, reject) => {
          const timer = clock.setTimeout(() => {
            reject(new Error('timeout'));
          }, 10);
          host.once('data', (c) => {
            clock.clearTimeout(timer);
            resolve(c[0] ?? -1);
          });
          void host.write(Uint8Array.of(n));
        });
      const run = (async () => {
        for (let i = 0; i < 50; i++) {
          answers.push(await ask(i));
          await delay(200, clock);
        }
      })();
      await clock.advance(60_000);
      await run;
      expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(clock.now()).toBe(60_000);
    }
  });

  it('runs until a condition holds, or gives up at the limit', async () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    expect(await clock.runUntilTrue(() => ticks >= 7, 10_000)).toBe(true);
    expect(clock.now()).toBe(700);
    expect(await clock.runUntilTrue(() => ticks >= 1000, 1000)).toBe(false);
    expect(clock.now()).toBe(1700);
  });

  it('stops a timer loop that never lets time move on', async () => {
    const clock = new VirtualClock({ maxTimersPerRun: 100, settleTurns: 0 });
    const spin = (): void => {
      clock.setTimeout(spin, 0);
    };
    clock.setTimeout(spin, 0);
    await expect(clock.advance(1)).rejects.toThrow(/more than 100 timers/);
  });
});
