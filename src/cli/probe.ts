/**
 * `kioskbus probe <path-or-url>`: which devices answer on this port? For each protocol in turn (eSSP, CCNET,
 * ControllerBox) the port is opened with that protocol's line settings, the usual addresses are asked with
 * short timeouts and few retries, what can be read without side effects is read, and the port is closed again.
 *
 * Only harmless requests go out: eSSP SYNC, SETUP_REQUEST, GET_SERIAL_NUMBER, GET_FIRMWARE_VERSION,
 * GET_DATASET_VERSION (plain text, or encrypted after a key exchange when `--fixed-key` is given); CCNET
 * IDENTIFICATION (no RESET, and no POLL: an acknowledged POLL consumes the event it reports, e.g. a stacked bill
 * the kiosk application has not credited yet); ControllerBox REQUEST_VERSION, with the box's own reports left
 * unanswered (an answer would confirm a bill the application never saw).
 */
import { parseArgs } from 'node:util';
import { ErrorCode, isKioskbusError, KioskbusError, toKioskbusError } from '../core/errors.js';
import { formatMoney, minorDigits } from '../core/money.js';
import { CcnetBus } from '../ccnet/bus.js';
import { CCNET_SERIAL_DEFAULTS } from '../ccnet/line.js';
import { type Identification } from '../ccnet/codec.js';
import {
  BILL_COMMANDS,
  CARD_COMMANDS,
  COIN_COMMANDS,
  deviceClassOf,
  type CoinIdentification,
  type CommandDef,
  type DeviceClass,
} from '../ccnet/commands.js';
import { crcVariantName } from '../controllerbox/frame.js';
import { CONTROLLERBOX_SERIAL_DEFAULTS, ControllerBoxHost } from '../controllerbox/host.js';
import { SspBus } from '../essp/bus.js';
import { ESSP_SERIAL_DEFAULTS } from '../essp/line.js';
import { COMMANDS, type CommandSpec } from '../essp/commands.js';
import { formatFirmware, type SetupRequestResult } from '../essp/decoders.js';
import { genericName, replyError, SspGeneric } from '../essp/generic.js';
import { unitTypeName, type ChannelInfo } from '../essp/tables/context.js';
import { createTransport, type SerialDefaults } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import { ExitCode, openFailure } from './exit.js';
import { UsageError, type CliCommand, type CliIo } from './types.js';

export type ProbeProtocol = 'essp' | 'ccnet' | 'controllerbox';

/** Probe order when no protocol is named. */
export const PROBE_PROTOCOLS: readonly ProbeProtocol[] = ['essp', 'ccnet', 'controllerbox'];

/** Default eSSP slave addresses (M222): validators, NV11, SMART Payout, TEBS 0x00; SMART Hopper and SMART System 0x10;
 * SMART Ticket / NVR-280 0x40; coupon and flatbed printers 0x41. */
export const ESSP_PROBE_ADDRESSES: readonly number[] = [0x00, 0x10, 0x40, 0x41];

/** CCNET peripheral addresses: Bill-to-Bill 01, coin changer 02, bill validator 03, card reader 04. */
export const CCNET_PROBE_ADDRESSES: readonly number[] = [0x01, 0x02, 0x03, 0x04];

export const DEFAULT_PROBE_TIMEOUT_MS = 250;

export interface EsspProbedDevice {
  protocol: 'essp';
  address: number;
  unitType?: number;
  unitTypeName?: string;
  /** SETUP_REQUEST firmware, formatted ("4.30"). */
  firmware?: string;
  /** GET_FIRMWARE_VERSION text (names the model, e.g. "NV02004301498000"). */
  firmwareVersion?: string;
  datasetVersion?: string;
  /** Dataset country of the SETUP_REQUEST. */
  country?: string;
  /** Protocol version the device runs at (power-up default until a host sets one). */
  protocolVersion?: number;
  channels?: ChannelInfo[];
  serialNumber?: number;
  /** The device refused plain-text requests with KEY_NOT_SET (payout devices until a key is negotiated). */
  encryptionRequired: boolean;
  /** A key was negotiated (`fixedKey`) and the requests after it were encrypted. */
  encrypted: boolean;
  /** What could not be read, and why. */
  notes: string[];
}

