/** Coin commands of the eSSP table (SMART Hopper / SMART System): levels, coin mech, hopper options, coin stir. */
import { ByteReader } from '../../core/bytes.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import {
  argsObject,
  boolArg,
  ByteWriter,
  decodeStrict,
  EMPTY,
  intArg,
  optionalIntArg,
  readCurrency,
  U16_MAX,
  writeCurrency,
} from '../tables/codec.js';
import type { SspContext } from '../tables/context.js';
import type {
  CoinStirArgs,
  SetDenominationLevelArgs,
  CoinMechInhibitArgs,
  HopperOptions,
  CommsPassThroughArgs,
  CommandSpec,
} from './spec.js';
import { noArgs, okReply, raw, v6, argCurrency, outOfRange, flagCommand } from './build.js';
import { writeDenomination } from './denominations.js';

export const HOPPER_BITS = [
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
export const HOPPER_DEFAULTS: Readonly<Record<string, boolean>> = {
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

export function decodeHopperPayMode(data: Uint8Array): SetHopperOptionsResult | undefined {
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

export function encodeHopperOptions(name: string, args: unknown): Uint8Array {
  const a = args === undefined ? {} : argsObject(name, args);
  let reg0 = 0;
  HOPPER_BITS.forEach((key, bit) => {
    if (boolArg(name, a, key, HOPPER_DEFAULTS[key] ?? false)) reg0 |= 1 << bit;
  });
  return Uint8Array.of(reg0, optionalIntArg(name, a, 'reg1', 0, 255) ?? 0);
}

export function decodeHopperOptions(r: ByteReader): Required<HopperOptions> {
  const reg0 = r.u8('REG0');
  const reg1 = r.u8('REG1');
  const out = { reg1 } as Required<HopperOptions>;
  HOPPER_BITS.forEach((key, bit) => {
    out[key] = (reg0 & (1 << bit)) !== 0;
  });
  return out;
}

export const HOPPER_COMMANDS = {
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
  PAYOUT_AMOUNT_BY_DENOMINATION: raw(
    'PAYOUT_AMOUNT_BY_DENOMINATION',
    0x39,
    'SMART System payout with two chosen denominations (layout undocumented: raw bytes)',
    'required',
  ),
  COIN_ESCROW: raw('COIN_ESCROW', 0x3a, 'SMART System coin escrow (layout undocumented: raw bytes)'),
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
  SET_COIN_MECH_GLOBAL_INHIBIT: flagCommand(
    'SET_COIN_MECH_GLOBAL_INHIBIT',
    0x49,
    'enable or disable the attached coin mechanism as a whole',
    'enable',
    'required',
    (on) => (on ? 1 : 0),
  ),
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
  COIN_MECH_OPTIONS: flagCommand(
    'COIN_MECH_OPTIONS',
    0x5a,
    'report ccTalk coin mechanism errors',
    'ccTalk',
    'required',
    (on) => (on ? 1 : 0),
  ),
  COIN_STIR: {
    name: 'COIN_STIR',
    code: 0x5d,
    encryption: 'required',
    description: 'SMART System: turn the hopper motor to mix the coins for 1..255 s',
    encodeArgs: (args: CoinStirArgs) =>
      Uint8Array.of(intArg('COIN_STIR', argsObject('COIN_STIR', args), 'seconds', 1, 255)),
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('COIN_STIR', data, (r) => {
        const seconds = r.u8('seconds');
        if (seconds === 0) throw outOfRange('COIN_STIR', 'seconds 1..255', 'device');
        return { seconds };
      }),
    ...okReply,
  } satisfies CommandSpec<CoinStirArgs, void>,
} as const;
