import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceLoop, classifyFailure, type DeviceLoopHooks } from '../../src/core/device-loop.js';
import { ErrorCode, KioskbusError } from '../../src/core/errors.js';
import { DEVICE_STATES, transition, type DeviceState, type InitReason } from '../../src/core/lifecycle.js';

/** A scripted device: each hook's behaviour can be swapped per test; every call is recorded with its clock time. */
class FakeDevice implements DeviceLoopHooks {
  calls: { hook: string; at: number; reason?: InitReason }[] = [];
  portOpen = true;
  answering = true;
  /** How long a poll takes (virtual ms). */
  pollTakesMs = 0;
  /** Start-ups that still answer busy. */
  busyInits = 0;
  initError: KioskbusError | undefined;

  open(): Promise<void> {
    this.calls.push({ hook: 'open', at: Date.now() });
    return this.portOpen ? Promise.resolve() : Promise.reject(new KioskbusError(ErrorCode.NotOpen, 'no port'));
  }

  async initialise(reason: InitReason): Promise<void> {
    this.calls.push({ hook: 'initialise', at: Date.now(), reason });
    await this.answer();
    if (this.initError) throw this.initError;
    if (this.busyInits > 0) {
      this.busyInits--;
      throw new KioskbusError(ErrorCode.DeviceBusy, 'busy');
    }
  }

  async poll(): Promise<void> {
    this.calls.push({ hook: 'poll', at: Date.now() });
    if (this.pollTakesMs > 0) await new Promise((resolve) => setTimeout(resolve, this.pollTakesMs));
    await this.answer();
  }

  async probe(): Promise<void> {
    this.calls.push({ hook: 'probe', at: Date.now() });
    await this.answer();
  }

  private answer(): Promise<void> {
    if (!this.portOpen) return Promise.reject(new KioskbusError(ErrorCode.Disconnected, 'unplugged'));
    if (!this.answering) return Promise.reject(new KioskbusError(ErrorCode.Timeout, 'no reply'));
    return Promise.resolve();
  }

  times(hook: string): number[] {
    return this.calls.filter((c) => c.hook === hook).map((c) => c.at);
  }
}

function record(loop: DeviceLoop): { states: DeviceState[]; offline: number; online: number; problems: string[] } {
  const seen = { states: [] as DeviceState[], offline: 0, online: 0, problems: [] as string[] };
  loop.on('state', (to) => seen.states.push(to));
  loop.on('offline', () => seen.offline++);
  loop.on('online', () => seen.online++);
  loop.on('problem', (e) => seen.problems.push(e.code));
  return seen;
}

