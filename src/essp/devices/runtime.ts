/**
 * The host runtime shared by every eSSP device class: the start-up sequence of the implementation guide (GA973 §6)
 * `SYNC -> key exchange -> HOST_PROTOCOL_VERSION (highest accepted, stepping down on FAIL) -> SETUP_REQUEST ->
 * device set-up -> ENABLE -> poll`, the poll loop (POLL or POLL_WITH_ACK with automatic EVENT_ACK, every 200..1000 ms,
 * going on while disabled), re-initialisation after SLAVE_RESET, KEY_NOT_SET or a return from offline, and typed
 * commands through the shared command table (a command the table marks "encryption required" is refused before
 * anything is sent when no key is set).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { ErrorCode, isKioskbusError, KioskbusError, toKioskbusError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { SspBus } from '../bus.js';
import {
  COMMANDS,
  type CommandArgs,
  type CommandResult,
  type CommandSpec,
  type SspCommandName,
  type SspContext,
} from '../commands.js';
import { contextFromSetup, type SetupRequestResult } from '../decoders.js';
import { decodeEvents, eventSpecByCode, type SspEvent } from '../events.js';
import { replyError, SspGeneric } from '../generic.js';
import { eventKey, listenerFailed } from './shared.js';

const log = createLogger('essp:device');

export const MIN_POLL_INTERVAL_MS = 200;
export const MAX_POLL_INTERVAL_MS = 1000;
/** Longest wait between re-initialisations while the device keeps answering KEY_NOT_SET. */
const KEY_NOT_SET_MAX_BACKOFF_MS = 10_000;

/** The device whose start-up sequence the current async call chain belongs to (its own commands pass the gate). */
const initScope = new AsyncLocalStorage<object>();

export interface SspDeviceOptions {
  /** Slave address (default 0x00: validators). */
  address?: number;
  /** Time between the end of one poll and the next, 200..1000 ms (GA973 §7.4). Default 200. */
  pollIntervalMs?: number;
  /**
   * Poll with POLL_WITH_ACK and acknowledge with EVENT_ACK, so that credit-type events repeat until acknowledged and
   * survive a lost reply. `'auto'` (default): use it whenever the link is encrypted (the manual requires POLL_WITH_ACK
   * to be), and fall back to POLL for good when the device answers it with COMMAND_NOT_KNOWN (older firmware).
   * `false`: plain POLL.
   */
  pollWithAck?: boolean | 'auto';
  /** Negotiate a key and encrypt every command (default true). */
  encryption?: boolean;
  /** Fixed key for the negotiation (default 0x0123456701234567, or the bus's). */
  fixedKey?: bigint | string;
  /** Highest protocol version to ask for; steps down on FAIL (default 8). */
  protocolVersion?: number;
  /** Lowest protocol version to accept (default 4). */
  minProtocolVersion?: number;
  /** Send ENABLE at the end of the start-up (default true). */
  enable?: boolean;
  clock?: Clock;
}

export type ReinitialiseReason = 'start' | 'reset' | 'key-not-set' | 'online' | 'request';

export interface SspDeviceEvents {
  /** Every decoded poll event, in order. */
  event: [event: SspEvent];
  /** The start-up sequence finished (first start and every re-initialisation). */
  ready: [info: { reason: ReinitialiseReason; protocolVersion: number; setup: SetupRequestResult }];
  /** The runtime re-initialises by itself (SLAVE_RESET, KEY_NOT_SET, back from offline). */
  reinitialising: [info: { reason: ReinitialiseReason }];
  /** No reply after all retries. Polling goes on; the device is re-initialised when it answers again. */
  offline: [error: KioskbusError];
  online: [];
  /** An event code the tables cannot size (its bytes and the rest of that reply). */
  unknown: [event: Extract<SspEvent, { name: 'UNKNOWN' }>];
  /** A poll or a background command failed (the loop goes on). */
  error: [error: KioskbusError];
}

/** Marks an error class the runtime raises when the device lost its key. */
function isKeyNotSet(error: unknown): boolean {
  return isKioskbusError(error, ErrorCode.KeyNotSet);
}

/**
 * Base class: owns the start-up, the poll loop and typed commands for one address on an SspBus. Subclasses handle
 * poll events (`handleEvents`) and add their own set-up steps (`configure`).
 */
export type EventMapOf<T> = { [K in keyof T]: unknown[] };

