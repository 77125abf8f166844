/**
 * eSSP command table: one entry per command (code, encryption requirement, argument encoder and its inverse,
 * reply encoder and decoder, F5 error bytes). Host and simulator both read it, so they cannot drift apart.
 *
 * Names are the seed library's (`SET_CHANNEL_INHIBITS`, `REJECT_BANKNOTE`, ...); commands the seed did not have
 * use the manual's name in the same style. Argument objects are typed and camelCase; money is integer minor units
 * with ISO 4217 codes. `src/compat/essp.ts` maps the seed's argument shapes onto these.
 */
import { ByteReader } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import {
  decodeBarCodeConfiguration,
  decodeBarCodeData,
  decodeBuildRevision,
  decodeChannelSecurity,
  decodeChannelValues,
  decodeCounters,
  decodeLevels,
  decodeSerialNumber,
  decodeSetupRequest,
  decodeUnitData,
  decodeVersionText,
  encodeBarCodeConfiguration,
  encodeBarCodeData,
  encodeBuildRevision,
  encodeChannelSecurity,
  encodeChannelValues,
  encodeCounters,
  encodeLevels,
  encodeSerialNumber,
  encodeSetupRequest,
  encodeUnitData,
  encodeVersionText,
  BAR_CODE_READERS,
  type BarCodeData,
  type BarCodeReaderConfiguration,
  type BarCodeReaders,
  type BuildRevision,
  type ChannelSecurityResult,
  type ChannelValuesResult,
  type CountersResult,
  type DenominationLevel,
  type SetupRequestResult,
  type UnitDataResult,
} from './decoders.js';
import { parseFixedKey } from './crypto.js';
import { decodeEvents, encodeEvents, type SspEvent } from './events.js';
import {
  argError,
  argsObject,
  boolArg,
  ByteWriter,
  currencyArg,
  decodeStrict,
  expectEnd,
  describe,
  EMPTY,
  enumArg,
  intArg,
  isRecord,
  optionalIntArg,
  readCurrency,
  U16_MAX,
  U32_MAX,
  writeCurrency,
  type Side,
} from './tables/codec.js';
import { isCoinDevice, type SspContext } from './tables/context.js';
import { decodeRejectReason, type RejectReason } from './tables/reject.js';

export type { ChannelInfo, SspContext, SspValue } from './tables/context.js';
export { UnitType, unitTypeName, NO_CURRENCY } from './tables/context.js';

/** One command of the table. `Args`/`Result` are the typed argument and reply objects. */
export interface CommandSpec<Args = unknown, Result = unknown> {
  readonly name: string;
  readonly code: number;
  /** Per the ITL manual (M649 "Encryption Required"): payout devices refuse these in plain text. */
  readonly encryption: 'required' | 'optional';
  readonly description: string;
  /** Host: the bytes after the code byte. Validates and throws INVALID_ARGUMENT with a clear message. */
  encodeArgs(args: Args, ctx: SspContext): Uint8Array;
  /** Simulator: the inverse of encodeArgs; throws WRONG_PARAMETERS (-> F3) or PARAMETER_OUT_OF_RANGE (-> F4). */
  decodeArgs(data: Uint8Array, ctx: SspContext): Args;
  /** Simulator: the reply bytes after F0. */
  encodeReply(result: Result, ctx: SspContext): Uint8Array;
  /** Host: decodes the reply bytes after F0 (throws SHORT_DATA when they are cut short). */
  decodeReply(data: Uint8Array, ctx: SspContext): Result;
  /** Meaning of the byte after F5 (COMMAND_CANNOT_BE_PROCESSED) for this command. */
  readonly cannotProcessReasons?: Readonly<Record<number, string>>;
  /** Typed error code for some F5 bytes (e.g. payouts: 1 NOT_ENOUGH_VALUE, 2 CANNOT_PAY_EXACT). */
  readonly cannotProcessCodes?: Readonly<Record<number, ErrorCode>>;
}

// ---------------------------------------------------------------------------------------------------------------
// argument and result types

/** Undocumented or vendor-specific commands: raw argument bytes in, raw reply bytes out. */
export interface RawArgs {
  data?: Uint8Array;
}

