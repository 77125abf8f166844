/**
 * Reply layouts of the eSSP data commands (SETUP_REQUEST in every unit-type layout, UNIT_DATA, serial number,
 * channel data, levels, counters, build revision, bar code, versions): one decoder (host) and one encoder
 * (simulator) each, exact inverses.
 */
import { ByteReader } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { ByteWriter, expectEnd, readCurrency, writeCurrency } from './tables/codec.js';
import { UnitType, type ChannelInfo, type SspContext } from './tables/context.js';

/** SETUP_REQUEST of a note validator, SMART Payout, NV11, TEBS, NV4000 (research §3.7). */
export interface ValidatorSetup {
  kind: 'validator';
  unitType: number;
  /** Four ASCII digits as sent, e.g. "0300" = 3.00 (see `formatFirmware`). */
  firmware: string;
  /** Dataset country (ASCII). */
  currency: string;
  /** Value multiplier (3 bytes BE); 0 means "use the expanded values" (v>=6). */
  valueMultiplier: number;
  /** One byte per channel as sent (× realValueMultiplier = minor units). */
  channelValues: number[];
  /** Obsolete channel security bytes (2 or 0). */
  channelSecurity: number[];
  /** Real value multiplier (3 bytes BE). */
  realValueMultiplier: number;
  protocolVersion: number;
  /** v>=6: per-channel currency and full value (u32 LE). */
  channelCurrencies?: string[];
  expandedValues?: number[];
  /** Derived: channel number (1-based), value in minor units, currency. */
  channels: ChannelInfo[];
}

/** SETUP_REQUEST of a SMART Hopper or SMART System (coin devices; M649 p.73). */
export interface CoinSetup {
  kind: 'coin';
  unitType: number;
  firmware: string;
  currency: string;
  protocolVersion: number;
  /** Coin values (u16 LE) in minor units. */
  coinValues: number[];
  /** v>=6: currency of each coin. */
  coinCurrencies?: string[];
  /** Derived: one entry per coin denomination (channel = position, 1-based). */
  channels: ChannelInfo[];
}

/** SETUP_REQUEST of the SMART Ticket / NVR-280 and stand-alone printers. */
export interface PrinterSetup {
  kind: 'printer';
  unitType: number;
  firmware: string;
  cutter: number;
  tab: number;
  reverseValidation: number;
  fontPack: string;
  printerType: number;
  sdCard: number;
  quality: number;
  protocolVersion: number;
  /** Any bytes after the protocol version, kept as sent. */
  extra: Uint8Array;
  /** Printers have no channels (always empty). */
  channels: ChannelInfo[];
}

/** A unit type this table does not know: the common prefix and the raw rest. */
export interface UnknownSetup {
  kind: 'unknown';
  unitType: number;
  firmware: string;
  raw: Uint8Array;
  channels: ChannelInfo[];
}

export type SetupRequestResult = ValidatorSetup | CoinSetup | PrinterSetup | UnknownSetup;

/** "0300" -> "3.00"; anything else is returned as sent. */
export function formatFirmware(firmware: string): string {
  return /^\d{4}$/.test(firmware) ? `${String(Number(firmware.slice(0, 2)))}.${firmware.slice(2)}` : firmware;
}

function isCoinUnit(unitType: number): boolean {
  return unitType === UnitType.SmartHopper || unitType === UnitType.SmartSystem;
}

function isPrinterUnit(unitType: number): boolean {
  return unitType === UnitType.AddOnPrinter || unitType === UnitType.StandalonePrinter;
}

function isValidatorUnit(unitType: number): boolean {
  return (
    unitType === UnitType.Validator ||
    unitType === UnitType.SmartPayout ||
    unitType === UnitType.Nv11 ||
    unitType === UnitType.Tebs ||
    unitType === UnitType.TebsPayout ||
    unitType === UnitType.TebsTicket ||
    unitType === UnitType.Nv4000
  );
}

