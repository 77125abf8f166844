/**
 * `kioskbus simulate ... --line RATE`: a simulator served on TCP releases its bytes at the line rate, so a host
 * over TCP sees wire time (a lower bound, which load can only lengthen), and a bad rate is a usage error.
 */
import { describe, expect, it } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { openTransport } from '../../src/transport/open.js';
import { runToEnd, spawnPerTest } from './spawn.js';

const start = spawnPerTest('SIGINT');

/** Median wall time of `n` SYNC round trips to the simulator at `url`. */
async function syncMs(url: string, n: number): Promise<number> {
  const bus = new SspBus(await openTransport(url));
  try {
    await bus.open();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await bus.sync(0);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(n / 2)] ?? NaN;
  } finally {
    await bus.close();
  }
}

describe('simulate --line', { timeout: 60_000 }, () => {
  it('paces a TCP-served simulator at the line rate: a SYNC round trip takes at least its wire time', async () => {
    const sim = start([
      'simulate',
      'essp',
      '--device',
      'nv200',
      '--quiet',
      '--line',
      '9600-8N2',
      '--tcp',
      '127.0.0.1:0',
    ]);
    const url = (await sim.waitFor(/listening on (tcp:\/\/\S+)/))[1] ?? '';
    // SYNC (6 bytes) and its OK reply (6 bytes) at 9600 8N2: 12 x 11 bits / 9600 = 13.75 ms on the wire.
    expect(await syncMs(url, 7)).toBeGreaterThanOrEqual(13.75);
  });

  it('a bad rate is a usage error (exit 2) that says what a rate looks like', async () => {
    const bad = await runToEnd(['simulate', 'essp', '--line', 'fast', '--tcp', '127.0.0.1:0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--line: line settings must look like 9600 or 9600-8N2, got "fast"/);
  });
});