export interface ChannelInhibitsArgs {
  /** Index 0 = channel 1; truthy (1/true) = accept the channel. Channels not covered are inhibited. */
  channels: readonly (number | boolean)[];
  /** Number of mask bytes to send (default: enough for the channels, at least 2). */
  bytes?: number;
}
export interface ProtocolVersionArgs {
  version: number;
}
export interface SerialNumberArgs {
  /** Optional sub-device (NV4000 0x11-0x15, NV11 1 = note float, ...; research §3.10). */
  device?: number;
}
export interface SerialNumberResult {
  serialNumber: number;
}
export interface VersionResult {
  version: string;
}
export interface LevelsResult {
  levels: DenominationLevel[];
}
export interface BarCodeConfigurationArgs {
  enable: BarCodeReaders;
  /** 6..24 characters. */
  numChar: number;
  /** Bar code format; only 1 (Interleaved 2 of 5) is defined. */
  format?: number;
}
export interface BarCodeInhibitArgs {
  /** true = accept bank notes. */
  currencyRead: boolean;
  /** true = accept bar code tickets. */
  barCode: boolean;
}
export interface BarCodeInhibitResult extends BarCodeInhibitArgs {
  raw: number;
}
export interface RefillModeArgs {
  mode: 'on' | 'off' | 'get';
}
export interface RefillModeResult {
  /** Only for mode 'get'. */
  enabled?: boolean;
}
export interface PayoutAmountArgs {
  /** Minor units. */
  amount: number;
  /** ISO 4217 code; needed at protocol >= 6 (falls back to the context's currency). */
  currency?: string;
  /** true: ask the device whether it could pay (option 0x19), nothing moves; false (default): pay (0x58). */
  test?: boolean;
}
export interface FloatAmountArgs extends PayoutAmountArgs {
  /** Minimum payout to keep possible (u16 minor units). */
  minPayout: number;
}
export interface DenominationArgs {
  /** Denomination value in minor units. */
  value: number;
  currency?: string;
}
export interface SetDenominationLevelArgs extends DenominationArgs {
  /** Number of coins/notes to add (0 clears the level). */
  count: number;
}
export interface LevelResult {
  level: number;
}
export type RouteName = 'payout' | 'cashbox' | 'recycler1' | 'recycler2' | 'recycler3' | 'recycler4' | 'cassette';
export interface RouteArgs extends DenominationArgs {
  /** v<6 only: the SMART Hopper sends the value as u16 (default: from the context's unit type). */
  hopper?: boolean;
}
export interface SetRouteArgs extends RouteArgs {
  /** 'payout' (0), 'cashbox' (1); NV4000 recyclers 0x11-0x14 and cassette 0x15 (unverified, research §3.10). */
  route: RouteName | number;
}
export interface RouteResult {
  route: RouteName | number;
}
export interface MinimumPayoutArgs {
  currency?: string;
}
export interface ValueResult {
  value: number;
}
export interface CoinMechInhibitArgs extends DenominationArgs {
  /** true = stop accepting this coin. */
  inhibited: boolean;
}
export interface NotePositionsResult {
  count: number;
  /** Report-by-value: the value of each stored note. */
  values?: number[];
  /** Report-by-channel: the channel of each stored note. */
  channels?: number[];
}
export interface DenominationItem {
  count: number;
  value: number;
  currency: string;
}
export interface ByDenominationArgs {
  items: readonly DenominationItem[];
  test?: boolean;
}
export interface ValueReportingArgs {
  reportBy: 'value' | 'channel';
}
export interface EnableArgs {
  enable: boolean;
}
export interface GeneratorArgs {
  generator: bigint;
}
export interface ModulusArgs {
  modulus: bigint;
}
export interface KeyExchangeArgs {
  hostInterKey: bigint;
}
export interface KeyExchangeResult {
  slaveInterKey: bigint;
}
export interface BaudRateArgs {
  baudRate: 9600 | 38400 | 115200;
  /** true: keep the new rate after a reset; false: back to 9600 at reset. */
  persist: boolean;
}
export interface CashboxPayoutLimitArgs {
  limits: readonly DenominationLevel[];
}
export interface BuildRevisionResult {
  revisions: BuildRevision[];
}
export interface HopperOptions {
  /** Bit 0: free pay (true) instead of split by highest value. */
  payMode?: boolean;
  /** Bit 1: check level counters before paying (reset default true). */
  levelCheck?: boolean;
  /** Bit 2: high motor speed (reset default true). */
  motorSpeed?: boolean;
  /** Bit 3: pay coins routed to the cashbox when they fit. */
  cashBoxPayActive?: boolean;
  /** Bit 4: coins with level 0 go to the cashbox. */
  routeZeroLevelToCashbox?: boolean;
  /** Bit 5: high-efficiency split (reset default true). */
  highEfficiencySplit?: boolean;
  /** Bit 6: unknown coins paid out during SMART Empty. */
  unknownToPayout?: boolean;
  /** Bit 7: VALUE_ADDED events. */
  valueAddedEvent?: boolean;
  /** Second register byte (0). */
  reg1?: number;
}
export interface CashboxPayoutDataResult {
  items: DenominationItem[];
  /** Quantity of unknown coins/notes (when sent). */
  unknown?: number;
}
export interface BezelArgs {
  red: number;
  green: number;
  blue: number;
  /** true: until reset (RAM); false: stored in EEPROM. */
  volatile: boolean;
  /** NV200 fw >= 4.28: solid (default), flashing or off. */
  type?: 'solid' | 'flash' | 'off';
}
export interface CoinMechOptionsArgs {
  /** Report ccTalk error events (COIN_MECH_ERROR). */
  ccTalk: boolean;
}
export interface EnablePayoutArgs {
  /** SMART Payout fw >= 4.16, bit 0. */
  requireFullStartup?: boolean;
  /** SMART Payout fw >= 4.16, bit 1. */
  optimiseForPayinSpeed?: boolean;
  /** NV11, bit 0. */
  giveValueOnStored?: boolean;
  /** NV11, bit 1. */
  noHoldNoteOnPayout?: boolean;
}
export interface FixedKeyArgs {
  /** The fixed part of the key: a bigint or the seed's 16 hex digits ("0123456701234567" = 0x0123456701234567). */
  fixedKey: bigint | string;
}
export interface RtcConfigurationResult {
  /** true: the clock keeps its time over a power cycle. */
  persistent: boolean;
}
export interface RtcTime {
  day: number;
  month: number;
  /** 0..99 (years since 2000). */
  year: number;
  hour: number;
  minute: number;
  second: number;
}
export interface EscrowSizeArgs {
  size: number;
}
export interface CommsPassThroughArgs {
  uart?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// building blocks

type Enc = CommandSpec['encryption'];

function noArgs(name: string): Pick<CommandSpec<void>, 'encodeArgs' | 'decodeArgs'> {
  return {
    encodeArgs: () => EMPTY,
    decodeArgs: (data) => {
      decodeStrict(name, data, () => undefined);
    },
  };
}

const okReply: Pick<CommandSpec<unknown, void>, 'encodeReply' | 'decodeReply'> = {
  encodeReply: () => EMPTY,
  decodeReply: () => undefined,
};

function simple(
  name: string,
  code: number,
  description: string,
  encryption: Enc = 'optional',
): CommandSpec<void, void> {
  return { name, code, encryption, description, ...noArgs(name), ...okReply };
}

function raw(
  name: string,
  code: number,
  description: string,
  encryption: Enc = 'optional',
): CommandSpec<RawArgs | undefined, Uint8Array> {
  return {
    name,
    code,
    encryption,
    description,
    encodeArgs: (args) => {
      if (args === undefined) return EMPTY;
      const a = argsObject(name, args);
      if (a.data !== undefined && !(a.data instanceof Uint8Array)) throw argError(name, '"data" must be a Uint8Array');
      return a.data instanceof Uint8Array ? a.data.slice() : EMPTY;
    },
    decodeArgs: (data) => ({ data: data.slice() }),
    // the simulator may answer with no data at all
    encodeReply: (result: Uint8Array | undefined) => (result ? result.slice() : EMPTY),
    decodeReply: (data) => data.slice(),
  };
}

function v6(ctx: SspContext): boolean {
  return ctx.protocolVersion >= 6;
}

/** The currency for a v>=6 argument: given, else the context's, else an INVALID_ARGUMENT. */
function argCurrency(name: string, a: Record<string, unknown>, ctx: SspContext): string {
  const c = a.currency ?? ctx.currency;
  if (c === undefined) {
    throw argError(name, `"currency" is required at protocol version ${ctx.protocolVersion} (>= 6), e.g. "EUR"`);
  }
  return currencyArg(name, c);
}

function outOfRange(name: string, message: string, side: Side): KioskbusError {
  return argError(name, message, side, true);
}

const PAY = 0x58;
const TEST = 0x19;

function readOption(name: string, r: ByteReader): boolean {
  const option = r.u8('option');
  if (option !== PAY && option !== TEST) {
    throw outOfRange(name, `option byte must be 0x58 (pay) or 0x19 (test), got 0x${option.toString(16)}`, 'device');
  }
  return option === TEST;
}

/** Payout family F5 error bytes (M222 p.88). */
const PAYOUT_REASONS = {
  1: 'not enough value in the device',
  2: 'cannot pay the exact amount',
  3: 'device busy',
  4: 'device disabled',
};
const PAYOUT_CODES = {
  1: ErrorCode.NotEnoughValue,
  2: ErrorCode.CannotPayExact,
  3: ErrorCode.DeviceBusy,
  4: ErrorCode.DeviceDisabled,
};
const ROUTE_REASONS = { 1: 'no payout connected', 2: 'invalid currency', 3: 'payout device failure' };
const ENABLE_PAYOUT_REASONS = {
  1: 'no payout device connected',
  2: 'invalid currency detected',
  3: 'payout device busy',
  4: 'note float empty only (NV11)',
  5: 'payout device error',
};
const NOTE_FLOAT_REASONS = {
  1: 'note float not connected',
  2: 'note float empty',
  3: 'note float busy',
  4: 'note float disabled',
};
const NOTE_FLOAT_CODES = { 3: ErrorCode.DeviceBusy, 4: ErrorCode.DeviceDisabled };

const ROUTES: Readonly<Record<number, RouteName>> = {
  0x00: 'payout',
  0x01: 'cashbox',
  0x11: 'recycler1',
  0x12: 'recycler2',
  0x13: 'recycler3',
  0x14: 'recycler4',
  0x15: 'cassette',
};

function routeByte(name: string, route: unknown): number {
  if (typeof route === 'number' && Number.isInteger(route) && route >= 0 && route <= 255) return route;
  const found = Object.entries(ROUTES).find(([, n]) => n === route);
  if (!found) {
    throw argError(name, `"route" must be one of ${Object.values(ROUTES).join('|')} or a byte, got ${describe(route)}`);
  }
  return Number(found[0]);
}

function routeName(byte: number): RouteName | number {
  return ROUTES[byte] ?? byte;
}

function hopperForm(a: Record<string, unknown>, ctx: SspContext): boolean {
  return typeof a.hopper === 'boolean' ? a.hopper : isCoinDevice(ctx);
}

/** value (u16 for the v<6 hopper form, u32 otherwise) and currency (v>=6). */
function writeDenomination(
  name: string,
  w: ByteWriter,
  a: Record<string, unknown>,
  ctx: SspContext,
  u16 = false,
): void {
  if (v6(ctx)) {
    w.u32le(intArg(name, a, 'value', 0, U32_MAX));
    writeCurrency(w, argCurrency(name, a, ctx));
  } else if (u16) {
    w.u16le(intArg(name, a, 'value', 0, U16_MAX));
  } else {
    w.u32le(intArg(name, a, 'value', 0, U32_MAX));
  }
}

function readRouteArgs(r: ByteReader, ctx: SspContext, remainingAfter: number): RouteArgs {
  if (v6(ctx)) {
    const value = r.u32le('value');
    return { value, currency: readCurrency(r) };
  }
  if (r.remaining - remainingAfter === 2) return { value: r.u16le('value'), hopper: true };
  return { value: r.u32le('value'), hopper: false };
}

function encodeItems(name: string, a: Record<string, unknown>, w: ByteWriter): void {
  const items = a.items;
  if (!Array.isArray(items) || items.length === 0 || items.length > 20) {
    throw argError(name, `"items" must be a list of 1..20 { count, value, currency }, got ${describe(items)}`);
  }
  w.u8(items.length);
  for (const item of items as unknown[]) {
    if (!isRecord(item)) throw argError(name, 'each item must be { count, value, currency }');
    w.u16le(intArg(name, item, 'count', 0, U16_MAX)).u32le(intArg(name, item, 'value', 0, U32_MAX));
    writeCurrency(w, currencyArg(name, item.currency));
  }
}

function readItems(r: ByteReader): DenominationItem[] {
  const n = r.u8('count');
  const items: DenominationItem[] = [];
  for (let i = 0; i < n; i++) {
    const count = r.u16le('quantity');
    const value = r.u32le('value');
    items.push({ count, value, currency: readCurrency(r) });
  }
  return items;
}

function byDenomination(name: string, code: number, description: string): CommandSpec<ByDenominationArgs, void> {
  return {
    name,
    code,
    encryption: 'required',
    description,
    encodeArgs(args) {
      const a = argsObject(name, args);
      const w = new ByteWriter();
      encodeItems(name, a, w);
      return w.u8(boolArg(name, a, 'test', false) ? TEST : PAY).finish();
    },
    decodeArgs: (data) =>
      decodeStrict(name, data, (r) => {
        const items = readItems(r);
        if (items.length === 0 || items.length > 20)
          throw outOfRange(name, `1..20 items, got ${items.length}`, 'device');
        return { items, test: readOption(name, r) };
      }),
    ...okReply,
    cannotProcessReasons: PAYOUT_REASONS,
    cannotProcessCodes: PAYOUT_CODES,
  };
}

function amountCommand(
  name: string,
  code: number,
  description: string,
  withMin: boolean,
): CommandSpec<FloatAmountArgs, void> {
  return {
    name,
    code,
    encryption: 'required',
    description,
    encodeArgs(args, ctx) {
      const a = argsObject(name, args);
      const w = new ByteWriter();
      if (withMin) w.u16le(intArg(name, a, 'minPayout', 0, U16_MAX));
      w.u32le(intArg(name, a, 'amount', 0, U32_MAX));
      if (v6(ctx)) {
        writeCurrency(w, argCurrency(name, a, ctx));
        w.u8(boolArg(name, a, 'test', false) ? TEST : PAY);
      } else if (a.test === true) {
        throw argError(name, '"test" needs protocol version >= 6');
      }
      return w.finish();
    },
    decodeArgs: (data, ctx) =>
      decodeStrict(name, data, (r) => {
        const minPayout = withMin ? r.u16le('minimum payout') : 0;
        const amount = r.u32le('amount');
        const base = withMin ? { minPayout, amount } : { amount };
        if (!v6(ctx)) return base as FloatAmountArgs;
        const currency = readCurrency(r);
        return { ...base, currency, test: readOption(name, r) } as FloatAmountArgs;
      }),
    ...okReply,
    cannotProcessReasons: PAYOUT_REASONS,
    cannotProcessCodes: PAYOUT_CODES,
  };
}

function flagCommand<K extends string>(
  name: string,
  code: number,
  description: string,
  key: K,
  encryption: Enc,
  encode: (on: boolean) => number,
): CommandSpec<Record<K, boolean>, void> {
  return {
    name,
    code,
    encryption,
    description,
    encodeArgs: (args) => Uint8Array.of(encode(boolArg(name, argsObject(name, args), key))),
    decodeArgs: (data) =>
      decodeStrict(name, data, (r) => {
        const b = r.u8(key);
        if (b !== encode(true) && b !== encode(false)) throw outOfRange(name, `unexpected value ${b}`, 'device');
        return { [key]: b === encode(true) } as Record<K, boolean>;
      }),
    ...okReply,
  };
}

function u64Command<A extends string, R extends string | undefined>(
  name: string,
  code: number,
  description: string,
  argKey: A,
  replyKey: R,
  encryption: Enc = 'optional',
): CommandSpec<Record<A, bigint>, R extends string ? Record<R, bigint> : undefined> {
  type Res = R extends string ? Record<R, bigint> : undefined;
  return {
    name,
    code,
    encryption,
    description,
    encodeArgs(args) {
      const a = argsObject(name, args);
      const v = a[argKey];
      if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) {
        throw argError(name, `"${argKey}" must be a bigint 0..2^64-1, got ${describe(v)}`);
      }
      return new ByteWriter().u64le(v).finish();
    },
    decodeArgs: (data) => decodeStrict(name, data, (r) => ({ [argKey]: r.u64le(argKey) }) as Record<A, bigint>),
    encodeReply: (result) =>
      replyKey === undefined
        ? EMPTY
        : new ByteWriter().u64le((result as Record<string, bigint>)[replyKey] ?? 0n).finish(),
    decodeReply: (data) =>
      (replyKey === undefined ? undefined : { [replyKey]: new ByteReader(data).u64le(replyKey) }) as Res,
  };
}

