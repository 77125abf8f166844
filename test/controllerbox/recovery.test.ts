/**
 * Power cuts and the recovery contract of the ControllerBox host (issue 10): the simulator's power cycle, the shared
 * life-cycle and poll loop (keep-alive, offline once, reopen with back-off, set-up again, online once), on fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { runScriptLine } from '../../src/controllerbox/simulator/script.js';
import { tamperFrames } from './helpers.js';
import { firsts, useBoxRigs } from './rig.js';

const rig = useBoxRigs();

const LOOP = { pollIntervalMs: 500, offlineAfterMs: 1500, timeoutMs: 200, reopenMinMs: 250, reopenMaxMs: 2000 };

describe('ControllerBox simulator: power cut', () => {
  it('is silent while off, and keeps cards and versions but loses polling, IO levels, a dispense in motion and its queue', async () => {
    const { host, sim, hostEnd, seen } = rig({ timeoutMs: 200 }, { dispenseDelayMs: 500, statusIntervalMs: 1000 });
    await host.setStatusPolling(true);
    await host.setIo(0x0f, 0x05);
    await host.dispenseCard(0);
    tamperFrames(hostEnd, 0x51, 10, () => undefined); // the host's answers to the bill are lost: it stays queued
    await sim.acceptBill(10_000);
    await vi.advanceTimersByTimeAsync(100);
    const cut = sim.powerCycle(2000);
    const during = host.version().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(300);
    expect(isKioskbusError(await during, ErrorCode.Timeout)).toBe(true);
    await vi.advanceTimersByTimeAsync(1700);
    await cut;
    expect(sim.state).toMatchObject({
      powered: true,
      powerCycles: 1,
      statusPolling: false,
      io: { select: 0, level: 0 },
    });
    expect(sim.state.tcds[0]?.cards).toBe(49);
    expect(sim.state.cardsOut).toBe(1); // the card left; its CARD_EVENT died with the power, never sent
    expect(sim.state.outbox.lostEvents).toBe(1); // the queued bill
    expect(firsts(seen, 'cardEvent')).toEqual([]);
    expect(await host.version()).toEqual({
      firmware: { major: 1, minor: 4, patch: 2 },
      board: { major: 2, minor: 0, patch: 1 },
    });
    await vi.advanceTimersByTimeAsync(3000);
    expect(firsts(seen, 'deviceError')).toEqual([]); // polling died with the power: no status round after boot
  });

  it('a box that keeps its queue in flash sends it after boot', async () => {
    const { sim, hostEnd, seen } = rig({}, { keepQueueOnPowerCut: true });
    tamperFrames(hostEnd, 0x52, 1, () => undefined);
    await sim.callbackCard(1);
    await vi.advanceTimersByTimeAsync(100);
    const cut = sim.powerCycle(500);
    await vi.advanceTimersByTimeAsync(500);
    await cut;
    await vi.advanceTimersByTimeAsync(0);
    expect(sim.state.outbox).toMatchObject({ delivered: 1, lostEvents: 0 });
    // the first receipt was reported; the copy after boot comes within the window with nothing in between: a resend
    expect(firsts(seen, 'cardEvent')).toHaveLength(1);
  });
});

describe('ControllerBox host on the shared life-cycle', () => {
  it('starts: versions, status polling restored, a keep-alive every period', async () => {
    const { host, hostWrites, seen } = rig(LOOP);
    await host.start();
    expect(host.state).toBe('ready');
    await host.setStatusPolling(true);
    hostWrites.length = 0;
    await vi.advanceTimersByTimeAsync(1999);
    // fixed rate: due at 0, 500, 1000 and 1500 ms
    expect(hostWrites.filter((w) => w.startsWith('78 02 00'))).toHaveLength(4);
    expect(firsts(seen, 'offline')).toEqual([]);
  });

  it('an unplugged adapter: offline once, reopen with back-off, set up again, online once; calls wait', async () => {
    let fault: FaultTransport | undefined;
    const { host, sim, seen } = rig(LOOP, {}, (t) => (fault = new FaultTransport(t)));
    await host.start();
    await host.setStatusPolling(true);
    fault?.unplug();
    await vi.advanceTimersByTimeAsync(4000);
    expect(firsts(seen, 'offline')).toHaveLength(1);
    expect(['offline', 'reopening']).toContain(host.state);
    sim.state.statusPolling = false; // (as if the box restarted meanwhile)
    const call = host.playAudio(3);
    fault?.replug();
    await vi.advanceTimersByTimeAsync(3000);
    await expect(call).resolves.toBeUndefined();
    expect(host.state).toBe('ready');
    expect(firsts(seen, 'offline')).toHaveLength(1);
    expect(seen.online).toHaveLength(1);
    expect(sim.state.statusPolling).toBe(true); // set up again
    expect(sim.state.audio).toEqual([3]);
    expect(firsts(seen, 'problem')).toEqual([]);
    const states = firsts(seen, 'state');
    expect(states.slice(0, 3)).toEqual(['opening', 'initialising', 'ready']);
    expect(states).toContain('offline');
    expect(states).toContain('reopening');
  });

  it('a box powered off for longer than the offline time: offline once, online once, polling restored', async () => {
    const { host, sim, seen } = rig(LOOP);
    await host.start();
    await host.setStatusPolling(true);
    const cut = sim.powerCycle(6000);
    await vi.advanceTimersByTimeAsync(6000);
    await cut;
    await vi.advanceTimersByTimeAsync(3000);
    expect(firsts(seen, 'offline')).toHaveLength(1);
    expect(seen.online).toHaveLength(1);
    expect(host.state).toBe('ready');
    expect(sim.state.statusPolling).toBe(true);
  });

  it('a power cut shorter than the offline time: the silent statuses make the host set the box up again', async () => {
    const { host, sim, seen } = rig({ ...LOOP, statusSilenceMs: 2500 }, { statusIntervalMs: 500 });
    await host.start();
    await host.setStatusPolling(true);
    await vi.advanceTimersByTimeAsync(1000);
    const cut = sim.powerCycle(300);
    await vi.advanceTimersByTimeAsync(300);
    await cut;
    expect(sim.state.statusPolling).toBe(false);
    await vi.advanceTimersByTimeAsync(4000);
    expect(sim.state.statusPolling).toBe(true);
    expect(firsts(seen, 'offline')).toEqual([]);
    expect(host.state).toBe('ready');
  });

  it('a call while the box stays away fails with NOT_READY after readyTimeoutMs, not a misleading error', async () => {
    const { host, sim } = rig({ ...LOOP, readyTimeoutMs: 2000 });
    await host.start();
    const cut = sim.powerCycle(20_000);
    await vi.advanceTimersByTimeAsync(3000);
    const call = host.playAudio(1).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2000);
    const error = await call;
    expect(isKioskbusError(error, ErrorCode.NotReady)).toBe(true);
    await vi.advanceTimersByTimeAsync(15_000);
    await cut;
  });
});

describe('ControllerBox simulator script', () => {
  it('cuts the power and starts an OTA update from script lines', async () => {
    const { sim } = rig();
    expect(await runScriptLine(sim, 'help')).toMatch(/power MS/);
    await runScriptLine(sim, 'power 1000');
    expect(sim.state.powered).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sim.state.powered).toBe(true);
    await runScriptLine(sim, 'ota 100');
    expect(sim.state.ota).toBe('download');
    await expect(runScriptLine(sim, 'power x')).rejects.toThrow(/MS must be/);
  });
});
