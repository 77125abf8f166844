import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { ErrorCode } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import {
  bitsPerByte,
  LinePacer,
  pacedAttach,
  PacedTransport,
  parseLineSettings,
  wireTimeMs,
  type LineSpan,
} from '../../src/transport/paced.js';
import type { Transport } from '../../src/transport/types.js';

const ESSP_LINE = { baudRate: 9600, stopBits: 2 } as const;
const CCNET_LINE = { baudRate: 9600 } as const;

/** Records each chunk with the fake clock's time of arrival. */
function arrivals(t: Transport): { at: number; bytes: number[] }[] {
  const got: { at: number; bytes: number[] }[] = [];
  t.on('data', (chunk) => got.push({ at: Date.now(), bytes: [...chunk] }));
  return got;
}

describe('line timing', () => {
  it('counts start, data, parity and stop bits', () => {
    expect(bitsPerByte(ESSP_LINE)).toBe(11);
    expect(bitsPerByte(CCNET_LINE)).toBe(10);
    expect(bitsPerByte({ baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 })).toBe(10);
    expect(bitsPerByte({ baudRate: 9600, dataBits: 8, parity: 'odd', stopBits: 1.5 })).toBe(11.5);
    // a 6-byte POLL and its 6-byte reply at 9600 8N2: 13.75 ms on the wire
    expect(wireTimeMs(ESSP_LINE, 12)).toBeCloseTo(13.75, 10);
    expect(() => wireTimeMs({ baudRate: 0 }, 1)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }) as Error,
    );
  });

  it.each([
    ['9600', { baudRate: 9600 }],
    ['9600-8N2', { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 2 }],
    ['19200,7e1', { baudRate: 19200, dataBits: 7, parity: 'even', stopBits: 1 }],
    ['115200 8O1.5', { baudRate: 115200, dataBits: 8, parity: 'odd', stopBits: 1.5 }],
  ])('parses %j', (text, line) => {
    expect(parseLineSettings(text)).toEqual(line);
  });

  it.each(['', 'fast', '9600-9N1', '9600-8X1', '0'])('refuses %j', (text) => {
    expect(() => parseLineSettings(text)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }) as Error,
    );
  });
});

describe('paced memory pair (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers a write when its last bit has left the wire, never earlier', async () => {
    const [host, device] = createMemoryPair({ line: ESSP_LINE });
    const got = arrivals(device);
    await host.write(new Uint8Array(6)); // 6 x 11 bits / 9600 = 6.875 ms
    await vi.advanceTimersByTimeAsync(6);
    expect(got).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(got).toEqual([{ at: 7, bytes: [0, 0, 0, 0, 0, 0] }]);
  });

  it('queues writes one after the other at the line rate, in order, without rounding drift', async () => {
    const [host, device] = createMemoryPair({ line: CCNET_LINE }); // 1.0417 ms per byte
    const spans: LineSpan[] = [];
    if (!host.pacer) throw new Error('the pair should be paced');
    host.pacer.onSpan = (span) => spans.push(span);
    const got = arrivals(device);
    for (let i = 0; i < 96; i++) await host.write(Uint8Array.of(i));
    await vi.advanceTimersByTimeAsync(99);
    expect(got.map((c) => c.bytes[0])).toEqual([...Array(95).keys()]); // 95 bytes take 98.96 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(got).toHaveLength(96); // 96 bytes = exactly 100 ms
    expect(got.at(-1)?.at).toBe(100);
    for (const [i, c] of got.entries()) expect(c.at).toBeGreaterThanOrEqual(((i + 1) * 10_000) / 9600);
    expect(spans[1]?.startMs).toBe(spans[0]?.endMs);
    expect(spans[95]?.endMs).toBeCloseTo(100, 9);
  });

  it('keeps the two directions apart (full duplex) and starts an idle line at once', async () => {
    const [host, device] = createMemoryPair({ line: ESSP_LINE });
    const atDevice = arrivals(device);
    const atHost = arrivals(host);
    await host.write(new Uint8Array(9)); // 10.3 ms
    await device.write(new Uint8Array(9));
    await vi.advanceTimersByTimeAsync(11);
    expect(atDevice.map((c) => c.at)).toEqual([11]);
    expect(atHost.map((c) => c.at)).toEqual([11]);
    await vi.advanceTimersByTimeAsync(50);
    await host.write(new Uint8Array(1)); // idle line: 1.15 ms from now, not queued behind old traffic
    await vi.advanceTimersByTimeAsync(2);
    expect(atDevice.map((c) => c.at)).toEqual([11, 63]);
  });

  it('adds the latency after the wire time and drops what is on the line when the peer closes', async () => {
    const [host, device] = createMemoryPair({ line: ESSP_LINE, latencyMs: 5 });
    const got = arrivals(device);
    await host.write(new Uint8Array(6));
    await vi.advanceTimersByTimeAsync(11);
    expect(got).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(got.map((c) => c.at)).toEqual([12]);
    await host.write(new Uint8Array(6));
    await host.close();
    await vi.advanceTimersByTimeAsync(100);
    expect(got).toHaveLength(1);
    expect(host.pacer?.queuedBytes).toBe(0);
  });
});

