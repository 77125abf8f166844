/**
 * Recovery of the eSSP host under line faults, on virtual time: the real host (SmartPayout) against the real
 * simulator through the seeded fault transport (dark line, unplugged adapter).
 *
 * Issue 10, defect 1: after an outage with a note in escrow, the SMART Payout refuses ENABLE_PAYOUT_DEVICE as busy
 * (the note must leave the escrow first, and the device needs polls for that). The host must poll while the device is
 * busy, retry the set-up with back-off and be ready again within seconds; calls made meanwhile wait or fail NOT_READY.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import type { FaultTransport } from '../../src/transport/faults.js';
import { errorCode, faultyRig, only, type Rig } from './payout-harness.js';

const LEVELS = [
  { value: 500, count: 4 },
  { value: 1000, count: 3 },
];

type Line = Rig<SmartPayout> & { line: FaultTransport };

let l: Line | undefined;

async function start(): Promise<Line> {
  return faultyRig(
    { device: 'smart-payout', payout: { levels: LEVELS } },
    (bus) => new SmartPayout(bus, { holdInEscrow: true }),
    {
      seed: 3,
      // short time-outs so that the outage is noticed well inside the device's 10 s escrow watchdog
      bus: { timeoutMs: 300, retries: 3 },
      prepare: (device, log) => {
        device.on('escrow', (n) => log.push(`escrow ${String(n.value)}`));
        device.on('state', (to) => log.push(`state ${to}`));
      },
    },
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  const closing = l?.close();
  for (let i = 0; i < 100 && closing; i++) await vi.advanceTimersByTimeAsync(100);
  await closing;
  l = undefined;
  vi.useRealTimers();
});

describe('eSSP recovery (issue 10, defect 1): busy after an outage with a note in escrow', () => {
  it('polls while the device is busy, backs off, and is ready within seconds of the line coming back', async () => {
    l = await start();
    const { sim, line, device, log } = l;
    sim.insertNote(2); // 10 EUR, held in escrow by the application (holdInEscrow)
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(log, 'escrow')).toEqual(['escrow 1000']);
    expect(device.escrow?.value).toBe(1000);

    line.goDark(5000); // shorter than the device's 10 s watchdog: the note stays in escrow
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(log, 'offline')).toEqual(['offline']);
    // a payout asked for during the outage waits for the device, then is done or refused with a typed error,
    // never "the device has not been started"
    const paying = device.payout(500, 'EUR');
    await vi.advanceTimersByTimeAsync(5000);
    expect(device.state).toBe('ready');
    expect(only(log, 'online')).toEqual(['online']);
    // the set-up was refused as busy, the device was polled until the note left the escrow, then set up again
    expect(log).toContain('state busy');
    expect(only(log, 'reinitialising').length).toBeLessThanOrEqual(4);
    expect(only(log, 'credit')).toEqual(['credit 1000 EUR']);
    expect([undefined, ErrorCode.NotReady]).toContain(await errorCode(paying));
    const before = only(log, 'reinitialising').length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(only(log, 'reinitialising')).toHaveLength(before); // no restart loop
    expect(only(log, 'credit')).toEqual(['credit 1000 EUR']);
  });

  it('a call while the device is offline longer than readyTimeoutMs fails NOT_READY naming the state', async () => {
    l = await start();
    const { line, device } = l;
    line.goDark(30_000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(['offline', 'reopening']).toContain(device.state);
    const call = device.levels();
    const code = errorCode(call);
    await vi.advanceTimersByTimeAsync(6000);
    expect(await code).toBe(ErrorCode.NotReady);
  });
});

describe('eSSP recovery: an unplugged adapter', () => {
  it('offline once, the port is reopened with back-off, online once, set up again; credits still exactly once', async () => {
    l = await start();
    const { sim, line, device, log } = l;
    line.unplug(4000);
    await vi.advanceTimersByTimeAsync(8000);
    expect(only(log, 'offline')).toEqual(['offline']);
    expect(only(log, 'online')).toEqual(['online']);
    expect(device.state).toBe('ready');
    device.on('escrow', () => {
      device.accept();
    });
    sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(log, 'credit')).toEqual(['credit 500 EUR']);
  });
});
