import { afterEach, describe, expect, it, vi } from 'vitest';
import { ByteReader, u64le } from '../../src/core/bytes.js';
import { ErrorCode, type KioskbusError } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import {
  buildAesKey,
  decryptPacket,
  DEFAULT_FIXED_KEY,
  encryptPacket,
  isProbablePrime,
  slaveKeyExchange,
} from '../../src/essp/crypto.js';
import { encodeFrame, type SspFrame } from '../../src/essp/frame.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';
import { prng } from '../helpers/prng.js';
import { settleSteps } from '../helpers/settle.js';
import { onFrames } from './scripted-slave.js';

/** For `.then(unexpected, (e) => e)`: a request that should fail but resolved. */
const unexpected = (): never => {
  throw new Error('expected a rejection');
};

/**
 * A small eSSP slave for bus tests, built only from frame.ts and crypto.ts: replays its last reply on a repeated
 * flag, negotiates keys (slave side), checks and advances eCOUNT, answers in the mode of the command.
 */
interface SlaveState {
  lastSeq: 0 | 1 | undefined;
  lastReply: Uint8Array | undefined;
  generator?: bigint;
  modulus?: bigint;
  fixedKey: bigint;
  key: Uint8Array | undefined;
  count: number;
  executed: number[];
  generators: bigint[];
  moduli: bigint[];
  /** Commands received while a key was set that came in plain text. */
  plainWhileKeyed: number[];
  silent: boolean;
  refuseGenerator: boolean;
  loseReplies: number;
  answer: (data: Uint8Array) => number[];
}

class TestSlaves {
  readonly slaves = new Map<number, SlaveState>();

  constructor(readonly end: MemoryTransport) {
    onFrames(end, (frame) => {
      this.onFrame(frame);
    });
  }

  add(address: number, answer: (data: Uint8Array) => number[] = () => [0xf0]): SlaveState {
    const state: SlaveState = {
      lastSeq: undefined,
      lastReply: undefined,
      fixedKey: DEFAULT_FIXED_KEY,
      key: undefined,
      count: 0,
      executed: [],
      generators: [],
      moduli: [],
      plainWhileKeyed: [],
      silent: false,
      refuseGenerator: false,
      loseReplies: 0,
      answer,
    };
    this.slaves.set(address, state);
    return state;
  }

  private onFrame(frame: SspFrame): void {
    const s = this.slaves.get(frame.address);
    if (!s || s.silent) return;
    if (frame.data[0] === 0x11) {
      s.lastSeq = undefined;
      s.executed.push(0x11);
      this.send(s, frame, [0xf0], false);
      s.lastSeq = undefined; // the next command is new whatever its flag
      return;
    }
    if (frame.seq === s.lastSeq && s.lastReply) {
      if (s.loseReplies > 0) {
        s.loseReplies--;
        return;
      }
      void this.end.write(s.lastReply);
      return;
    }
    let data = frame.data;
    let encrypted = false;
    if (data[0] === 0x7e) {
      if (!s.key) return;
      let plain;
      try {
        plain = decryptPacket(s.key, data);
      } catch {
        return; // a packet it cannot decrypt is discarded
      }
      if (plain.count !== s.count) return; // discard
      s.count++;
      data = plain.data;
      encrypted = true;
    } else if (s.key) {
      s.plainWhileKeyed.push(data[0] ?? 0);
    }
    const code = data[0] ?? 0;
    s.executed.push(code);
    let reply: number[];
    const arg = (): bigint => new ByteReader(data, 1).u64le();
    if (code === 0x4a) {
      const g = arg();
      s.generators.push(g);
      reply = isProbablePrime(g) && !s.refuseGenerator ? ((s.generator = g), [0xf0]) : [0xf4];
    } else if (code === 0x4b) {
      const m = arg();
      s.moduli.push(m);
      reply = isProbablePrime(m) ? ((s.modulus = m), [0xf0]) : [0xf4];
    } else if (code === 0x4c) {
      if (s.generator === undefined || s.modulus === undefined) {
        reply = [0xf8];
      } else {
        const { slaveInterKey, key } = slaveKeyExchange(s.generator, s.modulus, arg(), 123457n);
        reply = [0xf0, ...u64le(slaveInterKey)];
        this.send(s, frame, reply, false);
        s.key = buildAesKey(s.fixedKey, key);
        s.count = 0;
        return;
      }
    } else if (code === 0x60) {
      s.fixedKey = arg();
      reply = [0xf0];
    } else if (code === 0x61) {
      s.fixedKey = DEFAULT_FIXED_KEY;
      this.send(s, frame, [0xf0], encrypted);
      s.key = undefined;
      return;
    } else {
      reply = s.answer(data);
    }
    this.send(s, frame, reply, encrypted);
  }

