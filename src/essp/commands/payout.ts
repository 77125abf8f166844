/** Payout commands of the eSSP table (SMART Payout, NV11, NV4000, SMART Hopper/System): amounts, routes, levels. */
import { ByteReader } from '../../core/bytes.js';
import { ErrorCode } from '../../core/errors.js';
import { decodeLevels, encodeLevels } from '../decoders.js';
import {
  argError,
  argsObject,
  boolArg,
  ByteWriter,
  currencyArg,
  decodeStrict,
  expectEnd,
  EMPTY,
  enumArg,
  intArg,
  isRecord,
  readCurrency,
  U16_MAX,
  U32_MAX,
  writeCurrency,
} from '../tables/codec.js';
import type { SspContext } from '../tables/context.js';
import type {
  LevelsResult,
  RefillModeArgs,
  RefillModeResult,
  PayoutAmountArgs,
  DenominationArgs,
  LevelResult,
  RouteArgs,
  SetRouteArgs,
  RouteResult,
  MinimumPayoutArgs,
  ValueResult,
  NotePositionsResult,
  ValueReportingArgs,
  CashboxPayoutLimitArgs,
  CashboxPayoutDataResult,
  EnablePayoutArgs,
  CommandSpec,
} from './spec.js';
import { noArgs, okReply, simple, v6, argCurrency, outOfRange } from './build.js';
import {
  ROUTE_REASONS,
  ENABLE_PAYOUT_REASONS,
  NOTE_FLOAT_REASONS,
  NOTE_FLOAT_CODES,
  routeByte,
  routeName,
  hopperForm,
  writeDenomination,
  readRouteArgs,
  readItems,
  byDenomination,
  amountCommand,
} from './denominations.js';

export const PAYOUT_COMMANDS = {
  GET_ALL_LEVELS: {
    name: 'GET_ALL_LEVELS',
    code: 0x22,
    encryption: 'optional',
    description: 'stored level of every denomination',
    ...noArgs('GET_ALL_LEVELS'),
    encodeReply: (result: LevelsResult) => encodeLevels(result.levels),
    decodeReply: (data: Uint8Array) => ({ levels: decodeLevels(data) }),
  } satisfies CommandSpec<void, LevelsResult>,
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
  HALT_PAYOUT: simple('HALT_PAYOUT', 0x38, 'stop the running payout', 'required'),
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
} as const;