export function decodeSetupRequest(data: Uint8Array): SetupRequestResult {
  const r = new ByteReader(data);
  const unitType = r.u8('unit type');
  const firmware = r.ascii(4, 'firmware version');
  if (isCoinUnit(unitType)) {
    const currency = readCurrency(r);
    const protocolVersion = r.u8('protocol version');
    const n = r.u8('number of coin values');
    const coinValues: number[] = [];
    for (let i = 0; i < n; i++) coinValues.push(r.u16le('coin value'));
    let coinCurrencies: string[] | undefined;
    if (protocolVersion >= 6) {
      coinCurrencies = [];
      for (let i = 0; i < n; i++) coinCurrencies.push(readCurrency(r, 'coin currency'));
    }
    expectEnd(r, `SETUP_REQUEST (coin device, ${n} coins, protocol ${protocolVersion})`);
    const channels = coinValues.map((value, i) => ({
      channel: i + 1,
      value,
      currency: coinCurrencies?.[i] ?? currency,
    }));
    return {
      kind: 'coin',
      unitType,
      firmware,
      currency,
      protocolVersion,
      coinValues,
      ...(coinCurrencies ? { coinCurrencies } : {}),
      channels,
    };
  }
  if (isPrinterUnit(unitType)) {
    const cutter = r.u8('cutter');
    const tab = r.u8('tab');
    const reverseValidation = r.u8('reverse validation');
    const fontPack = r.ascii(3, 'font pack');
    const printerType = r.u8('printer type');
    const sdCard = r.u8('SD card');
    const quality = r.u8('quality');
    const protocolVersion = r.u8('protocol version');
    return {
      kind: 'printer',
      unitType,
      firmware,
      cutter,
      tab,
      reverseValidation,
      fontPack,
      printerType,
      sdCard,
      quality,
      protocolVersion,
      extra: r.rest().slice(),
      channels: [],
    };
  }
  if (!isValidatorUnit(unitType)) {
    return { kind: 'unknown', unitType, firmware, raw: r.rest().slice(), channels: [] };
  }
  const currency = readCurrency(r);
  const valueMultiplier = r.u24be('value multiplier');
  const n = r.u8('number of channels');
  const channelValues = [...r.bytesOf(n, 'channel values')];
  const channelSecurity = [...r.bytesOf(n, 'channel security')];
  const realValueMultiplier = r.u24be('real value multiplier');
  const protocolVersion = r.u8('protocol version');
  let channelCurrencies: string[] | undefined;
  let expandedValues: number[] | undefined;
  if (protocolVersion >= 6) {
    channelCurrencies = [];
    for (let i = 0; i < n; i++) channelCurrencies.push(readCurrency(r, 'channel currency'));
    expandedValues = [];
    for (let i = 0; i < n; i++) expandedValues.push(r.u32le('expanded channel value'));
  }
  expectEnd(r, `SETUP_REQUEST (${n} channels, protocol ${protocolVersion})`);
  const channels = channelValues.map((v, i) => ({
    channel: i + 1,
    value: expandedValues?.[i] ?? v * (realValueMultiplier || 1),
    currency: channelCurrencies?.[i] ?? currency,
  }));
  return {
    kind: 'validator',
    unitType,
    firmware,
    currency,
    valueMultiplier,
    channelValues,
    channelSecurity,
    realValueMultiplier,
    protocolVersion,
    ...(channelCurrencies ? { channelCurrencies } : {}),
    ...(expandedValues ? { expandedValues } : {}),
    channels,
  };
}

function writeFirmware(w: ByteWriter, firmware: string): void {
  if (firmware.length !== 4) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `firmware must be 4 ASCII characters, got "${firmware}"`);
  }
  w.ascii(firmware);
}

