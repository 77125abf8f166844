/**
 * One eSSP port with any number of slave addresses (a validator at 0x00 and a SMART Hopper at 0x10 on one cable):
 * one request in flight at a time, per-address sequence flag, key and packet counter, identical retransmission after
 * a timeout, a retry cap after which the address is reported offline.
 */
import { EventEmitter } from 'node:events';
import { type FramerStats } from '../core/accumulator.js';
import { ByteReader, bytesEqual, toHex, u64le } from '../core/bytes.js';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ErrorCode, KioskbusError, toKioskbusError } from '../core/errors.js';
import { frameErrorToKioskbusError } from '../core/framer.js';
import { createLogger } from '../core/log.js';
import { CommandQueue } from '../core/queue.js';
import type { Transport } from '../transport/types.js';
import type { CommandSpec } from './commands/spec.js';
import { buildAesKey, HostKeyExchange, parseFixedKey, type RandomBytes } from './crypto.js';
import { decodeCommandReply, DEFAULT_CONTEXT, encodeCommand } from './execute.js';
import { SspFramer, type SspFrame, type SspReceivedFrame } from './frame.js';
import {
  checkAddress,
  SSP_CMD_REQUEST_KEY_EXCHANGE,
  SSP_CMD_RESET_FIXED_KEY,
  SSP_CMD_SET_FIXED_KEY,
  SSP_CMD_SET_GENERATOR,
  SSP_CMD_SET_MODULUS,
  SSP_CMD_SYNC,
  SSP_REPLY_OK,
  SspLink,
  type SspRequest,
} from './link.js';
import type { SspContext } from './tables/context.js';

const log = createLogger('essp:bus');

export interface SspBusOptions {
  /** Wait for a reply before resending the identical bytes (ms). Default 1000 (the protocol's rule). */
  timeoutMs?: number;
  /** Resends after the first transmission before giving up. Default 20 (the protocol's rule). */
  retries?: number;
  /** Resends for an address already reported offline, so that a dead device does not hold the bus. Default 1. */
  offlineRetries?: number;
  /** After key exchange, encrypt every command to that address unless `encrypt: false` (the older library's
   * behaviour). Default false: only commands asked to be encrypted are. */
  encryptAll?: boolean;
  /** The fixed key for every address's negotiation (bigint or the hex string form). Default 0x0123456701234567. */
  fixedKey?: bigint | string;
  /** Sends SYNC by itself before the next command to an address whose last request was given up (the sequence
   * flag is unknown then, and the device could take a new command for a resend). Default true. */
  autoSync?: boolean;
  clock?: Clock;
  /** Random bytes for key exchange and packing (tests). */
  random?: RandomBytes;
  /** Include decrypted payloads in debug logs (never keys). Default false. */
  logPlaintext?: boolean;
}

export interface SspExecuteOptions extends Omit<SspExchangeOptions, 'label'> {
  /** What the table codecs know of the device (protocol version, unit type, channels). Default: protocol 6. */
  context?: SspContext;
  /** Sees every reply (generic code first) before it is judged and decoded. */
  onReply?: (reply: Uint8Array) => void;
}

export interface SspExchangeOptions {
  /**
   * `true`: encrypt (KEY_NOT_SET if no key); `'required'`: encrypt, and refuse with ENCRYPTION_REQUIRED before
   * anything is sent when no key is set; `false`: plain even under `encryptAll`; default: per `encryptAll`.
   */
  encrypt?: boolean | 'required';
  /** Command name for errors and logs. */
  label?: string;
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
}

export interface SspBusStats extends FramerStats {
  /** Requests answered. */
  exchanges: number;
  /** Identical resends after a timeout. */
  retransmits: number;
  /** Requests given up after all retries. */
  timeouts: number;
  /** Valid frames that belonged to no pending request (other address, nothing pending). */
  stray: number;
  /** Repeats of an earlier reply (wrong flag for the pending request, stale eCOUNT). */
  duplicates: number;
  /** Our own request read back (adapters and multi-drop wiring that echo the host's transmission). */
  echoes: number;
}