export interface CcnetProbedDevice {
  protocol: 'ccnet';
  address: number;
  deviceClass: DeviceClass;
  /** IDENTIFICATION of a bill validator, Bill-to-Bill unit or card reader. */
  identification?: Identification;
  /** IDENTIFICATION of a coin changer. */
  coinIdentification?: CoinIdentification;
  notes: string[];
}

export interface ControllerBoxProbedDevice {
  protocol: 'controllerbox';
  firmware?: string;
  board?: string;
  /** The CRC variant the box uses (`arc/data/be`), when the frames received told it apart. */
  crc?: string;
  notes: string[];
}

export type ProbedDevice = EsspProbedDevice | CcnetProbedDevice | ControllerBoxProbedDevice;

export interface ProtocolProbeResult {
  protocol: ProbeProtocol;
  devices: ProbedDevice[];
  /** What was asked, for the "no device answered" line (e.g. "addresses 0x00, 0x10"). */
  asked: string;
}

export interface ProbeOptions {
  /** Protocols to try, in this order (default eSSP, CCNET, ControllerBox). */
  protocols?: readonly ProbeProtocol[];
  /** Wait for each reply (ms, default 250). Each request is sent at most twice. */
  timeoutMs?: number;
  /** eSSP addresses to ask (default `ESSP_PROBE_ADDRESSES`). */
  esspAddresses?: readonly number[];
  /** eSSP: negotiate a key with this fixed key when a device requires encryption, then read it encrypted. */
  fixedKey?: bigint | string;
  /** Stops the probe (Ctrl-C): the port is closed and `probePort` rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Called for each device as soon as it has been read. */
  onDevice?: (device: ProbedDevice) => void;
  /** Called when a protocol is done. */
  onProtocol?: (result: ProtocolProbeResult) => void;
  /** Builds the transport (default `createTransport`); tests and embedders may supply their own. */
  createTransport?: (target: string, defaults: SerialDefaults) => Transport;
}

const SERIAL_DEFAULTS: Record<ProbeProtocol, SerialDefaults> = {
  essp: ESSP_SERIAL_DEFAULTS,
  ccnet: CCNET_SERIAL_DEFAULTS,
  controllerbox: CONTROLLERBOX_SERIAL_DEFAULTS,
};

/** Longest wait for a port to open (a TCP connect gives up after 5 s by itself; this bounds anything else). */
const OPEN_TIMEOUT_MS = 10_000;

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function cancelled(): KioskbusError {
  return new KioskbusError(ErrorCode.Cancelled, 'probe cancelled');
}