/** Simulator side: the SETUP_REQUEST reply bytes (after F0) of `setup`. `channels` is derived and ignored. */
export function encodeSetupRequest(setup: SetupRequestResult): Uint8Array {
  const w = new ByteWriter().u8(setup.unitType);
  writeFirmware(w, setup.firmware);
  switch (setup.kind) {
    case 'coin':
      writeCurrency(w, setup.currency);
      w.u8(setup.protocolVersion).u8(setup.coinValues.length);
      for (const v of setup.coinValues) w.u16le(v);
      if (setup.coinCurrencies) for (const c of setup.coinCurrencies) writeCurrency(w, c);
      break;
    case 'printer':
      w.u8(setup.cutter).u8(setup.tab).u8(setup.reverseValidation);
      writeCurrency(w, setup.fontPack, 'font pack');
      w.u8(setup.printerType).u8(setup.sdCard).u8(setup.quality).u8(setup.protocolVersion).bytes(setup.extra);
      break;
    case 'unknown':
      w.bytes(setup.raw);
      break;
    case 'validator': {
      const n = setup.channelValues.length;
      writeCurrency(w, setup.currency);
      w.u24be(setup.valueMultiplier).u8(n);
      for (const v of setup.channelValues) w.u8(v);
      for (let i = 0; i < n; i++) w.u8(setup.channelSecurity[i] ?? 2);
      w.u24be(setup.realValueMultiplier).u8(setup.protocolVersion);
      if (setup.channelCurrencies && setup.expandedValues) {
        for (const c of setup.channelCurrencies) writeCurrency(w, c);
        for (const v of setup.expandedValues) w.u32le(v);
      }
      break;
    }
  }
  return w.finish();
}

/**
 * Builds a validator SETUP_REQUEST from a channel list (simulator convenience). At v>=6 the per-channel
 * currencies and full values are included; the one-byte values use `realValueMultiplier` (default 100).
 */
export function validatorSetup(options: {
  unitType?: number;
  firmware?: string;
  currency: string;
  channels: readonly ChannelInfo[];
  protocolVersion: number;
  realValueMultiplier?: number;
}): ValidatorSetup {
  const multiplier = options.realValueMultiplier ?? 100;
  const channelValues = options.channels.map((c) => Math.min(255, Math.floor(c.value / multiplier)));
  const v6 = options.protocolVersion >= 6;
  const setup: ValidatorSetup = {
    kind: 'validator',
    unitType: options.unitType ?? UnitType.Validator,
    firmware: options.firmware ?? '0400',
    currency: options.currency,
    valueMultiplier: 1,
    channelValues,
    channelSecurity: options.channels.map(() => 2),
    realValueMultiplier: multiplier,
    protocolVersion: options.protocolVersion,
    channels: [],
  };
  if (v6) {
    setup.channelCurrencies = options.channels.map((c) => c.currency);
    setup.expandedValues = options.channels.map((c) => c.value);
  }
  return decodeSetupRequest(encodeSetupRequest(setup)) as ValidatorSetup;
}

/** The context facts a host learns from SETUP_REQUEST. */
export function contextFromSetup(setup: SetupRequestResult, base: SspContext): SspContext {
  const ctx: SspContext = { ...base, unitType: setup.unitType, channels: setup.channels };
  if (setup.kind === 'validator' || setup.kind === 'coin') ctx.currency = setup.currency;
  if (setup.kind === 'validator') ctx.valueMultiplier = setup.realValueMultiplier;
  return ctx;
}

/** UNIT_DATA (0x0D): type, firmware, country, value multiplier (BE), protocol version. */
export interface UnitDataResult {
  unitType: number;
  firmware: string;
  currency: string;
  valueMultiplier: number;
  protocolVersion: number;
}

export function decodeUnitData(data: Uint8Array): UnitDataResult {
  const r = new ByteReader(data);
  const out: UnitDataResult = {
    unitType: r.u8('unit type'),
    firmware: r.ascii(4, 'firmware'),
    currency: readCurrency(r),
    valueMultiplier: r.u24be('value multiplier'),
    protocolVersion: r.u8('protocol version'),
  };
  expectEnd(r, 'UNIT_DATA');
  return out;
}

export function encodeUnitData(u: UnitDataResult): Uint8Array {
  const w = new ByteWriter().u8(u.unitType);
  writeFirmware(w, u.firmware);
  writeCurrency(w, u.currency);
  return w.u24be(u.valueMultiplier).u8(u.protocolVersion).finish();
}

/** CHANNEL_VALUE_REQUEST (0x0E): n, n value bytes; v>=6: + n currencies + n u32 LE values. */
export interface ChannelValuesResult {
  channelValues: number[];
  channelCurrencies?: string[];
  expandedValues?: number[];
  /** Derived from the bytes and the context (multiplier, currency). */
  channels: ChannelInfo[];
}

