import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { ErrorCode, isKioskbusError, type KioskbusError } from '../../src/core/errors.js';
import { buildAesKey, DEFAULT_FIXED_KEY, encryptPacket } from '../../src/essp/crypto.js';
import { encodeFrame, SspFramer, type SspFrame } from '../../src/essp/frame.js';
import { SspBus } from '../../src/essp/bus.js';
import { SspLink } from '../../src/essp/link.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';

/** For `.then(unexpected, (e) => e)`: a request that should fail but resolved. */
const unexpected = (): never => {
  throw new Error('expected a rejection');
};

const KEY = buildAesKey(DEFAULT_FIXED_KEY, 0x5eadbeefn);

describe('SspLink (pure state)', () => {
  it('SYNC goes out with flag 1 and the next command with flag 0', () => {
    const link = new SspLink(0);
    link.beginSync();
    const sync = link.prepare(Uint8Array.of(0x11), false);
    expect(toHex(sync.raw)).toBe('7f 80 01 11 65 82');
    expect(link.judge(sync, { address: 0, seq: 1, data: Uint8Array.of(0xf0) }).kind).toBe('reply');
    const poll = link.prepare(Uint8Array.of(0x07), false);
    expect(toHex(poll.raw)).toBe('7f 00 01 07 11 88');
  });

  it('toggles the flag only after a valid reply', () => {
    const link = new SspLink(0);
    const a = link.prepare(Uint8Array.of(0x07), false);
    expect(a.seq).toBe(1);
    // a reply with the wrong flag is a duplicate and does not toggle
    expect(link.judge(a, { address: 0, seq: 0, data: Uint8Array.of(0xf0) }).kind).toBe('duplicate');
    expect(link.seq).toBe(1);
    // a reply for another address is stray and does not toggle
    expect(link.judge(a, { address: 0x10, seq: 1, data: Uint8Array.of(0xf0) }).kind).toBe('stray');
    expect(link.seq).toBe(1);
    expect(link.judge(a, { address: 0, seq: 1, data: Uint8Array.of(0xf0) }).kind).toBe('reply');
    expect(link.seq).toBe(0);
    // a preparation alone (a resend is the same request object) never toggles
    const b = link.prepare(Uint8Array.of(0x07), false);
    expect(b.seq).toBe(0);
    expect(link.seq).toBe(0);
  });

  it('eCOUNT: the host encrypts with C, the reply must carry C+1, the next command uses C+1', () => {
    const link = new SspLink(0);
    link.setKey(KEY);
    const a = link.prepare(Uint8Array.of(0x07), true);
    expect(a.replyCount).toBe(1);
    expect(link.count).toBe(1);
    const good = encryptPacket(KEY, 1, Uint8Array.of(0xf0));
    const verdict = link.judge(a, { address: 0, seq: a.seq, data: good });
    expect(verdict).toMatchObject({ kind: 'reply', encrypted: true });
    const b = link.prepare(Uint8Array.of(0x07), true);
    expect(b.replyCount).toBe(2);
    // a stale count (a replayed older reply) is a duplicate; a jump is an error
    expect(link.judge(b, { address: 0, seq: b.seq, data: encryptPacket(KEY, 1, Uint8Array.of(0xf0)) }).kind).toBe(
      'duplicate',
    );
    const jump = link.judge(b, { address: 0, seq: b.seq, data: encryptPacket(KEY, 9, Uint8Array.of(0xf0)) });
    expect(jump.kind).toBe('error');
    if (jump.kind === 'error') expect(jump.error.code).toBe(ErrorCode.CountMismatch);
  });

  it('accepts a bare generic error in plain text to an encrypted command, refuses a plain OK', () => {
    const link = new SspLink(0);
    link.setKey(KEY);
    const a = link.prepare(Uint8Array.of(0x07), true);
    expect(link.judge(a, { address: 0, seq: a.seq, data: Uint8Array.of(0xfa) })).toMatchObject({
      kind: 'reply',
      encrypted: false,
    });
    const b = link.prepare(Uint8Array.of(0x07), true);
    const v = link.judge(b, { address: 0, seq: b.seq, data: Uint8Array.of(0xf0, 0xee, 0x01) });
    expect(v.kind).toBe('error');
    if (v.kind === 'error') expect(v.error.code).toBe(ErrorCode.UnexpectedReply);
  });

  it('refuses to encrypt without a key and rejects bad addresses', () => {
    expect(() => new SspLink(0).prepare(Uint8Array.of(7), true)).toThrow(/KEY_NOT_SET/);
    expect(() => new SspLink(0x7e)).toThrow(/address/);
    expect(() => new SspLink(-1)).toThrow(/address/);
  });
});

