/**
 * The real host (SspBus) against the real simulator over an in-memory link, byte for byte. Faults are injected at
 * the transport only (a dropped reply), never inside either side.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { ErrorCode } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import { commandByName, type SspContext } from '../../src/essp/commands.js';
import type { ValidatorSetup } from '../../src/essp/decoders.js';
import { decodeEvents, type SspEvent } from '../../src/essp/events.js';
import { startSimulatorPair, type SimulatorPair } from '../../src/essp/simulator/pair.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { settleSteps as settle } from '../helpers/settle.js';
import { seeded } from './simulator-harness.js';

const POLL = Uint8Array.of(0x07);

let pair: SimulatorPair;
let bus: SspBus;

function setup(options: Parameters<typeof startSimulatorPair>[0] = {}): void {
  pair = startSimulatorPair({ device: 'nv200', random: seeded(3), ...options });
  bus = new SspBus(pair.host, { timeoutMs: 1000, retries: 3 });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await bus.close();
  await pair.close();
  vi.useRealTimers();
});

const ctx: SspContext = { protocolVersion: 6 };

async function poll(options: { encrypt?: boolean } = {}): Promise<SspEvent[]> {
  const reply = await bus.exchange(0, POLL, { label: 'POLL', ...options });
  expect(reply[0]).toBe(0xf0);
  return decodeEvents(reply.subarray(1), ctx);
}

function names(events: SspEvent[]): string[] {
  return events.map((e) => ('channel' in e ? `${e.name} ${String(e.channel)}` : e.name));
}

/** Polls every 200 ms for `ms`, returning all events seen. */
async function pollFor(ms: number, options: { encrypt?: boolean } = {}): Promise<SspEvent[]> {
  const all: SspEvent[] = [];
  for (let t = 0; t < ms; t += 200) {
    all.push(...(await poll(options)));
    await vi.advanceTimersByTimeAsync(200);
  }
  return all;
}

async function start(encrypt = false): Promise<void> {
  await bus.sync(0);
  if (encrypt) await bus.negotiateKey(0);
  expect(await bus.exchange(0, Uint8Array.of(0x06, 6), { encrypt })).toEqual(Uint8Array.of(0xf0));
  expect(await bus.exchange(0, Uint8Array.of(0x02, 0xff, 0xff), { encrypt })).toEqual(Uint8Array.of(0xf0));
  expect(await bus.exchange(0, Uint8Array.of(0x0a), { encrypt })).toEqual(Uint8Array.of(0xf0));
  expect(names(await poll({ encrypt }))).toEqual(['SLAVE_RESET']);
}

