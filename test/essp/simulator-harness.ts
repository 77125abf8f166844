/**
 * A byte-level test host for the simulator: builds frames with encodeFrame, feeds them through a Transport the
 * simulator is attached to, and decodes the reply bytes with SspFramer. Synchronous (reply latency 0), so fake
 * timers drive the device clock without any awaiting.
 */
import { vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { u64le } from '../../src/core/bytes.js';
import { KioskbusError, ErrorCode } from '../../src/core/errors.js';
import {
  buildAesKey,
  DEFAULT_FIXED_KEY,
  decryptPacket,
  encryptPacket,
  HostKeyExchange,
} from '../../src/essp/crypto.js';
import { decodeEvents, type SspEvent } from '../../src/essp/events.js';
import { encodeFrame, SspFramer, type SspFrame } from '../../src/essp/frame.js';
import { SspSimulator, type SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import type { Transport, TransportEventMap } from '../../src/transport/types.js';
import { prng as seeded } from '../helpers/prng.js';

/** A transport whose writes (the simulator's replies) are captured. */
export class CaptureTransport extends EventEmitter<TransportEventMap> implements Transport {
  readonly description = 'capture';
  readonly isOpen = true;
  readonly written: Uint8Array[] = [];
  open(): Promise<void> {
    return Promise.resolve();
  }
  write(data: Uint8Array): Promise<void> {
    this.written.push(data.slice());
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Seeded random source in [0, 1) (the tests' one PRNG). */
export { seeded };

export class TestHost {
  readonly sim: SspSimulator;
  readonly transport = new CaptureTransport();
  readonly address: number;
  nextSeq: 0 | 1 = 0;
  key: Uint8Array | undefined;
  count = 0;
  /** Replies that came encrypted (also those to plain commands: credits on a keyed link). */
  encryptedReplies = 0;
  private readonly frames: { frame: SspFrame; raw: Uint8Array }[] = [];
  private readonly decoder = new SspFramer({
    frame: (frame) => {
      this.frames.push({ frame, raw: frame.raw });
    },
  });

  constructor(options: Partial<SspSimulatorOptions> = {}) {
    this.sim = new SspSimulator({ device: 'nv9usb', replyLatencyMs: 0, random: seeded(7), ...options });
    this.address = this.sim.address;
    this.sim.attach(this.transport);
  }

  /** Feeds raw bytes; returns the reply frames the simulator wrote. */
  feed(bytes: Uint8Array): { frame: SspFrame; raw: Uint8Array }[] {
    const before = this.transport.written.length;
    this.transport.emit('data', bytes);
    for (const chunk of this.transport.written.slice(before)) this.decoder.push(chunk);
    return this.frames.splice(0);
  }

  /** Sends a frame with the given flag; returns the single reply frame (or undefined when silent). */
  sendFrame(data: Uint8Array, seq: 0 | 1): { frame: SspFrame; raw: Uint8Array } | undefined {
    const replies = this.feed(encodeFrame({ address: this.address, seq, data }));
    if (replies.length > 1) throw new Error(`expected at most one reply, got ${replies.length}`);
    return replies[0];
  }

  sync(seq: 0 | 1 = 1): Uint8Array {
    const reply = this.sendFrame(Uint8Array.of(0x11), seq);
    if (!reply) throw new KioskbusError(ErrorCode.Timeout, 'no reply to SYNC');
    this.nextSeq = 0;
    return reply.frame.data;
  }

  /** A new command (flag toggled after the reply), plain or encrypted; returns the reply data (decrypted). */
  cmd(data: number[] | Uint8Array, options: { encrypt?: boolean } = {}): Uint8Array {
    const plain = data instanceof Uint8Array ? data : Uint8Array.from(data);
    let wire = plain;
    const encrypt = options.encrypt ?? false;
    if (encrypt) {
      if (!this.key) throw new Error('no key');
      wire = encryptPacket(this.key, this.count, plain);
      this.count += 1;
    }
    const reply = this.sendFrame(wire, this.nextSeq);
    if (!reply) throw new KioskbusError(ErrorCode.Timeout, `no reply to ${plain[0]?.toString(16) ?? ''}`);
    if (reply.frame.seq !== this.nextSeq) throw new Error('reply with the wrong flag');
    this.nextSeq = this.nextSeq === 0 ? 1 : 0;
    if (reply.frame.data[0] === 0x7e) {
      if (!this.key) throw new Error('encrypted reply without a key');
      const packet = decryptPacket(this.key, reply.frame.data);
      // a credit-bearing reply to a plain command comes encrypted with eCOUNT + 1, which the host then takes over
      const expected = encrypt ? this.count : this.count + 1;
      if (packet.count !== expected) throw new Error(`reply eCOUNT ${packet.count}, expected ${expected}`);
      this.count = packet.count;
      this.encryptedReplies += 1;
      return packet.data;
    }
    return reply.frame.data;
  }

  /** Key exchange as a host does it; sets `key` and resets the count. */
  negotiate(fixedKey = DEFAULT_FIXED_KEY): void {
    const kx = HostKeyExchange.create();
    const step = (code: number, value: bigint): Uint8Array => {
      const reply = this.cmd([code, ...u64le(value)]);
      if (reply[0] !== 0xf0) throw new Error(`key exchange step 0x${code.toString(16)} -> ${String(reply[0])}`);
      return reply;
    };
    step(0x4a, kx.generator);
    step(0x4b, kx.modulus);
    const reply = step(0x4c, kx.hostInterKey);
    let slave = 0n;
    for (let i = 8; i >= 1; i--) slave = (slave << 8n) | BigInt(reply[i] ?? 0);
    this.key = buildAesKey(fixedKey, kx.computeKey(slave));
    this.count = 0;
  }

  /** POLL; returns the decoded events (throws when the reply is not OK). */
  poll(options: { encrypt?: boolean; withAck?: boolean } = {}): SspEvent[] {
    const reply = this.cmd([options.withAck ? 0x56 : 0x07], { encrypt: options.encrypt ?? false });
    if (reply[0] !== 0xf0) throw new Error(`POLL answered 0x${(reply[0] ?? 0).toString(16)}`);
    return decodeEvents(reply.subarray(1), { protocolVersion: this.sim.state.protocolVersion });
  }

  /** The event names of one poll, with channels: ['READ_NOTE 0', 'DISABLED']. */
  pollNames(options: { encrypt?: boolean; withAck?: boolean } = {}): string[] {
    return this.poll(options).map((e) => ('channel' in e ? `${e.name} ${String(e.channel)}` : e.name));
  }

  /** SYNC, set inhibits for all channels, enable, drain the power-up events. */
  start(): void {
    this.sync();
    this.cmd([0x02, 0xff, 0xff]);
    this.cmd([0x0a]);
    this.poll();
  }

  /**
   * Inserts a note on `channel` and lets it run (fake time) with two polls on the way (reading, escrow), up to where
   * the next poll reports it credited and stacked.
   */
  insertUntilStacked(channel: number): void {
    this.sim.insertNote(channel);
    vi.advanceTimersByTime(700);
    this.poll();
    this.poll();
    vi.advanceTimersByTime(1300);
  }
}
