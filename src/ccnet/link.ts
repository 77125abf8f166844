/**
 * CCNET link rules, controller side (spec §2.6–2.8): send a command, wait t-response for the answer, ACK
 * every data reply (never an ACK or NAK), NAK a reply with a bad CRC and re-issue the command, re-send on a
 * device NAK, treat silence as NAK, keep t-free of bus silence after every ACK/NAK before the next
 * command, and respect `1B YH` (busy for YH × 100 ms). All timing runs on the injected Clock.
 */
import { EventEmitter } from 'node:events';
import { toHex } from '../core/bytes.js';
import { delay, systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { Transport } from '../transport/types.js';
import {
  CcnetDecoder,
  encodeAck,
  encodeFrame,
  encodeNak,
  isAck,
  isNak,
  type CcnetDecodeProblem,
  type CcnetFrame,
} from './frame.js';

const log = createLogger('ccnet:link');

export interface CcnetLinkOptions {
  clock?: Clock;
  /** How long to wait for the start of an answer (spec: 10 ms; real devices are slower). Default 100 ms. */
  responseTimeoutMs?: number;
  /** The same for slow commands (identification, tables, statistics, download). Default 2000 ms. */
  slowResponseTimeoutMs?: number;
  /** Bus silence after an ACK/NAK before the next command (spec: 10 ms, 20 ms recommended). Default 20 ms. */
  tFreeMs?: number;
  /** Tries per command (first send + re-sends). Default 3. */
  maxTries?: number;
  /** Silence after which a partial frame is dropped (spec t-inter-byte 5 ms). Default 50 ms. */
  interByteTimeoutMs?: number;
  /** Longest reply accepted (REQUEST STATISTICS is 4363 bytes). Default 8192. */
  maxFrameLength?: number;
}

export type LinkReply =
  { kind: 'ack'; tries: number } | { kind: 'data'; data: Uint8Array; frame: CcnetFrame; tries: number };

export interface ExchangeOptions {
  slow?: boolean;
  /** The second payload byte is a subcommand (wide frames put the length after it). */
  subcommand?: boolean;
  /** Name for errors and logs. */
  label?: string;
  signal?: AbortSignal;
}

export interface CcnetLinkEventMap {
  /** Every frame on the wire: `tx` written by the host, `rx` received. */
  frame: [direction: 'tx' | 'rx', frame: Uint8Array];
  /** Dropped bytes or frames (bad CRC, impossible length, garbage). */
  problem: [problem: CcnetDecodeProblem];
  /** A frame nobody waited for (wrong address, late answer). */
  stray: [frame: CcnetFrame];
}

type Outcome = { type: 'frame'; frame: CcnetFrame } | { type: 'crc'; raw: Uint8Array } | { type: 'timeout' };

interface Waiter {
  address: number;
  resolve: (o: Outcome) => void;
}

/** Busy time announced by `1B YH` in a bill validator / B2B reply, in ms (undefined if not busy). */
export function busyMsOf(address: number, data: Uint8Array): number | undefined {
  if ((address === 0x01 || address === 0x03) && data.length === 2 && data[0] === 0x1b) return (data[1] ?? 0) * 100;
  return undefined;
}

export class CcnetLink extends EventEmitter<CcnetLinkEventMap> {
  readonly decoder: CcnetDecoder;
  readonly clock: Clock;
  readonly options: Required<Omit<CcnetLinkOptions, 'clock'>>;
  private waiter: Waiter | undefined;
  private lastConfirmationAt = -Infinity;
  private readonly busyUntil = new Map<number, number>();
  private interByteTimer: TimerHandle | undefined;
  private readonly onData = (chunk: Uint8Array): void => {
    this.receive(chunk);
  };
  /** Counters for diagnostics. */
  readonly counters = {
    sent: 0,
    resent: 0,
    timeouts: 0,
    naksSent: 0,
    naksReceived: 0,
    acksSent: 0,
    /** Dropped bytes or frames (bad CRC, impossible length, garbage). */
    problems: 0,
    /** Frames nobody waited for (e.g. a device NAKing a damaged ACK). */
    strays: 0,
    /** ACKs that could not be written. */
    ackWriteFailures: 0,
  };

  constructor(
    readonly transport: Transport,
    options: CcnetLinkOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.options = {
      responseTimeoutMs: options.responseTimeoutMs ?? 100,
      slowResponseTimeoutMs: options.slowResponseTimeoutMs ?? 2000,
      tFreeMs: options.tFreeMs ?? 20,
      maxTries: Math.max(1, options.maxTries ?? 3),
      interByteTimeoutMs: options.interByteTimeoutMs ?? 50,
      maxFrameLength: options.maxFrameLength ?? 8192,
    };
    this.decoder = new CcnetDecoder({
      maxFrameLength: this.options.maxFrameLength,
      onProblem: (p) => {
        this.counters.problems += 1;
        this.emit('problem', p);
        if (p.kind === 'crc' && this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w.resolve({ type: 'crc', raw: p.raw });
        }
      },
    });
    transport.on('data', this.onData);
  }

  /** Stops listening to the transport (does not close it). */
  detach(): void {
    this.transport.off('data', this.onData);
    this.clock.clearTimeout(this.interByteTimer);
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ type: 'timeout' });
  }

  /** Earliest time (clock ms) the next command to `address` may start. */
  notBefore(address: number): number {
    return Math.max(this.lastConfirmationAt + this.options.tFreeMs, this.busyUntil.get(address) ?? -Infinity);
  }

  /** Marks `address` busy for `ms` (also done automatically for `1B YH` replies). */
  setBusy(address: number, ms: number): void {
    this.busyUntil.set(address, this.clock.now() + ms);
  }

  private receive(chunk: Uint8Array): void {
    const frames = this.decoder.push(chunk);
    this.clock.clearTimeout(this.interByteTimer);
    this.interByteTimer = undefined;
    if (this.decoder.pending > 0) {
      this.interByteTimer = this.clock.setTimeout(() => {
        this.interByteTimer = undefined;
        this.decoder.reset();
      }, this.options.interByteTimeoutMs);
    }
    for (const frame of frames) {
      this.emit('frame', 'rx', frame.raw);
      const w = this.waiter;
      if (w && frame.address === w.address) {
        this.waiter = undefined;
        w.resolve({ type: 'frame', frame });
      } else {
        log('stray frame %s', toHex(frame.raw));
        this.counters.strays += 1;
        this.emit('stray', frame);
      }
    }
  }

  private async write(bytes: Uint8Array): Promise<void> {
    this.emit('frame', 'tx', bytes);
    await this.transport.write(bytes);
  }

  /**
   * Grows with every sign that an ACK may not have reached a device: resends, timeouts, NAKs either way,
   * damaged or stray frames, ACK writes that failed. Device runtimes compare it across two POLL answers to
   * tell a repeated reply (the device did not see our ACK) from a new event with the same bytes.
   */
  get lineTrouble(): number {
    const c = this.counters;
    return c.resent + c.timeouts + c.naksSent + c.naksReceived + c.problems + c.strays + c.ackWriteFailures;
  }

  private async confirm(address: number, ack: boolean): Promise<void> {
    try {
      await this.write(ack ? encodeAck(address) : encodeNak(address));
    } catch (error) {
      if (ack) this.counters.ackWriteFailures += 1;
      throw error;
    }
    if (ack) this.counters.acksSent += 1;
    else this.counters.naksSent += 1;
    this.lastConfirmationAt = this.clock.now();
  }

  private async waitFree(address: number, signal?: AbortSignal): Promise<void> {
    const wait = this.notBefore(address) - this.clock.now();
    if (wait > 0) await delay(wait, this.clock, signal);
  }

  private awaitReply(address: number, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = (o: Outcome): void => {
        this.clock.clearTimeout(timer);
        this.transport.off('data', onChunk);
        signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const arm = (ms: number): void => {
        this.clock.clearTimeout(timer);
        timer = this.clock.setTimeout(() => {
          if (this.waiter?.resolve === done) this.waiter = undefined;
          done({ type: 'timeout' });
        }, ms);
      };
      // while a long answer is arriving, silence (not its total length) ends the wait
      const onChunk = (): void => {
        if (this.decoder.pending > 0) arm(Math.max(this.options.interByteTimeoutMs, 1));
      };
      const onAbort = (): void => {
        if (this.waiter?.resolve === done) this.waiter = undefined;
        done({ type: 'timeout' });
      };
      this.waiter = { address, resolve: done };
      this.transport.on('data', onChunk);
      signal?.addEventListener('abort', onAbort, { once: true });
      arm(timeoutMs);
    });
  }

  /**
   * One command/answer exchange with retries. Resolves with the device's ACK or data (already ACKed);
   * rejects with `TIMEOUT` (no answer), `CRC_MISMATCH` (answers kept failing their CRC) or `NAK` (the device
   * kept refusing the frame) after `maxTries`, or `CANCELLED` when the signal aborts.
   */
  async exchange(address: number, payload: Uint8Array, options: ExchangeOptions = {}): Promise<LinkReply> {
    const frame = encodeFrame(address, payload, { kind: 'command', subcommand: options.subcommand ?? false });
    const label = options.label ?? `command ${toHex(payload.subarray(0, 1))}`;
    const timeoutMs = options.slow ? this.options.slowResponseTimeoutMs : this.options.responseTimeoutMs;
    let last: 'timeout' | 'crc' | 'nak' = 'timeout';
    let lastRaw: Uint8Array | undefined;
    for (let attempt = 1; attempt <= this.options.maxTries; attempt++) {
      if (options.signal?.aborted) throw cancelled(label, address);
      try {
        await this.waitFree(address, options.signal);
      } catch {
        throw cancelled(label, address);
      }
      if (attempt > 1) this.counters.resent += 1;
      this.counters.sent += 1;
      const reply = this.awaitReply(address, timeoutMs, options.signal);
      try {
        await this.write(frame);
      } catch (error) {
        this.waiter = undefined;
        throw error;
      }
      const outcome = await reply;
      if (options.signal?.aborted) throw cancelled(label, address);
      if (outcome.type === 'timeout') {
        this.counters.timeouts += 1;
        last = 'timeout';
        log('%s to %d: no answer (try %d)', label, address, attempt);
        continue;
      }
      if (outcome.type === 'crc') {
        last = 'crc';
        lastRaw = outcome.raw;
        log('%s to %d: bad CRC, NAK (try %d)', label, address, attempt);
        await this.confirm(address, false);
        continue;
      }
      const f = outcome.frame;
      if (isAck(f)) {
        this.lastConfirmationAt = this.clock.now();
        return { kind: 'ack', tries: attempt };
      }
      if (isNak(f)) {
        this.counters.naksReceived += 1;
        this.lastConfirmationAt = this.clock.now();
        last = 'nak';
        lastRaw = f.raw;
        log('%s to %d: device NAK (try %d)', label, address, attempt);
        continue;
      }
      await this.confirm(address, true);
      const busy = busyMsOf(address, f.payload);
      if (busy !== undefined) this.setBusy(address, busy);
      return { kind: 'data', data: f.payload, frame: f, tries: attempt };
    }
    const tries = this.options.maxTries;
    const context = { address, command: label, tries, ...(lastRaw ? { raw: lastRaw } : {}) };
    if (last === 'crc') {
      throw new KioskbusError(
        ErrorCode.CrcMismatch,
        `${label} to device ${address}: bad CRC in every answer (${tries} tries)`,
        context,
      );
    }
    if (last === 'nak') {
      throw new KioskbusError(
        ErrorCode.Nak,
        `${label} to device ${address}: NAK from the device (${tries} tries)`,
        context,
      );
    }
    throw new KioskbusError(
      ErrorCode.Timeout,
      `${label} to device ${address}: no answer in ${timeoutMs} ms (${tries} tries) — is the device in CCNET mode, powered, at this address and baud rate?`,
      context,
    );
  }
}

function cancelled(label: string, address: number): KioskbusError {
  return new KioskbusError(ErrorCode.Cancelled, `${label} to device ${address} cancelled`, { address, command: label });
}