describe('SspBus <-> SspSimulator', () => {
  it('SYNC, SETUP_REQUEST and serial number decode with the shared tables', async () => {
    setup();
    await bus.sync(0);
    const setupSpec = commandByName('SETUP_REQUEST');
    const reply = await bus.exchange(0, Uint8Array.of(setupSpec.code));
    const decoded = setupSpec.decodeReply(reply.subarray(1), ctx) as ValidatorSetup;
    expect(decoded.channels.map((c) => c.value)).toEqual([500, 1000, 2000, 5000, 10000, 20000, 50000]);
    const serial = await bus.exchange(0, Uint8Array.of(0x0c));
    expect(toHex(serial)).toBe('f0 00 29 8a a6'); // 2722470 as in GA973 §8.1
    expect(bus.stats.retransmits).toBe(0);
    expect(pair.simulator.stats.replays).toBe(0);
  });

  it('a full note: credit reported exactly once while polling every 200 ms', async () => {
    setup();
    await start();
    expect(pair.simulator.insertNote(3)).toEqual({ taken: true });
    const events = names(await pollFor(4000));
    expect(events.filter((e) => e === 'CREDIT_NOTE 3')).toHaveLength(1);
    expect(events.indexOf('READ_NOTE 3')).toBeLessThan(events.indexOf('NOTE_STACKING'));
    expect(events.indexOf('NOTE_STACKING')).toBeLessThan(events.indexOf('CREDIT_NOTE 3'));
    expect(events.indexOf('CREDIT_NOTE 3')).toBeLessThan(events.indexOf('NOTE_STACKED'));
  });

  it('a dropped reply: the host resends the same bytes, the simulator replays, the credit counts once', async () => {
    setup();
    await start();
    pair.simulator.insertNote(2);
    await pollFor(1000); // read, escrow, accepted
    await vi.advanceTimersByTimeAsync(600); // credit pending in the device
    // drop the next reply on the wire (transport fault injection)
    const device = pair.device;
    const write = device.write.bind(device);
    let dropped: Uint8Array | undefined;
    device.write = (data: Uint8Array): Promise<void> => {
      if (!dropped) {
        dropped = data.slice();
        return Promise.resolve();
      }
      return write(data);
    };
    const sent: string[] = [];
    bus.on('tx', (raw) => sent.push(toHex(raw)));
    const received: string[] = [];
    bus.on('rx', (raw) => received.push(toHex(raw)));
    const pending = poll();
    await vi.advanceTimersByTimeAsync(1000);
    const events = names(await pending);
    expect(events).toContain('CREDIT_NOTE 2');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
    expect(bus.stats.retransmits).toBe(1);
    expect(pair.simulator.stats.replays).toBe(1);
    // the replayed reply is byte for byte the one that was lost
    expect(dropped).toBeDefined();
    expect(received).toEqual([toHex(dropped ?? new Uint8Array(0))]);
    device.write = write;
    const later = names(await pollFor(2000));
    expect([...events, ...later].filter((e) => e.startsWith('CREDIT_NOTE'))).toHaveLength(1);
    expect(pair.simulator.state.validator.counters.stacked).toBe(1);
  });

  it('encrypted session: key exchange, encrypted polls, a dropped encrypted reply replayed with the same eCOUNT', async () => {
    setup();
    await start(true);
    expect(bus.isEncrypted(0)).toBe(true);
    expect(pair.simulator.state.encrypted).toBe(true);
    pair.simulator.insertNote(1);
    await pollFor(1000, { encrypt: true });
    await vi.advanceTimersByTimeAsync(600);
    const device = pair.device;
    const write = device.write.bind(device);
    let replies = 0;
    const seen: string[] = [];
    device.write = (data: Uint8Array): Promise<void> => {
      replies += 1;
      seen.push(toHex(data));
      return replies === 1 ? Promise.resolve() : write(data);
    };
    const pending = poll({ encrypt: true });
    await vi.advanceTimersByTimeAsync(1000);
    const events = names(await pending);
    expect(events).toContain('CREDIT_NOTE 1');
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]); // same encrypted bytes, same eCOUNT
    device.write = write;
    const later = names(await pollFor(1000, { encrypt: true }));
    expect([...events, ...later].filter((e) => e.startsWith('CREDIT_NOTE'))).toHaveLength(1);
    // serial number still decrypts: both counters advanced in step
    expect(toHex(await bus.exchange(0, Uint8Array.of(0x0c), { encrypt: true }))).toBe('f0 00 29 8a a6');
  });

  it('POLL_WITH_ACK + EVENT_ACK through the bus (encrypted)', async () => {
    setup();
    await start(true);
    pair.simulator.insertNote(4);
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const reply = await bus.exchange(0, Uint8Array.of(0x56), { encrypt: true });
      seen.push(...names(decodeEvents(reply.subarray(1), ctx)));
      await vi.advanceTimersByTimeAsync(200);
    }
    // not acknowledged: the credit keeps coming
    expect(seen.filter((e) => e === 'CREDIT_NOTE 4').length).toBeGreaterThan(3);
    expect(await bus.exchange(0, Uint8Array.of(0x57), { encrypt: true })).toEqual(Uint8Array.of(0xf0));
    const after = await bus.exchange(0, Uint8Array.of(0x56), { encrypt: true });
    expect(names(decodeEvents(after.subarray(1), ctx))).toEqual([]);
  });

  it('resync after a given-up request: the bus SYNCs, the device takes the next command as new', async () => {
    setup();
    await start();
    const device = pair.device;
    const write = device.write.bind(device);
    device.write = (): Promise<void> => Promise.resolve(); // the device is deaf on the way back
    const failing = bus.exchange(0, Uint8Array.of(0x0c)).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await failing).toMatchObject({ code: ErrorCode.Timeout });
    device.write = write;
    const syncsBefore = pair.simulator.stats.syncs;
    expect(toHex(await bus.exchange(0, Uint8Array.of(0x0c)))).toBe('f0 00 29 8a a6');
    expect(pair.simulator.stats.syncs).toBe(syncsBefore + 1);
  });

  it('watchdog: the host stops polling for 10 s, the escrowed note is rejected and the device disabled', async () => {
    setup();
    await start();
    pair.simulator.insertNote(1);
    await vi.advanceTimersByTimeAsync(700);
    expect(names(await poll())).toEqual(['READ_NOTE 0', 'READ_NOTE 1']);
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(names(await poll())).toEqual(['NOTE_REJECTING', 'NOTE_REJECTED', 'DISABLED']);
    const code = await bus.exchange(0, Uint8Array.of(0x17));
    expect(toHex(code)).toBe('f0 13');
  });

  it('RESET: the device is silent while rebooting, then reports SLAVE_RESET and needs a new key', async () => {
    setup();
    await start(true);
    expect(await bus.exchange(0, Uint8Array.of(0x01), { encrypt: true })).toEqual(Uint8Array.of(0xf0));
    bus.setKey(0, undefined);
    await vi.advanceTimersByTimeAsync(1600);
    await bus.sync(0);
    expect(names(await poll())).toEqual(['SLAVE_RESET', 'DISABLED']);
    await bus.negotiateKey(0);
    expect(names(await poll({ encrypt: true }))).toEqual(['DISABLED']);
  });

  it('many notes with an unreliable return path: every credit exactly once', async () => {
    setup({ device: 'nv9usb' });
    await start();
    const device = pair.device;
    const write = device.write.bind(device);
    let n = 0;
    device.write = (data: Uint8Array): Promise<void> => {
      n += 1;
      return n % 7 === 0 ? Promise.resolve() : write(data); // every 7th reply lost
    };
    const credits: number[] = [];
    const inserted: number[] = [];
    for (let i = 0; i < 6; i++) {
      const channel = (i % 4) + 1;
      expect(pair.simulator.insertNote(channel).taken).toBe(true);
      inserted.push(channel);
      for (let t = 0; t < 3000; t += 200) {
        for (const e of await settle(poll())) if (e.name === 'CREDIT_NOTE') credits.push(e.channel);
        await vi.advanceTimersByTimeAsync(200);
      }
    }
    expect(credits).toEqual(inserted);
    expect(bus.stats.retransmits).toBeGreaterThan(0);
    expect(pair.simulator.stats.replays).toBe(bus.stats.retransmits);
  });

  it('two simulators on one line (multi-drop): each answers only its address, credits stay apart', async () => {
    setup({ device: 'nv9usb' });
    const second = new SspSimulator({ device: 'nv200', address: 0x01, random: seeded(8) });
    const detach = second.attach(pair.device);
    try {
      await bus.sync(0);
      await bus.sync(1);
      expect(toHex(await bus.exchange(0, Uint8Array.of(0x0c)))).toBe('f0 00 1c 96 2c');
      expect(toHex(await bus.exchange(1, Uint8Array.of(0x0c)))).toBe('f0 00 29 8a a6');
      await bus.negotiateKey(1);
      for (const address of [0, 1]) {
        const encrypt = address === 1;
        await bus.exchange(address, Uint8Array.of(0x02, 0xff), { encrypt });
        await bus.exchange(address, Uint8Array.of(0x0a), { encrypt });
      }
      pair.simulator.insertNote(4);
      second.insertNote(2);
      const seen: string[] = [];
      for (let t = 0; t < 3000; t += 200) {
        for (const address of [0, 1]) {
          const reply = await bus.exchange(address, POLL, { encrypt: address === 1 });
          seen.push(...names(decodeEvents(reply.subarray(1), ctx)).map((n) => `${address}:${n}`));
        }
        await vi.advanceTimersByTimeAsync(200);
      }
      expect(seen.filter((n) => n.includes('CREDIT_NOTE'))).toEqual(['0:CREDIT_NOTE 4', '1:CREDIT_NOTE 2']);
      expect(pair.simulator.stats.otherAddress).toBeGreaterThan(0);
      expect(second.stats.otherAddress).toBeGreaterThan(0);
    } finally {
      detach();
      second.close();
    }
  });
});
