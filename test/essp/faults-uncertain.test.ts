/**
 * Uncertain outcomes of money-moving eSSP commands (issue 10, what to build 4): the real host (SmartPayout) against
 * the real simulator through the seeded fault transport, on virtual time. A payout whose every reply is lost may have
 * run; one whose command never arrived did not. The host never resends it and never guesses: the call rejects with
 * UNCERTAIN, and once the device answers again an `uncertain` event says what the device reported.
 */
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import type { PayoutUncertainty } from '../../src/essp/devices/payout-common.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import type { FaultTransport } from '../../src/transport/faults.js';
import { faultyRig, only, type Rig } from './payout-harness.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

const LEVELS = [
  { value: 500, count: 4 },
  { value: 1000, count: 3 },
];

const closer = useFakeTimeAndCloser();

async function start(): Promise<Rig<SmartPayout> & { line: FaultTransport }> {
  const started = await faultyRig(
    { device: 'smart-payout', payout: { levels: LEVELS } },
    (bus) => new SmartPayout(bus),
    {
      seed: 5,
      bus: { timeoutMs: 300, retries: 3 },
    },
  );
  closer.onClose(() => started.close());
  return started;
}

/** Runs `p` to its end while the fake clock runs; returns its rejection (or undefined). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  const st: { done: boolean; error?: unknown } = { done: false };
  p.then(
    () => (st.done = true),
    (e: unknown) => {
      st.error = e;
      st.done = true;
    },
  );
  for (let i = 0; i < 200 && !st.done; i++) await vi.advanceTimersByTimeAsync(50);
  return st.error;
}

describe('eSSP uncertain payouts', () => {
  it('every reply lost: UNCERTAIN at once, no resend by the host; the device reports DISPENSED, so it ran', async () => {
    const { sim, line, device, log } = await start();
    const uncertain: PayoutUncertainty[] = [];
    device.on('uncertain', (u) => uncertain.push(u));
    const replaysBefore = sim.stats.replays;
    line.goDark(2000, 'toHost'); // the command reaches the device, its replies do not come back
    const error = await failure(device.payout(1500, 'EUR'));
    expect(isKioskbusError(error, ErrorCode.Uncertain)).toBe(true);
    expect(isKioskbusError(error) ? error.context : {}).toMatchObject({
      command: 'PAYOUT_AMOUNT',
      requested: 1500,
      currency: 'EUR',
      cause: ErrorCode.Timeout,
      tries: 4,
    });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(uncertain).toHaveLength(1);
    expect(uncertain[0]).toMatchObject({ command: 'PAYOUT_AMOUNT', finding: 'ran', paid: 1500 });
    // back from the outage the device refused its set-up while still paying (busy), then was set up again
    expect(['ready', 'busy']).toContain(uncertain[0]?.stateAfter);
    expect(device.state).toBe('ready');
    expect(only(log, 'dispensed')).toEqual(['dispensed 1500 EUR of 1500']);
    // paid once: the resends were identical (same sequence bit), answered from the device's last reply
    expect(sim.stats.replays - replaysBefore).toBe(3);
    const stored = uncertain[0]?.levelsAfter?.reduce((sum, l) => sum + l.level * l.value, 0);
    expect(stored).toBe(4 * 500 + 3 * 1000 - 1500);
  });

  it('the command never arrived: UNCERTAIN, then "not-seen" with the levels unchanged', async () => {
    const { line, device, log } = await start();
    const uncertain: PayoutUncertainty[] = [];
    device.on('uncertain', (u) => uncertain.push(u));
    line.goDark(2000, 'toDevice');
    const error = await failure(device.payout(1000, 'EUR'));
    expect(isKioskbusError(error, ErrorCode.Uncertain)).toBe(true);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(uncertain).toHaveLength(1);
    expect(uncertain[0]).toMatchObject({ finding: 'not-seen', reported: [], stateAfter: 'ready' });
    expect(uncertain[0]?.levelsAfter?.reduce((sum, l) => sum + l.level * l.value, 0)).toBe(4 * 500 + 3 * 1000);
    expect(only(log, 'dispens')).toEqual([]);
  });

  it('a refusal is not uncertain: NOT_ENOUGH_VALUE is thrown as it is', async () => {
    const { device } = await start();
    const error = await failure(device.payout(100_000, 'EUR'));
    expect(isKioskbusError(error) ? error.code : undefined).toBe(ErrorCode.NotEnoughValue);
  });
});