export function decodeChannelValues(data: Uint8Array, ctx: SspContext): ChannelValuesResult {
  const r = new ByteReader(data);
  const n = r.u8('number of channels');
  const channelValues = [...r.bytesOf(n, 'channel values')];
  let channelCurrencies: string[] | undefined;
  let expandedValues: number[] | undefined;
  if (ctx.protocolVersion >= 6) {
    channelCurrencies = [];
    for (let i = 0; i < n; i++) channelCurrencies.push(readCurrency(r, 'channel currency'));
    expandedValues = [];
    for (let i = 0; i < n; i++) expandedValues.push(r.u32le('channel value'));
  }
  expectEnd(r, `CHANNEL_VALUE_REQUEST (${n} channels, protocol ${ctx.protocolVersion})`);
  const channels = channelValues.map((v, i) => ({
    channel: i + 1,
    value: expandedValues?.[i] ?? v * (ctx.valueMultiplier ?? 1),
    currency: channelCurrencies?.[i] ?? ctx.currency ?? 'XXX',
  }));
  return {
    channelValues,
    ...(channelCurrencies ? { channelCurrencies } : {}),
    ...(expandedValues ? { expandedValues } : {}),
    channels,
  };
}

/** With a context at protocol < 6 the currencies and full values are not sent, even when `result` has them. */
export function encodeChannelValues(result: ChannelValuesResult, ctx?: SspContext): Uint8Array {
  const w = new ByteWriter().u8(result.channelValues.length);
  for (const v of result.channelValues) w.u8(v);
  if ((ctx === undefined || ctx.protocolVersion >= 6) && result.channelCurrencies && result.expandedValues) {
    for (const c of result.channelCurrencies) writeCurrency(w, c);
    for (const v of result.expandedValues) w.u32le(v);
  }
  return w.finish();
}

/** CHANNEL_SECURITY_DATA (0x0F): n, n levels (0 n/a, 1 low, 2 standard, 3 high, 4 inhibited). */
export interface ChannelSecurityResult {
  levels: number[];
}

export function decodeChannelSecurity(data: Uint8Array): ChannelSecurityResult {
  const r = new ByteReader(data);
  const n = r.u8('number of channels');
  const levels = [...r.bytesOf(n, 'security levels')];
  expectEnd(r, `CHANNEL_SECURITY_DATA (${n} channels)`);
  return { levels };
}

export function encodeChannelSecurity(result: ChannelSecurityResult): Uint8Array {
  return Uint8Array.from([result.levels.length, ...result.levels]);
}

/** GET_ALL_LEVELS (0x22): n × (level u16, value u32, currency). */
export interface DenominationLevel {
  level: number;
  value: number;
  currency: string;
}

export function decodeLevels(data: Uint8Array): DenominationLevel[] {
  const r = new ByteReader(data);
  const n = r.u8('number of denominations');
  const out: DenominationLevel[] = [];
  for (let i = 0; i < n; i++) {
    const level = r.u16le('level');
    const value = r.u32le('value');
    out.push({ level, value, currency: readCurrency(r) });
  }
  expectEnd(r, `GET_ALL_LEVELS (${n} denominations)`);
  return out;
}

export function encodeLevels(levels: readonly DenominationLevel[]): Uint8Array {
  const w = new ByteWriter().u8(levels.length);
  for (const l of levels) {
    w.u16le(l.level).u32le(l.value);
    writeCurrency(w, l.currency);
  }
  return w.finish();
}

/** GET_COUNTERS (0x58): n then n × u32 LE; the first five are named (validators). */
export interface CountersResult {
  stacked: number;
  stored: number;
  dispensed: number;
  transferredToStack: number;
  rejected: number;
  /** Every counter as sent (SMART Hopper 4 sends 8 or 9). */
  counters: number[];
}

export function decodeCounters(data: Uint8Array): CountersResult {
  const r = new ByteReader(data);
  const n = r.u8('number of counters');
  const counters: number[] = [];
  for (let i = 0; i < n; i++) counters.push(r.u32le('counter'));
  expectEnd(r, `GET_COUNTERS (${n} counters)`);
  return {
    stacked: counters[0] ?? 0,
    stored: counters[1] ?? 0,
    dispensed: counters[2] ?? 0,
    transferredToStack: counters[3] ?? 0,
    rejected: counters[4] ?? 0,
    counters,
  };
}

