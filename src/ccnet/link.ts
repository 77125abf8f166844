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
import type { FrameError } from '../core/framer.js';
import { CcnetFramer, encodeAck, encodeFrame, encodeNak, isAck, isNak, type CcnetFrame } from './frame.js';

const log = createLogger('ccnet:link');

export interface CcnetLinkOptions {
  clock?: Clock;
  /** How long to wait for the start of an answer (spec: 10 ms; real devices are slower). Default 100 ms. */
  responseTimeoutMs?: number;
  /** The same for slow commands (identification, tables, statistics, download). Default 2000 ms. */
  slowResponseTimeoutMs?: number;
  /**
   * Bus silence after an ACK/NAK before the next command, counted from when the confirmation's last bit left the
   * wire. Never below 20 ms (the spec's value for reliable multi-device buses), whatever is passed. Default 20 ms.
   */
  tFreeMs?: number;
  /** Line rate, to know when a written frame has left the wire. Default 9600. */
  baudRate?: number;
  /** Bits per byte on the line (start + data + parity + stop). Default 10 (8N1). */
  bitsPerByte?: number;
  /** Tries per command (first send + re-sends) for commands that may be resent. Default 3. */
  maxTries?: number;
  /** Silence after which a partial frame is dropped (spec t-inter-byte 5 ms). Default 50 ms. */
  interByteTimeoutMs?: number;
  /** Longest reply accepted (REQUEST STATISTICS is 4363 bytes). Default 8192. */
  maxFrameLength?: number;
}

export type LinkReply =
  { kind: 'ack'; tries: number } | { kind: 'data'; data: Uint8Array; frame: CcnetFrame; tries: number };

/** What happened on one try of a command. */
export interface TryRecord {
  /** 1 for the first send. */
  try: number;
  /** Clock time the command was written. */
  at: number;
  /** `timeout`: no answer; `crc`: a damaged answer (NAKed); `nak`: the device NAKed; `ack` / `data`: answered. */
  outcome: 'timeout' | 'crc' | 'nak' | 'ack' | 'data';
  /** The answer's bytes (damaged ones included). */
  raw?: Uint8Array;
}

/** The spec's t-free for reliable operation; the link never waits less after an ACK or NAK. */
export const T_FREE_MIN_MS = 20;

/** Time the bytes of a frame take on the wire, in ms. */
export function wireTimeMs(bytes: number, baudRate: number, bitsPerByte: number): number {
  return (bytes * bitsPerByte * 1000) / baudRate;
}

/** `try 1: no answer; try 2: bad CRC (NAKed)`: every try of a command, for error messages. */
export function describeTries(tries: readonly TryRecord[]): string {
  const words: Record<TryRecord['outcome'], string> = {
    timeout: 'no answer',
    crc: 'damaged answer (bad CRC, NAKed)',
    nak: 'NAK from the device',
    ack: 'ACK',
    data: 'answered',
  };
  return tries.map((t) => `try ${t.try}: ${words[t.outcome]}`).join('; ');
}

export interface ExchangeOptions {
  slow?: boolean;
  /** The second payload byte is a subcommand (wide frames put the length after it). */
  subcommand?: boolean;
  /** Name for errors and logs. */
  label?: string;
  signal?: AbortSignal;
  /**
   * false for a command that moves money (DISPENSE, UNLOAD, VEND): CCNET has no sequence number, so a device that
   * acted on the command but whose answer was lost would act again on a resend. Such a command is sent once; a
   * missing, damaged or NAK answer rejects at once (the caller finds out from the device). Default true.
   */
  resend?: boolean;
}