/** Stops the loop while virtual time runs, so a round in flight can finish. */
async function stopLoop(loop: DeviceLoop): Promise<void> {
  const stopped = loop.stop();
  await vi.advanceTimersByTimeAsync(1000);
  await stopped;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('lifecycle table', () => {
  it('every state can be stopped into closed', () => {
    for (const state of DEVICE_STATES) expect(transition(state, 'stop')).toBe('closed');
  });

  it('a closed device only starts', () => {
    expect(transition('closed', 'start')).toBe('opening');
    expect(transition('closed', 'silent')).toBeUndefined();
    expect(transition('closed', 'initialised')).toBeUndefined();
  });

  it('offline goes through reopening before it is set up again', () => {
    expect(transition('ready', 'silent')).toBe('offline');
    expect(transition('offline', 'answered')).toBeUndefined();
    expect(transition('offline', 'retry')).toBe('reopening');
    expect(transition('reopening', 'answered')).toBe('initialising');
    expect(transition('reopening', 'failed')).toBe('offline');
  });
});

describe('classifyFailure', () => {
  it('reads error codes', () => {
    expect(classifyFailure(new KioskbusError(ErrorCode.Timeout, 'x'))).toBe('no-answer');
    expect(classifyFailure(new KioskbusError(ErrorCode.Disconnected, 'x'))).toBe('port-lost');
    expect(classifyFailure(new KioskbusError(ErrorCode.DeviceBusy, 'x'))).toBe('busy');
    expect(classifyFailure(new KioskbusError(ErrorCode.Closed, 'x'))).toBe('stopped');
    expect(classifyFailure(new KioskbusError(ErrorCode.WrongParameters, 'x'))).toBe('other');
    expect(classifyFailure(new Error('plain'))).toBe('other');
  });
});

describe('DeviceLoop', () => {
  it('polls at a fixed rate: the interval is the period, not a pause after each poll', async () => {
    const device = new FakeDevice();
    device.pollTakesMs = 60;
    const loop = new DeviceLoop(device, { pollIntervalMs: 200 });
    await loop.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(device.times('poll')).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(loop.stats.missedDeadlines).toBe(0);
    await stopLoop(loop);
  });

  it('a round that overruns its slot is followed at once, without a burst, and counted', async () => {
    const device = new FakeDevice();
    device.pollTakesMs = 250;
    const loop = new DeviceLoop(device, { pollIntervalMs: 200 });
    await loop.start();
    await vi.advanceTimersByTimeAsync(760);
    // each late round starts on the next timer turn (Node's shortest timeout is 1 ms)
    expect(device.times('poll')).toEqual([0, 251, 502, 753]);
    expect(loop.stats.missedDeadlines).toBe(3);
    await stopLoop(loop);
  });

  it('goes offline once after the silence limit, reconnects with back-off, online once, and sets the device up again', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, {
      pollIntervalMs: 100,
      offlineAfterMs: 500,
      reopenMinMs: 250,
      reopenMaxMs: 1000,
    });
    const seen = record(loop);
    let offlineAt = 0;
    loop.on('offline', () => (offlineAt = Date.now()));
    await loop.start();
    device.answering = false;
    await vi.advanceTimersByTimeAsync(450);
    expect(seen.offline).toBe(0); // silent, but not for long enough yet
    await vi.advanceTimersByTimeAsync(200);
    expect(loop.state).not.toBe('ready');
    expect(seen.offline).toBe(1);
    expect(offlineAt).toBe(500);
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen.offline).toBe(1);
    const probes = device.times('probe').map((t) => t - offlineAt);
    // 250, then +500, +1000, +1000 ... (back-off capped)
    expect(probes.slice(0, 4).map((t, i, a) => (i === 0 ? t : t - (a[i - 1] ?? 0)))).toEqual([250, 500, 1000, 1000]);
    device.answering = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.online).toBe(1);
    expect(loop.state).toBe('ready');
    expect(device.calls.filter((c) => c.hook === 'initialise').map((c) => c.reason)).toEqual(['start', 'online']);
    expect(seen.states).toEqual(
      expect.arrayContaining(['opening', 'initialising', 'ready', 'offline', 'reopening', 'initialising', 'ready']),
    );
    await loop.stop();
  });

  it('a lost port is offline at once; the port is reopened before the device is probed', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 100, offlineAfterMs: 5000 });
    const seen = record(loop);
    await loop.start();
    device.portOpen = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(loop.state).toBe('offline');
    expect(seen.offline).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(device.times('probe')).toEqual([]); // no probe while the port cannot be opened
    expect(seen.offline).toBe(1);
    device.portOpen = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(loop.state).toBe('ready');
    expect(seen.online).toBe(1);
    await loop.stop();
  });

  it('a busy device is polled while busy and its start-up retried with back-off until it is ready', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 200, reopenMinMs: 250, reopenMaxMs: 2000 });
    await loop.start();
    device.busyInits = 3;
    loop.requestInit('reset');
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.state).toBe('busy');
    const pollsBefore = device.times('poll').length;
    await vi.advanceTimersByTimeAsync(3000);
    expect(device.times('poll').length - pollsBefore).toBeGreaterThanOrEqual(10); // polled throughout
    expect(loop.state).toBe('ready');
    const inits = device.calls.filter((c) => c.hook === 'initialise');
    expect(inits).toHaveLength(5); // start, then 3 busy answers, then success
    const gaps = inits.slice(1).map((c, i) => c.at - (inits[i]?.at ?? 0));
    // back-off between the retries grows (never a tight restart loop)
    expect(gaps[2]).toBeGreaterThan(gaps[1] ?? 0);
    await loop.stop();
  });

  it('start() waits for a device that answers busy and resolves once it is ready', async () => {
    const device = new FakeDevice();
    device.busyInits = 2;
    const loop = new DeviceLoop(device, { pollIntervalMs: 200 });
    let started = false;
    const start = loop.start().then(() => (started = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toBe(false);
    expect(loop.state).toBe('busy');
    await vi.advanceTimersByTimeAsync(3000);
    await start;
    expect(started).toBe(true);
    expect(loop.state).toBe('ready');
    await loop.stop();
  });

  it('start() gives up with NOT_READY when the device stays busy', async () => {
    const device = new FakeDevice();
    device.busyInits = 1_000;
    const loop = new DeviceLoop(device, { pollIntervalMs: 200, startTimeoutMs: 2000 });
    const start = loop.start();
    const outcome = expect(start).rejects.toMatchObject({ code: ErrorCode.NotReady });
    await vi.advanceTimersByTimeAsync(2100);
    await outcome;
    expect(loop.state).toBe('closed');
  });

  it('start() fails and closes when the port cannot be opened', async () => {
    const device = new FakeDevice();
    device.portOpen = false;
    const loop = new DeviceLoop(device, { pollIntervalMs: 200 });
    await expect(loop.start()).rejects.toMatchObject({ code: ErrorCode.NotOpen });
    expect(loop.state).toBe('closed');
  });

  it('whenReady waits for recovery (bounded) and fails typed when it does not come', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 100, readyTimeoutMs: 1000, reopenMinMs: 100 });
    await loop.start();
    await expect(loop.whenReady()).resolves.toBeUndefined();
    device.answering = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(loop.state).not.toBe('ready');
    const late = loop.whenReady();
    const lateOutcome = expect(late).rejects.toMatchObject({ code: ErrorCode.NotReady });
    await vi.advanceTimersByTimeAsync(1000);
    await lateOutcome;
    const waiting = loop.whenReady();
    device.answering = true;
    await vi.advanceTimersByTimeAsync(500);
    await expect(waiting).resolves.toBeUndefined();
    await loop.stop();
    await expect(loop.whenReady()).rejects.toMatchObject({ code: ErrorCode.NotReady });
  });

  it('stop() rejects calls waiting for the device', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 100, readyTimeoutMs: 10_000 });
    await loop.start();
    device.answering = false;
    await vi.advanceTimersByTimeAsync(100);
    const waiting = loop.whenReady();
    const outcome = expect(waiting).rejects.toMatchObject({ code: ErrorCode.NotReady });
    await loop.stop();
    await outcome;
    const polls = device.times('poll').length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(device.times('poll').length).toBe(polls);
  });

  it('a failure that is not silence is a problem and polling goes on', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 100 });
    const seen = record(loop);
    await loop.start();
    const poll = device.poll.bind(device);
    let fail = true;
    device.poll = async () => {
      if (fail) {
        fail = false;
        throw new KioskbusError(ErrorCode.WrongParameters, 'odd reply');
      }
      await poll();
    };
    await vi.advanceTimersByTimeAsync(300);
    expect(seen.problems).toEqual([ErrorCode.WrongParameters]);
    expect(loop.state).toBe('ready');
    await loop.stop();
  });

  it('a throwing listener is reported and does not stop the loop', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 100, reopenMinMs: 100 });
    const problems: string[] = [];
    loop.on('problem', (e) => problems.push(e.code));
    loop.on('offline', () => {
      throw new Error('application bug');
    });
    await loop.start();
    device.answering = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(problems).toEqual([ErrorCode.ListenerFailed]);
    device.answering = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(loop.state).toBe('ready');
    await loop.stop();
  });

  it('a start-up that fails with a device error is retried after a pause, polling meanwhile', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 100, reopenMinMs: 200 });
    const seen = record(loop);
    await loop.start();
    device.initError = new KioskbusError(ErrorCode.KeyNotSet, 'key lost');
    loop.requestInit('key-not-set');
    await vi.advanceTimersByTimeAsync(50);
    expect(seen.problems).toEqual([ErrorCode.KeyNotSet]);
    device.initError = undefined;
    await vi.advanceTimersByTimeAsync(1000);
    expect(loop.state).toBe('ready');
    await loop.stop();
  });

  it('a start-up that meets silence shorter than the offline limit is tried again, then offline when it lasts', async () => {
    const device = new FakeDevice();
    const loop = new DeviceLoop(device, { pollIntervalMs: 100, offlineAfterMs: 2000, reopenMinMs: 200 });
    const seen = record(loop);
    await loop.start();
    device.answering = false;
    loop.requestInit('power-up');
    await vi.advanceTimersByTimeAsync(700);
    expect(loop.state).toBe('initialising');
    const tries = device.calls.filter((c) => c.hook === 'initialise').length;
    expect(tries).toBeGreaterThanOrEqual(3); // start, then the power-up set-up and its retries
    device.answering = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(loop.state).toBe('ready');
    expect(seen.offline).toBe(0);
    device.answering = false;
    loop.requestInit('reset');
    await vi.advanceTimersByTimeAsync(3000);
    expect(loop.state === 'offline' || loop.state === 'reopening').toBe(true);
    expect(seen.offline).toBe(1);
    await stopLoop(loop);
  });
});
