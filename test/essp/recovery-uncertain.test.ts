/**
 * A payout is in doubt only when it went out. After a request the bus gave up on, the next command is preceded by the
 * bus's own SYNC; when that SYNC gets no answer the payout was never sent: the call fails with the SYNC's TIMEOUT (a
 * plain failure, safe to retry later), not UNCERTAIN, and no `uncertain` event follows. Real host and simulator over
 * the seeded fault transport, fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { createMemoryPair } from '../../src/transport/memory.js';

let close: (() => Promise<void>) | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  const closing = close?.();
  for (let i = 0; i < 100 && closing; i++) await vi.advanceTimersByTimeAsync(100);
  await closing;
  close = undefined;
  vi.useRealTimers();
});

describe('eSSP payout after a given-up request (the bus SYNCs first)', () => {
  it('a SYNC that gets no answer means the payout never went out: TIMEOUT of the SYNC, not UNCERTAIN', async () => {
    const [host, end] = createMemoryPair();
    const sim = new SspSimulator({
      device: 'smart-payout',
      payout: {
        levels: [
          { value: 500, count: 4 },
          { value: 1000, count: 3 },
        ],
      },
    });
    const detach = sim.attach(end);
    const line = new FaultTransport(host, { seed: 2 });
    const bus = new SspBus(line, { timeoutMs: 300, retries: 3 });
    const device = new SmartPayout(bus);
    close = async () => {
      await device.close();
      await bus.close();
      detach();
      sim.close();
      await end.close();
    };
    const started = device.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;
    const uncertain: unknown[] = [];
    device.on('uncertain', (u) => uncertain.push(u));
    device.on('error', () => undefined);
    let payouts = 0;
    sim.on('command', (c) => {
      if (c.name === 'PAYOUT_AMOUNT') payouts++;
    });

    line.goDark(20_000, 'toDevice');
    // both pass the ready gate now; the levels request is given up first, so the payout's turn starts with a SYNC
    const levels = device.levels().catch((e: unknown) => e);
    const payout = device.payout(1000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(isKioskbusError(await levels, ErrorCode.Timeout)).toBe(true);
    const error = await payout;
    expect(isKioskbusError(error, ErrorCode.Timeout)).toBe(true);
    expect(isKioskbusError(error) ? error.context.command : undefined).toBe('SYNC');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(uncertain).toEqual([]);
    expect(payouts).toBe(0);
  });
});