  private send(s: SlaveState, frame: SspFrame, reply: number[], encrypted: boolean): void {
    const data = encrypted && s.key ? encryptPacket(s.key, s.count, Uint8Array.from(reply)) : Uint8Array.from(reply);
    const raw = encodeFrame({ address: frame.address, seq: frame.seq, data });
    s.lastSeq = frame.seq;
    s.lastReply = raw;
    if (s.loseReplies > 0) {
      s.loseReplies--;
      return;
    }
    void this.end.write(raw);
  }
}

function setup(options: ConstructorParameters<typeof SspBus>[1] = {}): { bus: SspBus; slaves: TestSlaves } {
  const [host, dev] = createMemoryPair();
  return { bus: new SspBus(host, options), slaves: new TestSlaves(dev) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SspBus with two addresses on one port', () => {
  it('keeps sequence flags, keys and counters per address', async () => {
    const { bus, slaves } = setup();
    const validator = slaves.add(0x00, (d) => (d[0] === 0x07 ? [0xf0, 0xe8] : [0xf0]));
    const hopper = slaves.add(0x10, (d) => (d[0] === 0x07 ? [0xf0, 0xd6] : [0xf0]));
    await Promise.all([bus.sync(0x00), bus.sync(0x10)]);
    await Promise.all([bus.negotiateKey(0x00), bus.negotiateKey(0x10)]);
    expect(bus.isEncrypted(0x00)).toBe(true);
    expect(bus.isEncrypted(0x10)).toBe(true);
    expect(validator.key).toBeDefined();
    expect(validator.key).not.toEqual(hopper.key);

    const polls: Promise<Uint8Array>[] = [];
    for (let i = 0; i < 5; i++) {
      polls.push(bus.exchange(0x00, Uint8Array.of(0x07), { encrypt: true }));
      polls.push(bus.exchange(0x10, Uint8Array.of(0x07), { encrypt: true }));
    }
    // a plain one to the validator in between
    polls.push(bus.exchange(0x00, Uint8Array.of(0x0c)));
    const replies = await Promise.all(polls);
    for (let i = 0; i < 10; i++) expect(replies[i]).toEqual(Uint8Array.of(0xf0, i % 2 === 0 ? 0xe8 : 0xd6));
    expect(replies[10]).toEqual(Uint8Array.of(0xf0));
    expect(validator.count).toBe(5);
    expect(hopper.count).toBe(5);
    expect(bus.link(0x00).count).toBe(5);
    expect(bus.link(0x10).count).toBe(5);
    expect(bus.stats).toMatchObject({ crcErrors: 0, stray: 0, duplicates: 0, retransmits: 0 });
    await bus.close();
  });

  it('sends generator > modulus, primes below 2^31, as u64 LE; the key uses the fixed key', async () => {
    const { bus, slaves } = setup();
    const s = slaves.add(0);
    await bus.sync(0);
    await bus.negotiateKey(0);
    const g = s.generators[0] ?? 0n;
    const m = s.moduli[0] ?? 0n;
    expect(g > m).toBe(true);
    expect(g < 1n << 31n).toBe(true);
    expect(s.key?.subarray(0, 8)).toEqual(Uint8Array.of(0x67, 0x45, 0x23, 0x01, 0x67, 0x45, 0x23, 0x01));
    await bus.close();
  });

  it('one address timing out does not disturb the other', async () => {
    vi.useFakeTimers();
    const { bus, slaves } = setup({ retries: 2 });
    const validator = slaves.add(0x00, () => [0xf0, 0xe8]);
    const hopper = slaves.add(0x10, () => [0xf0]);
    await bus.sync(0x00);
    await bus.sync(0x10);
    await bus.negotiateKey(0x00);
    await bus.negotiateKey(0x10);
    hopper.silent = true;
    const offline = vi.fn();
    bus.on('offline', offline);
    const lost = bus
      .exchange(0x10, Uint8Array.of(0x07), { encrypt: true })
      .then(unexpected, (error: unknown) => error as KioskbusError);
    const queued = bus.exchange(0x00, Uint8Array.of(0x07), { encrypt: true });
    await vi.advanceTimersByTimeAsync(3000);
    expect((await lost).code).toBe(ErrorCode.Timeout);
    expect(offline).toHaveBeenCalledWith(0x10, expect.anything());
    await expect(queued).resolves.toEqual(Uint8Array.of(0xf0, 0xe8));
    for (let i = 0; i < 3; i++) {
      await expect(bus.exchange(0x00, Uint8Array.of(0x07), { encrypt: true })).resolves.toEqual(
        Uint8Array.of(0xf0, 0xe8),
      );
    }
    expect(validator.count).toBe(4);
    expect(bus.isOnline(0x00)).toBe(true);
    expect(bus.isOnline(0x10)).toBe(false);
    await bus.close();
  });

  it('a lost reply is recovered by the identical resend; the device executes once', async () => {
    vi.useFakeTimers();
    const { bus, slaves } = setup();
    let credits = 0;
    const s = slaves.add(0, (d) => (d[0] === 0x07 ? (credits++, [0xf0, 0xee, 0x01]) : [0xf0]));
    await bus.sync(0);
    await bus.negotiateKey(0);
    s.loseReplies = 2;
    const reply = bus.exchange(0, Uint8Array.of(0x07), { encrypt: true });
    await vi.advanceTimersByTimeAsync(2000);
    await expect(reply).resolves.toEqual(Uint8Array.of(0xf0, 0xee, 0x01));
    expect(credits).toBe(1);
    expect(bus.stats.retransmits).toBe(2);
    await expect(bus.exchange(0, Uint8Array.of(0x07), { encrypt: true })).resolves.toEqual(
      Uint8Array.of(0xf0, 0xee, 0x01),
    );
    expect(credits).toBe(2);
    await bus.close();
  });

  it('encryptAll encrypts every command after key exchange but never SYNC', async () => {
    const { bus, slaves } = setup({ encryptAll: true });
    const s = slaves.add(0);
    await bus.sync(0);
    await bus.exchange(0, Uint8Array.of(0x07));
    expect(s.plainWhileKeyed).toEqual([]);
    await bus.negotiateKey(0);
    await bus.exchange(0, Uint8Array.of(0x07));
    await bus.exchange(0, Uint8Array.of(0x05));
    await bus.sync(0);
    await bus.exchange(0, Uint8Array.of(0x07), { encrypt: false });
    expect(s.plainWhileKeyed).toEqual([0x07]);
    expect(s.count).toBe(2);
    await bus.close();
  });

  it('without encryptAll only commands asked to be encrypted are', async () => {
    const { bus, slaves } = setup();
    const s = slaves.add(0);
    await bus.sync(0);
    await bus.negotiateKey(0);
    await bus.exchange(0, Uint8Array.of(0x07));
    await bus.exchange(0, Uint8Array.of(0x33, 1, 0, 0, 0), { encrypt: 'required' });
    expect(s.plainWhileKeyed).toEqual([0x07]);
    expect(s.count).toBe(1);
    await bus.close();
  });

  it('a refused key exchange step rejects with KEY_EXCHANGE_FAILED and leaves encryption off', async () => {
    const { bus, slaves } = setup();
    const s = slaves.add(0);
    await bus.sync(0);
    s.refuseGenerator = true;
    await expect(bus.negotiateKey(0)).rejects.toMatchObject({ code: ErrorCode.KeyExchangeFailed });
    expect(bus.isEncrypted(0)).toBe(false);
    expect(s.executed).toEqual([0x11, 0x4a]);
    // a slave without generator and modulus answers REQUEST_KEY_EXCHANGE with FAIL
    await expect(bus.exchange(0, Uint8Array.of(0x4c, ...u64le(5n)))).resolves.toEqual(Uint8Array.of(0xf8));
    s.refuseGenerator = false;
    await bus.negotiateKey(0);
    expect(bus.isEncrypted(0)).toBe(true);
    await bus.close();
  });

  it('SET_FIXED_ENCRYPTION_KEY is sent encrypted and used by the next negotiation; RESET goes back to the default', async () => {
    const { bus, slaves } = setup();
    const s = slaves.add(0, () => [0xf0, 0x42]);
    await bus.sync(0);
    await expect(bus.setFixedKey(0, 0x1122334455667788n)).rejects.toMatchObject({
      code: ErrorCode.EncryptionRequired,
    });
    await bus.negotiateKey(0);
    await bus.setFixedKey(0, '1122334455667788');
    expect(s.fixedKey).toBe(0x1122334455667788n);
    expect(s.plainWhileKeyed).toEqual([]);
    await bus.negotiateKey(0);
    expect(s.key?.subarray(0, 8)).toEqual(u64le(0x1122334455667788n));
    await expect(bus.exchange(0, Uint8Array.of(0x07), { encrypt: true })).resolves.toEqual(Uint8Array.of(0xf0, 0x42));
    await bus.resetFixedKey(0);
    expect(s.fixedKey).toBe(DEFAULT_FIXED_KEY);
    expect(bus.isEncrypted(0)).toBe(false);
    await bus.negotiateKey(0);
    await expect(bus.exchange(0, Uint8Array.of(0x07), { encrypt: true })).resolves.toEqual(Uint8Array.of(0xf0, 0x42));
    await bus.close();
  });

  it('a negotiation with the wrong fixed key is caught by the first encrypted reply', async () => {
    const { bus, slaves } = setup();
    slaves.add(0);
    await bus.sync(0);
    await bus.negotiateKey(0, 0x0badn);
    // the slave cannot decrypt, discards the packet, and the host times out
    vi.useFakeTimers();
    const caught = bus
      .exchange(0, Uint8Array.of(0x07), { encrypt: true, retries: 1 })
      .then(unexpected, (error: unknown) => error as KioskbusError);
    await vi.advanceTimersByTimeAsync(2000);
    expect((await caught).code).toBe(ErrorCode.Timeout);
    await bus.close();
  });

  it('rejects bad arguments with typed errors', async () => {
    const { bus } = setup();
    await expect(bus.exchange(0x7e, Uint8Array.of(7))).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(bus.exchange(0, new Uint8Array())).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(bus.exchange(0, Uint8Array.of(7), { encrypt: true })).rejects.toMatchObject({
      code: ErrorCode.KeyNotSet,
    });
    expect(() => new SspBus(createMemoryPair()[0], { retries: -1 })).toThrow(/retries/);
    await bus.close();
  });
});

