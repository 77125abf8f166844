/**
 * A payout is in doubt exactly when the wire cannot tell whether the device ran it.
 *
 * - A payout whose resend is answered KEY_NOT_SET: the device restarted (and lost its key) after an earlier
 *   transmission, which it may have run before the restart: UNCERTAIN, then `uncertain` with what it reports.
 *
 * A payout is in doubt only when it went out. After a request the bus gave up on, the next command is preceded by the
 * bus's own SYNC; when that SYNC gets no answer the payout was never sent: the call fails with the SYNC's TIMEOUT (a
 * plain failure, safe to retry later), not UNCERTAIN, and no `uncertain` event follows. Real host and simulator over
 * the seeded fault transport, fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import type { PayoutUncertainty } from '../../src/essp/devices/payout-common.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import { payoutOf } from '../../src/essp/simulator/payout/index.js';
import type { SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import type { FaultTransport } from '../../src/transport/faults.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';
import { faultyRig, type Rig } from './payout-harness.js';

const closer = useFakeTimeAndCloser();

async function rig(): Promise<Rig<SmartPayout> & { line: FaultTransport }> {
  const sim: SspSimulatorOptions = {
    device: 'smart-payout',
    payout: {
      levels: [
        { value: 500, count: 4 },
        { value: 1000, count: 3 },
      ],
    },
  };
  const started = await faultyRig(sim, (bus) => new SmartPayout(bus), {
    seed: 2,
    bus: { timeoutMs: 300, retries: 10 },
  });
  closer.onClose(() => started.close());
  return started;
}

describe('eSSP payout whose resend is answered KEY_NOT_SET', () => {
  it('the device restarted after running it: UNCERTAIN, then uncertain with what it paid', async () => {
    const { sim, line, device } = await rig();
    const uncertain: PayoutUncertainty[] = [];
    device.on('uncertain', (u) => uncertain.push(u));
    line.goDark(1500, 'toHost'); // the payout reaches the device; its replies do not come back
    const payout = device.payout(1500).then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(700); // the device pays; the host resends, answered from the device's last reply
    sim.powerCycle({ offMs: 100 }); // the power goes: the key is lost; the next resend is answered KEY_NOT_SET
    await vi.advanceTimersByTimeAsync(3000);
    const error = await payout;
    expect(isKioskbusError(error, ErrorCode.Uncertain)).toBe(true);
    expect(isKioskbusError(error) ? error.context.cause : undefined).toBe(ErrorCode.KeyNotSet);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(uncertain).toHaveLength(1);
    // what the device reports paying (INCOMPLETE_PAYOUT after the restart) is what it really gave out
    const paid = payoutOf(sim)
      .accounting()
      .currencies.reduce((sum, a) => sum + a.paidOut, 0);
    expect(uncertain[0]).toMatchObject({ command: 'PAYOUT_AMOUNT', finding: 'ran', paid });
    expect(uncertain[0]?.reported.map((e) => e.name)).toContain('INCOMPLETE_PAYOUT');
  });
});

describe('eSSP payout after a given-up request (the bus SYNCs first)', () => {
  it('a SYNC that gets no answer means the payout never went out: TIMEOUT of the SYNC, not UNCERTAIN', async () => {
    const { sim, line, device } = await rig();
    const uncertain: unknown[] = [];
    device.on('uncertain', (u) => uncertain.push(u));
    let payouts = 0;
    sim.on('command', (c) => {
      if (c.name === 'PAYOUT_AMOUNT') payouts++;
    });

    line.goDark(60_000, 'toDevice');
    // both pass the ready gate now; the levels request is given up first, so the payout's turn starts with a SYNC
    const levels = device.levels().catch((e: unknown) => e);
    const payout = device.payout(1000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(20_000);
    expect(isKioskbusError(await levels, ErrorCode.Timeout)).toBe(true);
    const error = await payout;
    expect(isKioskbusError(error, ErrorCode.Timeout)).toBe(true);
    expect(isKioskbusError(error) ? error.context.command : undefined).toBe('SYNC');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(uncertain).toEqual([]);
    expect(payouts).toBe(0);
  });
});