export function encodeCounters(result: Pick<CountersResult, 'counters'>): Uint8Array {
  const w = new ByteWriter().u8(result.counters.length);
  for (const c of result.counters) w.u32le(c);
  return w.finish();
}

/** GET_BUILD_REVISION (0x4F): k × (unit type, revision u16 LE) — main device first, then attached units. */
export interface BuildRevision {
  unitType: number;
  revision: number;
}

export function decodeBuildRevision(data: Uint8Array): BuildRevision[] {
  const r = new ByteReader(data);
  const out: BuildRevision[] = [];
  while (r.remaining >= 3) {
    const unitType = r.u8('unit type');
    out.push({ unitType, revision: r.u16le('revision') });
  }
  return out;
}

export function encodeBuildRevision(revisions: readonly BuildRevision[]): Uint8Array {
  const w = new ByteWriter();
  for (const b of revisions) w.u8(b.unitType).u16le(b.revision);
  return w.finish();
}

export const BAR_CODE_READERS = ['none', 'top', 'bottom', 'both'] as const;
export type BarCodeReaders = (typeof BAR_CODE_READERS)[number];

/** GET_BAR_CODE_READER_CONFIGURATION (0x23): hardware present, readers enabled, format (1 = Interleaved 2 of 5), characters. */
export interface BarCodeReaderConfiguration {
  hardware: BarCodeReaders;
  enabled: BarCodeReaders;
  format: number;
  numChar: number;
}

function readerName(v: number): BarCodeReaders {
  return BAR_CODE_READERS[v & 3] ?? 'none';
}

export function decodeBarCodeConfiguration(data: Uint8Array): BarCodeReaderConfiguration {
  const r = new ByteReader(data);
  return {
    hardware: readerName(r.u8('hardware')),
    enabled: readerName(r.u8('readers enabled')),
    format: r.u8('format'),
    numChar: r.u8('number of characters'),
  };
}

export function encodeBarCodeConfiguration(c: BarCodeReaderConfiguration): Uint8Array {
  return Uint8Array.of(
    BAR_CODE_READERS.indexOf(c.hardware),
    BAR_CODE_READERS.indexOf(c.enabled),
    c.format & 0xff,
    c.numChar & 0xff,
  );
}

export const BAR_CODE_STATUSES = ['none', 'escrow', 'stacked', 'rejected'] as const;
export type BarCodeStatus = (typeof BAR_CODE_STATUSES)[number];

/** GET_BAR_CODE_DATA (0x27): status, length, ASCII ticket data. */
export interface BarCodeData {
  status: BarCodeStatus | 'unknown';
  statusCode: number;
  data: string;
}

export function decodeBarCodeData(data: Uint8Array): BarCodeData {
  const r = new ByteReader(data);
  const statusCode = r.u8('status');
  const n = r.u8('length');
  return { status: BAR_CODE_STATUSES[statusCode] ?? 'unknown', statusCode, data: r.ascii(n, 'bar code') };
}

export function encodeBarCodeData(d: Pick<BarCodeData, 'statusCode' | 'data'>): Uint8Array {
  return new ByteWriter().u8(d.statusCode).u8(d.data.length).ascii(d.data).finish();
}

/** GET_SERIAL_NUMBER (0x0C): u32 big-endian. */
export function decodeSerialNumber(data: Uint8Array): number {
  const r = new ByteReader(data);
  const serial = r.u32be('serial number');
  expectEnd(r, 'GET_SERIAL_NUMBER');
  return serial;
}

export function encodeSerialNumber(serial: number): Uint8Array {
  return new ByteWriter().u32be(serial).finish();
}

/** GET_FIRMWARE_VERSION / GET_DATASET_VERSION: ASCII of variable length (trailing NULs and spaces trimmed). */
export function decodeVersionText(data: Uint8Array): string {
  let end = data.length;
  while (end > 0 && (data[end - 1] === 0 || data[end - 1] === 0x20)) end--;
  return String.fromCharCode(...data.subarray(0, end));
}

export function encodeVersionText(text: string): Uint8Array {
  return new ByteWriter().ascii(text).finish();
}
