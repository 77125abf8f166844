import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, KioskbusError } from '../../src/core/errors.js';
import { parseFaultSpec } from '../../src/transport/fault-spec.js';
import { FaultTransport, type FaultOptions, type FaultRecord } from '../../src/transport/faults.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';
import type { Transport } from '../../src/transport/types.js';

/** Each chunk a transport receives, with the fake clock's time. */
function chunks(t: Transport): { at: number; bytes: number[] }[] {
  const got: { at: number; bytes: number[] }[] = [];
  t.on('data', (chunk) => got.push({ at: Date.now(), bytes: [...chunk] }));
  return got;
}

const flat = (got: { bytes: number[] }[]): number[] => got.flatMap((c) => c.bytes);

function rig(options: FaultOptions): { faults: FaultTransport; host: MemoryTransport; device: MemoryTransport } {
  const [host, device] = createMemoryPair();
  return { faults: new FaultTransport(host, options), host, device };
}

const payload = (n: number, seed = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 0xff);

/** Writes `count` chunks of `size` bytes host→device and returns what the device got. */
async function pump(faults: FaultTransport, device: Transport, count: number, size: number): Promise<number[]> {
  const got = chunks(device);
  for (let i = 0; i < count; i++) await faults.write(payload(size, i));
  await vi.advanceTimersByTimeAsync(60_000);
  return flat(got);
}

const sent = (count: number, size: number): number[] =>
  Array.from({ length: count }, (_, i) => [...payload(size, i)]).flat();

function bitsDiffer(a: number, b: number): number {
  let x = a ^ b;
  let n = 0;
  while (x) {
    n += x & 1;
    x >>= 1;
  }
  return n;
}

function isSubsequence(small: number[], big: number[]): boolean {
  let j = 0;
  for (const b of big) if (j < small.length && small[j] === b) j++;
  return j === small.length;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FaultTransport bytes', () => {
  it('passes bytes and chunks untouched both ways without faults', async () => {
    const { faults, device } = rig({});
    const atDevice = chunks(device);
    const atHost = chunks(faults);
    await faults.write(Uint8Array.of(1, 2, 3));
    await device.write(Uint8Array.of(4, 5));
    await vi.advanceTimersByTimeAsync(0);
    expect(atDevice.map((c) => c.bytes)).toEqual([[1, 2, 3]]);
    expect(atHost.map((c) => c.bytes)).toEqual([[4, 5]]);
    expect(faults.stats.toDevice.bytes).toBe(3);
    expect(faults.stats.toHost.bytes).toBe(2);
  });

  it('flips exactly one bit of every byte at corrupt=1', async () => {
    const { faults, device } = rig({ toDevice: { corrupt: 1 } });
    const got = await pump(faults, device, 10, 20);
    const want = sent(10, 20);
    expect(got).toHaveLength(want.length);
    expect(got.map((b, i) => bitsDiffer(b, want[i] ?? 0))).toEqual(got.map(() => 1));
    expect(faults.stats.toDevice.corrupt).toBe(200);
  });

  it('drops bytes at the asked rate and counts each', async () => {
    const { faults, device } = rig({ toDevice: { drop: 0.1 }, seed: 3 });
    const got = await pump(faults, device, 200, 50);
    const { drop } = faults.stats.toDevice;
    expect(got.length).toBe(10_000 - drop);
    expect(drop).toBeGreaterThan(800);
    expect(drop).toBeLessThan(1200);
    expect(isSubsequence(got, sent(200, 50))).toBe(true);
  });

  it('inserts bytes and keeps the original ones in order', async () => {
    const { faults, device } = rig({ toDevice: { insert: 0.05 }, seed: 4 });
    const got = await pump(faults, device, 100, 50);
    const { insert } = faults.stats.toDevice;
    expect(insert).toBeGreaterThan(150);
    expect(got.length).toBe(5000 + insert);
    expect(isSubsequence(sent(100, 50), got)).toBe(true);
  });

  it('replays the same faults for the same seed and others for another seed', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const { faults, device } = rig({ toDevice: { corrupt: 0.02, drop: 0.02, insert: 0.02, split: 0.5 }, seed });
      return pump(faults, device, 50, 30);
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
  });

  it('applies faults per direction', async () => {
    const { faults, device } = rig({ toDevice: { corrupt: 1 } });
    const atHost = chunks(faults);
    const atDevice = chunks(device);
    await device.write(Uint8Array.of(0x10, 0x20));
    await faults.write(Uint8Array.of(0x10, 0x20));
    await vi.advanceTimersByTimeAsync(0);
    expect(flat(atHost)).toEqual([0x10, 0x20]);
    expect(flat(atDevice)).not.toEqual([0x10, 0x20]);
    expect(faults.stats.toHost.corrupt).toBe(0);
  });

  it('maps directions to the device end when it wraps the device side', async () => {
    const [host, device] = createMemoryPair();
    const faults = new FaultTransport(device, { end: 'device', toHost: { drop: 1 } });
    const atHost = chunks(host);
    const atDevice = chunks(faults);
    await faults.write(Uint8Array.of(1, 2, 3)); // device → host: dropped
    await host.write(Uint8Array.of(4, 5)); // host → device: untouched
    await vi.advanceTimersByTimeAsync(0);
    expect(atHost).toEqual([]);
    expect(flat(atDevice)).toEqual([4, 5]);
    expect(faults.stats.toHost.drop).toBe(3);
  });
});