/** The device end of a memory pair, driven by hand: records decoded frames, answers when told. */
class ManualDevice {
  readonly frames: { frame: SspFrame; raw: Uint8Array }[] = [];
  private readonly decoder = new SspFramer({ frame: (frame) => this.frames.push({ frame, raw: frame.raw }) });

  constructor(readonly end: MemoryTransport) {
    end.on('data', (chunk) => {
      this.decoder.push(chunk);
    });
  }

  reply(address: number, seq: 0 | 1, data: number[] | Uint8Array): void {
    void this.end.write(encodeFrame({ address, seq, data: Uint8Array.from(data) }));
  }

  /** Answers the last received frame with `data` (same address and flag). */
  answer(data: number[] | Uint8Array): void {
    const last = this.frames.at(-1);
    if (!last) throw new Error('nothing received');
    this.reply(last.frame.address, last.frame.seq, data);
  }
}

function setup(options: ConstructorParameters<typeof SspBus>[1] = {}): {
  bus: SspBus;
  device: ManualDevice;
} {
  const [host, dev] = createMemoryPair();
  return { bus: new SspBus(host, options), device: new ManualDevice(dev) };
}

const flush = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

describe('link timing and matching over a bus (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resends the identical bytes after 1000 ms and takes the late reply', async () => {
    const { bus, device } = setup();
    const result = bus.exchange(0, Uint8Array.of(0x07), { label: 'POLL' });
    await flush();
    expect(device.frames).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(device.frames).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(device.frames).toHaveLength(2);
    expect(toHex(device.frames[1]?.raw ?? new Uint8Array())).toBe(toHex(device.frames[0]?.raw ?? new Uint8Array()));
    device.answer([0xf0, 0xe8]);
    await expect(result).resolves.toEqual(Uint8Array.of(0xf0, 0xe8));
    expect(bus.stats.retransmits).toBe(1);
    await bus.close();
  });

  it('resends identical encrypted bytes (same eCOUNT, same packing)', async () => {
    const { bus, device } = setup();
    bus.setKey(0, KEY);
    const result = bus.exchange(0, Uint8Array.of(0x07), { encrypt: true });
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(device.frames).toHaveLength(3);
    const raws = device.frames.map((f) => toHex(f.raw));
    expect(new Set(raws).size).toBe(1);
    device.answer(encryptPacket(KEY, 1, Uint8Array.of(0xf0)));
    await expect(result).resolves.toEqual(Uint8Array.of(0xf0));
    await bus.close();
  });

  it('gives up after `retries` resends with TIMEOUT, reports offline once, and never resends again', async () => {
    const { bus, device } = setup({ retries: 3 });
    const offline = vi.fn();
    bus.on('offline', offline);
    const result = bus.exchange(0, Uint8Array.of(0x07), { label: 'POLL' });
    const caught = result.then(unexpected, (error: unknown) => error as KioskbusError);
    await vi.advanceTimersByTimeAsync(4000);
    const error = await caught;
    expect(isKioskbusError(error, ErrorCode.Timeout)).toBe(true);
    expect(error.message).toMatch(/offline/);
    expect(device.frames).toHaveLength(4);
    expect(offline).toHaveBeenCalledTimes(1);
    expect(offline.mock.calls[0]?.[0]).toBe(0);
    expect(bus.isOnline(0)).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(device.frames).toHaveLength(4);
    expect(bus.stats.timeouts).toBe(1);
    await bus.close();
  });

  it('uses 20 retries and 1000 ms by default', async () => {
    const { bus, device } = setup();
    const caught = bus.exchange(0, Uint8Array.of(0x07)).then(unexpected, (error: unknown) => error as KioskbusError);
    await vi.advanceTimersByTimeAsync(20_999);
    expect(device.frames).toHaveLength(21);
    await vi.advanceTimersByTimeAsync(1);
    expect((await caught).code).toBe(ErrorCode.Timeout);
    expect(device.frames).toHaveLength(21);
    await bus.close();
  });

  it('after giving up: an offline address gets fewer resends, SYNCs first, and comes back online', async () => {
    const { bus, device } = setup({ retries: 2, offlineRetries: 0 });
    const online = vi.fn();
    bus.on('online', online);
    const first = bus.exchange(0, Uint8Array.of(0x07)).then(unexpected, (error: unknown) => error as KioskbusError);
    await vi.advanceTimersByTimeAsync(3000);
    expect((await first).code).toBe(ErrorCode.Timeout);
    expect(device.frames).toHaveLength(3);
    // offline: one transmission only (of the automatic SYNC), then TIMEOUT
    const second = bus.exchange(0, Uint8Array.of(0x07)).then(unexpected, (error: unknown) => error as KioskbusError);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await second).code).toBe(ErrorCode.Timeout);
    expect(device.frames).toHaveLength(4);
    expect(toHex(device.frames[3]?.raw ?? new Uint8Array())).toBe('7f 80 01 11 65 82');
    // the device answers the SYNC this time, then the command with flag 0
    const third = bus.exchange(0, Uint8Array.of(0x07));
    await flush();
    expect(toHex(device.frames[4]?.raw ?? new Uint8Array())).toBe('7f 80 01 11 65 82');
    device.answer([0xf0]);
    await flush();
    expect(toHex(device.frames[5]?.raw ?? new Uint8Array())).toBe('7f 00 01 07 11 88');
    device.answer([0xf0]);
    await expect(third).resolves.toEqual(Uint8Array.of(0xf0));
    expect(online).toHaveBeenCalledWith(0);
    expect(bus.isOnline(0)).toBe(true);
    await bus.close();
  });

  it('toggles the flag per answered command and keeps it across a resend', async () => {
    const { bus, device } = setup();
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = bus.exchange(0, Uint8Array.of(0x07));
      await flush();
      if (i === 1) await vi.advanceTimersByTimeAsync(1000); // one resend in the middle
      device.answer([0xf0]);
      await p;
    }
    for (const f of device.frames) seqs.push(f.frame.seq);
    expect(seqs).toEqual([1, 0, 0, 1]);
    await bus.close();
  });

  it('drops and counts stray and duplicate replies; never hands them to the pending request', async () => {
    const { bus, device } = setup();
    const first = bus.exchange(0, Uint8Array.of(0x07));
    await flush();
    device.answer([0xf0, 0x01]);
    await expect(first).resolves.toEqual(Uint8Array.of(0xf0, 0x01));
    // nothing pending: a repeat of that reply and a frame for another address
    device.reply(0, 1, [0xf0, 0x01]);
    device.reply(0x10, 0, [0xf0, 0x02]);
    await flush();
    const second = bus.exchange(0, Uint8Array.of(0x07));
    await flush();
    // pending flag is 0: the old reply (flag 1) again, and another address's reply with flag 0
    device.reply(0, 1, [0xf0, 0x01]);
    device.reply(0x10, 0, [0xf0, 0x03]);
    await flush();
    device.answer([0xf0, 0x04]);
    await expect(second).resolves.toEqual(Uint8Array.of(0xf0, 0x04));
    expect(bus.stats.duplicates).toBe(1);
    expect(bus.stats.stray).toBe(3);
    await bus.close();
  });

  it('ignores the host’s own transmission read back (echoing adapters)', async () => {
    const { bus, device } = setup();
    const result = bus.exchange(0, Uint8Array.of(0x07));
    await flush();
    const sent = device.frames[0]?.raw ?? new Uint8Array();
    void device.end.write(sent); // the echo
    await flush();
    device.answer([0xf0, 0xe8]);
    await expect(result).resolves.toEqual(Uint8Array.of(0xf0, 0xe8));
    expect(bus.stats.echoes).toBe(1);
    await bus.close();
  });

  it('an encrypted reply that fails its inner CRC rejects with DECRYPT_FAILED without key bytes in the error', async () => {
    const { bus, device } = setup();
    bus.setKey(0, KEY);
    const caught = bus
      .exchange(0, Uint8Array.of(0x07), { encrypt: true })
      .then(unexpected, (error: unknown) => error as KioskbusError);
    await flush();
    const wrongKey = buildAesKey(DEFAULT_FIXED_KEY, 0x1111n);
    device.answer(encryptPacket(wrongKey, 1, Uint8Array.of(0xf0)));
    const error = await caught;
    expect(error.code).toBe(ErrorCode.DecryptFailed);
    const text = `${error.message} ${JSON.stringify(error.context, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))}`;
    expect(text).not.toContain(toHex(KEY));
    expect(text).not.toContain(toHex(KEY, ''));
    expect(text).not.toContain(toHex(KEY.subarray(8)));
    expect(text).not.toContain('5eadbeef');
    await bus.close();
  });

  it("encrypt: 'required' refuses before writing when no key is set", async () => {
    const { bus, device } = setup();
    await expect(
      bus.exchange(0, Uint8Array.of(0x33, 1), { encrypt: 'required', label: 'PAYOUT_AMOUNT' }),
    ).rejects.toMatchObject({ code: ErrorCode.EncryptionRequired });
    await flush();
    expect(device.frames).toHaveLength(0);
    await bus.close();
  });

  it('a caller abort cancels the request and stops the resends', async () => {
    const { bus, device } = setup();
    const controller = new AbortController();
    const caught = bus
      .exchange(0, Uint8Array.of(0x07), { signal: controller.signal })
      .then(unexpected, (error: unknown) => error as KioskbusError);
    await vi.advanceTimersByTimeAsync(1500);
    controller.abort();
    expect((await caught).code).toBe(ErrorCode.Cancelled);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(device.frames).toHaveLength(2);
    // the device may have run the cancelled command: the next command is preceded by a SYNC
    const next = bus.exchange(0, Uint8Array.of(0x07));
    await flush();
    expect(toHex(device.frames[2]?.raw ?? new Uint8Array())).toBe('7f 80 01 11 65 82');
    device.answer([0xf0]);
    await flush();
    device.answer([0xf0, 0x01]);
    await expect(next).resolves.toEqual(Uint8Array.of(0xf0, 0x01));
    await bus.close();
  });

  it('close() rejects the running and the queued requests', async () => {
    const { bus } = setup();
    const a = bus.exchange(0, Uint8Array.of(0x07)).then(unexpected, (error: unknown) => error as KioskbusError);
    const b = bus.exchange(0, Uint8Array.of(0x07)).then(unexpected, (error: unknown) => error as KioskbusError);
    await flush();
    await bus.close();
    expect((await a).code).toBe(ErrorCode.Closed);
    expect((await b).code).toBe(ErrorCode.Closed);
    await expect(bus.exchange(0, Uint8Array.of(0x07))).rejects.toMatchObject({ code: ErrorCode.Closed });
  });

  it('a disconnect fails the pending request at once', async () => {
    const [host, dev] = createMemoryPair();
    const bus = new SspBus(host);
    new ManualDevice(dev);
    const caught = bus.exchange(0, Uint8Array.of(0x07)).then(unexpected, (error: unknown) => error as KioskbusError);
    await flush();
    host.disconnect();
    expect((await caught).code).toBe(ErrorCode.Disconnected);
    await bus.close();
  });
});
