/** Payout-family codecs: F5 reasons, routes, denomination and item lists, amount and by-denomination entries. */
import { ByteReader } from '../../core/bytes.js';
import { ErrorCode } from '../../core/errors.js';
import {
  argError,
  argsObject,
  boolArg,
  ByteWriter,
  currencyArg,
  decodeStrict,
  describe,
  intArg,
  isRecord,
  readCurrency,
  U16_MAX,
  U32_MAX,
  writeCurrency,
} from '../tables/codec.js';
import { isCoinDevice, type SspContext } from '../tables/context.js';
import type {
  FloatAmountArgs,
  RouteName,
  RouteArgs,
  DenominationItem,
  ByDenominationArgs,
  CommandSpec,
} from './spec.js';
import { okReply, v6, argCurrency, outOfRange, readOption, PAY, TEST } from './build.js';

/** Payout family F5 error bytes (M222 p.88): the byte after COMMAND_CANNOT_BE_PROCESSED. */
export const PAYOUT_ERROR_BYTES = { notEnoughValue: 1, cannotPayExact: 2, busy: 3, disabled: 4 } as const;
export const PAYOUT_REASONS = {
  [PAYOUT_ERROR_BYTES.notEnoughValue]: 'not enough value in the device',
  [PAYOUT_ERROR_BYTES.cannotPayExact]: 'cannot pay the exact amount',
  [PAYOUT_ERROR_BYTES.busy]: 'device busy',
  [PAYOUT_ERROR_BYTES.disabled]: 'device disabled',
};
export const PAYOUT_CODES = {
  [PAYOUT_ERROR_BYTES.notEnoughValue]: ErrorCode.NotEnoughValue,
  [PAYOUT_ERROR_BYTES.cannotPayExact]: ErrorCode.CannotPayExact,
  [PAYOUT_ERROR_BYTES.busy]: ErrorCode.DeviceBusy,
  [PAYOUT_ERROR_BYTES.disabled]: ErrorCode.DeviceDisabled,
};
export const ROUTE_REASONS = { 1: 'no payout connected', 2: 'invalid currency', 3: 'payout device failure' };
export const ENABLE_PAYOUT_REASONS = {
  1: 'no payout device connected',
  2: 'invalid currency detected',
  3: 'payout device busy',
  4: 'note float empty only (NV11)',
  5: 'payout device error',
};
export const NOTE_FLOAT_REASONS = {
  1: 'note float not connected',
  2: 'note float empty',
  3: 'note float busy',
  4: 'note float disabled',
};
export const NOTE_FLOAT_CODES = { 3: ErrorCode.DeviceBusy, 4: ErrorCode.DeviceDisabled };

/** Route bytes of SET/GET_DENOMINATION_ROUTE (research §3.4, §3.10), by name. */
export const ROUTE_CODES: Readonly<Record<RouteName, number>> = {
  payout: 0x00,
  cashbox: 0x01,
  recycler1: 0x11,
  recycler2: 0x12,
  recycler3: 0x13,
  recycler4: 0x14,
  cassette: 0x15,
};
export const ROUTES: Readonly<Record<number, RouteName>> = Object.fromEntries(
  Object.entries(ROUTE_CODES).map(([name, byte]) => [byte, name as RouteName]),
);

export function routeByte(name: string, route: unknown): number {
  if (typeof route === 'number' && Number.isInteger(route) && route >= 0 && route <= 255) return route;
  const found = Object.entries(ROUTES).find(([, n]) => n === route);
  if (!found) {
    throw argError(name, `"route" must be one of ${Object.values(ROUTES).join('|')} or a byte, got ${describe(route)}`);
  }
  return Number(found[0]);
}

export function routeName(byte: number): RouteName | number {
  return ROUTES[byte] ?? byte;
}

export function hopperForm(a: Record<string, unknown>, ctx: SspContext): boolean {
  return typeof a.hopper === 'boolean' ? a.hopper : isCoinDevice(ctx);
}

/** value (u16 for the v<6 hopper form, u32 otherwise) and currency (v>=6). */
export function writeDenomination(
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

export function readRouteArgs(r: ByteReader, ctx: SspContext, remainingAfter: number): RouteArgs {
  if (v6(ctx)) {
    const value = r.u32le('value');
    return { value, currency: readCurrency(r) };
  }
  if (r.remaining - remainingAfter === 2) return { value: r.u16le('value'), hopper: true };
  return { value: r.u32le('value'), hopper: false };
}

export function encodeItems(name: string, a: Record<string, unknown>, w: ByteWriter): void {
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

export function readItems(r: ByteReader): DenominationItem[] {
  const n = r.u8('count');
  const items: DenominationItem[] = [];
  for (let i = 0; i < n; i++) {
    const count = r.u16le('quantity');
    const value = r.u32le('value');
    items.push({ count, value, currency: readCurrency(r) });
  }
  return items;
}

export function byDenomination(name: string, code: number, description: string): CommandSpec<ByDenominationArgs, void> {
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

export function amountCommand(
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