describe('SspBus against two SspSimulators on one cable', () => {
  it('talks encrypted to 0x00 and 0x10; a silent device does not disturb the other', async () => {
    vi.useFakeTimers();
    const [host, cable] = createMemoryPair();
    const validator = new SspSimulator({ device: 'nv200', address: 0x00 });
    const second = new SspSimulator({ device: 'nv9usb', address: 0x10 });
    validator.attach(cable);
    const detachSecond = second.attach(cable);
    const bus = new SspBus(host, { retries: 2, encryptAll: true });
    for (const address of [0x00, 0x10]) {
      await bus.sync(address);
      await bus.negotiateKey(address);
    }
    const poll = async (address: number): Promise<number[]> => [...(await bus.exchange(address, Uint8Array.of(0x07)))];
    expect(await poll(0x00)).toEqual([0xf0, 0xf1, 0xe8]); // SLAVE_RESET once, DISABLED
    expect(await poll(0x10)).toEqual([0xf0, 0xf1, 0xe8]);
    expect(await poll(0x00)).toEqual([0xf0, 0xe8]); // DISABLED from now on
    expect(validator.state.count).toBe(bus.link(0x00).count);
    expect(second.state.count).toBe(bus.link(0x10).count);

    detachSecond();
    const lost = bus.exchange(0x10, Uint8Array.of(0x07)).then(unexpected, (error: unknown) => error as KioskbusError);
    const meanwhile = poll(0x00);
    await vi.advanceTimersByTimeAsync(3000);
    expect((await lost).code).toBe(ErrorCode.Timeout);
    expect(await meanwhile).toEqual([0xf0, 0xe8]);
    expect(await poll(0x00)).toEqual([0xf0, 0xe8]);
    expect(validator.state.count).toBe(bus.link(0x00).count);
    expect(validator.stats.countErrors + validator.stats.decryptErrors).toBe(0);
    expect(bus.stats).toMatchObject({ crcErrors: 0, badFrames: 0, duplicates: 0 });
    await bus.close();
    validator.close();
    second.close();
  });
});

