import { describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { ErrorCode, KioskbusError } from '../../src/core/errors.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BILL_COMMANDS } from '../../src/ccnet/commands.js';
import { CcnetFramer, encodeAck, encodeNak, encodeReply, type CcnetFrame } from '../../src/ccnet/frame.js';
import { CcnetLink } from '../../src/ccnet/link.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

/** A scripted device end: records every frame it receives (with the fake time) and answers via `answer`. */
function scriptedDevice(device: MemoryTransport, answer: (frame: CcnetFrame, n: number) => Uint8Array | undefined) {
  const seen: { at: number; hex: string; frame: CcnetFrame }[] = [];
  const framer = new CcnetFramer({
    frame: (frame) => {
      seen.push({ at: Date.now(), hex: toHex(frame.raw), frame });
      const reply = answer(frame, seen.length);
      if (reply) void device.write(reply);
    },
  });
  device.on('data', (chunk) => {
    framer.push(chunk);
  });
  return seen;
}

const isCommand = (f: CcnetFrame, code: number): boolean => f.payload[0] === code && f.payload.length >= 1;
const ACK3 = toHex(encodeAck(3));
const NAK3 = toHex(encodeNak(3));

describe('CCNET link rules (fake timers)', () => {
  useFakeTimersPerTest();

  it('ACKs a data reply and never ACKs an ACK', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, (f) => {
      if (isCommand(f, 0x33)) return encodeReply(3, Uint8Array.of(0x14));
      if (isCommand(f, 0x35)) return encodeAck(3);
      return undefined;
    });
    const link = new CcnetLink(host);
    const poll = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(1);
    const r = await poll;
    expect(r.kind).toBe('data');
    const stack = link.exchange(3, Uint8Array.of(0x35));
    await vi.advanceTimersByTimeAsync(50);
    expect((await stack).kind).toBe('ack');
    await vi.advanceTimersByTimeAsync(200);
    expect(seen.map((s) => s.hex)).toEqual(['02 03 06 33 da 81', ACK3, '02 03 06 35 ec e4']);
  });

  it('NAKs a reply with a bad CRC and re-issues the command', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, (f, n) => {
      if (!isCommand(f, 0x33)) return undefined;
      const reply = encodeReply(3, Uint8Array.of(0x14));
      if (n === 1) reply[3] = 0x15; // corrupt the first answer
      return reply;
    });
    const link = new CcnetLink(host);
    const p = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(100);
    const r = await p;
    expect(r.kind === 'data' && toHex(r.data)).toBe('14');
    expect(r.tries).toBe(2);
    expect(seen.map((s) => s.hex)).toEqual(['02 03 06 33 da 81', NAK3, '02 03 06 33 da 81', ACK3]);
    // t-free between the NAK and the re-issued command
    expect((seen[2]?.at ?? 0) - (seen[1]?.at ?? 0)).toBeGreaterThanOrEqual(20);
  });

  it('re-sends the command when the device answers NAK', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, (_f, n) => (n === 1 ? encodeNak(3) : encodeAck(3)));
    const link = new CcnetLink(host);
    const p = link.exchange(3, Uint8Array.of(0x35));
    await vi.advanceTimersByTimeAsync(100);
    expect((await p).tries).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.hex).toBe(seen[1]?.hex);
  });

  it('silence counts as NAK: 3 tries, then a TIMEOUT error', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, () => undefined);
    const link = new CcnetLink(host, { responseTimeoutMs: 100 });
    const p = link.exchange(3, Uint8Array.of(0x33), { label: 'POLL' });
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(299);
    expect(seen).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(2);
    const error = await caught;
    expect(error).toBeInstanceOf(KioskbusError);
    expect((error as KioskbusError).code).toBe(ErrorCode.Timeout);
    expect((error as KioskbusError).message).toContain('POLL');
    expect(seen.map((s) => s.at - (seen[0]?.at ?? 0))).toEqual([0, 100, 200]);
  });

  it('keeps t-free (configurable) after an ACK before the next command, counted from its last bit on the wire', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, (f) => (isCommand(f, 0x33) ? encodeReply(3, Uint8Array.of(0x14)) : undefined));
    const link = new CcnetLink(host, { tFreeMs: 30 });
    const first = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(0);
    await first;
    const second = link.exchange(3, Uint8Array.of(0x33));
    // the 6-byte ACK takes 6.25 ms at 9600 8N1 after write() returned: 36.25 ms before the next command
    await vi.advanceTimersByTimeAsync(36);
    expect(seen.filter((s) => s.frame.payload[0] === 0x33)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    await second;
    const polls = seen.filter((s) => s.frame.payload[0] === 0x33);
    expect(polls).toHaveLength(2);
    const ack = seen.find((s) => s.hex === ACK3);
    expect((polls[1]?.at ?? 0) - (ack?.at ?? 0)).toBeGreaterThanOrEqual(36.25);
  });

  it('never keeps less than the spec t-free of 20 ms, whatever the option', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, (f) => (isCommand(f, 0x33) ? encodeReply(3, Uint8Array.of(0x14)) : undefined));
    const link = new CcnetLink(host, { tFreeMs: 5, baudRate: 19200 });
    expect(link.tFreeMs).toBe(20);
    const first = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(0);
    await first;
    const second = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(23);
    expect(seen.filter((s) => s.frame.payload[0] === 0x33)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    await second;
    const polls = seen.filter((s) => s.frame.payload[0] === 0x33);
    const ack = seen.find((s) => s.hex === ACK3);
    // 20 ms + 6 bytes × 10 bits / 19200 baud = 23.125 ms
    expect((polls[1]?.at ?? 0) - (ack?.at ?? 0)).toBeGreaterThanOrEqual(23.125);
  });

  it('a money-moving command is sent once; the error tells every try of a command that may be resent', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, (f, n) => (isCommand(f, 0x31) && n === 3 ? encodeNak(3) : undefined));
    const link = new CcnetLink(host);
    const once = link.exchange(3, Uint8Array.of(0x3c, 0, 0, 2, 1), { resend: false, label: 'DISPENSE' });
    const onceErr = settle(once, 500).catch((e: unknown) => e) as Promise<KioskbusError>;
    expect((await onceErr).code).toBe(ErrorCode.Timeout);
    expect(seen).toHaveLength(1);
    const status = link.exchange(3, Uint8Array.of(0x31), { label: 'GET_STATUS' });
    const err = (await settle(status, 1000).catch((e: unknown) => e)) as KioskbusError;
    expect(err.message).toContain('try 1: no answer; try 2: NAK from the device; try 3: no answer');
    expect((err.context.tries as { outcome: string }[]).map((t) => t.outcome)).toEqual(['timeout', 'nak', 'timeout']);
  });

  it('busy 1B YH holds the next command for YH x 100 ms', async () => {
    const [host, device] = createMemoryPair();
    const seen = scriptedDevice(device, (f, n) =>
      isCommand(f, 0x33) ? encodeReply(3, n === 1 ? Uint8Array.of(0x1b, 0x05) : Uint8Array.of(0x14)) : undefined,
    );
    const link = new CcnetLink(host);
    const first = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(0);
    await first;
    const second = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(499);
    expect(seen.filter((s) => s.frame.payload[0] === 0x33)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    await second;
    expect(seen.filter((s) => s.frame.payload[0] === 0x33)).toHaveLength(2);
  });

  it('ignores frames from other addresses while waiting', async () => {
    const [host, device] = createMemoryPair();
    scriptedDevice(device, (f) => {
      if (!isCommand(f, 0x33)) return undefined;
      void device.write(encodeReply(1, Uint8Array.of(0x19)));
      return encodeReply(3, Uint8Array.of(0x14));
    });
    const link = new CcnetLink(host);
    const strays: CcnetFrame[] = [];
    link.on('stray', (f) => strays.push(f));
    const p = link.exchange(3, Uint8Array.of(0x33));
    await vi.advanceTimersByTimeAsync(10);
    const r = await p;
    expect(r.kind === 'data' && r.frame.address).toBe(3);
    expect(strays.map((f) => f.address)).toEqual([1]);
  });

  it('the bus serialises commands to several addresses: one in flight', async () => {
    const [host, device] = createMemoryPair();
    let inFlight = 0;
    let maxInFlight = 0;
    const seen = scriptedDevice(device, (f) => {
      if (f.payload[0] === 0x00) return undefined;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        void device.write(encodeReply(f.address, Uint8Array.of(0x14)));
      }, 5);
      return undefined;
    });
    const bus = new CcnetBus(host);
    const results = await Promise.all([
      (async () => {
        const p = Promise.all([
          bus.execute(1, BILL_COMMANDS.POLL, undefined),
          bus.execute(3, BILL_COMMANDS.POLL, undefined),
          bus.execute(1, BILL_COMMANDS.POLL, undefined),
        ]);
        await vi.advanceTimersByTimeAsync(200);
        return p;
      })(),
    ]);
    expect(results[0]).toHaveLength(3);
    expect(maxInFlight).toBe(1);
    expect(seen.filter((s) => s.frame.payload[0] === 0x33).map((s) => s.frame.address)).toEqual([1, 3, 1]);
  });

  it('ILLEGAL COMMAND is a typed error naming the state', async () => {
    const [host, device] = createMemoryPair();
    scriptedDevice(device, (f) => (isCommand(f, 0x35) ? encodeReply(3, Uint8Array.of(0x30)) : undefined));
    const bus = new CcnetBus(host);
    const p = bus
      .execute(3, BILL_COMMANDS.STACK, undefined, { describeState: () => 'IDLING (14H)' })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    const error = (await p) as KioskbusError;
    expect(error.code).toBe(ErrorCode.IllegalCommand);
    expect(error.message).toContain('STACK');
    expect(error.message).toContain('IDLING');
    expect(error.context.state).toBe('IDLING (14H)');
  });
});
