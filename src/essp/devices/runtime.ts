/**
 * The host runtime shared by every eSSP device class: the start-up sequence of the implementation guide (GA973 §6)
 * `SYNC -> key exchange -> HOST_PROTOCOL_VERSION (highest accepted, stepping down on FAIL) -> SETUP_REQUEST ->
 * device set-up -> ENABLE -> poll`, one poll round (POLL or POLL_WITH_ACK with EVENT_ACK only for a reply parsed to
 * its end), and typed commands through the shared command table (a command the table marks "encryption required" is
 * refused before anything is sent when no key is set).
 *
 * The life-cycle (polling at a fixed rate, offline once, reopen and probe with back-off, re-initialisation after
 * SLAVE_RESET, KEY_NOT_SET or an outage, `busy` while the device refuses its set-up because it is finishing an
 * operation) is the shared DeviceLoop of src/core: this class gives it the four hooks. Commands of the application
 * wait (bounded) until the device is ready; the start-up sequence and the poll round use `execute`, which skips that
 * gate, so nothing of the application goes out between the steps of a start-up.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../../core/clock.js';
import { classifyFailure, DeviceLoop, type DeviceState, type InitReason } from '../../core/device-loop.js';
import {
  MAX_POLL_INTERVAL_MS,
  MIN_POLL_INTERVAL_MS,
  type ReinitialiseReason,
  type SspDeviceEvents,
  type SspDeviceOptions,
} from './runtime-types.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
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
import { eventSpecByCode, type SspEvent, type SspUnknownEvent } from '../events.js';
import { replyError, SspGeneric } from '../generic.js';
import { decodeCommandReply, encodeCommand } from '../execute.js';
import { eventKey, listenerFailed } from './shared.js';

const log = createLogger('essp:device');

export * from './runtime-types.js';

/**
 * Base class: owns the start-up, the poll round and typed commands for one address on an SspBus. Subclasses handle
 * poll events (`handleEvents`) and add their own set-up steps (`configure`).
 */
export type EventMapOf<T> = { [K in keyof T]: unknown[] };

export class SspDevice<
  Events extends SspDeviceEvents & EventMapOf<Events> = SspDeviceEvents,