describe('PacedTransport (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('paces what the device writes and what it receives, and reports the spans on the line', async () => {
    const [host, raw] = createMemoryPair();
    const device = new PacedTransport(raw, ESSP_LINE);
    const atHost = arrivals(host);
    const atDevice = arrivals(device);
    const txSpans: LineSpan[] = [];
    device.tx.onSpan = (span) => txSpans.push(span);
    expect(device.description).toBe('memory:device (paced 9600 baud)');

    await host.write(new Uint8Array(6));
    await host.write(new Uint8Array(6)); // arrives right behind the first one on the device's receive line
    await vi.advanceTimersByTimeAsync(13);
    expect(atDevice.map((c) => c.at)).toEqual([1007]);
    await vi.advanceTimersByTimeAsync(1);
    expect(atDevice.map((c) => c.at)).toEqual([1007, 1014]); // 13.75 ms, never 13

    await device.write(new Uint8Array(7)); // resolves at once, like an OS buffer
    expect(txSpans).toHaveLength(1);
    expect(txSpans[0]?.startMs).toBe(1014);
    expect(txSpans[0]?.endMs).toBeCloseTo(1014 + (7 * 11) / 9.6, 9);
    await vi.advanceTimersByTimeAsync(8); // 8.02 ms on the wire
    expect(atHost).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(atHost.map((c) => c.at)).toEqual([1023]);
  });

  it('can leave receiving unpaced, refuses writes when closed and clears the line on close', async () => {
    const [host, raw] = createMemoryPair();
    const device = new PacedTransport(raw, CCNET_LINE, { paceReceive: false });
    const atDevice = arrivals(device);
    const atHost = arrivals(host);
    const events: string[] = [];
    device.on('close', () => events.push('close'));
    await host.write(new Uint8Array(50));
    await vi.advanceTimersByTimeAsync(0);
    expect(atDevice).toHaveLength(1);
    await device.write(new Uint8Array(10));
    await device.close();
    expect(events).toEqual(['close']);
    expect(device.isOpen).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(atHost).toHaveLength(0);
    await expect(device.write(Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NotOpen });
    await device.open();
    expect(device.isOpen).toBe(true);
  });

  it('never delivers early, even when a timer fires before its time (a stale event-loop clock)', () => {
    let time = 0;
    const timers: { fn: () => void; ms: number }[] = [];
    const clock: Clock = {
      now: () => time,
      setTimeout: (fn, ms) => {
        timers.push({ fn, ms });
        return setTimeout(() => undefined, 0);
      },
      clearTimeout: (handle) => {
        clearTimeout(handle);
      },
    };
    const pacer = new LinePacer(ESSP_LINE, clock);
    const got: number[] = [];
    pacer.send(new Uint8Array(6), () => got.push(time)); // due at 6.875
    expect(timers.map((t) => t.ms)).toEqual([6.875]); // the exact time: a whole-millisecond clock rounds it
    time = 5;
    timers.shift()?.fn(); // fires 2 ms early
    expect(got).toEqual([]);
    expect(timers.map((t) => t.ms)).toEqual([1.875]); // re-armed for the rest
    time = 6.9;
    timers.shift()?.fn();
    expect(got).toEqual([6.9]);
    pacer.send(new Uint8Array(1), () => got.push(time));
    pacer.clear();
    expect(pacer.queuedBytes).toBe(0);
  });

  it('a pacer on its own delivers in order even when later chunks are shorter', async () => {
    const pacer = new LinePacer({ baudRate: 1000 }); // 10 ms per byte
    const order: number[] = [];
    pacer.send(new Uint8Array(3), () => order.push(Date.now()));
    pacer.send(new Uint8Array(1), () => order.push(Date.now()));
    expect(pacer.busyUntil).toBe(1040);
    expect(pacer.queuedBytes).toBe(4);
    await vi.advanceTimersByTimeAsync(40);
    expect(order).toEqual([1030, 1040]);
    expect(pacer.msPerByte).toBe(10);
  });
});

describe('a real host and simulator on a paced pair see wire time (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an eSSP SYNC round trip at 9600 8N2 takes its 12 bytes on the wire plus the reply latency', async () => {
    const [host, end] = createMemoryPair({ line: ESSP_LINE });
    const sim = new SspSimulator({ device: 'nv9usb', replyLatencyMs: 5 });
    const detach = sim.attach(end);
    const bus = new SspBus(host);
    const sent: LineSpan[] = [];
    const answered: LineSpan[] = [];
    if (!host.pacer || !end.pacer) throw new Error('the pair should be paced');
    host.pacer.onSpan = (span) => sent.push(span);
    end.pacer.onSpan = (span) => answered.push(span);
    let done = false;
    const sync = bus.sync(0).then(() => {
      done = true;
    });
    // SYNC (6 bytes) arrives at 6.875 -> 7 ms, the simulator answers 5 ms later, the 6-byte reply ends at 18.875 ms
    await vi.advanceTimersByTimeAsync(18);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sync;
    expect(done).toBe(true);
    expect(sent.map((s) => s.bytes.length)).toEqual([6]);
    expect(answered.map((s) => s.bytes.length)).toEqual([6]);
    expect(sent[0]?.endMs).toBeCloseTo(6.875, 9);
    expect(answered[0]?.startMs).toBe(12);
    expect(answered[0]?.endMs).toBeCloseTo(18.875, 9);
    await bus.close();
    detach();
    sim.close();
  });
});

describe('pacedAttach (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves a simulator paced on any transport and lets go of it on detach', async () => {
    const [host, end] = createMemoryPair();
    const sim = new SspSimulator({ device: 'nv9usb', replyLatencyMs: 0 });
    const attach = pacedAttach(ESSP_LINE, (t) => sim.attach(t));
    const detach = attach(end);
    expect(end.listenerCount('data')).toBe(1);
    const bus = new SspBus(host);
    let done = false;
    const sync = bus.sync(0).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(13); // 6 bytes each way at 9600 8N2: 13.75 ms
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sync;
    expect(done).toBe(true);
    detach();
    expect(end.listenerCount('data')).toBe(0);
    expect(end.isOpen).toBe(true);
    await bus.close();
    sim.close();
  });
});
