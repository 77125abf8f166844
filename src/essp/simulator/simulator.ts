/**
 * A simulated ITL eSSP device (slave side), byte-exact on any Transport.
 *
 * Link rules (research/essp.md §3.1-3.2, ecosystem.md §3):
 * - A frame with the same sequence flag as the last answered one is a retransmission: the last reply is sent again,
 *   byte for byte, and the command is not executed again (so a credit is never reported twice).
 * - SYNC is accepted with either sequence flag (the older JS library sends it with 0) and is always executed; the
 *   command after it is new whatever its flag.
 * - Encrypted frames (0x7E ...) are decrypted with the negotiated key; the packet counter must equal the device's
 *   count, the reply carries count + 1 (the ITL SDK rule). A packet that fails its inner CRC or carries another count
 *   is dropped without a reply, like a corrupted frame.
 * - Replies are encrypted exactly when the command was. Commands the tables mark "encryption required" answer
 *   KEY_NOT_SET (0xFA) when sent in plain; devices with `requiresKey` (payout devices) answer every command but SYNC
 *   and the key exchange with KEY_NOT_SET until a key is negotiated.
 * - No command for 10 s: the device disables itself and rejects a note held in escrow.
 */
import { EventEmitter } from 'node:events';
import { bytesEqual } from '../../core/bytes.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { ErrorCode, KioskbusError, toKioskbusError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { MemoryTransport } from '../../transport/memory.js';
import type { Transport } from '../../transport/types.js';
import { commandByCode, type SspContext } from '../commands.js';
import { decryptPacket, DEFAULT_FIXED_KEY, encryptPacket, SSP_MAX_ENCRYPTED_DATA, SSP_STEX } from '../crypto.js';
import { encodeEvent, type SspEvent } from '../events.js';
import { SspGeneric } from '../generic.js';
import { frameErrorToKioskbusError } from '../../core/framer.js';
import { encodeFrame, SspFramer, type SspFrame } from '../frame.js';
import { PASS, type Handlers, type PowerUpOptions, type SimBehaviour, type SimCore } from './behaviour.js';
import { KeyExchange, randomBytesFrom } from './key-exchange.js';
import { ManualExtras } from './manual-extras.js';
import { EventQueue } from './event-queue.js';
import { DEFAULT_TIMING, profileFor, type DeviceProfile, type NoteTiming } from './profiles.js';
import { answerCommand, cannotProcess, fail, genericOnly, outOfRange } from './replies.js';
import type { SimulatorEventMap, SimulatorState, SimulatorStats, SspSimulatorOptions } from './simulator-types.js';
import { CommandWatchdog } from './watchdog.js';
import { collectPoll, CREDIT_EVENTS } from './poll.js';
import { NoteValidator, type InsertNoteOptions, type InsertResult } from './validator.js';

export { CREDIT_EVENTS } from './poll.js';
export type { SimulatorEventMap, SimulatorState, SimulatorStats, SspSimulatorOptions } from './simulator-types.js';

const log = createLogger('essp:sim');

const OK = SspGeneric.Ok;

const SYNC = 0x11;
/** Commands a `requiresKey` device answers without a key: SYNC and the key exchange. */
const ALLOWED_WITHOUT_KEY = new Set([0x11, 0x4a, 0x4b, 0x4c]);

/** Default reply latency on real links (serial, TCP, pty): a 6-byte reply at 9600 8N2 takes ~7 ms. */
export const DEFAULT_REPLY_LATENCY_MS = 5;
export const WATCHDOG_MS = 10_000;

export class SspSimulator extends EventEmitter<SimulatorEventMap> {
  readonly profile: DeviceProfile;
  readonly address: number;
  readonly stats: SimulatorStats = {
    frames: 0,
    commands: 0,
    replays: 0,
    replaysWithOtherBytes: 0,
    syncs: 0,
    decryptErrors: 0,
    countErrors: 0,
    otherAddress: 0,
    whileResetting: 0,
    badFrames: 0,
  };