export class SspDevice<
  Events extends SspDeviceEvents & EventMapOf<Events> = SspDeviceEvents,
> extends EventEmitter<Events> {
  readonly address: number;
  protected readonly clock: Clock;
  protected readonly options: Required<
    Pick<SspDeviceOptions, 'pollIntervalMs' | 'encryption' | 'protocolVersion' | 'minProtocolVersion' | 'enable'>
  > &
    Pick<SspDeviceOptions, 'fixedKey'>;
  /** What the table codecs know about the device (protocol version, unit type, channels). */
  context: SspContext = { protocolVersion: 6 };
  setup: SetupRequestResult | undefined;
  private running = false;
  private pollTimer: TimerHandle | undefined;
  private pollInFlight: Promise<void> | undefined;
  private initialising: Promise<void> | undefined;
  private firstPollAfterInit = false;
  private wasOffline = false;
  /** A re-initialisation is due (set until one succeeds: a failed attempt is retried by the next poll round). */
  private needsInit: ReinitialiseReason | undefined;
  /** How to poll: POLL_WITH_ACK (true), POLL (false), or POLL_WITH_ACK until the device says it does not know it. */
  private pollWithAck: boolean | 'auto';
  /** Ack-type events of the last POLL_WITH_ACK reply whose EVENT_ACK has not been confirmed. */
  private unacked: string[] = [];
  /** KEY_NOT_SET answers since the last good poll reply; from the second one on, re-initialisations back off. */
  private keyNotSetStreak = 0;
  /** No re-initialisation by the poll loop before this time (clock ms). */
  private initNotBefore = 0;
  private readonly onBusOffline = (address: number, error: KioskbusError): void => {
    if (address !== this.address) return;
    this.wasOffline = true;
    this.emitBase('offline', error);
  };

  constructor(
    readonly bus: SspBus,
    options: SspDeviceOptions = {},
  ) {
    super();
    this.address = options.address ?? 0;
    this.clock = options.clock ?? systemClock;
    const pollIntervalMs = options.pollIntervalMs ?? MIN_POLL_INTERVAL_MS;
    if (
      !Number.isInteger(pollIntervalMs) ||
      pollIntervalMs < MIN_POLL_INTERVAL_MS ||
      pollIntervalMs > MAX_POLL_INTERVAL_MS
    ) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `pollIntervalMs must be ${MIN_POLL_INTERVAL_MS}..${MAX_POLL_INTERVAL_MS} ms (GA973 §7.4), got ${String(pollIntervalMs)}`,
      );
    }
    const protocolVersion = options.protocolVersion ?? 8;
    const minProtocolVersion = options.minProtocolVersion ?? 4;
    if (!Number.isInteger(protocolVersion) || protocolVersion < 1 || protocolVersion > 255) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `protocolVersion must be 1..255, got ${protocolVersion}`);
    }
    this.options = {
      pollIntervalMs,
      encryption: options.encryption ?? true,
      protocolVersion,
      minProtocolVersion: Math.min(minProtocolVersion, protocolVersion),
      enable: options.enable ?? true,
      ...(options.fixedKey !== undefined ? { fixedKey: options.fixedKey } : {}),
    };
    this.pollWithAck = options.pollWithAck ?? 'auto';
    bus.on('offline', this.onBusOffline);
  }

  /**
   * Emits an event of the device's map; an `error` without listeners is logged instead of thrown. A listener that
   * throws is reported as an `error` (LISTENER_FAILED) and the other events of the reply are still delivered.
   */
  protected emitTyped<K extends keyof Events & string>(name: K, ...args: Events[K] & unknown[]): void {
    // Node's typed EventEmitter cannot relate a generic subclass map to its own parameters: go through the base.
    const emitter = this as unknown as EventEmitter;
    if (name === 'error' && emitter.listenerCount('error') === 0) {
      log('address %d: %s', this.address, (args[0] as Error).message);
      return;
    }
    try {
      emitter.emit(name, ...(args as unknown[]));
    } catch (error) {
      if (name === 'error') throw error;
      this.emitBase('error', listenerFailed(name, error, this.address));
    }
  }

  /** The base class's own events (same map for every subclass). */
  private emitBase<K extends keyof SspDeviceEvents>(name: K, ...args: SspDeviceEvents[K]): void {
    (this.emitTyped as (name: string, ...args: unknown[]) => void).call(this, name, ...args);
  }

  get isRunning(): boolean {
    return this.running;
  }

  get protocolVersion(): number {
    return this.context.protocolVersion;
  }

  /** Runs the start-up sequence and starts polling. Rejects (and stays stopped) if the start-up fails. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.initialise('start');
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.schedulePoll();
  }

  /** Stops polling (the device disables itself after its 10 s watchdog). Waits for a poll in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    await this.pollInFlight?.catch(() => undefined);
  }

  /** Stops and detaches from the bus (the bus stays open: it may serve other addresses). */
  async close(): Promise<void> {
    await this.stop();
    this.bus.off('offline', this.onBusOffline);
  }

  /** Runs the start-up sequence again (for example after the application changed the set-up). */
  reinitialise(): Promise<void> {
    return this.initialise('request');
  }

  /**
   * Sends a command from the table and decodes its reply. Refuses with ENCRYPTION_REQUIRED before sending when the
   * table requires encryption and no key is set; encrypts everything once a key is set (when encryption is on).
   * A device error reply becomes its typed error; KEY_NOT_SET also schedules a re-initialisation. While the runtime
   * re-initialises, a command of the application waits until the start-up sequence has finished (or failed), so it
   * never goes out between its steps; the sequence's own commands (`configure`) pass.
   */
  async command<N extends SspCommandName>(
    name: N,
    ...rest: CommandArgs<N> extends undefined ? [args?: CommandArgs<N>] : [args: CommandArgs<N>]
  ): Promise<CommandResult<N>> {
    while (this.initialising && initScope.getStore() !== this) {
      await this.initialising.catch(() => undefined);
    }
    const spec = COMMANDS[name] as CommandSpec;
    const data = this.encode(spec, rest[0]);
    const reply = await this.send(spec, data);
    return spec.decodeReply(reply.subarray(1), this.context) as CommandResult<N>;
  }

  /** The command bytes for `spec` with `args` (code byte first). */
  protected encode(spec: CommandSpec, args: unknown): Uint8Array {
    const body = spec.encodeArgs(args ?? {}, this.context);
    const out = new Uint8Array(body.length + 1);
    out[0] = spec.code;
    out.set(body, 1);
    return out;
  }

  /** Exchanges raw command bytes for `spec`; returns the whole reply (F0 first) or throws its typed error. */
  protected async send(spec: CommandSpec, data: Uint8Array): Promise<Uint8Array> {
    const keyed = this.bus.isEncrypted(this.address);
    const encrypt: boolean | 'required' =
      spec.encryption === 'required' ? 'required' : this.options.encryption && keyed;
    const reply = await this.bus.exchange(this.address, data, { encrypt, label: spec.name });
    const error = replyError(spec, reply, this.context);
    if (error) {
      error.context.address = this.address;
      if (reply[0] === (SspGeneric.KeyNotSet as number)) this.keyLost();
      throw error;
    }
    return reply;
  }

  /** Subclass hook: the device-specific set-up after SETUP_REQUEST (inhibits, routes, ...). */
  protected async configure(reason: ReinitialiseReason): Promise<void> {
    log('address %d: no device-specific set-up (%s)', this.address, reason);
    return Promise.resolve();
  }

  /** Subclass hook: every event of a POLL reply (repeats included), after `handleEvents`. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- a hook: subclasses use the argument
  protected afterPoll(events: SspEvent[]): void {
    // nothing by default
  }

  /** Subclass hook: poll events, oldest first. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- a hook: subclasses use the argument
  protected handleEvents(events: SspEvent[]): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Subclass hook: the command to poll with this time (a validator holding a note in escrow sends HOLD instead).
   * Undefined: POLL or POLL_WITH_ACK.
   */
  protected pollCommand(): SspCommandName | undefined {
    return undefined;
  }

  /**
   * Subclass hook: the device refused the command `pollCommand` chose (for HOLD: no note in escrow any more). The
   * next round polls normally unless the hook says otherwise.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- a hook: subclasses use the arguments
  protected pollCommandRefused(name: SspCommandName, error: KioskbusError): void {
    // nothing by default
  }

  /** The start-up sequence. Concurrent callers share one run. */
  protected initialise(reason: ReinitialiseReason): Promise<void> {
    if (this.initialising) return this.initialising;
    const run = initScope
      .run(this, () => this.runInitialise(reason))
      .catch((error: unknown) => {
        if (isKeyNotSet(error)) this.keyNotSetBackoff();
        throw error;
      })
      .finally(() => {
        this.initialising = undefined;
      });
    this.initialising = run;
    // emitted outside the sequence's scope: a listener's commands wait for the sequence like any other
    if (reason !== 'start') this.emitBase('reinitialising', { reason });
    return run;
  }

  private async runInitialise(reason: ReinitialiseReason): Promise<void> {
    log('address %d: initialising (%s)', this.address, reason);
    await this.bus.sync(this.address);
    if (this.options.encryption) {
      await this.bus.negotiateKey(this.address, this.options.fixedKey);
    } else {
      this.bus.setKey(this.address, undefined);
    }
    // `unacked` survives a re-initialisation: a device that never got the EVENT_ACK repeats those events.
    this.context = { protocolVersion: await this.negotiateProtocolVersion() };
    this.setup = await this.command('SETUP_REQUEST');
    this.context = contextFromSetup(this.setup, this.context);
    await this.configure(reason);
    if (this.options.enable) await this.command('ENABLE');
    this.firstPollAfterInit = true;
    this.wasOffline = false;
    this.needsInit = undefined;
    this.emitBase('ready', { reason, protocolVersion: this.context.protocolVersion, setup: this.setup });
  }

  /** HOST_PROTOCOL_VERSION from the highest wanted down to the lowest accepted, stepping down on FAIL (F8). */
  private async negotiateProtocolVersion(): Promise<number> {
    const spec = COMMANDS.HOST_PROTOCOL_VERSION as CommandSpec;
    for (let version = this.options.protocolVersion; version >= this.options.minProtocolVersion; version--) {
      try {
        await this.send(spec, Uint8Array.of(spec.code, version));
        return version;
      } catch (error) {
        if (!isKioskbusError(error, ErrorCode.Failure)) throw error;
      }
    }
    throw new KioskbusError(
      ErrorCode.UnsupportedProtocolVersion,
      `address ${this.address} accepts no protocol version in ${this.options.minProtocolVersion}..${this.options.protocolVersion}`,
      { address: this.address },
    );
  }

  private keyLost(): void {
    if (!this.running || this.initialising) return;
    this.needsInit = 'key-not-set';
    if (this.keyNotSetBackoff()) {
      log('address %d: KEY_NOT_SET again, re-initialising after a pause', this.address);
      return; // the poll loop re-initialises once the pause is over
    }
    log('address %d: KEY_NOT_SET, re-initialising', this.address);
    this.initialise('key-not-set').catch((error: unknown) => {
      this.emitBase('error', toKioskbusError(error, ErrorCode.KeyNotSet, { address: this.address }));
    });
  }

  /**
   * Counts a KEY_NOT_SET; from the second in a row (no good poll reply between them) the next re-initialisation
   * waits pollIntervalMs × 2^(n-1), at most KEY_NOT_SET_MAX_BACKOFF_MS. True when it must wait.
   */
  private keyNotSetBackoff(): boolean {
    this.keyNotSetStreak++;
    if (this.keyNotSetStreak < 2) return false;
    const wait = Math.min(this.options.pollIntervalMs * 2 ** (this.keyNotSetStreak - 1), KEY_NOT_SET_MAX_BACKOFF_MS);
    this.initNotBefore = this.clock.now() + wait;
    return true;
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.clock.clearTimeout(this.pollTimer);
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = undefined;
      this.pollInFlight = this.pollOnce().finally(() => {
        this.pollInFlight = undefined;
        this.schedulePoll();
      });
    }, this.options.pollIntervalMs);
  }

  /** One poll (or HOLD), its events, and the EVENT_ACK; errors are reported, never thrown. */
  private async pollOnce(): Promise<void> {
    try {
      if (this.initialising) await this.initialising;
      if (this.wasOffline) {
        // Probe with SYNC (one short attempt while offline); once the device answers, start over before trusting
        // its replies: it may have been power-cycled or swapped meanwhile.
        if (!this.bus.transport.isOpen) await this.bus.open();
        await this.bus.sync(this.address);
        this.wasOffline = false;
        this.needsInit = 'online';
        this.emitBase('online');
      }
      if (this.needsInit !== undefined) {
        if (this.clock.now() < this.initNotBefore) return; // backing off after repeated KEY_NOT_SET
        await this.initialise(this.needsInit);
        return;
      }
      const override = this.pollCommand();
      // POLL_WITH_ACK must be encrypted (GA138), so 'auto' uses it only on an encrypted link
      const withAck = this.pollWithAck === true || (this.pollWithAck === 'auto' && this.bus.isEncrypted(this.address));
      let name: SspCommandName = override ?? (withAck ? 'POLL_WITH_ACK' : 'POLL');
      let reply: Uint8Array;
      try {
        reply = await this.send(COMMANDS[name], Uint8Array.of(COMMANDS[name].code));
      } catch (error) {
        // a device answer (not a time-out or a lost port) refusing the substitute command
        if (override !== undefined && isKioskbusError(error) && error.context.generic !== undefined) {
          this.pollCommandRefused(override, error);
          return;
        }
        if (
          name === 'POLL_WITH_ACK' &&
          override === undefined &&
          this.pollWithAck === 'auto' &&
          isKioskbusError(error, ErrorCode.UnknownCommandAtDevice)
        ) {
          // older firmware without POLL_WITH_ACK: it refused, so no event was lost; poll plainly from now on
          log('address %d does not know POLL_WITH_ACK: polling with POLL', this.address);
          this.pollWithAck = false;
          name = 'POLL';
          reply = await this.send(COMMANDS.POLL, Uint8Array.of(COMMANDS.POLL.code));
        } else {
          throw error;
        }
      }
      if (name !== 'POLL' && name !== 'POLL_WITH_ACK') return;
      const events = decodeEvents(reply.subarray(1), this.context);
      await this.processEvents(events, name === 'POLL_WITH_ACK');
    } catch (error) {
      const e = toKioskbusError(error, ErrorCode.DeviceError, { address: this.address });
      if (e.code === ErrorCode.Timeout) return; // reported once by the bus's offline event
      if (e.code === ErrorCode.Disconnected || e.code === ErrorCode.NotOpen || e.code === ErrorCode.TransportError) {
        // The port went away (USB unplugged, TCP reset): offline until it can be reopened and the device answers.
        if (!this.wasOffline) {
          this.wasOffline = true;
          this.emitBase('offline', e);
        }
        return;
      }
      if (isKeyNotSet(e)) return; // re-initialisation already scheduled
      this.emitBase('error', e);
    }
  }

  private async processEvents(events: SspEvent[], withAck: boolean): Promise<void> {
    const first = this.firstPollAfterInit;
    this.firstPollAfterInit = false;
    this.keyNotSetStreak = 0;
    this.initNotBefore = 0;
    const reset = events.some((e) => e.name === 'SLAVE_RESET');
    let fresh = events;
    if (withAck) {
      // Events repeat until EVENT_ACK. If the last EVENT_ACK was not confirmed, the reply starts with the same
      // ack-type events again: they were reported already. Not after a SLAVE_RESET: a device that restarted lost the
      // events it held, so the same events now are new ones (another note of the same value).
      const ackKeys = events.filter((e) => eventSpecByCode(e.code)?.ack === true).map(eventKey);
      if (this.unacked.length > 0 && !reset && startsWith(ackKeys, this.unacked)) {
        let skip = this.unacked.length;
        fresh = events.filter((e) => {
          if (skip > 0 && eventSpecByCode(e.code)?.ack === true) {
            skip--;
            return false;
          }
          return true;
        });
      }
      this.unacked = ackKeys;
    }
    for (const e of fresh) {
      this.emitBase('event', e);
      if (e.name === 'UNKNOWN') this.emitBase('unknown', e);
    }
    await this.handleEvents(fresh);
    this.afterPoll(events);
    if (withAck && this.unacked.length > 0) {
      const spec = COMMANDS.EVENT_ACK as CommandSpec;
      await this.send(spec, Uint8Array.of(spec.code));
      this.unacked = [];
    }
    if (reset && !first) {
      this.needsInit = 'reset';
      // The power-up SLAVE_RESET comes with the first poll after the start-up; any later one means the device lost
      // its set-up (inhibits, key, protocol version).
      await this.initialise('reset');
    }
  }
}

function startsWith(list: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > list.length) return false;
  for (let i = 0; i < prefix.length; i++) if (list[i] !== prefix[i]) return false;
  return true;
}