describe('FaultTransport chunks and timing', () => {
  it('splits a chunk into 2..4 pieces that add up to it', async () => {
    const { faults, device } = rig({ toDevice: { split: 1 } });
    for (let i = 0; i < 20; i++) {
      const got = chunks(device);
      await faults.write(payload(12, i));
      await vi.advanceTimersByTimeAsync(0);
      expect(got.length).toBeGreaterThanOrEqual(2);
      expect(got.length).toBeLessThanOrEqual(4);
      expect(flat(got)).toEqual([...payload(12, i)]);
      device.removeAllListeners('data');
    }
    expect(faults.stats.toDevice.split).toBe(20);
  });

  it('merges held chunks with the next one, or sends them alone after the hold time', async () => {
    const { faults, device } = rig({ toDevice: { merge: 1, mergeHoldMs: 5 } });
    const got = chunks(device);
    await faults.write(Uint8Array.of(1));
    await faults.write(Uint8Array.of(2, 3));
    await vi.advanceTimersByTimeAsync(4);
    expect(got).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(got).toEqual([{ at: 5, bytes: [1, 2, 3] }]);

    faults.setFaults('toDevice', { merge: 0.5 });
    const seen = chunks(device);
    for (let i = 0; i < 50; i++) await faults.write(Uint8Array.of(i));
    await vi.advanceTimersByTimeAsync(10);
    expect(flat(seen)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(seen.length).toBeLessThan(50);
  });

  it('delays chunks within the range and keeps their order', async () => {
    const { faults, device } = rig({ toDevice: { delay: { minMs: 10, maxMs: 30 } } });
    const got = chunks(device);
    for (let i = 0; i < 20; i++) await faults.write(Uint8Array.of(i));
    await vi.advanceTimersByTimeAsync(9);
    expect(got).toEqual([]);
    await vi.advanceTimersByTimeAsync(30);
    expect(flat(got)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const c of got) expect(c.at).toBeLessThanOrEqual(30);
    expect(faults.stats.toDevice.delay).toBe(20);
  });

  it('goes dark both ways for a scheduled time, then passes bytes again', async () => {
    const { faults, device } = rig({});
    const atDevice = chunks(device);
    const atHost = chunks(faults);
    faults.goDark(100);
    await faults.write(Uint8Array.of(1, 2));
    await device.write(Uint8Array.of(3));
    await vi.advanceTimersByTimeAsync(100);
    await faults.write(Uint8Array.of(4));
    await device.write(Uint8Array.of(5));
    await vi.advanceTimersByTimeAsync(0);
    expect(flat(atDevice)).toEqual([4]);
    expect(flat(atHost)).toEqual([5]);
    expect(faults.stats.toDevice).toMatchObject({ dark: 1, darkLost: 2 });
    expect(faults.stats.toHost).toMatchObject({ dark: 1, darkLost: 1 });
    expect(faults.isOpen).toBe(true);
  });

  it('goes dark at random for log-uniform times within the range', async () => {
    const { faults, device } = rig({ toDevice: { dark: { minMs: 20, maxMs: 30_000, probability: 0.5 } }, seed: 9 });
    const periods: FaultRecord[] = [];
    faults.onFault = (f) => {
      if (f.kind === 'dark') periods.push(f);
    };
    const got = chunks(device);
    for (let i = 0; i < 200; i++) {
      await faults.write(Uint8Array.of(i));
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(periods.length).toBeGreaterThan(5);
    for (const p of periods) {
      expect(p.durationMs).toBeGreaterThanOrEqual(20);
      expect(p.durationMs).toBeLessThanOrEqual(30_000);
    }
    expect(periods.some((p) => (p.durationMs ?? 0) < 1000)).toBe(true);
    expect(periods.some((p) => (p.durationMs ?? 0) > 5000)).toBe(true);
    const { darkLost, bytes } = faults.stats.toDevice;
    expect(darkLost + bytes).toBe(200);
    expect(flat(got)).toHaveLength(bytes);
  });

  it('passes bytes untouched while disabled', async () => {
    const { faults, device } = rig({ toDevice: { drop: 1 } });
    faults.enabled = false;
    const got = await pump(faults, device, 3, 4);
    expect(got).toEqual(sent(3, 4));
  });
});

describe('FaultTransport unplug and replug', () => {
  it('emits disconnected then close, refuses writes and opens typed, reopens after the replug', async () => {
    const { faults, device } = rig({ toDevice: { delay: { minMs: 50, maxMs: 50 } } });
    const events: string[] = [];
    faults.on('disconnected', (e) => events.push(`disconnected:${e.code}`));
    faults.on('close', () => events.push('close'));
    faults.on('open', () => events.push('open'));
    const atDevice = chunks(device);
    const atHost = chunks(faults);
    await faults.write(Uint8Array.of(1)); // in flight for 50 ms: lost with the unplug
    faults.unplug();
    expect(events).toEqual(['disconnected:DISCONNECTED', 'close']);
    expect(faults.isOpen).toBe(false);
    expect(faults.unplugged).toBe(true);
    await expect(faults.write(Uint8Array.of(2))).rejects.toMatchObject({ code: ErrorCode.Disconnected });
    await expect(faults.open()).rejects.toBeInstanceOf(KioskbusError);
    await device.write(Uint8Array.of(3));
    await vi.advanceTimersByTimeAsync(100);
    expect(atDevice).toEqual([]);
    expect(atHost).toEqual([]);

    faults.replug();
    expect(faults.isOpen).toBe(false);
    await faults.open();
    expect(events).toEqual(['disconnected:DISCONNECTED', 'close', 'open']);
    await faults.write(Uint8Array.of(4));
    await device.write(Uint8Array.of(5));
    await vi.advanceTimersByTimeAsync(100);
    expect(flat(atDevice)).toEqual([4]);
    expect(flat(atHost)).toEqual([5]);
    expect(faults.stats).toMatchObject({ unplugs: 1, replugs: 1 });
  });

  it('replugs by itself after the given time and reopens when asked to', async () => {
    const { faults } = rig({ reopenOnReplug: true });
    const opened = vi.fn();
    faults.on('open', opened);
    faults.unplug(2000);
    await vi.advanceTimersByTimeAsync(1999);
    expect(faults.unplugged).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(faults.unplugged).toBe(false);
    expect(faults.isOpen).toBe(true);
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it('unplugs at random at the asked rate and comes back', async () => {
    const { faults } = rig({ unplug: { minMs: 100, maxMs: 200, probability: 0.05 }, seed: 5, reopenOnReplug: true });
    const records: FaultRecord[] = [];
    faults.onFault = (f) => records.push(f);
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      await faults.write(Uint8Array.of(i)).catch(() => refused++);
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(1000);
    const { unplugs, replugs } = faults.stats;
    expect(unplugs).toBeGreaterThan(3);
    expect(replugs).toBe(unplugs);
    expect(refused).toBeGreaterThan(0);
    expect(records.filter((r) => r.kind === 'unplug')).toHaveLength(unplugs);
    expect(faults.isOpen).toBe(true);
  });

  it('forwards a disconnect of the wrapped transport once and opens again through it', async () => {
    const { faults, host } = rig({});
    const events: string[] = [];
    faults.on('disconnected', () => events.push('disconnected'));
    faults.on('close', () => events.push('close'));
    faults.on('open', () => events.push('open'));
    host.disconnect();
    expect(faults.isOpen).toBe(false);
    await expect(faults.write(Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NotOpen });
    await faults.open();
    expect(host.isOpen).toBe(true);
    await faults.close();
    expect(events).toEqual(['disconnected', 'close', 'open', 'close']);
  });
});

describe('parseFaultSpec', () => {
  it('reads the compact spec', () => {
    expect(parseFaultSpec('corrupt=0.01,drop=0.001,insert=0.001,split=0.2,dark=20ms-30s@0.001,seed=7')).toEqual({
      seed: 7,
      toDevice: {
        corrupt: 0.01,
        drop: 0.001,
        insert: 0.001,
        split: 0.2,
        dark: { minMs: 20, maxMs: 30_000, probability: 0.001 },
      },
      toHost: {
        corrupt: 0.01,
        drop: 0.001,
        insert: 0.001,
        split: 0.2,
        dark: { minMs: 20, maxMs: 30_000, probability: 0.001 },
      },
    });
  });

  it('reads directions, percents, delays, unplugs and reopen', () => {
    expect(
      parseFaultSpec(
        ' h2d.corrupt=1% , d2h.drop=2e-3, delay=0-20ms, merge=0.1, mergehold=1.5s, unplug=1s-2m@0.0001, reopen',
      ),
    ).toEqual({
      toDevice: { corrupt: 0.01, delay: { minMs: 0, maxMs: 20 }, merge: 0.1, mergeHoldMs: 1500 },
      toHost: { drop: 0.002, delay: { minMs: 0, maxMs: 20 }, merge: 0.1, mergeHoldMs: 1500 },
      unplug: { minMs: 1000, maxMs: 120_000, probability: 0.0001 },
      reopenOnReplug: true,
    });
    expect(parseFaultSpec('')).toEqual({});
    expect(parseFaultSpec('none')).toEqual({});
    expect(parseFaultSpec('delay=5')).toEqual({
      toDevice: { delay: { minMs: 5, maxMs: 5 } },
      toHost: { delay: { minMs: 5, maxMs: 5 } },
    });
  });

  it.each([
    ['corrupt=2', 'probability'],
    ['corrupt=-0.1', 'probability'],
    ['drop=abc', 'probability'],
    ['drop', 'needs a value'],
    ['flip=0.1', 'unknown fault'],
    ['x2y.drop=0.1', 'unknown direction'],
    ['dark=20ms-30s', 'probability per byte'],
    ['dark=30s-20ms@0.1', 'ends before'],
    ['delay=5h', 'duration'],
    ['delay=1-2-3', 'range'],
    ['seed=-1', 'seed'],
    ['seed=1.5', 'seed'],
    ['drop=0.1,,corrupt=0.1', 'empty item'],
    ['drop=0.1,drop=0.2', 'twice'],
    ['reopen=1', 'no value'],
  ])('refuses %j with a typed error', (spec, words) => {
    let error: unknown;
    try {
      parseFaultSpec(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KioskbusError);
    expect((error as KioskbusError).code).toBe(ErrorCode.InvalidArgument);
    expect((error as KioskbusError).message).toContain(words);
  });
});