function fixedKeyArg(key: unknown): bigint {
  if (typeof key !== 'bigint' && typeof key !== 'string') {
    throw argError('SET_FIXED_ENCRYPTION_KEY', '"fixedKey" must be a bigint or 16 hex digits');
  }
  return parseFixedKey(key);
}

function textReply(): Pick<CommandSpec<unknown, VersionResult>, 'encodeReply' | 'decodeReply'> {
  return {
    encodeReply: (result) => encodeVersionText(result.version),
    decodeReply: (data) => ({ version: decodeVersionText(data) }),
  };
}

function pollCommand(name: string, code: number, description: string, encryption: Enc): CommandSpec<void, SspEvent[]> {
  return {
    name,
    code,
    encryption,
    description,
    ...noArgs(name),
    encodeReply: (events, ctx) => encodeEvents(events, ctx),
    decodeReply: (data, ctx) => decodeEvents(data, ctx),
  };
}

const HOPPER_BITS = [
  'payMode',
  'levelCheck',
  'motorSpeed',
  'cashBoxPayActive',
  'routeZeroLevelToCashbox',
  'highEfficiencySplit',
  'unknownToPayout',
  'valueAddedEvent',
] as const;
/** Bits set after a reset (M649 p.109): level check, high motor speed, high-efficiency split. */
const HOPPER_DEFAULTS: Readonly<Record<string, boolean>> = {
  levelCheck: true,
  motorSpeed: true,
  highEfficiencySplit: true,
};

/** SET_OPTIONS reply byte (GA138 "Set Options: Response Codes"): the pay mode now in force. */
export const HOPPER_PAY_MODES = {
  highestSplitWithCashbox: 0xfc,
  freePayWithCashbox: 0xfd,
  highestSplit: 0xfe,
  freePay: 0xff,
} as const;
export type HopperPayMode = keyof typeof HOPPER_PAY_MODES;
export interface SetHopperOptionsResult {
  mode: HopperPayMode;
}

function decodeHopperPayMode(data: Uint8Array): SetHopperOptionsResult | undefined {
  if (data.length === 0) return undefined; // older firmware answers a bare F0
  const code = new ByteReader(data).u8('mode');
  const mode = (Object.keys(HOPPER_PAY_MODES) as HopperPayMode[]).find((m) => HOPPER_PAY_MODES[m] === code);
  if (!mode) {
    throw new KioskbusError(ErrorCode.UnexpectedReply, `SET_HOPPER_OPTIONS: mode byte 0x${code.toString(16)}`, {
      raw: data,
    });
  }
  return { mode };
}

function encodeHopperOptions(name: string, args: unknown): Uint8Array {
  const a = args === undefined ? {} : argsObject(name, args);
  let reg0 = 0;
  HOPPER_BITS.forEach((key, bit) => {
    if (boolArg(name, a, key, HOPPER_DEFAULTS[key] ?? false)) reg0 |= 1 << bit;
  });
  return Uint8Array.of(reg0, optionalIntArg(name, a, 'reg1', 0, 255) ?? 0);
}

function decodeHopperOptions(r: ByteReader): Required<HopperOptions> {
  const reg0 = r.u8('REG0');
  const reg1 = r.u8('REG1');
  const out = { reg1 } as Required<HopperOptions>;
  HOPPER_BITS.forEach((key, bit) => {
    out[key] = (reg0 & (1 << bit)) !== 0;
  });
  return out;
}

const BEZEL_TYPES = ['solid', 'flash', 'off'] as const;
const BAUD_RATES = [9600, 38400, 115200] as const;

function rtcBytes(name: string, args: unknown): Uint8Array {
  const a = argsObject(name, args);
  return Uint8Array.of(
    intArg(name, a, 'day', 1, 31),
    intArg(name, a, 'month', 1, 12),
    intArg(name, a, 'year', 0, 99),
    intArg(name, a, 'hour', 0, 23),
    intArg(name, a, 'minute', 0, 59),
    intArg(name, a, 'second', 0, 59),
  );
}