export interface SspBusEvents {
  /** An address gave no reply after all retries (once per transition). */
  offline: [address: number, error: KioskbusError];
  /** An address answered again after being offline. */
  online: [address: number];
  /** Every frame written (first transmission and resends), for tracing. */
  tx: [raw: Uint8Array, info: { address: number; seq: 0 | 1; retransmit: boolean; encrypted: boolean }];
  /** Every valid frame received, for tracing. */
  rx: [raw: Uint8Array, frame: SspFrame];
  /** A frame dropped by the framer (bad CRC, bad length). */
  frameError: [error: KioskbusError];
}

interface Pending {
  link: SspLink;
  request: SspRequest;
  label: string;
  resolve: (data: Uint8Array) => void;
  /** `answered`: the device replied (the flag has toggled); otherwise the request may or may not have run. */
  reject: (error: KioskbusError, answered?: boolean) => void;
}

export class SspBus extends EventEmitter<SspBusEvents> {
  private readonly clock: Clock;
  private readonly queue: CommandQueue;
  private readonly decoder: SspFramer;
  private readonly links = new Map<number, SspLink>();
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly offlineRetries: number;
  private readonly encryptAll: boolean;
  private readonly autoSync: boolean;
  private readonly defaultFixedKey: bigint;
  private readonly random: RandomBytes | undefined;
  private readonly logPlaintext: boolean;
  private pending: Pending | undefined;
  private closed = false;
  private readonly counters = { exchanges: 0, retransmits: 0, timeouts: 0, stray: 0, duplicates: 0, echoes: 0 };
  private readonly onData = (chunk: Uint8Array): void => {
    this.decoder.push(chunk);
  };
  private readonly onDisconnected = (error: KioskbusError): void => {
    this.decoder.reset();
    const pending = this.pending;
    if (pending) pending.reject(error);
  };