describe('SspBus on a noisy line (seeded fuzz)', () => {
  it('every exchange gets its own reply, each command runs once, through garbage, splits and corrupted replies', async () => {
    vi.useFakeTimers();
    const [host, dev] = createMemoryPair();
    const slaves = new TestSlaves(dev);
    let counter = 0;
    const s = slaves.add(0, (d) => [0xf0, d[1] ?? 0, counter++ & 0xff]);
    const rand = prng(1234);
    // the line: replies arrive in random pieces with garbage in between; some are corrupted
    const write = dev.write.bind(dev);
    let corrupted = 0;
    dev.write = async (data: Uint8Array): Promise<void> => {
      const bytes = data.slice();
      if (rand() < 0.15) {
        const at = 3 + Math.floor(rand() * (bytes.length - 3));
        bytes[at] = (bytes[at] ?? 0) ^ 0x10;
        corrupted++;
      }
      const garbage = Uint8Array.from({ length: Math.floor(rand() * 6) }, () => Math.floor(rand() * 256));
      if (garbage.length > 0) await write(garbage);
      let i = 0;
      while (i < bytes.length) {
        const n = 1 + Math.floor(rand() * 5);
        await write(bytes.subarray(i, i + n));
        i += n;
      }
    };
    const bus = new SspBus(host, { retries: 10 });
    await settleAll([bus.sync(0)]);
    await settleAll([bus.negotiateKey(0)]);
    const results: Promise<Uint8Array>[] = [];
    for (let i = 0; i < 60; i++) results.push(bus.exchange(0, Uint8Array.of(0x07, i), { encrypt: i % 2 === 0 }));
    const replies = await settleAll(results);
    replies.forEach((reply, i) => {
      expect(reply[0]).toBe(0xf0);
      expect(reply[1]).toBe(i);
    });
    // each POLL executed exactly once (resends were answered from the stored reply)
    expect(s.executed.filter((c) => c === 0x07)).toHaveLength(60);
    expect(corrupted).toBeGreaterThan(0);
    expect(bus.stats.retransmits).toBeGreaterThan(0);
    await bus.close();

    async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
      return settleSteps(Promise.all(promises), { stepMs: 100 });
    }
  });
});