function readRtc(r: ByteReader): RtcTime {
  return {
    day: r.u8('day'),
    month: r.u8('month'),
    year: r.u8('year'),
    hour: r.u8('hour'),
    minute: r.u8('minute'),
    second: r.u8('second'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// the table

const TABLE = {
  RESET: simple('RESET', 0x01, 'hard reset of the device (drops encryption and baud rate)'),
  SET_CHANNEL_INHIBITS: {
    name: 'SET_CHANNEL_INHIBITS',
    code: 0x02,
    encryption: 'optional',
    description: 'which channels accept notes: bit set = enabled; channels not sent are inhibited',
    encodeArgs(args: ChannelInhibitsArgs) {
      const name = 'SET_CHANNEL_INHIBITS';
      const a = argsObject(name, args);
      const channels = a.channels;
      if (!Array.isArray(channels) || channels.length > 64) {
        throw argError(
          name,
          `"channels" must be a list (index 0 = channel 1) of 0/1 or booleans, got ${describe(channels)}`,
        );
      }
      const bytes = optionalIntArg(name, a, 'bytes', 1, 8) ?? Math.max(2, Math.ceil(channels.length / 8));
      if (channels.length > bytes * 8)
        throw argError(name, `${channels.length} channels do not fit in ${bytes} byte(s)`);
      const out = new Uint8Array(bytes);
      (channels as unknown[]).forEach((c, i) => {
        if (c !== 0 && c !== 1 && typeof c !== 'boolean') {
          throw argError(name, `channel ${i + 1} must be 0, 1, true or false, got ${describe(c)}`);
        }
        if (c === 1 || c === true) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
      });
      return out;
    },
    decodeArgs(data: Uint8Array): ChannelInhibitsArgs {
      if (data.length < 1 || data.length > 8) {
        throw argError('SET_CHANNEL_INHIBITS', `1..8 mask bytes expected, got ${data.length}`, 'device');
      }
      const channels: boolean[] = [];
      for (let i = 0; i < data.length * 8; i++) channels.push(((data[i >> 3] ?? 0) & (1 << (i & 7))) !== 0);
      return { channels, bytes: data.length };
    },
    ...okReply,
  } satisfies CommandSpec<ChannelInhibitsArgs, void>,
  DISPLAY_ON: simple('DISPLAY_ON', 0x03, 'bezel illumination on'),
  DISPLAY_OFF: simple('DISPLAY_OFF', 0x04, 'bezel illumination off'),
  SETUP_REQUEST: {
    name: 'SETUP_REQUEST',
    code: 0x05,
    encryption: 'optional',
    description: 'unit type, firmware, country, channels and protocol version (layout per unit type)',
    ...noArgs('SETUP_REQUEST'),
    encodeReply: (result: SetupRequestResult) => encodeSetupRequest(result),
    decodeReply: (data: Uint8Array) => decodeSetupRequest(data),
  } satisfies CommandSpec<void, SetupRequestResult>,
  HOST_PROTOCOL_VERSION: {
    name: 'HOST_PROTOCOL_VERSION',
    code: 0x06,
    encryption: 'optional',
    description: 'sets the protocol version the host implements (F8 if the device does not support it)',
    encodeArgs: (args: ProtocolVersionArgs) =>
      Uint8Array.of(intArg('HOST_PROTOCOL_VERSION', argsObject('HOST_PROTOCOL_VERSION', args), 'version', 1, 255)),
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('HOST_PROTOCOL_VERSION', data, (r) => ({ version: r.u8('version') })),
    ...okReply,
  } satisfies CommandSpec<ProtocolVersionArgs, void>,
  POLL: pollCommand('POLL', 0x07, 'events since the last poll', 'optional'),
  REJECT_BANKNOTE: simple('REJECT_BANKNOTE', 0x08, 'reject the note held in escrow'),
  DISABLE: simple('DISABLE', 0x09, 'disable the device'),
  ENABLE: simple('ENABLE', 0x0a, 'enable the device'),
  GET_SERIAL_NUMBER: {
    name: 'GET_SERIAL_NUMBER',
    code: 0x0c,
    encryption: 'optional',
    description: 'factory serial number (u32 big-endian); optional sub-device byte',
    encodeArgs(args: SerialNumberArgs | undefined) {
      if (args === undefined) return EMPTY;
      const device = optionalIntArg('GET_SERIAL_NUMBER', argsObject('GET_SERIAL_NUMBER', args), 'device', 0, 255);
      return device === undefined ? EMPTY : Uint8Array.of(device);
    },
    decodeArgs: (data: Uint8Array): SerialNumberArgs =>
      decodeStrict('GET_SERIAL_NUMBER', data, (r) => (r.remaining > 0 ? { device: r.u8('device') } : {})),
    encodeReply: (result: SerialNumberResult) => encodeSerialNumber(result.serialNumber),
    decodeReply: (data: Uint8Array) => ({ serialNumber: decodeSerialNumber(data) }),
  } satisfies CommandSpec<SerialNumberArgs | undefined, SerialNumberResult>,
  UNIT_DATA: {
    name: 'UNIT_DATA',
    code: 0x0d,
    encryption: 'optional',
    description: 'unit type, firmware, country, value multiplier, protocol version',
    ...noArgs('UNIT_DATA'),
    encodeReply: (result: UnitDataResult) => encodeUnitData(result),
    decodeReply: (data: Uint8Array) => decodeUnitData(data),
  } satisfies CommandSpec<void, UnitDataResult>,
  CHANNEL_VALUE_REQUEST: {
    name: 'CHANNEL_VALUE_REQUEST',
    code: 0x0e,
    encryption: 'optional',
    description: 'channel values (v>=6 with currencies and full values)',
    ...noArgs('CHANNEL_VALUE_REQUEST'),
    encodeReply: (result: ChannelValuesResult, ctx: SspContext) => encodeChannelValues(result, ctx),
    decodeReply: (data: Uint8Array, ctx: SspContext) => decodeChannelValues(data, ctx),
  } satisfies CommandSpec<void, ChannelValuesResult>,
  CHANNEL_SECURITY_DATA: {
    name: 'CHANNEL_SECURITY_DATA',
    code: 0x0f,
    encryption: 'optional',
    description: 'security level of each channel',
    ...noArgs('CHANNEL_SECURITY_DATA'),
    encodeReply: (result: ChannelSecurityResult) => encodeChannelSecurity(result),
    decodeReply: (data: Uint8Array) => decodeChannelSecurity(data),
  } satisfies CommandSpec<void, ChannelSecurityResult>,
  CHANNEL_RE_TEACH_DATA: raw('CHANNEL_RE_TEACH_DATA', 0x10, 'vestigial; reply bytes returned as sent'),
  SYNC: simple('SYNC', 0x11, 'resets the sequence flag'),
  LAST_REJECT_CODE: {
    name: 'LAST_REJECT_CODE',
    code: 0x17,
    encryption: 'optional',
    description: 'reason of the last note reject',
    ...noArgs('LAST_REJECT_CODE'),
    encodeReply: (result: RejectReason) => Uint8Array.of(result.code & 0xff),
    decodeReply: (data: Uint8Array) => decodeRejectReason(new ByteReader(data).u8('reject code')),
  } satisfies CommandSpec<void, RejectReason>,
  HOLD: simple('HOLD', 0x18, 'keep the escrowed note (restarts the escrow time-out)'),
  GET_FIRMWARE_VERSION: {
    name: 'GET_FIRMWARE_VERSION',
    code: 0x20,
    encryption: 'optional',
    description: 'firmware version text',
    ...noArgs('GET_FIRMWARE_VERSION'),
    ...textReply(),
  } satisfies CommandSpec<void, VersionResult>,
  GET_DATASET_VERSION: {
    name: 'GET_DATASET_VERSION',
    code: 0x21,
    encryption: 'optional',
    description: 'dataset version text',
    ...noArgs('GET_DATASET_VERSION'),
    ...textReply(),
  } satisfies CommandSpec<void, VersionResult>,
  GET_ALL_LEVELS: {
    name: 'GET_ALL_LEVELS',
    code: 0x22,
    encryption: 'optional',
    description: 'stored level of every denomination',
    ...noArgs('GET_ALL_LEVELS'),
    encodeReply: (result: LevelsResult) => encodeLevels(result.levels),
    decodeReply: (data: Uint8Array) => ({ levels: decodeLevels(data) }),
  } satisfies CommandSpec<void, LevelsResult>,
  GET_BAR_CODE_READER_CONFIGURATION: {
    name: 'GET_BAR_CODE_READER_CONFIGURATION',
    code: 0x23,
    encryption: 'optional',
    description: 'bar code readers fitted and enabled, format, number of characters',
    ...noArgs('GET_BAR_CODE_READER_CONFIGURATION'),
    encodeReply: (result: BarCodeReaderConfiguration) => encodeBarCodeConfiguration(result),
    decodeReply: (data: Uint8Array) => decodeBarCodeConfiguration(data),
  } satisfies CommandSpec<void, BarCodeReaderConfiguration>,
  SET_BAR_CODE_CONFIGURATION: {
    name: 'SET_BAR_CODE_CONFIGURATION',
    code: 0x24,
    encryption: 'optional',
    description: 'enable bar code readers (none|top|bottom|both), format, 6..24 characters',
    encodeArgs(args: BarCodeConfigurationArgs) {
      const name = 'SET_BAR_CODE_CONFIGURATION';
      const a = argsObject(name, args);
      const enable = enumArg(name, a, 'enable', BAR_CODE_READERS);
      const numChar = intArg(name, a, 'numChar', 6, 24);
      const format = optionalIntArg(name, a, 'format', 1, 1) ?? 1;
      return Uint8Array.of(BAR_CODE_READERS.indexOf(enable), format, numChar);
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_BAR_CODE_CONFIGURATION', data, (r) => {
        const e = r.u8('enable');
        const format = r.u8('format');
        const numChar = r.u8('number of characters');
        const enable = BAR_CODE_READERS[e];
        if (enable === undefined || format !== 1 || numChar < 6 || numChar > 24) {
          throw outOfRange('SET_BAR_CODE_CONFIGURATION', 'enable 0..3, format 1, 6..24 characters', 'device');
        }
        return { enable, numChar, format };
      }),
    ...okReply,
  } satisfies CommandSpec<BarCodeConfigurationArgs, void>,
  GET_BAR_CODE_INHIBIT_STATUS: {
    name: 'GET_BAR_CODE_INHIBIT_STATUS',
    code: 0x25,
    encryption: 'optional',
    description: 'currency/bar code inhibit register (bit clear = enabled)',
    ...noArgs('GET_BAR_CODE_INHIBIT_STATUS'),
    encodeReply: (result: BarCodeInhibitResult) => Uint8Array.of(result.raw),
    decodeReply(data: Uint8Array) {
      const b = new ByteReader(data).u8('inhibit register');
      return { currencyRead: (b & 1) === 0, barCode: (b & 2) === 0, raw: b };
    },
  } satisfies CommandSpec<void, BarCodeInhibitResult>,
  SET_BAR_CODE_INHIBIT_STATUS: {
    name: 'SET_BAR_CODE_INHIBIT_STATUS',
    code: 0x26,
    encryption: 'optional',
    description: 'enable bank notes and/or bar code tickets (bit 0 currency, bit 1 bar code, 0 = enabled)',
    encodeArgs(args: BarCodeInhibitArgs) {
      const name = 'SET_BAR_CODE_INHIBIT_STATUS';
      const a = argsObject(name, args);
      const currency = boolArg(name, a, 'currencyRead');
      const barCode = boolArg(name, a, 'barCode');
      return Uint8Array.of(0xfc | (currency ? 0 : 1) | (barCode ? 0 : 2));
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_BAR_CODE_INHIBIT_STATUS', data, (r) => {
        const b = r.u8('inhibit register');
        if ((b & 0xfc) !== 0xfc) throw outOfRange('SET_BAR_CODE_INHIBIT_STATUS', 'bits 2..7 must be set', 'device');
        return { currencyRead: (b & 1) === 0, barCode: (b & 2) === 0 };
      }),
    ...okReply,
  } satisfies CommandSpec<BarCodeInhibitArgs, void>,
  GET_BAR_CODE_DATA: {
    name: 'GET_BAR_CODE_DATA',
    code: 0x27,
    encryption: 'optional',
    description: 'last bar code ticket: status (none|escrow|stacked|rejected) and data',
    ...noArgs('GET_BAR_CODE_DATA'),
    encodeReply: (result: BarCodeData) => encodeBarCodeData(result),
    decodeReply: (data: Uint8Array) => decodeBarCodeData(data),
  } satisfies CommandSpec<void, BarCodeData>,
  SET_REFILL_MODE: {
    name: 'SET_REFILL_MODE',
    code: 0x30,
    encryption: 'optional',
    description: 'SMART Payout refill mode: on, off, or read it (get)',
    encodeArgs(args: RefillModeArgs) {
      const mode = enumArg('SET_REFILL_MODE', argsObject('SET_REFILL_MODE', args), 'mode', [
        'on',
        'off',
        'get',
      ] as const);
      if (mode === 'get') return Uint8Array.of(0x05, 0x81, 0x10, 0x01);
      return Uint8Array.of(0x05, 0x81, 0x10, 0x11, mode === 'on' ? 1 : 0);
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_REFILL_MODE', data, (r) => {
        const head = [r.u8(), r.u8(), r.u8()];
        if (head[0] !== 0x05 || head[1] !== 0x81 || head[2] !== 0x10) {
          throw outOfRange('SET_REFILL_MODE', 'expected 05 81 10', 'device');
        }
        const op = r.u8('operation');
        if (op === 0x01) return { mode: 'get' as const };
        if (op !== 0x11) throw outOfRange('SET_REFILL_MODE', 'operation must be 0x01 or 0x11', 'device');
        const on = r.u8('mode');
        if (on > 1) throw outOfRange('SET_REFILL_MODE', 'mode must be 0 or 1', 'device');
        return { mode: on === 1 ? ('on' as const) : ('off' as const) };
      }),
    encodeReply: (result: RefillModeResult) =>
      result.enabled === undefined ? EMPTY : Uint8Array.of(result.enabled ? 1 : 0),
    decodeReply: (data: Uint8Array): RefillModeResult => (data.length > 0 ? { enabled: data[0] === 1 } : {}),
  } satisfies CommandSpec<RefillModeArgs, RefillModeResult>,
  PAYOUT_AMOUNT: amountCommand(
    'PAYOUT_AMOUNT',
    0x33,
    'pay out an amount (v>=6: currency, test or pay)',
    false,
  ) as CommandSpec<PayoutAmountArgs, void>,
  SET_DENOMINATION_LEVEL: {
    name: 'SET_DENOMINATION_LEVEL',
    code: 0x34,
    encryption: 'required',
    description: 'add to the stored level of a denomination (count 0 clears it)',
    encodeArgs(args: SetDenominationLevelArgs, ctx: SspContext) {
      const name = 'SET_DENOMINATION_LEVEL';
      const a = argsObject(name, args);
      const w = new ByteWriter().u16le(intArg(name, a, 'count', 0, U16_MAX));
      writeDenomination(name, w, a, ctx, true);
      return w.finish();
    },
    decodeArgs: (data: Uint8Array, ctx: SspContext) =>
      decodeStrict('SET_DENOMINATION_LEVEL', data, (r): SetDenominationLevelArgs => {
        const count = r.u16le('count');
        if (!v6(ctx)) return { count, value: r.u16le('value') };
        const value = r.u32le('value');
        return { count, value, currency: readCurrency(r) };
      }),
    ...okReply,
  } satisfies CommandSpec<SetDenominationLevelArgs, void>,
  GET_DENOMINATION_LEVEL: {
    name: 'GET_DENOMINATION_LEVEL',
    code: 0x35,
    encryption: 'optional',
    description: 'stored level of one denomination',
    encodeArgs(args: DenominationArgs, ctx: SspContext) {
      const w = new ByteWriter();
      writeDenomination('GET_DENOMINATION_LEVEL', w, argsObject('GET_DENOMINATION_LEVEL', args), ctx);
      return w.finish();
    },
    decodeArgs: (data: Uint8Array, ctx: SspContext) =>
      decodeStrict('GET_DENOMINATION_LEVEL', data, (r): DenominationArgs => {
        const value = r.u32le('value');
        return v6(ctx) ? { value, currency: readCurrency(r) } : { value };
      }),
    encodeReply: (result: LevelResult) => new ByteWriter().u16le(result.level).finish(),
    decodeReply: (data: Uint8Array) => ({ level: new ByteReader(data).u16le('level') }),
  } satisfies CommandSpec<DenominationArgs, LevelResult>,
  COMMUNICATION_PASS_THROUGH: {
    name: 'COMMUNICATION_PASS_THROUGH',
    code: 0x37,
    encryption: 'optional',
    description: 'SMART Hopper USB pass-through mode (optional UART byte)',
    encodeArgs(args: CommsPassThroughArgs | undefined) {
      if (args === undefined) return EMPTY;
      const uart = optionalIntArg(
        'COMMUNICATION_PASS_THROUGH',
        argsObject('COMMUNICATION_PASS_THROUGH', args),
        'uart',
        0,
        255,
      );
      return uart === undefined ? EMPTY : Uint8Array.of(uart);
    },
    decodeArgs: (data: Uint8Array): CommsPassThroughArgs =>
      decodeStrict('COMMUNICATION_PASS_THROUGH', data, (r) => (r.remaining > 0 ? { uart: r.u8() } : {})),
    ...okReply,
  } satisfies CommandSpec<CommsPassThroughArgs | undefined, void>,
  HALT_PAYOUT: simple('HALT_PAYOUT', 0x38, 'stop the running payout', 'required'),
  PAYOUT_AMOUNT_BY_DENOMINATION: raw(
    'PAYOUT_AMOUNT_BY_DENOMINATION',
    0x39,
    'SMART System payout with two chosen denominations (layout undocumented: raw bytes)',
    'required',
  ),
  COIN_ESCROW: raw('COIN_ESCROW', 0x3a, 'SMART System coin escrow (layout undocumented: raw bytes)'),
  SET_DENOMINATION_ROUTE: {
    name: 'SET_DENOMINATION_ROUTE',
    code: 0x3b,
    encryption: 'required',
    description: 'route a denomination to the payout store or the cashbox',
    encodeArgs(args: SetRouteArgs, ctx: SspContext) {
      const name = 'SET_DENOMINATION_ROUTE';
      const a = argsObject(name, args);
      const w = new ByteWriter().u8(routeByte(name, a.route));
      writeDenomination(name, w, a, ctx, hopperForm(a, ctx));
      return w.finish();
    },
    decodeArgs: (data: Uint8Array, ctx: SspContext) =>
      decodeStrict('SET_DENOMINATION_ROUTE', data, (r): SetRouteArgs => {
        const route = routeName(r.u8('route'));
        return { route, ...readRouteArgs(r, ctx, 0) };
      }),
    ...okReply,
    cannotProcessReasons: ROUTE_REASONS,
  } satisfies CommandSpec<SetRouteArgs, void>,
  GET_DENOMINATION_ROUTE: {
    name: 'GET_DENOMINATION_ROUTE',
    code: 0x3c,
    encryption: 'required',
    description: 'where a denomination is routed',
    encodeArgs(args: RouteArgs, ctx: SspContext) {
      const name = 'GET_DENOMINATION_ROUTE';
      const a = argsObject(name, args);
      const w = new ByteWriter();
      writeDenomination(name, w, a, ctx, hopperForm(a, ctx));
      return w.finish();
    },
    decodeArgs: (data: Uint8Array, ctx: SspContext) =>
      decodeStrict('GET_DENOMINATION_ROUTE', data, (r) => readRouteArgs(r, ctx, 0)),
    encodeReply: (result: RouteResult) => Uint8Array.of(routeByte('GET_DENOMINATION_ROUTE', result.route)),
    decodeReply: (data: Uint8Array) => ({ route: routeName(new ByteReader(data).u8('route')) }),
    cannotProcessReasons: ROUTE_REASONS,
  } satisfies CommandSpec<RouteArgs, RouteResult>,
  FLOAT_AMOUNT: amountCommand('FLOAT_AMOUNT', 0x3d, 'float: keep an amount, move the rest to the cashbox', true),
  GET_MINIMUM_PAYOUT: {
    name: 'GET_MINIMUM_PAYOUT',
    code: 0x3e,
    encryption: 'optional',
    description: 'smallest amount the device can pay (v>=6: for a currency)',
    encodeArgs(args: MinimumPayoutArgs | undefined, ctx: SspContext) {
      if (!v6(ctx)) return EMPTY;
      const a = args === undefined ? {} : argsObject('GET_MINIMUM_PAYOUT', args);
      return new ByteWriter().ascii(argCurrency('GET_MINIMUM_PAYOUT', a, ctx)).finish();
    },
    decodeArgs: (data: Uint8Array, ctx: SspContext): MinimumPayoutArgs =>
      decodeStrict('GET_MINIMUM_PAYOUT', data, (r) => (v6(ctx) ? { currency: readCurrency(r) } : {})),
    encodeReply: (result: ValueResult) => new ByteWriter().u32le(result.value).finish(),
    decodeReply: (data: Uint8Array) => ({ value: new ByteReader(data).u32le('value') }),
  } satisfies CommandSpec<MinimumPayoutArgs | undefined, ValueResult>,
  EMPTY_ALL: simple('EMPTY_ALL', 0x3f, 'move everything to the cashbox and clear the levels', 'required'),
  SET_COIN_MECH_INHIBITS: {
    name: 'SET_COIN_MECH_INHIBITS',
    code: 0x40,
    encryption: 'required',
    description: 'accept or inhibit one coin value of the attached coin mechanism',
    encodeArgs(args: CoinMechInhibitArgs, ctx: SspContext) {
      const name = 'SET_COIN_MECH_INHIBITS';
      const a = argsObject(name, args);
      const w = new ByteWriter().u8(boolArg(name, a, 'inhibited') ? 0 : 1);
      w.u16le(intArg(name, a, 'value', 0, U16_MAX));
      if (v6(ctx)) writeCurrency(w, argCurrency(name, a, ctx));
      return w.finish();
    },
    decodeArgs: (data: Uint8Array, ctx: SspContext) =>
      decodeStrict('SET_COIN_MECH_INHIBITS', data, (r): CoinMechInhibitArgs => {
        const state = r.u8('state');
        if (state > 1) throw outOfRange('SET_COIN_MECH_INHIBITS', 'state must be 0 or 1', 'device');
        const value = r.u16le('value');
        const base = { inhibited: state === 0, value };
        return v6(ctx) ? { ...base, currency: readCurrency(r) } : base;
      }),
    ...okReply,
  } satisfies CommandSpec<CoinMechInhibitArgs, void>,
  GET_NOTE_POSITIONS: {
    name: 'GET_NOTE_POSITIONS',
    code: 0x41,
    encryption: 'required',
    description: 'NV11: notes in the float, by value or by channel (per SET_VALUE_REPORTING_TYPE)',
    ...noArgs('GET_NOTE_POSITIONS'),
    encodeReply(result: NotePositionsResult) {
      const w = new ByteWriter().u8(result.count);
      if (result.values) for (const v of result.values) w.u32le(v);
      else for (const c of result.channels ?? []) w.u8(c);
      return w.finish();
    },
    decodeReply(data: Uint8Array): NotePositionsResult {
      const r = new ByteReader(data);
      const count = r.u8('count');
      // by value: count × u32; by channel: count × u8. Any other length means the count is wrong.
      if (count > 0 && r.remaining === count * 4) {
        const values: number[] = [];
        for (let i = 0; i < count; i++) values.push(r.u32le('value'));
        return { count, values };
      }
      const channels = [...r.bytesOf(count, 'channels')];
      expectEnd(r, `GET_NOTE_POSITIONS (${count} notes)`);
      return { count, channels };
    },
    cannotProcessReasons: { 2: 'invalid currency' },
  } satisfies CommandSpec<void, NotePositionsResult>,
  PAYOUT_NOTE: {
    ...simple('PAYOUT_NOTE', 0x42, 'NV11: pay out the last stored note', 'required'),
    cannotProcessReasons: NOTE_FLOAT_REASONS,
    cannotProcessCodes: NOTE_FLOAT_CODES,
  },
  STACK_NOTE: {
    ...simple('STACK_NOTE', 0x43, 'NV11: stack the last stored note', 'required'),
    cannotProcessReasons: NOTE_FLOAT_REASONS,
    cannotProcessCodes: NOTE_FLOAT_CODES,
  },
  FLOAT_BY_DENOMINATION: byDenomination(
    'FLOAT_BY_DENOMINATION',
    0x44,
    'keep the given quantities, move the rest to the cashbox',
  ),
  SET_VALUE_REPORTING_TYPE: {
    name: 'SET_VALUE_REPORTING_TYPE',
    code: 0x45,
    encryption: 'required',
    description: 'NV11: report notes by value or by channel',
    encodeArgs: (args: ValueReportingArgs) =>
      Uint8Array.of(
        enumArg('SET_VALUE_REPORTING_TYPE', argsObject('SET_VALUE_REPORTING_TYPE', args), 'reportBy', [
          'value',
          'channel',
        ] as const) === 'value'
          ? 0
          : 1,
      ),
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_VALUE_REPORTING_TYPE', data, (r): ValueReportingArgs => {
        const b = r.u8('type');
        if (b > 1) throw outOfRange('SET_VALUE_REPORTING_TYPE', 'type must be 0 or 1', 'device');
        return { reportBy: b === 0 ? 'value' : 'channel' };
      }),
    ...okReply,
    cannotProcessReasons: NOTE_FLOAT_REASONS,
  } satisfies CommandSpec<ValueReportingArgs, void>,
  PAYOUT_BY_DENOMINATION: byDenomination(
    'PAYOUT_BY_DENOMINATION',
    0x46,
    'pay out given quantities of denominations (v>=6)',
  ),
  SET_COIN_MECH_GLOBAL_INHIBIT: flagCommand(
    'SET_COIN_MECH_GLOBAL_INHIBIT',
    0x49,
    'enable or disable the attached coin mechanism as a whole',
    'enable',
    'required',
    (on) => (on ? 1 : 0),
  ),
  SET_GENERATOR: u64Command('SET_GENERATOR', 0x4a, 'Diffie-Hellman generator (prime, u64 LE)', 'generator', undefined),
  SET_MODULUS: u64Command('SET_MODULUS', 0x4b, 'Diffie-Hellman modulus (prime, u64 LE)', 'modulus', undefined),
  REQUEST_KEY_EXCHANGE: u64Command(
    'REQUEST_KEY_EXCHANGE',
    0x4c,
    'host intermediate key in, slave intermediate key out (u64 LE)',
    'hostInterKey',
    'slaveInterKey',
  ),
  SET_BAUD_RATE: {
    name: 'SET_BAUD_RATE',
    code: 0x4d,
    encryption: 'optional',
    description: 'switch to 9600/38400/115200 baud (answered at the old rate)',
    encodeArgs(args: BaudRateArgs) {
      const name = 'SET_BAUD_RATE';
      const a = argsObject(name, args);
      const index = BAUD_RATES.indexOf(a.baudRate as 9600);
      if (index < 0) throw argError(name, `"baudRate" must be 9600, 38400 or 115200, got ${describe(a.baudRate)}`);
      return Uint8Array.of(index, boolArg(name, a, 'persist') ? 1 : 0);
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_BAUD_RATE', data, (r): BaudRateArgs => {
        const baudRate = BAUD_RATES[r.u8('rate')];
        const persist = r.u8('persist');
        if (baudRate === undefined || persist > 1)
          throw outOfRange('SET_BAUD_RATE', 'rate 0..2, persist 0..1', 'device');
        return { baudRate, persist: persist === 1 };
      }),
    ...okReply,
  } satisfies CommandSpec<BaudRateArgs, void>,
  SET_CASHBOX_PAYOUT_LIMIT: {
    name: 'SET_CASHBOX_PAYOUT_LIMIT',
    code: 0x4e,
    encryption: 'required',
    description: 'levels above which coins go to the cashbox',
    encodeArgs(args: CashboxPayoutLimitArgs) {
      const name = 'SET_CASHBOX_PAYOUT_LIMIT';
      const a = argsObject(name, args);
      if (!Array.isArray(a.limits) || a.limits.length > 255)
        throw argError(name, '"limits" must be a list of { level, value, currency }');
      const w = new ByteWriter().u8(a.limits.length);
      for (const l of a.limits as unknown[]) {
        if (!isRecord(l)) throw argError(name, 'each limit must be { level, value, currency }');
        w.u16le(intArg(name, l, 'level', 0, U16_MAX)).u32le(intArg(name, l, 'value', 0, U32_MAX));
        writeCurrency(w, currencyArg(name, l.currency));
      }
      return w.finish();
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_CASHBOX_PAYOUT_LIMIT', data, (r) => ({
        limits: readItems(r).map((i) => ({ level: i.count, value: i.value, currency: i.currency })),
      })),
    ...okReply,
  } satisfies CommandSpec<CashboxPayoutLimitArgs, void>,
  GET_BUILD_REVISION: {
    name: 'GET_BUILD_REVISION',
    code: 0x4f,
    encryption: 'optional',
    description: 'build revision of the device and its attached units',
    ...noArgs('GET_BUILD_REVISION'),
    encodeReply: (result: BuildRevisionResult) => encodeBuildRevision(result.revisions),
    decodeReply: (data: Uint8Array) => ({ revisions: decodeBuildRevision(data) }),
  } satisfies CommandSpec<void, BuildRevisionResult>,
  SET_HOPPER_OPTIONS: {
    name: 'SET_HOPPER_OPTIONS',
    code: 0x50,
    encryption: 'required',
    description: 'SMART Hopper/System options (REG0 bits 0..7, REG1); omitted bits take the reset defaults',
    encodeArgs: (args: HopperOptions | undefined) => encodeHopperOptions('SET_HOPPER_OPTIONS', args),
    decodeArgs: (data: Uint8Array) => decodeStrict('SET_HOPPER_OPTIONS', data, decodeHopperOptions),
    encodeReply: (result: SetHopperOptionsResult | undefined) =>
      result === undefined ? EMPTY : Uint8Array.of(HOPPER_PAY_MODES[result.mode]),
    decodeReply: (data: Uint8Array) => decodeHopperPayMode(data),
  } satisfies CommandSpec<HopperOptions | undefined, SetHopperOptionsResult | undefined>,
  GET_HOPPER_OPTIONS: {
    name: 'GET_HOPPER_OPTIONS',
    code: 0x51,
    encryption: 'required',
    description: 'SMART Hopper/System options',
    ...noArgs('GET_HOPPER_OPTIONS'),
    encodeReply: (result: HopperOptions) => encodeHopperOptions('GET_HOPPER_OPTIONS', result),
    decodeReply: (data: Uint8Array) => decodeHopperOptions(new ByteReader(data)),
  } satisfies CommandSpec<void, Required<HopperOptions>>,
  SMART_EMPTY: simple('SMART_EMPTY', 0x52, 'empty to the cashbox, counting the value', 'required'),
  CASHBOX_PAYOUT_OPERATION_DATA: {
    name: 'CASHBOX_PAYOUT_OPERATION_DATA',
    code: 0x53,
    encryption: 'required',
    description: 'what the last payout/float/empty moved to the cashbox',
    ...noArgs('CASHBOX_PAYOUT_OPERATION_DATA'),
    encodeReply(result: CashboxPayoutDataResult) {
      const w = new ByteWriter().u8(result.items.length);
      for (const i of result.items) {
        w.u16le(i.count).u32le(i.value);
        writeCurrency(w, i.currency);
      }
      if (result.unknown !== undefined) w.u32le(result.unknown);
      return w.finish();
    },
    decodeReply(data: Uint8Array): CashboxPayoutDataResult {
      const r = new ByteReader(data);
      const items = readItems(r);
      const out: CashboxPayoutDataResult =
        r.remaining > 0 ? { items, unknown: r.u32le('unknown quantity') } : { items };
      expectEnd(r, `CASHBOX_PAYOUT_OPERATION_DATA (${items.length} denominations)`);
      return out;
    },
  } satisfies CommandSpec<void, CashboxPayoutDataResult>,
  CONFIGURE_BEZEL: {
    name: 'CONFIGURE_BEZEL',
    code: 0x54,
    encryption: 'optional',
    description: 'bezel colour (R, G, B), volatile or stored, optional type (solid|flash|off)',
    encodeArgs(args: BezelArgs) {
      const name = 'CONFIGURE_BEZEL';
      const a = argsObject(name, args);
      const w = new ByteWriter()
        .u8(intArg(name, a, 'red', 0, 255))
        .u8(intArg(name, a, 'green', 0, 255))
        .u8(intArg(name, a, 'blue', 0, 255))
        .u8(boolArg(name, a, 'volatile') ? 0 : 1);
      if (a.type !== undefined) w.u8(BEZEL_TYPES.indexOf(enumArg(name, a, 'type', BEZEL_TYPES)));
      return w.finish();
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('CONFIGURE_BEZEL', data, (r): BezelArgs => {
        const red = r.u8('red');
        const green = r.u8('green');
        const blue = r.u8('blue');
        const cfg = r.u8('configuration');
        if (cfg > 1) throw outOfRange('CONFIGURE_BEZEL', 'configuration must be 0 or 1', 'device');
        const base = { red, green, blue, volatile: cfg === 0 };
        if (r.remaining === 0) return base;
        const type = BEZEL_TYPES[r.u8('type')];
        if (type === undefined) throw outOfRange('CONFIGURE_BEZEL', 'type must be 0..2', 'device');
        return { ...base, type };
      }),
    ...okReply,
  } satisfies CommandSpec<BezelArgs, void>,
  POLL_WITH_ACK: pollCommand('POLL_WITH_ACK', 0x56, 'poll; credit-type events repeat until EVENT_ACK', 'required'),
  EVENT_ACK: simple('EVENT_ACK', 0x57, 'acknowledge the events of POLL_WITH_ACK', 'required'),
  GET_COUNTERS: {
    name: 'GET_COUNTERS',
    code: 0x58,
    encryption: 'optional',
    description: 'note activity counters: stacked, stored, dispensed, transferred, rejected',
    ...noArgs('GET_COUNTERS'),
    encodeReply: (result: Pick<CountersResult, 'counters'>) => encodeCounters(result),
    decodeReply: (data: Uint8Array) => decodeCounters(data),
  } satisfies CommandSpec<void, CountersResult>,
  RESET_COUNTERS: simple('RESET_COUNTERS', 0x59, 'reset the note activity counters'),
  COIN_MECH_OPTIONS: flagCommand(
    'COIN_MECH_OPTIONS',
    0x5a,
    'report ccTalk coin mechanism errors',
    'ccTalk',
    'required',
    (on) => (on ? 1 : 0),
  ),
  DISABLE_PAYOUT_DEVICE: simple(
    'DISABLE_PAYOUT_DEVICE',
    0x5b,
    'route every note to the cashbox, refuse payouts',
    'required',
  ),
  ENABLE_PAYOUT_DEVICE: {
    name: 'ENABLE_PAYOUT_DEVICE',
    code: 0x5c,
    encryption: 'required',
    description: 'enable the payout (optional option byte: SMART Payout / NV11 flags)',
    encodeArgs(args: EnablePayoutArgs | undefined) {
      const name = 'ENABLE_PAYOUT_DEVICE';
      if (args === undefined) return EMPTY;
      const a = argsObject(name, args);
      const keys = ['requireFullStartup', 'optimiseForPayinSpeed', 'giveValueOnStored', 'noHoldNoteOnPayout'];
      if (keys.every((k) => a[k] === undefined)) return EMPTY;
      const bit0 = boolArg(name, a, 'requireFullStartup', false) || boolArg(name, a, 'giveValueOnStored', false);
      const bit1 = boolArg(name, a, 'optimiseForPayinSpeed', false) || boolArg(name, a, 'noHoldNoteOnPayout', false);
      return Uint8Array.of((bit0 ? 1 : 0) | (bit1 ? 2 : 0));
    },
    decodeArgs: (data: Uint8Array, ctx: SspContext) =>
      decodeStrict('ENABLE_PAYOUT_DEVICE', data, (r): EnablePayoutArgs => {
        if (r.remaining === 0) return {};
        const b = r.u8('options');
        const bit0 = (b & 1) !== 0;
        const bit1 = (b & 2) !== 0;
        return ctx.unitType === 0x07
          ? { giveValueOnStored: bit0, noHoldNoteOnPayout: bit1 }
          : { requireFullStartup: bit0, optimiseForPayinSpeed: bit1 };
      }),
    ...okReply,
    cannotProcessReasons: ENABLE_PAYOUT_REASONS,
    cannotProcessCodes: { 3: ErrorCode.DeviceBusy },
  } satisfies CommandSpec<EnablePayoutArgs | undefined, void>,
  COIN_STIR: raw('COIN_STIR', 0x5d, 'SMART System coin stir (layout undocumented: raw bytes)', 'required'),
  SET_FIXED_ENCRYPTION_KEY: {
    name: 'SET_FIXED_ENCRYPTION_KEY',
    code: 0x60,
    encryption: 'required',
    description: 'change the fixed half of the eSSP key (u64 LE)',
    encodeArgs: (args: FixedKeyArgs) =>
      new ByteWriter().u64le(fixedKeyArg(argsObject('SET_FIXED_ENCRYPTION_KEY', args).fixedKey)).finish(),
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_FIXED_ENCRYPTION_KEY', data, (r) => ({ fixedKey: r.u64le('key') })),
    ...okReply,
  } satisfies CommandSpec<FixedKeyArgs, void>,
  RESET_FIXED_ENCRYPTION_KEY: simple(
    'RESET_FIXED_ENCRYPTION_KEY',
    0x61,
    'fixed key back to the default (device resets)',
  ),
  GET_REAL_TIME_CLOCK_CONFIGURATION: {
    name: 'GET_REAL_TIME_CLOCK_CONFIGURATION',
    code: 0x62,
    encryption: 'optional',
    description: 'whether the real-time clock survives a power cycle',
    ...noArgs('GET_REAL_TIME_CLOCK_CONFIGURATION'),
    encodeReply: (result: RtcConfigurationResult) => Uint8Array.of(result.persistent ? 1 : 0),
    decodeReply: (data: Uint8Array) => ({ persistent: new ByteReader(data).u8('configuration') === 1 }),
  } satisfies CommandSpec<void, RtcConfigurationResult>,
  GET_REAL_TIME_CLOCK: {
    name: 'GET_REAL_TIME_CLOCK',
    code: 0x63,
    encryption: 'optional',
    description: 'date and time of the device clock',
    ...noArgs('GET_REAL_TIME_CLOCK'),
    encodeReply: (result: RtcTime) => rtcBytes('GET_REAL_TIME_CLOCK', result),
    decodeReply: (data: Uint8Array) => readRtc(new ByteReader(data)),
  } satisfies CommandSpec<void, RtcTime>,
  SET_REAL_TIME_CLOCK: {
    name: 'SET_REAL_TIME_CLOCK',
    code: 0x64,
    encryption: 'optional',
    description: 'set date and time (day, month, year 0..99, hour, minute, second)',
    encodeArgs: (args: RtcTime) => rtcBytes('SET_REAL_TIME_CLOCK', args),
    decodeArgs: (data: Uint8Array) => decodeStrict('SET_REAL_TIME_CLOCK', data, readRtc),
    ...okReply,
  } satisfies CommandSpec<RtcTime, void>,
  GET_TEBS_BARCODE: raw('GET_TEBS_BARCODE', 0x65, 'TEBS bag bar code (raw bytes)'),
  GET_TEBS_LOG: raw('GET_TEBS_LOG', 0x66, 'TEBS log (raw bytes)'),
  CASHBOX_UNLOCK_ENABLE: raw('CASHBOX_UNLOCK_ENABLE', 0x67, 'TEBS cashbox unlock (raw bytes)', 'required'),
  CASHBOX_LOCK_ENABLE: raw('CASHBOX_LOCK_ENABLE', 0x68, 'TEBS cashbox lock (raw bytes)', 'required'),
  RESET_TEBS_LOGS: raw('RESET_TEBS_LOGS', 0x69, 'TEBS reset logs (raw bytes)'),
  TICKET_PRINT: raw('TICKET_PRINT', 0x70, 'printer: print a ticket (raw bytes)'),
  PRINTER_CONFIGURATION: raw('PRINTER_CONFIGURATION', 0x71, 'printer configuration (raw sub-commands)'),
  ENABLE_TITO_EVENTS: raw('ENABLE_TITO_EVENTS', 0x72, 'NV200: enable ticket-in/ticket-out events (raw bytes)'),
  CANCEL_ESCROW_TRANSACTION: simple(
    'CANCEL_ESCROW_TRANSACTION',
    0x76,
    'SMART Payout escrow firmware: return the escrowed notes',
  ),
  COMMIT_ESCROW_TRANSACTION: simple(
    'COMMIT_ESCROW_TRANSACTION',
    0x77,
    'SMART Payout escrow firmware: commit the escrowed notes',
  ),
  READ_ESCROW_VALUE: raw(
    'READ_ESCROW_VALUE',
    0x78,
    'SMART Payout escrow firmware: escrow value (reply layout undocumented)',
  ),
  GET_ESCROW_SIZE: raw(
    'GET_ESCROW_SIZE',
    0x79,
    'SMART Payout escrow firmware: escrow spaces (reply layout undocumented)',
  ),
  SET_ESCROW_SIZE: {
    name: 'SET_ESCROW_SIZE',
    code: 0x7a,
    encryption: 'optional',
    description: 'SMART Payout escrow firmware: number of escrow spaces (1 byte)',
    encodeArgs: (args: EscrowSizeArgs) =>
      Uint8Array.of(intArg('SET_ESCROW_SIZE', argsObject('SET_ESCROW_SIZE', args), 'size', 0, 255)),
    decodeArgs: (data: Uint8Array) => decodeStrict('SET_ESCROW_SIZE', data, (r) => ({ size: r.u8('size') })),
    ...okReply,
  } satisfies CommandSpec<EscrowSizeArgs, void>,
} as const;

