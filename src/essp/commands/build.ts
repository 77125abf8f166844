/** Building blocks of the eSSP command table: entries without arguments, raw entries, flags, u64 keys, polls. */
import { ByteReader } from '../../core/bytes.js';
import { KioskbusError } from '../../core/errors.js';
import { decodeVersionText, encodeVersionText } from '../decoders.js';
import { parseFixedKey } from '../crypto.js';
import { decodeEvents, encodeEvents, type SspEvent } from '../events.js';
import {
  argError,
  argsObject,
  boolArg,
  ByteWriter,
  currencyArg,
  decodeStrict,
  describe,
  EMPTY,
  type Side,
} from '../tables/codec.js';
import type { SspContext } from '../tables/context.js';
import type { RawArgs, VersionResult, CommandSpec } from './spec.js';

// ---------------------------------------------------------------------------------------------------------------
// building blocks

export type Enc = CommandSpec['encryption'];

export function noArgs(name: string): Pick<CommandSpec<void>, 'encodeArgs' | 'decodeArgs'> {
  return {
    encodeArgs: () => EMPTY,
    decodeArgs: (data) => {
      decodeStrict(name, data, () => undefined);
    },
  };
}

export const okReply: Pick<CommandSpec<unknown, void>, 'encodeReply' | 'decodeReply'> = {
  encodeReply: () => EMPTY,
  decodeReply: () => undefined,
};

export function simple(
  name: string,
  code: number,
  description: string,
  encryption: Enc = 'optional',
): CommandSpec<void, void> {
  return { name, code, encryption, description, ...noArgs(name), ...okReply };
}

export function raw(
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
      return dataArg(name, argsObject(name, args))?.slice() ?? EMPTY;
    },
    decodeArgs: (data) => ({ data: data.slice() }),
    ...rawReply,
  };
}

/** The optional `data` argument (raw bytes) of an argument object. */
export function dataArg(name: string, a: Record<string, unknown>): Uint8Array | undefined {
  if (a.data !== undefined && !(a.data instanceof Uint8Array)) throw argError(name, '"data" must be a Uint8Array');
  return a.data;
}

/** A reply kept as sent (its layout is undocumented or varies); the simulator may answer with no data at all. */
export const rawReply = {
  encodeReply: (result: Uint8Array | undefined): Uint8Array => (result ? result.slice() : EMPTY),
  decodeReply: (data: Uint8Array): Uint8Array => data.slice(),
};

export function v6(ctx: SspContext): boolean {
  return ctx.protocolVersion >= 6;
}

/** The currency for a v>=6 argument: given, else the context's, else an INVALID_ARGUMENT. */
export function argCurrency(name: string, a: Record<string, unknown>, ctx: SspContext): string {
  const c = a.currency ?? ctx.currency;
  if (c === undefined) {
    throw argError(name, `"currency" is required at protocol version ${ctx.protocolVersion} (>= 6), e.g. "EUR"`);
  }
  return currencyArg(name, c);
}

export function outOfRange(name: string, message: string, side: Side): KioskbusError {
  return argError(name, message, side, true);
}

export const PAY = 0x58;
export const TEST = 0x19;

export function readOption(name: string, r: ByteReader): boolean {
  const option = r.u8('option');
  if (option !== PAY && option !== TEST) {
    throw outOfRange(name, `option byte must be 0x58 (pay) or 0x19 (test), got 0x${option.toString(16)}`, 'device');
  }
  return option === TEST;
}

/** Payout family F5 error bytes (M222 p.88). */

export function flagCommand<K extends string>(
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

export function u64Command<A extends string, R extends string | undefined>(
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

export function fixedKeyArg(key: unknown): bigint {
  if (typeof key !== 'bigint' && typeof key !== 'string') {
    throw argError('SET_FIXED_ENCRYPTION_KEY', '"fixedKey" must be a bigint or 16 hex digits');
  }
  return parseFixedKey(key);
}

export function textReply(): Pick<CommandSpec<unknown, VersionResult>, 'encodeReply' | 'decodeReply'> {
  return {
    encodeReply: (result) => encodeVersionText(result.version),
    decodeReply: (data) => ({ version: decodeVersionText(data) }),
  };
}

export function pollCommand(
  name: string,
  code: number,
  description: string,
  encryption: Enc,
): CommandSpec<void, SspEvent[]> {
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
