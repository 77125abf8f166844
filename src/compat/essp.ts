/**
 * Drop-in API of the older eSSP library (`encrypted-smiley-secure-protocol`, the seed README): same constructor
 * options, methods, command names, argument shapes, `{ success, status, command, info }` results and event names,
 * built on kioskbus's SspBus and codec tables. Its bugs that hurt are fixed: no endless resend (a command gives up
 * after `timeout` ms with status TIMEOUT), booleans are honoured (`encryptAllCommand: false` means false), every
 * event of a poll reply is emitted (not only the first), events are parsed by length, unknown reject codes do not
 * crash, polling goes on after a DISABLED event.
 *
 * ```js
 * const sspLib = require('kioskbus/compat/essp')   // or: import sspLib from 'kioskbus/compat/essp'
 * const eSSP = new sspLib({ id: 0, timeout: 3000, fixedKey: '0123456701234567' })
 * ```
 */
import { EventEmitter } from 'node:events';
import { toHex } from '../core/bytes.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../core/errors.js';
import { createTransport } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import { SspBus } from '../essp/bus.js';
import { commandByName, type CommandSpec, type SspContext } from '../essp/commands.js';
import { parseFixedKey } from '../essp/crypto.js';
import { contextFromSetup, type SetupRequestResult } from '../essp/decoders.js';
import { decodeCommandReply, encodeCommand } from '../essp/execute.js';
import { genericName, SspGeneric } from '../essp/generic.js';
import { refusalInfo, successInfo, type SspCompatInfo } from './essp-results.js';

export { eventInfo, type SspCompatInfo } from './essp-results.js';

export interface SspCompatOptions {
  /** SSP address of the device (default 0). */
  id?: number;
  /** Print commands and results on the console (never keys). */
  debug?: boolean;
  /** How long a command may take, retransmissions included, before it resolves with status TIMEOUT (default 3000). */
  timeout?: number;
  /** Fixed part of the key as 16 hex digits (default '0123456701234567'). */
  fixedKey?: string;
  /** After initEncryption, encrypt every command (default true); false: only those the manual requires. */
  encryptAllCommand?: boolean;
  /** Pause between polls while enabled, ms (default 200, the protocol's lower limit). */
  pollInterval?: number;
}

export interface SspCompatResult {
  success: boolean;
  status: string;
  command: string;
  /** An object; for a POLL reply that carries events, the list of event objects (as the older library). */
  info: SspCompatInfo;
}

type Args = Record<string, unknown> | undefined;

/** Port settings of eSSP: 9600 8N2. */
const SERIAL_DEFAULTS = { baudRate: 9600, dataBits: 8, stopBits: 2, parity: 'none' } as const;
/** The protocol's retransmission interval (a reply not seen after this is asked again, identical bytes). */
const RETRANSMIT_MS = 1000;

function bool(v: unknown): boolean {
  return v === true || v === 1 || v === 'true';
}