  private readonly clock: Clock;
  private readonly timing: NoteTiming;
  private readonly events: EventQueue;
  private readonly behaviours: SimBehaviour[];
  private readonly validator: NoteValidator;
  private readonly randomBytes: ((n: number) => Uint8Array) | undefined;
  private readonly maxProtocol: number;
  private readonly defaultProtocol: number;
  private readonly latency: number | undefined;
  private readonly watchdog: CommandWatchdog;
  private readonly serialNumber: number;
  private readonly core: SimCore;
  private readonly keys: KeyExchange;
  /** Who answers a command, in order: the core, the behaviours, then the last word (see replies.ts). */
  private readonly handlerChain: readonly Handlers[];

  private protocol: number;
  private enabled = false;
  private powered = true;
  private lastSeq: 0 | 1 | undefined;
  private lastRaw: Uint8Array | undefined;
  private lastReply: Uint8Array | undefined;
  private key: Uint8Array | undefined;
  private count = 0;
  private readonly timers = new Set<TimerHandle>();
  /** The last answered command was an encrypted SYNC: the next command is new whatever its flag. */
  private syncedEncrypted = false;

  constructor(options: SspSimulatorOptions) {
    super();
    const base = profileFor(options.device);
    this.profile = {
      ...base,
      channels: options.channels ?? base.channels,
      maxProtocolVersion: options.maxProtocolVersion ?? base.maxProtocolVersion,
      serialNumber: options.serialNumber ?? base.serialNumber,
      firmware: options.firmware ?? base.firmware,
      cashboxCapacity: options.cashboxCapacity ?? base.cashboxCapacity,
      commands: options.unsupportedCommands
        ? new Set([...base.commands].filter((code) => !options.unsupportedCommands?.includes(code)))
        : base.commands,
    };
    const address = options.address ?? base.address;
    if (!Number.isInteger(address) || address < 0 || address > 0x7d) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP address must be 0..0x7D, got ${String(address)}`);
    }
    this.address = address;
    this.clock = options.clock ?? systemClock;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.maxProtocol = this.profile.maxProtocolVersion;
    this.defaultProtocol = options.protocolVersion ?? Math.min(6, this.maxProtocol);
    if (this.defaultProtocol < 1 || this.defaultProtocol > this.maxProtocol) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `protocolVersion ${this.defaultProtocol} is outside 1..${this.maxProtocol} for ${this.profile.model}`,
      );
    }
    this.protocol = this.defaultProtocol;
    const latency = options.replyLatencyMs ?? options.latencyMs;
    if (latency !== undefined && (!Number.isFinite(latency) || latency < 0)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `replyLatencyMs must be >= 0, got ${String(latency)}`);
    }
    this.latency = latency;
    this.watchdog = new CommandWatchdog(this.clock, options.watchdogMs ?? WATCHDOG_MS, () => {
      this.watchdogExpired();
    });
    this.serialNumber = this.profile.serialNumber;
    this.randomBytes = options.random ? randomBytesFrom(options.random) : undefined;
    this.keys = new KeyExchange(options.fixedKey ?? DEFAULT_FIXED_KEY, this.randomBytes, {
      keyAgreed: (aesKey) => {
        this.afterReply = () => {
          this.key = aesKey;
          this.count = 0;
          this.core.note('key negotiated, encryption on (eCOUNT 0)');
        };
      },
      resetRequested: () => {
        this.afterReply = () => {
          this.reboot({});
        };
      },
    });
    this.events = new EventQueue((event) => this.emit('event', event));

    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the core is a view onto this simulator
    const self = this;
    this.core = {
      profile: this.profile,
      clock: this.clock,
      timing: this.timing,
      events: this.events,
      get enabled() {
        return self.enabled;
      },
      set enabled(value: boolean) {
        self.enabled = value;
      },
      get protocolVersion() {
        return self.protocol;
      },
      get powered() {
        return self.powered;
      },
      context: () => this.context(),
      schedule: (ms, fn) => {
        this.schedule(ms, fn);
      },
      note: (message) => {
        log('%s: %s', this.profile.model, message);
        this.emit('note', message);
      },
    };
    this.validator = new NoteValidator(this.core, this.profile.channels, this.profile.cashboxCapacity);
    // Payout devices put their behaviours before the note path (profiles' `behaviours`, see behaviour.ts).
    this.behaviours = [
      ...(this.profile.behaviours?.(this.core, this.validator, options) ?? []),
      this.validator,
      new ManualExtras(this.core),
    ];
    this.handlerChain = [
      this.coreHandlers(),
      ...this.behaviours.map((b) => b.handlers?.() ?? {}),
      // a sub-device serial number nobody answered: there is no such sub-device
      { GET_SERIAL_NUMBER: () => outOfRange('no such sub-device') },
    ];
    this.events.push({ name: 'SLAVE_RESET' });
  }

  // ---- serving ---------------------------------------------------------------------------------------------------

  /** Serves on a transport (memory pair end, TCP client, pty). Returns a function that stops serving it. */
  attach(transport: Transport): () => void {
    const latency = this.latency ?? (transport instanceof MemoryTransport ? 0 : DEFAULT_REPLY_LATENCY_MS);
    const send = (bytes: Uint8Array): void => {
      transport.write(bytes).catch((error: unknown) => {
        // a client that went away before a delayed reply: reported to whoever listens, never an unhandled rejection
        if (this.listenerCount('error') > 0) {
          this.emit('error', toKioskbusError(error, ErrorCode.TransportError, { raw: bytes }));
        }
      });
    };
    const decoder = new SspFramer({
      frame: (frame) => {
        const reply = this.respond(frame, frame.raw);
        if (!reply) return;
        if (latency > 0) {
          this.clock.setTimeout(() => {
            send(reply);
          }, latency);
        } else send(reply);
      },
      error: (error) => {
        // bytes between frames are no frame at all; dropped frames (bad CRC, bad length) are counted and reported
        if (error.kind === 'garbage') return;
        this.stats.badFrames += 1;
        if (this.listenerCount('error') > 0) this.emit('error', frameErrorToKioskbusError(error, 'eSSP'));
      },
    });
    const onData = (chunk: Uint8Array): void => {
      decoder.push(chunk);
    };
    transport.on('data', onData);
    return () => {
      transport.off('data', onData);
    };
  }

  /**
   * Handles one decoded frame and returns the reply frame bytes, or undefined when the device stays silent (another
   * address, rebooting, undecryptable). `attach` uses this; tests may call it directly.
   */
  respond(frame: SspFrame, raw?: Uint8Array): Uint8Array | undefined {
    if (frame.address !== this.address) {
      this.stats.otherAddress += 1;
      return undefined;
    }
    if (!this.powered) {
      this.stats.whileResetting += 1;
      return undefined;
    }
    this.stats.frames += 1;
    this.watchdog.kick();
    const data = frame.data;
    const rawBytes = raw ?? encodeFrame(frame);

    // hand-read byte (link layer): SYNC is told apart before the replay rule
    if (data[0] === SYNC) {
      // SYNC with either flag; always executed; the next command is new whatever its flag.
      this.stats.syncs += 1;
      this.lastSeq = undefined;
      this.lastReply = undefined;
      this.lastRaw = undefined;
      if (this.listenerCount('command') > 0) {
        this.emit('command', { name: 'SYNC', code: SYNC, encrypted: false, replayed: false, reply: OK });
      }
      return encodeFrame({ address: this.address, seq: frame.seq, data: Uint8Array.of(OK) });
    }

    // After an encrypted SYNC only the identical frame is a retransmission; anything else is new.
    const replay =
      this.lastSeq === frame.seq &&
      this.lastReply !== undefined &&
      (!this.syncedEncrypted || (this.lastRaw !== undefined && bytesEqual(this.lastRaw, rawBytes)));
    if (replay && this.lastReply) {
      this.stats.replays += 1;
      if (this.lastRaw && !bytesEqual(this.lastRaw, rawBytes)) this.stats.replaysWithOtherBytes += 1;
      this.emit('command', {
        name: 'retransmission',
        code: data[0] ?? 0,
        encrypted: data[0] === SSP_STEX,
        replayed: true,
        reply: undefined,
      });
      return this.lastReply;
    }

    let commandData = data;
    let encrypted = false;
    // hand-read byte (link layer): 0x7E opens an encrypted packet, decrypted before the table sees the command
    if (data[0] === SSP_STEX) {
      const key = this.key;
      if (!key) {
        return this.finish(frame, rawBytes, genericOnly(SspGeneric.KeyNotSet));
      }
      let packet;
      try {
        packet = decryptPacket(key, data);
      } catch (error) {
        this.stats.decryptErrors += 1;
        if (this.listenerCount('error') > 0)
          this.emit('error', toKioskbusError(error, ErrorCode.DecryptFailed, { raw: data }));
        return undefined;
      }
      if (packet.count !== this.count) {
        this.stats.countErrors += 1;
        if (this.listenerCount('error') > 0) {
          this.emit(
            'error',
            new KioskbusError(
              ErrorCode.CountMismatch,
              `eCOUNT ${packet.count} received, ${this.count} expected: packet dropped`,
            ),
          );
        }
        return undefined;
      }
      if (packet.data.length === 0) {
        this.stats.decryptErrors += 1;
        return undefined;
      }
      this.count = (this.count + 1) >>> 0;
      commandData = packet.data;
      encrypted = true;
    }

    const keyBefore = this.key;
    let replyData: Uint8Array;
    try {
      replyData = this.execute(commandData, encrypted);
    } catch (error) {
      // A bug or a table refusal must not take the device down: answer SOFTWARE_ERROR, as firmware would.
      this.afterReply = undefined;
      this.encryptReply = false;
      log('command 0x%s failed: %o', (commandData[0] ?? 0).toString(16), error);
      if (this.listenerCount('error') > 0) {
        this.emit('error', toKioskbusError(error, ErrorCode.SoftwareError, { raw: commandData }));
      }
      replyData = genericOnly(SspGeneric.SoftwareError);
    }
    const forced = this.encryptReply;
    this.encryptReply = false;
    if ((encrypted || forced) && replyData.length > SSP_MAX_ENCRYPTED_DATA)
      replyData = genericOnly(SspGeneric.SoftwareError);
    let out = replyData;
    if ((encrypted || forced) && keyBefore) {
      // A credit-bearing reply to a plain command is encrypted as if the command had been (eCOUNT + 1): the host's
      // next encrypted command carries the eCOUNT of this reply, as after any encrypted reply.
      if (forced) this.count = (this.count + 1) >>> 0;
      out = encryptPacket(keyBefore, this.count, replyData, this.randomBytes);
    }
    return this.finish(frame, rawBytes, out);
  }

  private finish(frame: SspFrame, raw: Uint8Array, data: Uint8Array): Uint8Array {
    const bytes = encodeFrame({ address: this.address, seq: frame.seq, data });
    this.lastSeq = frame.seq;
    this.lastRaw = raw;
    this.lastReply = bytes;
    this.syncedEncrypted = false;
    const after = this.afterReply;
    this.afterReply = undefined;
    after?.();
    return bytes;
  }

  /** The reply of a plain command carries credit information on a keyed link: send it encrypted (GA138). */
  private encryptReply = false;

  /** Work done once the reply is built (key switch after REQUEST_KEY_EXCHANGE, reboot after RESET). */
  private afterReply: (() => void) | undefined;

  // ---- commands --------------------------------------------------------------------------------------------------

  private context(): SspContext {
    return { protocolVersion: this.protocol, unitType: this.profile.unitType, channels: this.profile.channels };
  }

  private execute(data: Uint8Array, encrypted: boolean): Uint8Array {
    // hand-read byte: the command code that selects the table entry; the table reads everything after it
    const code = data[0] ?? 0;
    const spec = commandByCode(code);
    const name = spec?.name ?? `0x${code.toString(16).padStart(2, '0')}`;
    this.stats.commands += 1;
    let reply: Uint8Array;
    if (!spec || !this.profile.commands.has(code)) {
      reply = genericOnly(SspGeneric.UnknownCommand);
    } else if (this.profile.features.requiresKey && !this.key && !ALLOWED_WITHOUT_KEY.has(code)) {
      reply = genericOnly(SspGeneric.KeyNotSet);
    } else if (spec.encryption === 'required' && !encrypted) {
      // GA973 (routing, payout enable/disable): "if the command was sent unencrypted then Parameter Out Of Range"
      reply = genericOnly(SspGeneric.ParameterOutOfRange);
    } else {
      for (const b of this.behaviours) b.beforeCommand?.();
      reply = answerCommand(spec, data.subarray(1), encrypted, this.context(), this.handlerChain);
    }
    if (this.listenerCount('command') > 0) {
      this.emit('command', { name, code, encrypted, replayed: false, reply: reply[0] });
    }
    return reply;
  }

  /** The commands the device core answers itself (link, enable, identity, key exchange). */
  private coreHandlers(): Handlers {
    return {
      SYNC: () => {
        // SYNC inside an encrypted packet (the older library encrypts every command once it has a key)
        this.stats.syncs += 1;
        this.afterReply = () => {
          this.syncedEncrypted = true;
        };
      },
      RESET: () => {
        this.afterReply = () => {
          this.reboot({});
        };
      },
      HOST_PROTOCOL_VERSION: ({ version }) => {
        if (version < 1 || version > this.maxProtocol) fail(`protocol version 1..${this.maxProtocol}`);
        this.protocol = version;
      },
      POLL: (_, command) => this.poll('poll', command.encrypted),
      POLL_WITH_ACK: (_, command) => this.poll('pollWithAck', command.encrypted),
      EVENT_ACK: () => {
        if (!this.events.ack()) cannotProcess(undefined, 'no events to acknowledge');
      },
      ENABLE: () => {
        if (this.validator.state.jam) cannotProcess(undefined, 'jammed');
        this.enabled = true;
      },
      DISABLE: () => {
        this.enabled = false;
        for (const b of this.behaviours) b.disabled?.();
      },
      // sub-devices (NV4000 recyclers, SMART Payout module, ...) are answered by the behaviours
      GET_SERIAL_NUMBER: (a) => (a.device !== undefined && a.device !== 0 ? PASS : { serialNumber: this.serialNumber }),
      GET_FIRMWARE_VERSION: () => ({ version: this.profile.firmwareVersion }),
      GET_DATASET_VERSION: () => ({ version: this.profile.datasetVersion }),
      GET_BUILD_REVISION: () => ({
        revisions: this.profile.buildRevision.map((b) => ({ unitType: b.type, revision: b.revision })),
      }),
      // the table checks rate and persist byte; the simulated line has no baud rate
      SET_BAUD_RATE: () => undefined,
      ...this.keys.handlers(),
    };
  }

  private poll(mode: 'poll' | 'pollWithAck', encrypted: boolean): SspEvent[] {
    // on a keyed link any reply may have to go encrypted (credits), so it must fit an encrypted packet
    const keyed = this.key !== undefined;
    const maxBytes = (encrypted || keyed ? SSP_MAX_ENCRYPTED_DATA : 255) - 1;
    const events = collectPoll(this.behaviours, this.events, !this.enabled, mode, this.context(), maxBytes);
    // GA138 encryption layer: "unless the response contains credit information, in this case the reply will always
    // be encrypted"
    if (!encrypted && keyed && events.some((e) => CREDIT_EVENTS.has(e.name))) this.encryptReply = true;
    return events;
  }

  // ---- timers, watchdog, power -----------------------------------------------------------------------------------

  private schedule(ms: number, fn: () => void): void {
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, ms);
    this.timers.add(handle);
  }

  private cancelTimers(): void {
    for (const handle of this.timers) this.clock.clearTimeout(handle);
    this.timers.clear();
    this.watchdog.stop();
  }

  private watchdogExpired(): void {
    if (!this.powered) return;
    this.core.note(`no command for ${this.watchdog.periodMs} ms: disabled`);
    this.enabled = false;
    for (const b of this.behaviours) b.watchdogExpired?.();
  }

  /** Power goes off now and comes back after the reset time (RESET command, powerCycle). */
  private reboot(options: PowerUpOptions, offMs = this.timing.resetMs): void {
    this.cancelTimers();
    this.powered = false;
    this.core.note('rebooting');
    const up = (): void => {
      this.powerUp(options);
    };
    if (offMs > 0) this.schedule(offMs, up);
    else up();
  }

  private powerUp(options: PowerUpOptions): void {
    this.powered = true;
    this.enabled = false;
    this.protocol = this.defaultProtocol;
    this.key = undefined;
    this.count = 0;
    this.keys.reset();
    this.lastSeq = undefined;
    this.lastReply = undefined;
    this.lastRaw = undefined;
    this.events.clear();
    this.events.push({ name: 'SLAVE_RESET' });
    for (const b of this.behaviours) b.powerUp?.(options);
    this.core.note('powered up');
  }

  // ---- scripting -------------------------------------------------------------------------------------------------

  insertNote(channel: number, options?: InsertNoteOptions): InsertResult {
    return this.validator.insertNote(channel, options);
  }

  /** A bar code ticket in the bezel (see NoteValidator.insertTicket). */
  insertTicket(data: string): InsertResult {
    return this.validator.insertTicket(data);
  }

  jam(kind: 'safe' | 'unsafe'): void {
    this.validator.jam(kind);
  }

  clearJam(): void {
    this.validator.clearJam();
  }

  fraud(channel?: number): void {
    this.validator.fraud(channel);
  }

  removeCashbox(): void {
    this.validator.removeCashbox();
  }

  replaceCashbox(options?: { empty?: boolean }): void {
    this.validator.replaceCashbox(options);
  }

  setCashboxLevel(notes: number): void {
    this.validator.setCashboxLevel(notes);
  }

  setNotePathOpen(open: boolean): void {
    this.validator.setNotePathOpen(open);
  }

  /**
   * Power off and on. The device answers nothing for `offMs` (default: the reset time), then reports SLAVE_RESET,
   * the fate of a note left inside (NOTE_CLEARED_FROM_FRONT / NOTE_CLEARED_TO_CASHBOX) and DISABLED; the key, the
   * protocol version and the inhibits are gone.
   */
  powerCycle(options: PowerUpOptions & { offMs?: number } = {}): void {
    const { offMs, ...rest } = options;
    this.reboot(rest, offMs ?? this.timing.resetMs);
  }

  /**
   * Queues any event of the tables as it is (scripts: `event NAME [args]`). It is encoded through the table now, so
   * an event this device's context cannot carry throws here (INVALID_ARGUMENT), not in a later poll.
   */
  raiseEvent(event: SspEvent): void {
    if (event.name === 'UNKNOWN') throw new KioskbusError(ErrorCode.InvalidArgument, 'raiseEvent: name a table event');
    try {
      encodeEvent(event, this.context());
    } catch (error) {
      throw toKioskbusError(error, ErrorCode.InvalidArgument);
    }
    this.events.push({ name: event.name, event });
  }

  /** The behaviour named `name` (payout devices: 'smart-payout', 'smart-hopper', ...), for scripting. */
  behaviour(name: string): SimBehaviour | undefined {
    return this.behaviours.find((b) => b.name === name);
  }

  /** Stops all timers (call when the simulator is thrown away). */
  close(): void {
    this.cancelTimers();
  }

  get state(): SimulatorState {
    const v = this.validator.state;
    return {
      device: this.profile.name,
      model: this.profile.model,
      address: this.address,
      powered: this.powered,
      enabled: this.enabled,
      protocolVersion: this.protocol,
      encrypted: this.key !== undefined,
      count: this.count,
      lastSeq: this.lastSeq,
      validator: structuredClone(v),
      pendingEvents: [...this.events.pending],
      awaitingAck: [...this.events.awaitingAck],
    };
  }
}