export interface CcnetLinkEventMap {
  /** Every frame on the wire: `tx` written by the host, `rx` received. */
  frame: [direction: 'tx' | 'rx', frame: Uint8Array];
  /** Dropped bytes or frames (`crc`, `length` or `garbage`, with the raw bytes and, for a frame, its address in `id`). */
  problem: [problem: FrameError];
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
  readonly framer: CcnetFramer;
  readonly clock: Clock;
  readonly options: Required<Omit<CcnetLinkOptions, 'clock'>>;
  /** The t-free actually kept (the option, at least T_FREE_MIN_MS). */
  readonly tFreeMs: number;
  private waiter: Waiter | undefined;
  private lastConfirmationAt = -Infinity;
  private readonly busyUntil = new Map<number, number>();
  private readonly troubleByAddress = new Map<number, number>();
  private interByteTimer: TimerHandle | undefined;
  private readonly onData = (chunk: Uint8Array): void => {
    this.receive(chunk);
  };
  private watchedSignal: AbortSignal | undefined;
  /** The watched signal aborted: the exchange waiting for an answer ends now (its caller sees the abort). */
  private readonly onAbort = (): void => {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ type: 'timeout' });
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
      tFreeMs: options.tFreeMs ?? T_FREE_MIN_MS,
      baudRate: options.baudRate ?? 9600,
      bitsPerByte: options.bitsPerByte ?? 10,
      maxTries: Math.max(1, options.maxTries ?? 3),
      interByteTimeoutMs: options.interByteTimeoutMs ?? 50,
      maxFrameLength: options.maxFrameLength ?? 8192,
    };
    this.tFreeMs = Math.max(T_FREE_MIN_MS, this.options.tFreeMs);
    this.framer = new CcnetFramer({
      maxFrameLength: this.options.maxFrameLength,
      frame: (frame) => {
        this.delivered(frame);
      },
      error: (p) => {
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
    this.watchedSignal?.removeEventListener('abort', this.onAbort);
    this.watchedSignal = undefined;
    this.clock.clearTimeout(this.interByteTimer);
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ type: 'timeout' });
  }

  /** Earliest time (clock ms) the next command to `address` may start. */
  notBefore(address: number): number {
    return Math.max(this.lastConfirmationAt + this.tFreeMs, this.busyUntil.get(address) ?? -Infinity);
  }

  /** Marks `address` busy for `ms` (also done automatically for `1B YH` replies). */
  setBusy(address: number, ms: number): void {
    this.busyUntil.set(address, this.clock.now() + ms);
  }

  private receive(chunk: Uint8Array): void {
    this.framer.push(chunk);
    this.clock.clearTimeout(this.interByteTimer);
    this.interByteTimer = undefined;
    if (this.framer.pending > 0) {
      this.interByteTimer = this.clock.setTimeout(() => {
        this.interByteTimer = undefined;
        this.framer.reset();
      }, this.options.interByteTimeoutMs);
    }
  }

  /** A frame with a good CRC, in stream order: the waiter's answer, or a stray. */
  private delivered(frame: CcnetFrame): void {
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

  private async write(bytes: Uint8Array): Promise<void> {
    this.emit('frame', 'tx', bytes);
    await this.transport.write(bytes);
  }

  /**
   * Grows with every sign that an ACK may not have reached a device: resends, timeouts, NAKs either way,
   * damaged or stray frames, ACK writes that failed.
   */
  get lineTrouble(): number {
    const c = this.counters;
    return c.resent + c.timeouts + c.naksSent + c.naksReceived + c.problems + c.strays + c.ackWriteFailures;
  }

  /**
   * The trouble that can concern `address`: its own resends, timeouts and NAKs, plus what cannot be attributed
   * (damaged or stray frames, failed ACK writes). Another address that stays silent is not trouble here. Device
   * runtimes compare it across two POLL answers to tell a repeated reply (the device did not see our ACK) from
   * a new event with the same bytes.
   */
  troubleFor(address: number): number {
    const c = this.counters;
    return (this.troubleByAddress.get(address) ?? 0) + c.problems + c.strays + c.ackWriteFailures;
  }

  private addTrouble(address: number): void {
    this.troubleByAddress.set(address, (this.troubleByAddress.get(address) ?? 0) + 1);
  }

  /** Time `bytes` bytes take on this line, in ms. */
  wireTimeMs(bytes: number): number {
    return wireTimeMs(bytes, this.options.baudRate, this.options.bitsPerByte);
  }

  private async confirm(address: number, ack: boolean): Promise<void> {
    const frame = ack ? encodeAck(address) : encodeNak(address);
    try {
      await this.write(frame);
    } catch (error) {
      if (ack) this.counters.ackWriteFailures += 1;
      throw error;
    }
    if (ack) this.counters.acksSent += 1;
    else this.counters.naksSent += 1;
    // write() returns when the bytes are handed over, not when they left the wire: t-free starts at their last bit
    this.lastConfirmationAt = this.clock.now() + this.wireTimeMs(frame.length);
  }

  private async waitFree(address: number, signal?: AbortSignal): Promise<void> {
    const wait = this.notBefore(address) - this.clock.now();
    // whole milliseconds, rounded up: timers may truncate a fraction, and the wait must never end early
    if (wait > 0) await delay(Math.ceil(wait), this.clock, signal);
  }

  /**
   * One abort listener per signal, not per exchange: the bus's queue hands every command the same signal until one
   * is aborted, and adding and removing a listener for each exchange was a tenth of the host's CPU per poll.
   */
  private watch(signal: AbortSignal): void {
    this.watchedSignal?.removeEventListener('abort', this.onAbort);
    this.watchedSignal = signal;
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private awaitReply(address: number, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = (o: Outcome): void => {
        this.clock.clearTimeout(timer);
        this.transport.off('data', onChunk);
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
        if (this.framer.pending > 0) arm(Math.max(this.options.interByteTimeoutMs, 1));
      };
      this.waiter = { address, resolve: done };
      this.transport.on('data', onChunk);
      if (signal !== undefined && signal !== this.watchedSignal) this.watch(signal);
      arm(timeoutMs);
    });
  }

  /**
   * One command/answer exchange with retries. Resolves with the device's ACK or data (already ACKed);
   * rejects with `TIMEOUT` (no answer), `CRC_MISMATCH` (answers kept failing their CRC) or `NAK` (the device
   * kept refusing the frame) after `maxTries` (one try when `resend` is false), or `CANCELLED` when the signal
   * aborts. Errors describe every try (`context.tries`, and the message).
   */
  async exchange(address: number, payload: Uint8Array, options: ExchangeOptions = {}): Promise<LinkReply> {
    const frame = encodeFrame(address, payload, { kind: 'command', subcommand: options.subcommand ?? false });
    const label = options.label ?? `command ${toHex(payload.subarray(0, 1))}`;
    const timeoutMs = options.slow ? this.options.slowResponseTimeoutMs : this.options.responseTimeoutMs;
    const maxTries = options.resend === false ? 1 : this.options.maxTries;
    const tries: TryRecord[] = [];
    for (let attempt = 1; attempt <= maxTries; attempt++) {
      if (options.signal?.aborted) throw cancelled(label, address);
      try {
        await this.waitFree(address, options.signal);
      } catch {
        throw cancelled(label, address);
      }
      if (attempt > 1) {
        this.counters.resent += 1;
        this.addTrouble(address);
      }
      this.counters.sent += 1;
      const record: TryRecord = { try: attempt, at: this.clock.now(), outcome: 'timeout' };
      tries.push(record);
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
        this.addTrouble(address);
        log('%s to %d: no answer (try %d)', label, address, attempt);
        continue;
      }
      if (outcome.type === 'crc') {
        record.outcome = 'crc';
        record.raw = outcome.raw;
        this.addTrouble(address);
        log('%s to %d: bad CRC, NAK (try %d)', label, address, attempt);
        await this.confirm(address, false);
        continue;
      }
      const f = outcome.frame;
      if (isAck(f)) {
        record.outcome = 'ack';
        this.lastConfirmationAt = this.clock.now();
        return { kind: 'ack', tries: attempt };
      }
      if (isNak(f)) {
        this.counters.naksReceived += 1;
        this.addTrouble(address);
        this.lastConfirmationAt = this.clock.now();
        record.outcome = 'nak';
        record.raw = f.raw;
        log('%s to %d: device NAK (try %d)', label, address, attempt);
        continue;
      }
      record.outcome = 'data';
      record.raw = f.raw;
      await this.confirm(address, true);
      const busy = busyMsOf(address, f.payload);
      if (busy !== undefined) this.setBusy(address, busy);
      return { kind: 'data', data: f.payload, frame: f, tries: attempt };
    }
    throw triesFailed(label, address, tries, timeoutMs);
  }
}