/** Seed argument shapes -> kioskbus table arguments. */
function translateArgs(name: string, args: Args): unknown {
  const a = args ?? {};
  switch (name) {
    case 'PAYOUT_AMOUNT':
      return {
        amount: a.amount,
        ...(a.country_code !== undefined ? { currency: a.country_code } : {}),
        test: bool(a.test),
      };
    case 'FLOAT_AMOUNT':
      return {
        minPayout: a.min_possible_payout,
        amount: a.amount,
        ...(a.country_code !== undefined ? { currency: a.country_code } : {}),
        test: bool(a.test),
      };
    case 'SET_DENOMINATION_LEVEL':
      return {
        count: a.value,
        value: a.denomination,
        ...(a.country_code !== undefined ? { currency: a.country_code } : {}),
      };
    case 'GET_DENOMINATION_LEVEL':
      return { value: a.amount ?? a.value, ...(a.country_code !== undefined ? { currency: a.country_code } : {}) };
    case 'SET_DENOMINATION_ROUTE':
    case 'GET_DENOMINATION_ROUTE':
      return {
        ...(name === 'SET_DENOMINATION_ROUTE' ? { route: a.route } : {}),
        value: a.value,
        ...(a.country_code !== undefined ? { currency: a.country_code } : {}),
        ...(a.isHopper !== undefined ? { hopper: bool(a.isHopper) } : {}),
      };
    case 'SET_COIN_MECH_INHIBITS':
      return {
        inhibited: bool(a.inhibited),
        value: a.amount ?? a.value,
        ...(a.country_code !== undefined ? { currency: a.country_code } : {}),
      };
    case 'FLOAT_BY_DENOMINATION':
    case 'PAYOUT_BY_DENOMINATION': {
      const list = Array.isArray(a.value) ? (a.value as Record<string, unknown>[]) : [];
      return {
        items: list.map((i) => ({ count: i.number, value: i.denomination, currency: i.country_code })),
        test: bool(a.test),
      };
    }
    case 'SET_BAUD_RATE':
      return { baudRate: a.baudrate, persist: !bool(a.reset_to_default_on_reset) };
    case 'SET_HOPPER_OPTIONS':
      return {
        payMode: bool(a.payMode),
        levelCheck: bool(a.levelCheck),
        motorSpeed: bool(a.motorSpeed),
        cashBoxPayActive: bool(a.cashBoxPayAcive ?? a.cashBoxPayActive),
        routeZeroLevelToCashbox: false,
        highEfficiencySplit: false,
        unknownToPayout: false,
        valueAddedEvent: false,
      };
    case 'CONFIGURE_BEZEL': {
      const rgb = typeof a.RGB === 'string' ? a.RGB.replace(/^#/, '') : '';
      if (!/^[0-9a-fA-F]{6}$/.test(rgb)) {
        throw new KioskbusError(ErrorCode.InvalidArgument, 'CONFIGURE_BEZEL: "RGB" must be 6 hex digits like "0000ff"');
      }
      return {
        red: parseInt(rgb.slice(0, 2), 16),
        green: parseInt(rgb.slice(2, 4), 16),
        blue: parseInt(rgb.slice(4, 6), 16),
        volatile: bool(a.volatile),
      };
    }
    case 'ENABLE_PAYOUT_DEVICE':
      if (args === undefined) return undefined;
      return {
        requireFullStartup: bool(a.REQUIRE_FULL_STARTUP),
        optimiseForPayinSpeed: bool(a.OPTIMISE_FOR_PAYIN_SPEED),
        giveValueOnStored: bool(a.GIVE_VALUE_ON_STORED),
        noHoldNoteOnPayout: bool(a.NO_HOLD_NOTE_ON_PAYOUT),
      };
    case 'SET_BAR_CODE_CONFIGURATION': {
      const numChar = typeof a.numChar === 'number' ? Math.min(24, Math.max(6, Math.round(a.numChar))) : 6;
      return { enable: a.enable ?? 'none', numChar };
    }
    case 'SET_BAR_CODE_INHIBIT_STATUS':
      return { currencyRead: bool(a.currencyRead), barCode: bool(a.barCode) };
    case 'SET_COIN_MECH_GLOBAL_INHIBIT':
      return { enable: bool(a.enable) };
    case 'COIN_MECH_OPTIONS':
      return { ccTalk: bool(a.ccTalk) };
    default:
      return args;
  }
}

/** The class of the older library: `new SSP({ id, debug, timeout, fixedKey, encryptAllCommand })`. */
export default class SSP extends EventEmitter {
  readonly id: number;
  readonly debug: boolean;
  readonly timeout: number;
  readonly encryptAllCommand: boolean;
  readonly pollInterval: number;
  /** Protocol version used for argument and event layouts (HOST_PROTOCOL_VERSION, SETUP_REQUEST). */
  protocol_version: number | undefined;
  enabled = false;
  polling = false;
  private fixedKey: bigint;
  private ctx: SspContext = { protocolVersion: 6 };
  private bus: SspBus | undefined;
  private transport: Transport | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollRunning: Promise<void> | undefined;
  /** The device answered KEY_NOT_SET to an encrypted command: the poll loop negotiates a new key. */
  private rekey = false;

  constructor(param: SspCompatOptions = {}) {
    super();
    this.id = param.id ?? 0;
    this.debug = param.debug === true;
    this.timeout = param.timeout ?? 3000;
    // the older library wrote `param.encryptAllCommand || true`: false was ignored. Here false means false.
    this.encryptAllCommand = param.encryptAllCommand ?? true;
    this.pollInterval = param.pollInterval ?? 200;
    this.fixedKey = parseFixedKey(param.fixedKey ?? '0123456701234567');
    if (!Number.isInteger(this.id) || this.id < 0 || this.id > 0x7d) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `id must be an SSP address 0..0x7D, got ${String(param.id)}`);
    }
    if (!Number.isFinite(this.timeout) || this.timeout <= 0) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `timeout must be a positive number of ms, got ${String(param.timeout)}`,
      );
    }
  }

  /** Opens a serial port (`'COM1'`, `'/dev/ttyUSB0'`) at 9600 8N2, or a `tcp://host:port` stream (simulator). */
  async open(port: string, param: { baudRate?: number } = {}): Promise<void> {
    if (this.bus) throw new KioskbusError(ErrorCode.InvalidArgument, 'already open');
    const transport = createTransport(port, {
      ...SERIAL_DEFAULTS,
      ...(param.baudRate ? { baudRate: param.baudRate } : {}),
    });
    const timeoutMs = Math.min(RETRANSMIT_MS, this.timeout);
    const bus = new SspBus(transport, {
      timeoutMs,
      retries: Math.max(0, Math.ceil(this.timeout / timeoutMs) - 1),
      fixedKey: this.fixedKey,
    });
    this.transport = transport;
    this.bus = bus;
    transport.on('close', () => {
      this.stopPolling();
      this.emit('CLOSE');
    });
    try {
      await bus.open();
    } catch (error) {
      this.bus = undefined;
      this.transport = undefined;
      this.emit('CLOSE');
      throw error;
    }
    this.emit('OPEN');
  }

  /** Stops polling and closes the port. */
  async close(): Promise<void> {
    this.stopPolling();
    await this.pollRunning;
    const bus = this.bus;
    this.bus = undefined;
    await bus?.close();
  }

  /** Diffie-Hellman key exchange (SET_GENERATOR, SET_MODULUS, REQUEST_KEY_EXCHANGE); then commands are encrypted. */
  async initEncryption(): Promise<SspCompatResult> {
    const bus = this.requireBus();
    try {
      await bus.negotiateKey(this.id, this.fixedKey);
      return { success: true, status: 'OK', command: 'REQUEST_KEY_EXCHANGE', info: {} };
    } catch (error) {
      return this.failure('REQUEST_KEY_EXCHANGE', error);
    }
  }

  /** ENABLE, then polls and emits the device's events until disable() or close(). */
  async enable(): Promise<SspCompatResult> {
    const result = await this.command('ENABLE');
    if (result.status === 'OK') {
      this.enabled = true;
      this.startPolling();
    }
    return result;
  }

  /** DISABLE, stops polling, emits DISABLED. */
  async disable(): Promise<SspCompatResult> {
    const result = await this.command('DISABLE');
    if (result.status === 'OK') {
      this.enabled = false;
      this.stopPolling();
      await this.pollRunning;
      this.emit('DISABLED');
    }
    return result;
  }

  /**
   * Runs a command by the seed's name with the seed's argument shape. Resolves `{ success, status, command, info }`;
   * device refusals and timeouts resolve with `success: false`; unknown names and bad arguments reject.
   */
  async command(name: string, args?: Args): Promise<SspCompatResult> {
    const bus = this.requireBus();
    const spec = commandByName(name);
    if (spec.name === 'SYNC') {
      try {
        await bus.sync(this.id);
        return this.log({ success: true, status: 'OK', command: 'SYNC', info: {} });
      } catch (error) {
        return this.failure('SYNC', error);
      }
    }
    // Bad arguments reject (the older library threw), before anything is sent.
    const data = encodeCommand(spec, translateArgs(spec.name, args), this.ctx);
    const encrypt = bus.isEncrypted(this.id) && (this.encryptAllCommand || spec.encryption === 'required');
    let reply: Uint8Array;
    try {
      reply = await bus.exchange(this.id, data, { encrypt, label: spec.name });
    } catch (error) {
      return this.failure(spec.name, error);
    }
    if (encrypt && reply.length === 1 && reply[0] === (SspGeneric.KeyNotSet as number)) {
      // The device lost its key (power cycle, RESET). Forget ours, so that the next commands, the POLL that carries
      // SLAVE_RESET among them, do not go out encrypted with a key it does not have; the poll loop negotiates anew.
      bus.setKey(this.id, undefined);
      this.rekey = true;
    }
    return this.log(this.result(spec, args, reply));
  }

  private result(spec: CommandSpec, args: Args, reply: Uint8Array): SspCompatResult {
    const status = genericName(reply[0] ?? 0);
    let result: unknown;
    try {
      result = decodeCommandReply(spec, reply, this.id, this.ctx);
    } catch (e) {
      if (reply[0] !== (SspGeneric.Ok as number)) {
        return { success: false, status, command: spec.name, info: refusalInfo(spec.name, reply) };
      }
      return {
        success: false,
        status: 'WRONG_RESPONSE',
        command: spec.name,
        info: { error: isKioskbusError(e) ? e.code : String(e) },
      };
    }
    this.learn(spec.name, args, result);
    return {
      success: true,
      status,
      command: spec.name,
      info: successInfo(spec.name, result, reply.subarray(1), this.ctx),
    };
  }

  private learn(name: string, args: Args, result: unknown): void {
    if (name === 'HOST_PROTOCOL_VERSION' && typeof args?.version === 'number') {
      this.ctx = { ...this.ctx, protocolVersion: args.version };
      this.protocol_version = args.version;
    } else if (name === 'SETUP_REQUEST') {
      const setup = result as SetupRequestResult;
      this.ctx = contextFromSetup(setup, this.ctx);
      if ('protocolVersion' in setup) {
        this.ctx.protocolVersion = setup.protocolVersion;
        this.protocol_version = setup.protocolVersion;
      }
    } else if (name === 'SET_VALUE_REPORTING_TYPE' && (args?.reportBy === 'value' || args?.reportBy === 'channel')) {
      this.ctx = { ...this.ctx, valueReporting: args.reportBy };
    } else if (name === 'SET_FIXED_ENCRYPTION_KEY' && args?.fixedKey !== undefined) {
      this.fixedKey = parseFixedKey(args.fixedKey as string);
      this.bus?.useFixedKey(this.id, this.fixedKey);
    } else if (name === 'RESET_FIXED_ENCRYPTION_KEY') {
      this.fixedKey = 0x0123456701234567n;
      this.bus?.useFixedKey(this.id, this.fixedKey);
    }
  }

  private failure(command: string, error: unknown): SspCompatResult {
    if (isKioskbusError(error, ErrorCode.Timeout) || isKioskbusError(error, ErrorCode.Offline)) {
      return this.log({ success: false, status: 'TIMEOUT', command, info: {} });
    }
    if (isKioskbusError(error, ErrorCode.InvalidArgument) || isKioskbusError(error, ErrorCode.UnknownCommand))
      throw error;
    if (isKioskbusError(error) && error.context.raw instanceof Uint8Array && error.context.raw[0] !== undefined) {
      const raw = error.context.raw;
      return this.log({ success: false, status: genericName(raw[0] ?? 0), command, info: { error: error.code } });
    }
    if (isKioskbusError(error, ErrorCode.Closed)) throw error;
    return this.log({ success: false, status: isKioskbusError(error) ? error.code : 'ERROR', command, info: {} });
  }

  private log(result: SspCompatResult): SspCompatResult {
    if (this.debug) console.log('eSSP', result.command, result.status, JSON.stringify(result.info, jsonBytes));
    return result;
  }

  private requireBus(): SspBus {
    if (!this.bus) throw new KioskbusError(ErrorCode.NotOpen, 'call open(port) first');
    return this.bus;
  }

  private startPolling(): void {
    if (this.polling) return;
    this.polling = true;
    this.schedulePoll(0);
  }

  private stopPolling(): void {
    this.polling = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private schedulePoll(delayMs: number): void {
    if (!this.polling) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.pollRunning = this.pollOnce().finally(() => {
        this.pollRunning = undefined;
        this.schedulePoll(this.pollInterval);
      });
    }, delayMs);
  }

  private async pollOnce(): Promise<void> {
    if (!this.bus || !this.polling) return;
    let result: SspCompatResult;
    try {
      if (this.rekey && (await this.initEncryption()).success) this.rekey = false;
      result = await this.command('POLL');
    } catch (error) {
      // the bus was closed under the poll loop
      if (this.listenerCount('error') > 0) this.emit('error', error);
      return;
    }
    const events = Array.isArray(result.info) ? result.info : [];
    for (const info of events) {
      try {
        this.emit(info.name as string, info);
      } catch (error) {
        // An application listener threw. The other events of this reply (another credit) must still be emitted, and
        // the poll loop must not die with an unhandled rejection: report it on 'error' when someone listens.
        if (this.listenerCount('error') > 0) this.emit('error', error);
        else console.error('eSSP: a', String(info.name), 'listener threw:', error);
      }
    }
  }
}

function jsonBytes(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export { SSP };
