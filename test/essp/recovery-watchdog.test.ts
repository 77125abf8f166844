/**
 * Issue 10, finding 4 (remainder): a dark line longer than a device's no-command watchdog (GA973 §7.4: 10 s, the
 * SMART Hopper 5 s) but shorter than the host's offline detection (the bus rides it out with its retries). The device
 * disabled itself; the host must redo what the device lost — the whole set-up (inhibits, routes, payout enable, coin
 * mech, ENABLE) through the life-cycle (`reinitialising` with reason `watchdog`) — by itself, once, and honour an
 * application that disabled the device on purpose. Real host, real simulator, the seeded fault transport, fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SspBus } from '../../src/essp/bus.js';
import type { PayoutDevice } from '../../src/essp/devices/payout-common.js';
import { SmartHopper } from '../../src/essp/devices/smart-hopper.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import { hopperOf } from '../../src/essp/simulator/payout/index.js';
import type { SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import type { FaultTransport } from '../../src/transport/faults.js';
import { faultyRig, only, type Rig } from './payout-harness.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

const closer = useFakeTimeAndCloser();

/** The rig, and the commands the simulator received since the last `sent.length = 0` (POLLs and EVENT_ACKs left out). */
async function rig<D extends PayoutDevice>(
  sim: SspSimulatorOptions,
  make: (bus: SspBus) => D,
): Promise<Rig<D> & { line: FaultTransport; sent: string[] }> {
  const sent: string[] = [];
  const started = await faultyRig(sim, make, {
    seed: 9,
    prepare: (device, log, simulator) => {
      device.on('disabled', () => log.push('disabled'));
      device.on('enabled', () => log.push('enabled'));
      simulator.on('command', (c) => {
        if (!c.name.startsWith('POLL') && c.name !== 'EVENT_ACK') sent.push(c.name);
      });
    },
  });
  closer.onClose(() => started.close());
  return { ...started, sent };
}

const HOPPER_LEVELS = [
  { value: 50, count: 10 },
  { value: 100, count: 10 },
];

describe('SMART Hopper after a dark period longer than its 5 s watchdog', () => {
  it('sets itself up again (coin mech, ENABLE) without the application, once; coins inserted afterwards are credited', async () => {
    const r = await rig(
      { device: 'smart-hopper', address: 0x10, watchdogMs: 5000, payout: { levels: HOPPER_LEVELS } },
      (bus) => new SmartHopper(bus, { coinMech: true }),
    );
    r.sent.length = 0;
    r.line.goDark(7000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.device.state).toBe('ready');
    expect(only(r.log, 'reinitialising', 'disabled', 'enabled', 'offline')).toEqual([
      'disabled',
      'reinitialising watchdog',
      'enabled',
    ]);
    expect(r.sent).toEqual(expect.arrayContaining(['SET_COIN_MECH_GLOBAL_INHIBIT', 'ENABLE']));
    expect(hopperOf(r.sim).insertCoin(100)).toMatchObject({ taken: true });
    await vi.advanceTimersByTimeAsync(1000);
    expect(only(r.log, 'coinCredit')).toEqual(['coinCredit 100 EUR']);
  });

  it('stays disabled when the application disabled it (no set-up, no ENABLE)', async () => {
    const r = await rig(
      { device: 'smart-hopper', address: 0x10, watchdogMs: 5000, payout: { levels: HOPPER_LEVELS } },
      (bus) => new SmartHopper(bus),
    );
    const disabling = r.device.disable();
    await vi.advanceTimersByTimeAsync(500);
    await disabling;
    r.sent.length = 0;
    r.line.goDark(7000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.sent).not.toContain('ENABLE');
    expect(hopperOf(r.sim).insertCoin(100)).toMatchObject({ taken: false });
  });
});

describe('SMART Payout after a dark period longer than its 10 s watchdog', () => {
  it('redoes the whole set-up (inhibits, payout enable, ENABLE); notes are credited and payouts run afterwards', async () => {
    const r = await rig(
      {
        device: 'smart-payout',
        payout: {
          levels: [
            { value: 500, count: 4 },
            { value: 1000, count: 3 },
          ],
        },
      },
      (bus) => new SmartPayout(bus),
    );
    r.sent.length = 0;
    r.line.goDark(12_000);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(r.device.state).toBe('ready');
    expect(only(r.log, 'reinitialising', 'offline')).toEqual(['reinitialising watchdog']);
    expect(r.sent).toEqual(expect.arrayContaining(['SET_CHANNEL_INHIBITS', 'ENABLE_PAYOUT_DEVICE', 'ENABLE']));
    r.sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(r.log, 'credit')).toEqual(['credit 500 EUR']);
    await r.device.payout(1000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(only(r.log, 'dispensed')).toEqual(['dispensed 1000 EUR of 1000']);
  });

  it('a gap longer than the watchdog is enough, even when the device did not report DISABLED', async () => {
    // the device's own watchdog is longer than the host's assumption: it stays enabled, the host still sets it up
    const r = await rig({ device: 'smart-payout', watchdogMs: 60_000 }, (bus) => new SmartPayout(bus));
    r.line.goDark(11_000);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(only(r.log, 'reinitialising', 'disabled', 'offline')).toEqual(['reinitialising watchdog']);
    expect(r.device.state).toBe('ready');
  });

  it('a short gap (within the watchdog) sets nothing up again', async () => {
    const r = await rig({ device: 'smart-payout' }, (bus) => new SmartPayout(bus));
    r.sent.length = 0;
    r.line.goDark(3000);
    await vi.advanceTimersByTimeAsync(6000);
    expect(only(r.log, 'reinitialising', 'disabled', 'offline')).toEqual([]);
    expect(r.sent).toEqual([]);
  });
});