/** The error after every try of a command failed: its code follows the last try, its message tells every try. */
function triesFailed(label: string, address: number, tries: TryRecord[], timeoutMs: number): KioskbusError {
  const last = tries[tries.length - 1];
  const lastRaw = [...tries].reverse().find((t) => t.raw)?.raw;
  const context = { address, command: label, tries, ...(lastRaw ? { raw: lastRaw } : {}) };
  const n = tries.length;
  const what = `${label} to device ${address}`;
  const story = n > 1 ? ` (${describeTries(tries)})` : '';
  if (last?.outcome === 'crc') {
    return new KioskbusError(ErrorCode.CrcMismatch, `${what}: bad CRC in the answer (${n} tries)${story}`, context);
  }
  if (last?.outcome === 'nak') {
    return new KioskbusError(ErrorCode.Nak, `${what}: NAK from the device (${n} tries)${story}`, context);
  }
  const anyAnswer = tries.some((t) => t.outcome !== 'timeout');
  return new KioskbusError(
    ErrorCode.Timeout,
    `${what}: no answer in ${timeoutMs} ms (${n} tries)${story}` +
      (anyAnswer ? '' : ' — is the device in CCNET mode, powered, at this address and baud rate?'),
    context,
  );
}

function cancelled(label: string, address: number): KioskbusError {
  return new KioskbusError(ErrorCode.Cancelled, `${label} to device ${address} cancelled`, { address, command: label });
}
