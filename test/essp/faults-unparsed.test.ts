/**
 * Issue 10, defect 10: the host never acknowledges what it did not parse. A scripted SMART Hopper (encrypted, as
 * POLL_WITH_ACK requires) answers each poll with event bytes the test chooses, so that it can send what the tables
 * cannot read. The real host runtime (SmartHopper) talks to it byte for byte over the memory pair.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ByteReader, parseHex, u64le } from '../../src/core/bytes.js';
import { SspBus } from '../../src/essp/bus.js';
import { encodeSetupRequest, type CoinSetup } from '../../src/essp/decoders.js';
import { SmartHopper } from '../../src/essp/devices/smart-hopper.js';
import { buildAesKey, DEFAULT_FIXED_KEY, slaveKeyExchange } from '../../src/essp/crypto.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { ScriptedSlave } from './scripted-slave.js';

const SETUP: CoinSetup = {
  kind: 'coin',
  unitType: 0x03,
  firmware: '0609',
  currency: 'EUR',
  protocolVersion: 6,
  coinValues: [100, 200, 500],
  coinCurrencies: ['EUR', 'EUR', 'EUR'],
  channels: [100, 200, 500].map((value, i) => ({ channel: i + 1, value, currency: 'EUR' })),
};

const COIN_500 = 'DF F4 01 00 00 45 55 52';

class ScriptedHopper extends ScriptedSlave {
  /** The event bytes of the coming POLL_WITH_ACK replies (after F0), one per poll; empty when the list is empty. */
  readonly replies: string[] = [];
  private generator = 0n;
  private modulus = 0n;

  protected answer(data: Uint8Array): Uint8Array {
    const arg = (): bigint => new ByteReader(data, 1).u64le();
    switch (data[0]) {
      case 0x11:
        this.key = undefined;
        return Uint8Array.of(0xf0);
      case 0x4a:
        this.generator = arg();
        return Uint8Array.of(0xf0);
      case 0x4b:
        this.modulus = arg();
        return Uint8Array.of(0xf0);
      case 0x4c: {
        const { slaveInterKey, key } = slaveKeyExchange(this.generator, this.modulus, arg());
        queueMicrotask(() => {
          this.key = buildAesKey(DEFAULT_FIXED_KEY, key);
          this.count = 0;
        });
        return Uint8Array.of(0xf0, ...u64le(slaveInterKey));
      }
      case 0x06:
        return Uint8Array.of((data[1] ?? 0) > 6 ? 0xf8 : 0xf0);
      case 0x05:
        return Uint8Array.of(0xf0, ...encodeSetupRequest(SETUP));
      case 0x56: {
        const next = this.replies.shift();
        return Uint8Array.of(0xf0, ...(next === undefined ? [] : parseHex(next)));
      }
      default:
        return Uint8Array.of(0xf0);
    }
  }

  /** Number of EVENT_ACKs received. */
  get acks(): number {
    return this.received.filter((c) => c === 0x57).length;
  }
}

let bus: SspBus;
let device: ScriptedHopper;
let hopper: SmartHopper;
let log: string[];

beforeEach(async () => {
  vi.useFakeTimers();
  const [host, end] = createMemoryPair();
  device = new ScriptedHopper(end);
  bus = new SspBus(host);
  hopper = new SmartHopper(bus, { protocolVersion: 6 });
  log = [];
  hopper.on('coinCredit', (c) => log.push(`coinCredit ${c.value} ${c.currency}`));
  hopper.on('halted', (p) => log.push(`halted ${p.value} ${p.currency}`));
  hopper.on('unknown', (e) => log.push(`unknown 0x${e.code.toString(16)} ${e.reason}`));
  hopper.on('error', (e) => log.push(`error ${e.code}`));
  const started = hopper.start();
  await vi.advanceTimersByTimeAsync(0);
  await started;
  await vi.advanceTimersByTimeAsync(0);
});
afterEach(async () => {
  await hopper.close();
  await bus.close();
  vi.useRealTimers();
});

describe('eSSP: nothing is acknowledged that was not parsed (issue 10, defect 10)', () => {
  it('the SMART Hopper reply of the issue: HALTED, COINS_LOW, COIN_CREDIT are all read, then acknowledged', async () => {
    device.replies.push(`D6 01 F4 01 00 00 45 55 52 D3 ${COIN_500}`);
    await vi.advanceTimersByTimeAsync(200);
    expect(log).toEqual(['halted 500 EUR', 'coinCredit 500 EUR']);
    expect(device.acks).toBe(1);
  });

  it('an unreadable event: the events before it are reported once, no EVENT_ACK, a typed error with the bytes', async () => {
    const errors: unknown[] = [];
    hopper.on('error', (e) => errors.push(e.context.raw));
    // the coin, then an event code no table knows (its length is unknown, so nothing after it can be read)
    device.replies.push(`${COIN_500} 42 01 02 ${COIN_500}`);
    await vi.advanceTimersByTimeAsync(200);
    // `unknown` comes with the runtime's `event`s (the whole reply first), then the typed events, then the error
    expect(log).toEqual(['unknown 0x42 unknown-code', 'coinCredit 500 EUR', 'error UNEXPECTED_REPLY']);
    expect(device.acks).toBe(0);
    expect(errors).toEqual([parseHex(`${COIN_500} 42 01 02 ${COIN_500}`)]);
    // not acknowledged: the device repeats its ack-type events, the second coin now readable; the first is a repeat
    device.replies.push(`${COIN_500} ${COIN_500}`);
    await vi.advanceTimersByTimeAsync(200);
    expect(log.filter((l) => l.startsWith('coinCredit'))).toEqual(['coinCredit 500 EUR', 'coinCredit 500 EUR']);
    expect(device.acks).toBe(1);
    // acknowledged: a third coin of the same value is a new coin
    device.replies.push(COIN_500);
    await vi.advanceTimersByTimeAsync(200);
    expect(log.filter((l) => l.startsWith('coinCredit'))).toHaveLength(3);
    expect(device.acks).toBe(2);
  });

  it('an event cut short is unreadable too: no EVENT_ACK until the device repeats it whole', async () => {
    device.replies.push(`${COIN_500} DF F4 01`);
    await vi.advanceTimersByTimeAsync(200);
    expect(log).toEqual(['unknown 0xdf truncated', 'coinCredit 500 EUR', 'error UNEXPECTED_REPLY']);
    expect(device.acks).toBe(0);
    device.replies.push(`${COIN_500} ${COIN_500}`);
    await vi.advanceTimersByTimeAsync(200);
    expect(log.filter((l) => l.startsWith('coinCredit'))).toHaveLength(2);
    expect(device.acks).toBe(1);
  });
});
