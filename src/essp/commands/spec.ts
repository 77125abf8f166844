/** The shape of one eSSP command entry and the typed argument and result objects of the table. */
import { ErrorCode } from '../../core/errors.js';
import type { BarCodeReaders, BuildRevision, DenominationLevel } from '../decoders.js';
import type { SspContext } from '../tables/context.js';

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
/** GET_ESCROW_SIZE reply: the escrow spaces SET_ESCROW_SIZE set (one byte, as that command sends it). */
export interface EscrowSizeResult {
  size: number;
}
/** COIN_STIR (GA138 0x5D): how long the hopper motor turns, 1..255 s. */
export interface CoinStirArgs {
  seconds: number;
}
/** GET_TEBS_BARCODE reply: the bag's bar code as sent ("plain number data"; GA138 gives no finer layout). */
export interface TebsBarcodeResult {
  barcode: Uint8Array;
}
/** GET_TEBS_LOG argument: 0 = the most recent bag, 4 = the oldest. */
export interface TebsLogArgs {
  index: number;
}
/**
 * GET_TEBS_LOG reply (GA138 0x66), in either layout: `pre-4.28` (checksum, index, 4-byte bar code, country, capacity,
 * other count, 8 channel counts) or `4.28` (index, CRC, country, capacity, bar code length, n channel counts, 16-byte
 * bar code). Counts are little-endian u16.
 */
export interface TebsLogResult {
  format: 'pre-4.28' | '4.28';
  index: number;
  /** pre-4.28: XOR of the bytes after it; 4.28: the CRC-16 as sent (both not checked). */
  check: number;
  barcode: Uint8Array;
  currency: string;
  maxCapacity: number;
  otherCount: number;
  channelCounts: number[];
}
/** TICKET_PRINT / PRINTER_CONFIGURATION: a sub-command by name (or its byte when unknown) and its data as sent. */
export interface PrinterSubCommandArgs<Op extends string> {
  operation: Op | number;
  data?: Uint8Array;
}
export interface CommsPassThroughArgs {
  uart?: number;
}