  constructor(
    readonly transport: Transport,
    options: SspBusOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.queue = new CommandQueue(this.clock);
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.retries = options.retries ?? 20;
    this.offlineRetries = options.offlineRetries ?? 1;
    this.encryptAll = options.encryptAll ?? false;
    this.autoSync = options.autoSync ?? true;
    this.defaultFixedKey = parseFixedKey(options.fixedKey ?? 0x0123456701234567n);
    this.random = options.random;
    this.logPlaintext = options.logPlaintext ?? false;
    for (const [name, value] of [
      ['timeoutMs', this.timeoutMs],
      ['retries', this.retries],
      ['offlineRetries', this.offlineRetries],
    ] as const) {
      if (!Number.isInteger(value) || value < 0 || (name === 'timeoutMs' && value === 0)) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `${name} must be a non-negative integer, got ${value}`);
      }
    }
    this.decoder = new SspFramer({
      frame: (frame) => {
        this.onFrame(frame);
      },
      error: (dropped) => {
        // Noise between frames is counted in the stats (garbage bytes); a frame that was dropped is reported.
        if (dropped.kind === 'garbage') return;
        const error = frameErrorToKioskbusError(dropped, 'eSSP');
        log('framer dropped bytes: %s', error.message);
        this.emit('frameError', error);
      },
    });
    transport.on('data', this.onData);
    transport.on('disconnected', this.onDisconnected);
  }

  get stats(): SspBusStats {
    return { ...this.decoder.stats, ...this.counters };
  }

  /** Opens the transport if it is not open. */
  async open(): Promise<void> {
    if (!this.transport.isOpen) await this.transport.open();
  }

  /** The link state of an address (created on first use). */
  link(address: number): SspLink {
    let link = this.links.get(address);
    if (!link) {
      checkAddress(address);
      link = new SspLink(address, this.defaultFixedKey);
      this.links.set(address, link);
    }
    return link;
  }

  isEncrypted(address: number): boolean {
    return this.links.get(address)?.encrypted ?? false;
  }

  /** Whether the address answered its last request (undefined before any exchange). */
  isOnline(address: number): boolean | undefined {
    return this.links.get(address)?.online;
  }

  /** Installs or drops a session key directly (tests, compatibility layers); the packet counter restarts at 0. */
  setKey(address: number, key: Uint8Array | undefined): void {
    this.link(address).setKey(key);
  }

  /** Sets the fixed key used by the next negotiation with `address`, without telling the device. */
  useFixedKey(address: number, fixedKey: bigint | string): void {
    this.link(address).fixedKey = parseFixedKey(fixedKey);
  }

  /**
   * Sends `data` (command code + args) to `address` and resolves with the reply data (generic code first, decrypted
   * when the reply was encrypted). Retransmits the identical bytes after each timeout, up to `retries` times, then
   * rejects with TIMEOUT and reports the address offline.
   */
  exchange(address: number, data: Uint8Array, options: SspExchangeOptions = {}): Promise<Uint8Array> {
    let link: SspLink;
    try {
      link = this.link(address);
      if (data.length === 0) throw new KioskbusError(ErrorCode.InvalidArgument, 'eSSP command data is empty');
      if (options.encrypt === 'required' && !link.encrypted) {
        throw new KioskbusError(
          ErrorCode.EncryptionRequired,
          `${options.label ?? `command 0x${(data[0] ?? 0).toString(16)}`} must be encrypted but no key is set for address ${address}`,
          options.label === undefined ? { address } : { address, command: options.label },
        );
      }
    } catch (error) {
      return Promise.reject(toKioskbusError(error, ErrorCode.InvalidArgument));
    }
    const label = options.label ?? `0x${(data[0] ?? 0).toString(16).padStart(2, '0')}`;
    const queued: { label: string; signal?: AbortSignal } = { label };
    if (options.signal) queued.signal = options.signal;
    return this.queue.run(async (signal) => {
      if (this.autoSync && link.needsSync && data[0] !== SSP_CMD_SYNC) {
        log('address %d: resynchronising after a given-up request', address);
        await this.transact(link, Uint8Array.of(SSP_CMD_SYNC), { label: 'SYNC', encrypt: false }, signal, true);
      }
      return this.transact(link, data, { ...options, label }, signal, data[0] === SSP_CMD_SYNC);
    }, queued);
  }

  /**
   * Runs one table command: encodes its arguments (INVALID_ARGUMENT before anything is sent), exchanges, turns a
   * generic error reply into its typed error and decodes the data with `context` (default: protocol 6). `onReply`
   * sees every reply before it is judged (a device runtime notes that the device answered, and reacts to
   * KEY_NOT_SET). The one path of device runtimes, the compat layer and the probe.
   */
  execute<A, R>(address: number, spec: CommandSpec<A, R>, args: A, options: SspExecuteOptions = {}): Promise<R> {
    let data: Uint8Array;
    const context = options.context ?? DEFAULT_CONTEXT;
    try {
      data = encodeCommand(spec, args, context);
    } catch (error) {
      return Promise.reject(toKioskbusError(error, ErrorCode.InvalidArgument, { address, command: spec.name }));
    }
    const exchange: SspExchangeOptions = { label: spec.name };
    if (options.encrypt !== undefined) exchange.encrypt = options.encrypt;
    if (options.signal !== undefined) exchange.signal = options.signal;
    if (options.timeoutMs !== undefined) exchange.timeoutMs = options.timeoutMs;
    if (options.retries !== undefined) exchange.retries = options.retries;
    return this.exchange(address, data, exchange).then((reply) => {
      options.onReply?.(reply);
      return decodeCommandReply(spec, reply, address, context);
    });
  }

  /** SYNC: resets the sequence flag (SYNC goes out with flag 1, the next command with flag 0). */
  async sync(address: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const reply = await this.exchange(address, Uint8Array.of(SSP_CMD_SYNC), {
      ...options,
      encrypt: false,
      label: 'SYNC',
    });
    expectOk(reply, 'SYNC', address);
  }

  /**
   * Negotiates a session key: SET_GENERATOR, SET_MODULUS, REQUEST_KEY_EXCHANGE (u64 LE each, in plain text, as one
   * queued unit so nothing else goes to the address in between). The key is the fixed key (argument, else the one
   * set for the address, else the bus default) followed by the negotiated value; eCOUNT restarts at 0.
   */
  negotiateKey(address: number, fixedKey?: bigint | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    let link: SspLink;
    let fixed: bigint;
    try {
      link = this.link(address);
      fixed = fixedKey === undefined ? link.fixedKey : parseFixedKey(fixedKey);
    } catch (error) {
      return Promise.reject(toKioskbusError(error, ErrorCode.InvalidArgument));
    }
    const queued: { label: string; signal?: AbortSignal } = { label: 'key exchange' };
    if (options.signal) queued.signal = options.signal;
    return this.queue.run(async (signal) => {
      if (this.autoSync && link.needsSync) {
        await this.transact(link, Uint8Array.of(SSP_CMD_SYNC), { label: 'SYNC', encrypt: false }, signal, true);
      }
      link.setKey(undefined);
      const kx = HostKeyExchange.create(this.random);
      const step = async (code: number, value: bigint, label: string): Promise<Uint8Array> => {
        const args = new Uint8Array(9);
        args[0] = code;
        args.set(u64le(value), 1);
        const reply = await this.transact(link, args, { label, encrypt: false }, signal, false);
        if (reply[0] !== SSP_REPLY_OK) {
          throw new KioskbusError(
            ErrorCode.KeyExchangeFailed,
            `${label} refused by address ${address} with 0x${(reply[0] ?? 0).toString(16)}`,
            { address, command: label, raw: reply },
          );
        }
        return reply;
      };
      await step(SSP_CMD_SET_GENERATOR, kx.generator, 'SET_GENERATOR');
      await step(SSP_CMD_SET_MODULUS, kx.modulus, 'SET_MODULUS');
      const reply = await step(SSP_CMD_REQUEST_KEY_EXCHANGE, kx.hostInterKey, 'REQUEST_KEY_EXCHANGE');
      if (reply.length < 9) {
        throw new KioskbusError(ErrorCode.KeyExchangeFailed, 'REQUEST_KEY_EXCHANGE reply too short', {
          address,
          raw: reply,
        });
      }
      const slaveInter = new ByteReader(reply, 1).u64le('slave intermediate key');
      link.setKey(buildAesKey(fixed, kx.computeKey(slaveInter)));
      link.fixedKey = fixed;
      log('address %d: key negotiated, encryption on', address);
    }, queued);
  }

  /**
   * SET_FIXED_ENCRYPTION_KEY (encrypted, so a key must be set): the device stores `fixedKey`, which is then used for
   * the next negotiation with it.
   */
  async setFixedKey(address: number, fixedKey: bigint | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const value = parseFixedKey(fixedKey);
    const args = new Uint8Array(9);
    args[0] = SSP_CMD_SET_FIXED_KEY;
    args.set(u64le(value), 1);
    const reply = await this.exchange(address, args, {
      ...options,
      encrypt: 'required',
      label: 'SET_FIXED_ENCRYPTION_KEY',
    });
    expectOk(reply, 'SET_FIXED_ENCRYPTION_KEY', address);
    this.link(address).fixedKey = value;
  }

  /**
   * RESET_FIXED_ENCRYPTION_KEY: the device returns to the default fixed key and resets itself, dropping the session
   * key; the next negotiation uses the default fixed key.
   */
  async resetFixedKey(address: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const link = this.link(address);
    const reply = await this.exchange(address, Uint8Array.of(SSP_CMD_RESET_FIXED_KEY), {
      ...options,
      encrypt: link.encrypted,
      label: 'RESET_FIXED_ENCRYPTION_KEY',
    });
    expectOk(reply, 'RESET_FIXED_ENCRYPTION_KEY', address);
    link.fixedKey = this.defaultFixedKey;
    link.setKey(undefined);
  }

  /** Rejects queued and running requests, detaches from the transport and closes it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close('eSSP bus closed');
    this.pending?.reject(new KioskbusError(ErrorCode.Closed, 'eSSP bus closed'));
    this.transport.off('data', this.onData);
    this.transport.off('disconnected', this.onDisconnected);
    this.decoder.reset();
    await this.transport.close();
  }

  /** One request/reply with retransmissions; runs inside a queue task. */
  private transact(
    link: SspLink,
    data: Uint8Array,
    options: SspExchangeOptions & { label: string },
    signal: AbortSignal,
    isSync: boolean,
  ): Promise<Uint8Array> {
    const encrypt =
      options.encrypt === undefined ? this.encryptAll && link.encrypted && !isSync : options.encrypt !== false;
    if (options.encrypt === 'required' && !link.encrypted) {
      throw new KioskbusError(ErrorCode.EncryptionRequired, `${options.label} must be encrypted but no key is set`, {
        address: link.address,
        command: options.label,
      });
    }
    if (isSync) link.beginSync();
    const request = link.prepare(data, encrypt, this.random);
    const offline = link.online === false;
    const retries = options.retries ?? (offline ? Math.min(this.offlineRetries, this.retries) : this.retries);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const address = link.address;

    return new Promise<Uint8Array>((resolve, reject) => {
      let attempts = 0;
      let timer: TimerHandle | undefined;
      let done = false;
      // An abort listener only when the caller can cancel (its signal aborts the queue's); close() rejects directly.
      const cancellable = options.signal !== undefined;
      const finish = (): void => {
        done = true;
        this.clock.clearTimeout(timer);
        if (cancellable) signal.removeEventListener('abort', onAbort);
        if (this.pending === pending) this.pending = undefined;
      };
      const pending: Pending = {
        link,
        request,
        label: options.label,
        resolve: (reply) => {
          if (done) return;
          finish();
          this.counters.exchanges++;
          if (isSync) link.needsSync = false;
          if (link.online !== true) {
            const wasOffline = link.online === false;
            link.online = true;
            if (wasOffline) this.emit('online', address);
          }
          resolve(reply);
        },
        reject: (error, answered = false) => {
          if (done) return;
          finish();
          // Sent but not answered (cancelled, port lost, given up): the device may have run it, so its flag is
          // unknown and the next command to it must be preceded by a SYNC.
          if (!answered && attempts > 0) link.giveUp();
          reject(error);
        },
      };
      const onAbort = (): void => {
        pending.reject(toKioskbusError(signal.reason, ErrorCode.Cancelled, { address, command: options.label }));
      };
      const send = (): void => {
        const retransmit = attempts > 0;
        attempts++;
        if (retransmit) this.counters.retransmits++;
        if (log.enabled)
          log('-> %d %s%s %s', address, options.label, retransmit ? ' (resend)' : '', toHex(request.raw));
        this.emit('tx', request.raw, { address, seq: request.seq, retransmit, encrypted: request.encrypted });
        timer = this.clock.setTimeout(onTimeout, timeoutMs);
        this.transport.write(request.raw).catch((error: unknown) => {
          pending.reject(toKioskbusError(error, ErrorCode.TransportError, { address, command: options.label }));
        });
      };
      const onTimeout = (): void => {
        if (done) return;
        if (attempts <= retries) {
          send();
          return;
        }
        this.counters.timeouts++;
        const error = new KioskbusError(
          ErrorCode.Timeout,
          `${options.label} to address ${address}: no reply after ${attempts} transmission(s) of ${timeoutMs} ms; device offline`,
          { address, command: options.label, raw: request.raw, transmissions: attempts },
        );
        const wasOnline = link.online !== false;
        link.online = false;
        pending.reject(error);
        if (wasOnline) this.emit('offline', address, error);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      if (cancellable) signal.addEventListener('abort', onAbort, { once: true });
      this.pending = pending;
      send();
    });
  }

  private onFrame(frame: SspReceivedFrame): void {
    const raw = frame.raw;
    this.emit('rx', raw, frame);
    const pending = this.pending;
    if (!pending || frame.address !== pending.request.address) {
      this.counters.stray++;
      if (log.enabled) log('<- stray frame for address %d dropped: %s', frame.address, toHex(raw));
      return;
    }
    if (bytesEqual(raw, pending.request.raw)) {
      // A reply never equals its command (replies start with a generic code >= 0xF0, commands are below 0x80, and an
      // encrypted reply carries another eCOUNT): this is the host's own transmission read back.
      this.counters.echoes++;
      return;
    }
    const verdict = pending.link.judge(pending.request, frame);
    switch (verdict.kind) {
      case 'reply':
        if (log.enabled) {
          log('<- %d %s %s', frame.address, pending.label, toHex(raw));
          if (this.logPlaintext && verdict.encrypted) log('   plain: %s', toHex(verdict.data));
        }
        pending.resolve(verdict.data);
        return;
      case 'duplicate':
        this.counters.duplicates++;
        if (log.enabled) log('<- duplicate reply for address %d dropped: %s', frame.address, toHex(raw));
        return;
      case 'stray':
        this.counters.stray++;
        return;
      case 'error':
        log('<- %d %s unusable reply: %s', frame.address, pending.label, verdict.error.message);
        pending.reject(verdict.error, true);
        return;
    }
  }
}

function expectOk(reply: Uint8Array, label: string, address: number): void {
  if (reply[0] !== SSP_REPLY_OK) {
    throw new KioskbusError(
      ErrorCode.CommandRefused,
      `${label} refused by address ${address} with 0x${(reply[0] ?? 0).toString(16)}`,
      { address, command: label, raw: reply },
    );
  }
}