/** Each entry as a full CommandSpec with its argument and result types (every method takes the context). */
type SpecOf<T> = T extends {
  encodeArgs: (args: infer A, ctx: never) => Uint8Array;
  decodeReply: (data: Uint8Array, ctx: never) => infer R;
}
  ? CommandSpec<A, R>
  : never;

export type SspCommands = { readonly [K in keyof typeof TABLE]: SpecOf<(typeof TABLE)[K]> };

/** The command table, by the seed library's command names. */
export const COMMANDS: SspCommands = TABLE;
export type SspCommandName = keyof SspCommands;
export type CommandArgs<N extends SspCommandName> = SspCommands[N] extends CommandSpec<infer A> ? A : never;
export type CommandResult<N extends SspCommandName> = SspCommands[N] extends CommandSpec<unknown, infer R> ? R : never;

const ALL: readonly CommandSpec[] = Object.values(COMMANDS);
const BY_CODE = new Map<number, CommandSpec>(ALL.map((c) => [c.code, c]));
const BY_NAME = new Map<string, CommandSpec>(ALL.map((c) => [c.name, c]));

/** Names the manual or other libraries use for some commands, accepted by `commandByName`. */
const ALIASES: Readonly<Record<string, SspCommandName>> = {
  SET_INHIBITS: 'SET_CHANNEL_INHIBITS',
  REJECT: 'REJECT_BANKNOTE',
  CHANNEL_VALUE_DATA: 'CHANNEL_VALUE_REQUEST',
  GET_MIN_PAYOUT: 'GET_MINIMUM_PAYOUT',
  SET_OPTIONS: 'SET_HOPPER_OPTIONS',
  GET_OPTIONS: 'GET_HOPPER_OPTIONS',
  COIN_MECH_GLOBAL_INHIBIT: 'SET_COIN_MECH_GLOBAL_INHIBIT',
  SET_VALUE_REPORT_TYPE: 'SET_VALUE_REPORTING_TYPE',
  COMMS_PASS_THROUGH: 'COMMUNICATION_PASS_THROUGH',
  SSP_SET_ENCRYPTION_KEY: 'SET_FIXED_ENCRYPTION_KEY',
  SSP_ENCRYPTION_RESET_TO_DEFAULT: 'RESET_FIXED_ENCRYPTION_KEY',
  GET_BARCODE_READER_CONFIGURATION: 'GET_BAR_CODE_READER_CONFIGURATION',
  SET_BARCODE_READER_CONFIGURATION: 'SET_BAR_CODE_CONFIGURATION',
  GET_BARCODE_INHIBIT: 'GET_BAR_CODE_INHIBIT_STATUS',
  SET_BARCODE_INHIBIT: 'SET_BAR_CODE_INHIBIT_STATUS',
  GET_BARCODE_DATA: 'GET_BAR_CODE_DATA',
};