/** Opens the transport within OPEN_TIMEOUT_MS; a port that cannot be opened is a TRANSPORT_ERROR naming it. */
async function openPort(transport: Transport, target: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const opening = transport.open();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new KioskbusError(ErrorCode.Timeout, `opening ${target} took longer than ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
  });
  try {
    await Promise.race([opening, timeout]);
  } catch (error) {
    // a late open must not leave the port open behind us
    opening.then(
      () => transport.close(),
      () => undefined,
    );
    const cause = toKioskbusError(error, ErrorCode.TransportError);
    throw new KioskbusError(
      ErrorCode.TransportError,
      `cannot open ${target}: ${causeText(cause)}`,
      { target, cause: cause.code, opening: true },
      { cause },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Errors that mean the port itself failed (not "nobody answered"): they end the probe. */
function isPortFailure(error: unknown): boolean {
  return (
    isKioskbusError(error, ErrorCode.Disconnected) ||
    isKioskbusError(error, ErrorCode.NotOpen) ||
    isKioskbusError(error, ErrorCode.TransportError) ||
    isKioskbusError(error, ErrorCode.Cancelled) ||
    isKioskbusError(error, ErrorCode.Closed)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message of a wrapped error without its `[CODE]` suffix (the wrapper adds its own). */
function causeText(error: KioskbusError): string {
  return error.message.replace(/ \[[A-Z_]+\]( \(bytes: [0-9a-f ]*\))?$/, '');
}

// ------------------------------------------------------------------------------------------------
// eSSP

async function probeEssp(transport: Transport, options: Required<Pick<ProbeOptions, 'timeoutMs'>> & ProbeOptions) {
  const bus = new SspBus(transport, { timeoutMs: options.timeoutMs, retries: 1, offlineRetries: 1, autoSync: false });
  const devices: EsspProbedDevice[] = [];
  const signal = options.signal;
  try {
    for (const address of options.esspAddresses ?? ESSP_PROBE_ADDRESSES) {
      if (signal?.aborted) throw cancelled();
      const device: EsspProbedDevice = {
        protocol: 'essp',
        address,
        encryptionRequired: false,
        encrypted: false,
        notes: [],
      };
      try {
        await bus.sync(address, signal ? { signal } : {});
      } catch (error) {
        if (isKioskbusError(error, ErrorCode.Timeout)) continue;
        if (isPortFailure(error)) throw error;
        // any answer, even a refusal, means a device is there
        device.notes.push(`SYNC: ${messageOf(error)}`);
      }
      await readEssp(bus, device, options);
      devices.push(device);
      options.onDevice?.(device);
    }
  } finally {
    await bus.close();
  }
  return devices;
}

type EsspRead<R> = { ok: true; value: R } | { ok: false; keyNotSet: boolean; timedOut?: boolean };

async function readEssp(bus: SspBus, device: EsspProbedDevice, options: ProbeOptions): Promise<void> {
  const address = device.address;
  const signal = options.signal;
  const read = async <R>(spec: CommandSpec<never, R>): Promise<EsspRead<R>> => {
    let reply: Uint8Array;
    try {
      reply = await bus.exchange(address, Uint8Array.of(spec.code), {
        encrypt: device.encrypted,
        label: spec.name,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (isPortFailure(error)) throw error;
      const timedOut = isKioskbusError(error, ErrorCode.Timeout);
      device.notes.push(`${spec.name}: ${timedOut ? 'no reply' : messageOf(error)}`);
      return { ok: false, keyNotSet: false, timedOut };
    }
    if (reply[0] === (SspGeneric.KeyNotSet as number)) {
      device.encryptionRequired = true;
      return { ok: false, keyNotSet: true };
    }
    const refused = replyError(spec, reply);
    if (refused) {
      const generic = reply[0] ?? 0;
      device.notes.push(
        `${spec.name}: ${generic === (SspGeneric.UnknownCommand as number) ? 'not supported' : genericName(generic)}`,
      );
      return { ok: false, keyNotSet: false };
    }
    try {
      return { ok: true, value: spec.decodeReply(reply.subarray(1), { protocolVersion: 6 }) };
    } catch (error) {
      device.notes.push(`${spec.name}: unreadable reply (${messageOf(error)})`);
      return { ok: false, keyNotSet: false };
    }
  };

  const setupSpec = COMMANDS.SETUP_REQUEST as CommandSpec<never, SetupRequestResult>;
  let setup = await read(setupSpec);
  if (!setup.ok && setup.keyNotSet && options.fixedKey !== undefined) {
    try {
      await bus.negotiateKey(address, options.fixedKey, signal ? { signal } : {});
    } catch (error) {
      if (isPortFailure(error)) throw error;
      device.notes.push(`key exchange: ${isKioskbusError(error, ErrorCode.Timeout) ? 'no reply' : messageOf(error)}`);
      return;
    }
    device.encrypted = true;
    setup = await read(setupSpec);
    if (!setup.ok && setup.timedOut === true) {
      // the device drops packets it cannot decrypt: the key halves do not match
      device.encrypted = false;
      device.notes.pop();
      device.notes.push('no reply to encrypted commands after the key exchange (wrong fixed key?)');
      return;
    }
  }
  if (setup.ok) applySetup(device, setup.value);
  const serial = await read(COMMANDS.GET_SERIAL_NUMBER as CommandSpec<never, { serialNumber: number }>);
  if (serial.ok) device.serialNumber = serial.value.serialNumber;
  if (device.encryptionRequired && !device.encrypted) return; // the version texts would be refused as well
  const firmware = await read(COMMANDS.GET_FIRMWARE_VERSION as CommandSpec<never, { version: string }>);
  if (firmware.ok) device.firmwareVersion = firmware.value.version;
  const dataset = await read(COMMANDS.GET_DATASET_VERSION as CommandSpec<never, { version: string }>);
  if (dataset.ok) device.datasetVersion = dataset.value.version;
}

function applySetup(device: EsspProbedDevice, setup: SetupRequestResult): void {
  device.unitType = setup.unitType;
  device.unitTypeName = unitTypeName(setup.unitType);
  device.firmware = formatFirmware(setup.firmware);
  if (setup.kind === 'validator' || setup.kind === 'coin') device.country = setup.currency;
  if (setup.kind !== 'unknown') device.protocolVersion = setup.protocolVersion;
  if (setup.channels.length > 0) device.channels = setup.channels;
}

// ------------------------------------------------------------------------------------------------
// CCNET

/** IDENTIFICATION of the bill validator / B2B (37H) or card reader (15H) layout. */
function identificationCommand(cls: Exclude<DeviceClass, 'coin-changer'>): CommandDef<void, Identification> {
  return cls === 'card-reader' ? CARD_COMMANDS.identification : BILL_COMMANDS.identification;
}

async function probeCcnet(transport: Transport, options: Required<Pick<ProbeOptions, 'timeoutMs'>> & ProbeOptions) {
  const bus = new CcnetBus(transport, {
    responseTimeoutMs: options.timeoutMs,
    slowResponseTimeoutMs: options.timeoutMs,
    maxTries: 2,
  });
  const devices: CcnetProbedDevice[] = [];
  const signal = options.signal;
  try {
    for (const address of CCNET_PROBE_ADDRESSES) {
      if (signal?.aborted) throw cancelled();
      const deviceClass = deviceClassOf(address);
      if (!deviceClass) continue;
      const device: CcnetProbedDevice = { protocol: 'ccnet', address, deviceClass, notes: [] };
      try {
        if (deviceClass === 'coin-changer') {
          device.coinIdentification = await bus.execute(address, COIN_COMMANDS.identification, undefined, {
            ...(signal ? { signal } : {}),
          });
        } else {
          device.identification = await bus.execute(address, identificationCommand(deviceClass), undefined, {
            ...(signal ? { signal } : {}),
          });
        }
      } catch (error) {
        if (isKioskbusError(error, ErrorCode.Timeout)) continue;
        if (isPortFailure(error)) throw error;
        // ILLEGAL COMMAND, NAK, a bad CRC, an unreadable identification: something answered at this address
        device.notes.push(`IDENTIFICATION: ${messageOf(error)}`);
      }
      devices.push(device);
      options.onDevice?.(device);
    }
  } finally {
    bus.close();
  }
  return devices;
}

// ------------------------------------------------------------------------------------------------
// ControllerBox

async function probeControllerBox(
  transport: Transport,
  options: Required<Pick<ProbeOptions, 'timeoutMs'>> & ProbeOptions,
): Promise<ControllerBoxProbedDevice[]> {
  // ackEvents off: answering a BILL_ACCEPTED report would confirm a bill the kiosk application never saw
  const host = new ControllerBoxHost(transport, { crc: 'auto', timeoutMs: options.timeoutMs, ackEvents: false });
  host.on('error', () => undefined);
  const onAbort = (): void => void host.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const device: ControllerBoxProbedDevice = { protocol: 'controllerbox', notes: [] };
  let answered = false;
  try {
    for (let attempt = 1; attempt <= 2 && !answered; attempt++) {
      if (options.signal?.aborted) throw cancelled();
      try {
        const version = await host.version();
        device.firmware = `${version.firmware.major}.${version.firmware.minor}.${version.firmware.patch}`;
        device.board = `${version.board.major}.${version.board.minor}.${version.board.patch}`;
        answered = true;
      } catch (error) {
        if (options.signal?.aborted) throw cancelled();
        if (isKioskbusError(error, ErrorCode.Timeout)) continue;
        if (isPortFailure(error)) throw error;
        device.notes.push(`REQUEST_VERSION: ${messageOf(error)}`);
        answered = true;
      }
    }
    if (!answered && host.stats.frames > 0) {
      // a box with status reports on sends frames by itself even if it ignores us
      device.notes.push(`REQUEST_VERSION: no answer, but ${host.stats.frames} ControllerBox frame(s) received`);
      answered = true;
    }
    const variant = host.crcVariant;
    if (variant) device.crc = crcVariantName(variant);
    else if (answered) device.notes.push('CRC variant not determined by the frames received');
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await host.close();
  }
  if (!answered) return [];
  options.onDevice?.(device);
  return [device];
}

// ------------------------------------------------------------------------------------------------

/** Opens the port with the protocol's settings, probes, and always closes it again. */
async function probeProtocol(
  protocol: ProbeProtocol,
  transport: Transport,
  target: string,
  settings: Required<Pick<ProbeOptions, 'timeoutMs'>> & ProbeOptions,
): Promise<ProbedDevice[]> {
  // I/O errors also surface as failed requests; without a listener an 'error' event would crash the process
  const onError = (): void => undefined;
  transport.on('error', onError);
  try {
    await openPort(transport, target);
    switch (protocol) {
      case 'essp':
        return await probeEssp(transport, settings);
      case 'ccnet':
        return await probeCcnet(transport, settings);
      case 'controllerbox':
        return await probeControllerBox(transport, settings);
    }
  } finally {
    await transport.close().catch(() => undefined);
    transport.off('error', onError);
  }
}

/**
 * Probes `target` (a serial path, `serial://...` or `tcp://host:port`) for each protocol in turn and resolves with
 * what answered. Rejects with TRANSPORT_ERROR when the port cannot be opened (or fails while probing), with
 * UNSUPPORTED_URL / INVALID_ARGUMENT for a bad target, CANCELLED when `signal` aborts. Each protocol opens and
 * closes the port itself; nothing stays open afterwards.
 */
export async function probePort(target: string, options: ProbeOptions = {}): Promise<ProtocolProbeResult[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `timeout must be a positive integer (ms), got ${timeoutMs}`);
  }
  const esspAddresses = options.esspAddresses ?? ESSP_PROBE_ADDRESSES;
  for (const a of esspAddresses) {
    if (!Number.isInteger(a) || a < 0 || a > 0x7d) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP address must be 0..0x7D, got ${a}`);
    }
  }
  const make = options.createTransport ?? createTransport;
  const results: ProtocolProbeResult[] = [];
  for (const protocol of options.protocols ?? PROBE_PROTOCOLS) {
    const asked =
      protocol === 'essp'
        ? `addresses ${esspAddresses.map(hex2).join(', ')}`
        : protocol === 'ccnet'
          ? `addresses ${CCNET_PROBE_ADDRESSES.map(hex2).join(', ')}`
          : 'REQUEST_VERSION';
    let devices: ProbedDevice[] | undefined;
    for (let attempt = 1; devices === undefined; attempt++) {
      if (options.signal?.aborted) throw cancelled();
      let reported = 0;
      const settings = {
        ...options,
        timeoutMs,
        esspAddresses,
        onDevice: (device: ProbedDevice): void => {
          reported++;
          options.onDevice?.(device);
        },
      };
      const transport = make(target, SERIAL_DEFAULTS[protocol]); // a bad target throws here, as it is
      try {
        devices = await probeProtocol(protocol, transport, target, settings);
      } catch (error) {
        if (options.signal?.aborted) throw cancelled();
        if (isKioskbusError(error) && error.context.opening === true) throw error;
        // A port that drops the connection at once (a TCP serial server still busy with our previous connection,
        // a USB adapter resetting) is tried once more, unless devices were already reported (no duplicates).
        if (attempt === 1 && reported === 0 && isPortFailure(error) && !isKioskbusError(error, ErrorCode.Cancelled)) {
          continue;
        }
        const cause = toKioskbusError(error, ErrorCode.TransportError);
        throw new KioskbusError(
          ErrorCode.TransportError,
          `${protocol} probe of ${target} failed: ${causeText(cause)}`,
          { target, protocol, cause: cause.code },
          { cause },
        );
      }
    }
    const result: ProtocolProbeResult = { protocol, devices, asked };
    results.push(result);
    options.onProtocol?.(result);
  }
  return results;
}

// ------------------------------------------------------------------------------------------------
// CLI

/** "5 10 20 EUR" (whole units without decimals), grouped by currency in the order of the channels. */
function formatValues(channels: readonly ChannelInfo[]): string {
  const groups = new Map<string, string[]>();
  for (const c of channels) {
    const digits = minorDigits(c.currency);
    const text = formatMoney({ amount: c.value, currency: c.currency }).replace(` ${c.currency}`, '');
    const short = digits > 0 && c.value % 10 ** digits === 0 ? text.slice(0, -(digits + 1)) : text;
    const list = groups.get(c.currency) ?? [];
    list.push(short);
    groups.set(c.currency, list);
  }
  return [...groups].map(([currency, values]) => `${values.join(' ')} ${currency}`).join(', ');
}

/** One readable line for a device. */
export function formatDevice(device: ProbedDevice): string {
  const parts: string[] = [];
  let head: string;
  switch (device.protocol) {
    case 'essp': {
      head = `essp ${hex2(device.address)}: ${device.unitTypeName ?? 'eSSP device'}`;
      if (device.unitType !== undefined) head += ` (unit type ${hex2(device.unitType)})`;
      if (device.serialNumber !== undefined) parts.push(`serial ${device.serialNumber}`);
      if (device.firmware !== undefined) {
        parts.push(`firmware ${device.firmware}${device.firmwareVersion ? ` (${device.firmwareVersion})` : ''}`);
      } else if (device.firmwareVersion) parts.push(`firmware ${device.firmwareVersion}`);
      if (device.datasetVersion) parts.push(`dataset ${device.datasetVersion}`);
      if (device.country) parts.push(`country ${device.country}`);
      if (device.protocolVersion !== undefined) parts.push(`protocol ${device.protocolVersion}`);
      if (device.channels) parts.push(`${device.channels.length} channels: ${formatValues(device.channels)}`);
      if (device.encrypted) parts.push('read encrypted');
      else if (device.encryptionRequired) parts.push('encryption required (KEY_NOT_SET; --fixed-key reads it)');
      break;
    }
    case 'ccnet': {
      head = `ccnet ${hex2(device.address)}: ${device.deviceClass}`;
      const id = device.identification;
      if (id) {
        parts.push(`part ${id.partNumber || '?'}`, `serial ${id.serialNumber || '?'}`, `asset ${id.assetNumber}`);
        if (id.extended) {
          const versions = Object.entries(id.extended).filter(([, v]) => v !== '');
          if (versions.length > 0) parts.push(versions.map(([k, v]) => `${k} ${v}`).join(' '));
        }
      }
      const coin = device.coinIdentification;
      if (coin) {
        parts.push(`model ${coin.model}`, `serial ${coin.serialNumber}`, `version ${coin.version}`);
        parts.push(`country ${coin.country}`);
      }
      break;
    }
    case 'controllerbox': {
      head = 'controllerbox: ControllerBox';
      if (device.firmware) parts.push(`firmware ${device.firmware}`);
      if (device.board) parts.push(`board ${device.board}`);
      if (device.crc) parts.push(`CRC ${device.crc} (detected)`);
      break;
    }
  }
  const notes = device.notes.length > 0 ? ` [${device.notes.join('; ')}]` : '';
  return `${head}${parts.length > 0 ? `, ${parts.join(', ')}` : ''}${notes}`;
}

function parseAddressList(text: string): number[] {
  const out: number[] = [];
  for (const item of text.split(',')) {
    const t = item.trim();
    const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0x7d) {
      throw new UsageError(`--essp-addresses: "${t}" is not an eSSP address (0..0x7D, decimal or 0x..)`);
    }
    out.push(n);
  }
  return out;
}

export const PROBE_USAGE = `kioskbus probe <path-or-url> [--protocol essp|ccnet|controllerbox|all] [--json] [--timeout MS]
               [--essp-addresses LIST] [--fixed-key HEX]

Looks for devices on a port: for each protocol (default all, in the order eSSP, CCNET, ControllerBox) the port
is opened with that protocol's line settings (eSSP 9600 8N2, CCNET 9600 8N1, ControllerBox 115200 8N1), the
usual addresses are asked, what can be read without side effects is printed, and the port is closed again.

  <path-or-url>          /dev/ttyUSB0, COM3, serial:///dev/ttyUSB0?baudRate=19200, tcp://host:port
  --protocol, -p P       essp, ccnet, controllerbox or all (repeat or comma-separate for several)
  --timeout MS           wait for each reply (default ${DEFAULT_PROBE_TIMEOUT_MS}); every request is sent at most twice
  --essp-addresses LIST  eSSP addresses to ask (default 0x00,0x10,0x40,0x41)
  --fixed-key HEX        eSSP: negotiate a key with this fixed key (16 hex digits, e.g. 0123456701234567) to read
                         devices that answer KEY_NOT_SET in plain text (payout devices)
  --json                 one JSON object per device on stdout (notes about empty protocols go to stderr)

Asks: eSSP SYNC, SETUP_REQUEST, GET_SERIAL_NUMBER, GET_FIRMWARE_VERSION, GET_DATASET_VERSION; CCNET
IDENTIFICATION at 01-04 (never RESET or POLL); ControllerBox REQUEST_VERSION with CRC auto-detection.
Exit code: 0 when a device answered, 3 when none did, 1 when the port cannot be opened, 2 for bad options.`;

function parseProtocols(values: readonly string[] | undefined): ProbeProtocol[] {
  if (!values || values.length === 0) return [...PROBE_PROTOCOLS];
  const wanted = new Set<ProbeProtocol>();
  for (const value of values.flatMap((v) => v.split(','))) {
    const name = value.trim().toLowerCase();
    if (name === 'all') PROBE_PROTOCOLS.forEach((p) => wanted.add(p));
    else if ((PROBE_PROTOCOLS as readonly string[]).includes(name)) wanted.add(name as ProbeProtocol);
    else throw new UsageError(`--protocol: expected essp, ccnet, controllerbox or all, got "${value}"`);
  }
  return PROBE_PROTOCOLS.filter((p) => wanted.has(p));
}

export const probeCommand: CliCommand = {
  summary: 'probe a port for devices (eSSP, CCNET, ControllerBox)',
  usage: PROBE_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: {
        protocol: { type: 'string', short: 'p', multiple: true },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        'essp-addresses': { type: 'string' },
        'fixed-key': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one port (path or URL)');
    const target = positionals[0] ?? '';
    let timeoutMs = DEFAULT_PROBE_TIMEOUT_MS;
    if (values.timeout !== undefined) {
      timeoutMs = Number(values.timeout);
      if (!/^\d+$/.test(values.timeout) || timeoutMs < 1 || timeoutMs > 60_000) {
        throw new UsageError(`--timeout expects 1..60000 ms, got "${values.timeout}"`);
      }
    }
    const protocols = parseProtocols(values.protocol);
    const json = values.json ?? false;
    const options: ProbeOptions = {
      protocols,
      timeoutMs,
      signal: io.signal,
      onDevice: (device) => {
        io.stdout.write(`${json ? JSON.stringify(device) : formatDevice(device)}\n`);
      },
      onProtocol: (result) => {
        if (result.devices.length > 0) return;
        (json ? io.stderr : io.stdout).write(`${result.protocol}: no device answered (${result.asked})\n`);
      },
    };
    if (values['essp-addresses'] !== undefined) options.esspAddresses = parseAddressList(values['essp-addresses']);
    if (values['fixed-key'] !== undefined) {
      const key = values['fixed-key'];
      if (!/^(0x)?[0-9a-f]{1,16}$/i.test(key)) {
        throw new UsageError('--fixed-key expects up to 16 hex digits (e.g. 0123456701234567)');
      }
      options.fixedKey = key;
    }
    let results: ProtocolProbeResult[];
    try {
      results = await probePort(target, options);
    } catch (error) {
      if (isKioskbusError(error, ErrorCode.Cancelled) || io.signal.aborted) return ExitCode.Interrupted;
      if (isKioskbusError(error) && error.context.opening === true) throw openFailure(target, error.cause ?? error);
      throw error;
    }
    return results.some((r) => r.devices.length > 0) ? ExitCode.Ok : ExitCode.NoAnswer;
  },
};