> extends EventEmitter<Events> {
  readonly address: number;
  /** The shared life-cycle and poll loop driving this device. */
  readonly loop: DeviceLoop;
  /** The timers of this device (the injected clock). */
  readonly clock: Clock;
  protected readonly options: Required<
    Pick<SspDeviceOptions, 'pollIntervalMs' | 'encryption' | 'protocolVersion' | 'minProtocolVersion' | 'enable'>
  > &
    Pick<SspDeviceOptions, 'fixedKey'>;
  /** What the table codecs know about the device (protocol version, unit type, channels). */
  context: SspContext = { protocolVersion: 6 };
  setup: SetupRequestResult | undefined;
  private firstPollAfterInit = false;
  /** How to poll: POLL_WITH_ACK (true), POLL (false), or POLL_WITH_ACK until the device says it does not know it. */
  private pollWithAck: boolean | 'auto';
  /** Ack-type events of the last POLL_WITH_ACK reply whose EVENT_ACK has not been confirmed. */
  private unacked: string[] = [];
  /** The last EVENT_ACK went out and its answer was lost: the device may or may not have cleared `unacked`. */
  private ackInDoubt = false;
  /** The reason of a start-up that failed: the loop's retry (reason 'request') keeps it. */
  private failedReason: ReinitialiseReason | undefined;
  /** Callers of `reinitialise()` waiting for the next start-up sequence to end. */
  private reinitWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** The application's wish: enabled (ENABLE at every start-up) or disabled (`enable` option, enable(), disable()). */
  protected wantEnabled: boolean;
  /** When the device last answered a command of this runtime (undefined before the first). */
  private lastAnswerAt: number | undefined;
  /** A gap between answers at least this long means the device's watchdog may have disabled it. */
  private readonly watchdogGapMs: number;
  /** A start-up asked of the loop for an eSSP-only reason (the loop knows it as 'request'). */
  private requestedReason: ReinitialiseReason | undefined;
  /** The set-up read last, the protocol version it was read at and the serial number of its device (once read). */
  private setupCache: { setup: SetupRequestResult; protocolVersion: number; serial: number | undefined } | undefined;

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
    this.wantEnabled = this.options.enable;
    const watchdogMs = options.watchdogMs ?? 10_000;
    if (!Number.isFinite(watchdogMs) || watchdogMs <= 0) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `watchdogMs must be a positive number, got ${watchdogMs}`);
    }
    this.watchdogGapMs = Math.max(watchdogMs - pollIntervalMs, pollIntervalMs);
    this.loop = new DeviceLoop(
      {
        open: () => this.bus.open(),
        initialise: (reason) => this.initialiseHook(reason),
        poll: () => this.pollOnce(),
        // one short attempt while offline; the bus resends at most `offlineRetries` times to a silent address
        probe: () => this.bus.sync(this.address),
      },
      {
        pollIntervalMs,
        offlineAfterMs: 0, // the bus has retried already: the first unanswered poll means offline
        ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
        clock: this.clock,
      },
    );
    this.loop.on('state', (to, from) => {
      this.emitBase('state', to, from);
    });
    this.loop.on('offline', (error) => {
      error.context.address = this.address;
      this.emitBase('offline', error);
    });
    this.loop.on('online', () => {
      this.emitBase('online');
    });
    this.loop.on('problem', (error) => {
      if (error.code === ErrorCode.KeyNotSet) return; // a re-initialisation follows
      if (error.context.address === undefined) error.context.address = this.address;
      this.emitBase('error', error);
    });
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
    return this.loop.running;
  }

  /** The life-cycle state (closed, opening, initialising, ready, busy, offline, reopening). */
  get state(): DeviceState {
    return this.loop.state;
  }

  get protocolVersion(): number {
    return this.context.protocolVersion;
  }

  /**
   * Opens the port, runs the start-up sequence and starts polling. Rejects (and stays stopped) if the start-up
   * fails; a device that refuses its set-up as busy is polled until it takes it (at most the loop's start time-out).
   */
  start(): Promise<void> {
    return this.loop.start();
  }

  /** Stops polling (the device disables itself after its 10 s watchdog). Waits for a poll in flight. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Stops (the bus stays open: it may serve other addresses). */
  async close(): Promise<void> {
    await this.stop();
  }

  /** Runs the start-up sequence again (for example after the application changed the set-up). */
  reinitialise(): Promise<void> {
    if (!this.loop.running) return this.runInitialise('request');
    return new Promise((resolve, reject) => {
      this.reinitWaiters.push({ resolve, reject });
      this.loop.requestInit('request');
    });
  }

  /** ENABLE, remembered: every later start-up enables the device again. */
  async enable(): Promise<void> {
    this.wantEnabled = true;
    await this.command('ENABLE');
  }

  /** DISABLE, remembered: later start-ups leave the device disabled. Polling goes on (the device reports DISABLED). */
  async disable(): Promise<void> {
    this.wantEnabled = false;
    await this.command('DISABLE');
  }

  /**
   * The device reports DISABLED (a new DISABLED episode) although the application wants it enabled: it disabled
   * itself (its no-command watchdog, most likely) and may have lost more of its set-up. The start-up runs again.
   * Subclasses call this once per episode, so a device that stays disabled is not set up at every poll.
   */
  protected disabledByDevice(): void {
    if (!this.wantEnabled) return;
    this.requestReinit('watchdog');
  }

  /** Asks the life-cycle for a start-up (when ready or busy); `reason` is what `reinitialising` and `ready` report. */
  private requestReinit(reason: ReinitialiseReason): void {
    const state = this.loop.state;
    if (state !== 'ready' && state !== 'busy') return;
    log('address %d: set-up again (%s)', this.address, reason);
    this.requestedReason ??= reason;
    this.loop.requestInit('request');
  }

  /**
   * Resolves when the device takes commands: at once when it is ready (or not started: the application drives it
   * by hand); while it starts, is busy or offline, after it is ready again, or NOT_READY after `readyTimeoutMs`.
   */
  whenReady(): Promise<void> {
    const state = this.loop.state;
    if (state === 'ready' || state === 'closed') return Promise.resolve();
    return this.loop.whenReady();
  }

  /**
   * Sends a command from the table and decodes its reply. Refuses with ENCRYPTION_REQUIRED before sending when the
   * table requires encryption and no key is set; encrypts everything once a key is set (when encryption is on).
   * A device error reply becomes its typed error; KEY_NOT_SET also schedules a re-initialisation. While the device
   * starts, is busy or offline, the command waits until it is ready (at most `readyTimeoutMs`, then NOT_READY), so
   * it never goes out between the steps of a start-up sequence.
   */
  async command<N extends SspCommandName>(
    name: N,
    ...rest: CommandArgs<N> extends undefined ? [args?: CommandArgs<N>] : [args: CommandArgs<N>]
  ): Promise<CommandResult<N>> {
    await this.whenReady();
    return this.execute(name, rest[0]);
  }

  /**
   * A command without the ready gate: for the start-up sequence (`configure`) and the follow-ups of a poll round
   * (LAST_REJECT_CODE, GET_BAR_CODE_DATA), which run while the device is not `ready` by definition.
   * @internal Application code uses `command`.
   */
  async execute<N extends SspCommandName>(name: N, args?: CommandArgs<N>): Promise<CommandResult<N>> {
    const spec = COMMANDS[name] as CommandSpec;
    const data = this.encode(spec, args);
    const reply = await this.send(spec, data);
    return decodeCommandReply(spec, reply, this.address, this.context) as CommandResult<N>;
  }

  /** The command bytes for `spec` with `args` (code byte first). */
  protected encode(spec: CommandSpec, args: unknown): Uint8Array {
    return encodeCommand(spec, args, this.context);
  }

  /** Exchanges raw command bytes for `spec`; returns the whole reply (F0 first) or throws its typed error. */
  protected async send(spec: CommandSpec, data: Uint8Array): Promise<Uint8Array> {
    const keyed = this.bus.isEncrypted(this.address);
    const encrypt: boolean | 'required' =
      spec.encryption === 'required' ? 'required' : this.options.encryption && keyed;
    const reply = await this.bus.exchange(this.address, data, { encrypt, label: spec.name });
    this.loop.answered();
    this.noteAnswer();
    const error = replyError(spec, reply, this.context);
    if (error) {
      error.context.address = this.address;
      if (reply[0] === (SspGeneric.KeyNotSet as number)) this.keyLost();
      throw error;
    }
    return reply;
  }

  /**
   * An answer came: if the one before it is older than the device's watchdog, the device went without commands long
   * enough to disable itself (a dark line the bus rode out with its retries): the start-up runs again, which restores
   * everything the device may have lost (inhibits, enable, payout enable, coin mech, routes).
   */
  private noteAnswer(): void {
    const now = this.clock.now();
    const gap = this.lastAnswerAt === undefined ? 0 : now - this.lastAnswerAt;
    this.lastAnswerAt = now;
    if (gap >= this.watchdogGapMs) this.requestReinit('watchdog');
  }

  /** Subclass hook: the device-specific set-up after SETUP_REQUEST (inhibits, routes, ...). Use `execute`. */
  protected async configure(reason: ReinitialiseReason): Promise<void> {
    log('address %d: no device-specific set-up (%s)', this.address, reason);
    return Promise.resolve();
  }

  /** Subclass hook: every event of a POLL reply (repeats included), after `handleEvents`. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- a hook: subclasses use the argument
  protected afterPoll(events: SspEvent[]): void {
    // nothing by default
  }

  /** Subclass hook: poll events, oldest first. Commands from here use `execute`. */
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

  /** The loop's `initialise` hook: the start-up sequence, and the callers of `reinitialise()` told how it ended. */
  private async initialiseHook(loopReason: InitReason): Promise<void> {
    // the loop retries a failed start-up with reason 'request': it is still the same re-initialisation
    const asked = this.requestedReason;
    this.requestedReason = undefined;
    const reason: ReinitialiseReason =
      loopReason === 'request' ? (asked ?? this.failedReason ?? loopReason) : loopReason;
    if (reason !== 'start') this.emitBase('reinitialising', { reason });
    const waiters = this.reinitWaiters;
    this.reinitWaiters = [];
    try {
      await this.runInitialise(reason);
    } catch (error) {
      this.failedReason = reason;
      for (const w of waiters) w.reject(error);
      throw error;
    }
    this.failedReason = undefined;
    for (const w of waiters) w.resolve();
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
    this.setup = await this.readSetup(reason);
    this.context = contextFromSetup(this.setup, this.context);
    await this.configure(reason);
    if (this.wantEnabled) await this.execute('ENABLE');
    this.lastAnswerAt = this.clock.now();
    this.firstPollAfterInit = true;
    this.emitBase('ready', { reason, protocolVersion: this.context.protocolVersion, setup: this.setup });
  }

  /**
   * SETUP_REQUEST, or the set-up read before when it is known to be the same. The set-up (unit type, dataset,
   * channels and their values) is fixed for a device at a protocol version; only a new dataset (which restarts the
   * device) or another device on the port changes it. Its reply is the longest of the start-up (about 100 bytes on
   * the wire for a 7-channel NV200), so on a noisy line it is the step that fails most: a re-initialisation (after an
   * outage, a reset, a lost key, the watchdog) asks the device's serial number (a 5-byte answer) instead, and reads
   * the set-up again only when the serial number or the protocol version changed. The first start-up and a
   * re-initialisation the application asked for always read it (and the serial number that goes with it).
   */
  private async readSetup(reason: ReinitialiseReason): Promise<SetupRequestResult> {
    const version = this.context.protocolVersion;
    const cached = this.setupCache;
    let serial: number | undefined;
    let asked = false;
    if (reason !== 'start' && reason !== 'request' && cached?.protocolVersion === version) {
      serial = await this.readSerial();
      asked = true;
      if (serial !== undefined && serial === cached.serial) return cached.setup;
    }
    const setup = await this.execute('SETUP_REQUEST');
    // the serial number that goes with this set-up (asked right after it at the first start-up)
    if (!asked) serial = await this.readSerial();
    this.setupCache = { setup, protocolVersion: version, serial };
    return setup;
  }

  /** GET_SERIAL_NUMBER, or undefined when the device refuses it or its reply does not decode. */
  private async readSerial(): Promise<number | undefined> {
    try {
      return (await this.execute('GET_SERIAL_NUMBER', {})).serialNumber;
    } catch (error) {
      // silence or a lost port: the start-up fails and is retried; any other answer: no serial number to compare
      const kind = classifyFailure(error);
      if (kind === 'no-answer' || kind === 'port-lost' || kind === 'stopped') throw error;
      return undefined;
    }
  }

  /**
   * Reads SETUP_REQUEST again (a poll reported a channel the table does not know) and updates the set-up and the
   * codec context. Ungated: called from a poll round.
   */
  protected async refreshSetup(): Promise<void> {
    const setup = await this.execute('SETUP_REQUEST');
    this.setup = setup;
    this.context = contextFromSetup(setup, this.context);
    this.setupCache = { setup, protocolVersion: this.context.protocolVersion, serial: this.setupCache?.serial };
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

  /**
   * KEY_NOT_SET while ready: set up again at the next round. While the set-up is being retried (busy) the loop's
   * back-off paces the attempts, so a device that keeps answering KEY_NOT_SET is not started up at every poll.
   */
  private keyLost(): void {
    if (this.loop.state !== 'ready') return;
    log('address %d: KEY_NOT_SET, re-initialising', this.address);
    this.loop.requestInit('key-not-set');
  }

  /**
   * The loop's `poll` hook: one POLL (or HOLD), its events and the EVENT_ACK. Throws what went wrong for the loop
   * to classify (silence, a lost port, a problem); a reply that could not be parsed to its end is a problem
   * (UNEXPECTED_REPLY) after the events before the unreadable one were reported.
   */
  private async pollOnce(): Promise<void> {
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
    const data = reply.subarray(1);
    const events = COMMANDS[name].decodeReply(data, this.context);
    await this.processEvents(events, name === 'POLL_WITH_ACK', data);
  }

  private async processEvents(events: SspEvent[], withAck: boolean, data: Uint8Array): Promise<void> {
    const first = this.firstPollAfterInit;
    this.firstPollAfterInit = false;
    const reset = events.some((e) => e.name === 'SLAVE_RESET');
    const unreadable = events.find(isUnknown);
    let fresh = events;
    if (withAck) {
      // Events repeat until EVENT_ACK. If the last EVENT_ACK was not sent or not confirmed, the reply starts with
      // the same ack-type events again: they were reported already. Not after a SLAVE_RESET: a device that restarted
      // lost the events it held, so the same events now are new ones (another note of the same value).
      const ackKeys = events.filter((e) => eventSpecByCode(e.code)?.ack === true && e.name !== 'UNKNOWN').map(eventKey);
      const skipped: SspEvent[] = [];
      if (this.unacked.length > 0 && !reset && startsWith(ackKeys, this.unacked)) {
        let skip = this.unacked.length;
        fresh = events.filter((e) => {
          if (skip > 0 && e.name !== 'UNKNOWN' && eventSpecByCode(e.code)?.ack === true) {
            skip--;
            skipped.push(e);
            return false;
          }
          return true;
        });
      }
      // After an EVENT_ACK whose answer was lost, the same events at the head of this reply are either repeats (it
      // did not arrive) or new identical ones (it did): the wire cannot tell. They are not reported again, and not
      // silently either: `repeatInDoubt` says so.
      if (this.ackInDoubt && skipped.length > 0) this.emitBase('repeatInDoubt', { events: skipped });
      this.ackInDoubt = false;
      this.unacked = ackKeys;
    }
    for (const e of fresh) {
      this.emitBase('event', e);
      if (e.name === 'UNKNOWN') this.emitBase('unknown', e);
    }
    await this.handleEvents(fresh);
    this.afterPoll(events);
    if (reset && !first) {
      // The power-up SLAVE_RESET comes with the first poll after the start-up; any later one means the device lost
      // its set-up (inhibits, key, protocol version).
      this.loop.requestInit('reset');
    }
    if (unreadable) {
      // Never acknowledge what was not parsed: the device repeats its ack-type events (the ones reported above are
      // recognised as repeats by `unacked`; the ones after the unreadable event are read when they come again).
      throw new KioskbusError(
        ErrorCode.UnexpectedReply,
        `poll reply of address ${this.address} could not be read past event 0x${unreadable.code.toString(16).padStart(2, '0')} (${unreadable.reason}${unreadable.label !== undefined ? ` ${unreadable.label}` : ''}); no EVENT_ACK sent`,
        { address: this.address, command: withAck ? 'POLL_WITH_ACK' : 'POLL', raw: data.slice() },
      );
    }
    if (withAck && this.unacked.length > 0) {
      const spec = COMMANDS.EVENT_ACK as CommandSpec;
      try {
        await this.send(spec, Uint8Array.of(spec.code));
      } catch (error) {
        // sent and unanswered (not a refusal, not the bus's own SYNC before it): the device may have acted on it
        const kind = classifyFailure(error);
        const own = isKioskbusError(error) && error.context.command === 'SYNC';
        if (!own && (kind === 'no-answer' || kind === 'port-lost' || kind === 'stopped')) this.ackInDoubt = true;
        throw error;
      }
      this.unacked = [];
    }
  }
}

function isUnknown(event: SspEvent): event is SspUnknownEvent {
  return event.name === 'UNKNOWN';
}

function startsWith(list: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > list.length) return false;
  for (let i = 0; i < prefix.length; i++) if (list[i] !== prefix[i]) return false;
  return true;
}