/** Every command spec, in table order. */
export function allCommands(): readonly CommandSpec[] {
  return ALL;
}

export function commandByCode(code: number): CommandSpec | undefined {
  return BY_CODE.get(code);
}

/** The spec of a command by its (seed) name or a known alias; UNKNOWN_COMMAND with the closest names otherwise. */
export function commandByName(name: string): CommandSpec {
  const key = name.toUpperCase();
  const spec = BY_NAME.get(key) ?? BY_NAME.get(ALIASES[key] ?? '');
  if (spec) return spec;
  const close = closestNames(key, [...BY_NAME.keys()]);
  throw new KioskbusError(
    ErrorCode.UnknownCommand,
    `unknown eSSP command "${name}"${close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''}`,
    { command: name },
  );
}

function closestNames(name: string, names: readonly string[]): string[] {
  const scored = names.map((n) => ({ n, d: distance(name, n) }));
  scored.sort((a, b) => a.d - b.d);
  const best = scored.slice(0, 3).filter((s) => s.d <= Math.max(3, Math.floor(name.length / 3)));
  const contains = names.filter((n) => name.length >= 3 && n.includes(name) && !best.some((b) => b.n === n));
  return [...best.map((s) => s.n), ...contains].slice(0, 5);
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] ?? 0;
      prev[j] = Math.min((prev[j] ?? 0) + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] ?? 0;
}

/** The command data (code byte then arguments) of `name` with `args`, ready for SspBus.exchange. */
export function encodeCommand<N extends SspCommandName>(name: N, args: CommandArgs<N>, ctx: SspContext): Uint8Array {
  const spec = COMMANDS[name] as CommandSpec;
  const body = spec.encodeArgs(args, ctx);
  const out = new Uint8Array(body.length + 1);
  out[0] = spec.code;
  out.set(body, 1);
  return out;
}
