/** Small building blocks shared by the command, event and reply codecs of the eSSP tables. */
import { ByteReader, toHex } from '../../core/bytes.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { SspValue } from './context.js';

export const EMPTY = new Uint8Array(0);

/** Appends little/big-endian integers and ASCII into one array; `finish()` copies once. */
export class ByteWriter {
  private readonly out: number[] = [];

  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16le(v: number): this {
    this.out.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u24be(v: number): this {
    this.out.push((v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  u32le(v: number): this {
    this.out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    return this;
  }
  u32be(v: number): this {
    this.out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  u64le(v: bigint): this {
    let x = BigInt.asUintN(64, v);
    for (let i = 0; i < 8; i++) {
      this.out.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }
  ascii(text: string): this {
    for (let i = 0; i < text.length; i++) this.out.push(text.charCodeAt(i) & 0xff);
    return this;
  }
  bytes(b: Uint8Array): this {
    for (const x of b) this.out.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** Which side found the problem: the host validating user arguments, or the device decoding received arguments. */
export type Side = 'host' | 'device';

/** A user-argument error (host side) or a wrong-parameter error (device side, becomes F3/F4 in the simulator). */
export function argError(command: string, message: string, side: Side = 'host', outOfRange = false): KioskbusError {
  if (side === 'host') return new KioskbusError(ErrorCode.InvalidArgument, `${command}: ${message}`, { command });
  return new KioskbusError(
    outOfRange ? ErrorCode.ParameterOutOfRange : ErrorCode.WrongParameters,
    `${command}: ${message}`,
    {
      command,
    },
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The args object of a command, or a clear error when it is missing or not an object. */
export function argsObject(command: string, args: unknown): Record<string, unknown> {
  if (!isRecord(args)) {
    throw argError(command, `expects an argument object, got ${args === undefined ? 'nothing' : typeof args}`);
  }
  return args;
}

export function intArg(command: string, args: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = args[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw argError(command, `"${key}" must be an integer ${min}..${max}, got ${describe(v)}`);
  }
  return v;
}

export function optionalIntArg(
  command: string,
  args: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  return args[key] === undefined ? undefined : intArg(command, args, key, min, max);
}

export function boolArg(command: string, args: Record<string, unknown>, key: string, fallback?: boolean): boolean {
  const v = args[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'boolean') throw argError(command, `"${key}" must be true or false, got ${describe(v)}`);
  return v;
}

export function enumArg<T extends string>(
  command: string,
  args: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
): T {
  const v = args[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw argError(command, `"${key}" must be one of ${allowed.join('|')}, got ${describe(v)}`);
  }
  return v as T;
}

/** A three-letter upper-case ISO 4217 code. */
export function currencyArg(command: string, value: unknown, key = 'currency'): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) {
    throw argError(command, `"${key}" must be a three-letter ISO 4217 code like "EUR", got ${describe(value)}`);
  }
  return value;
}

export const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return `bytes ${toHex(v)}`;
  return typeof v;
}

/** Three bytes from the wire as text (latin1), kept as sent so that encoding it again gives the same bytes. */
export function readCurrency(r: ByteReader, what = 'currency'): string {
  return r.ascii(3, what);
}

/** Writes a three-character currency; anything else is a programming error of the caller (INVALID_ARGUMENT). */
export function writeCurrency(w: ByteWriter, currency: string, what = 'currency'): void {
  if (
    currency.length !== 3 ||
    currency.charCodeAt(0) > 0xff ||
    currency.charCodeAt(1) > 0xff ||
    currency.charCodeAt(2) > 0xff
  ) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `${what} must be three characters, got ${JSON.stringify(currency)}`,
    );
  }
  w.ascii(currency);
}

/**
 * A reply decoder read everything its declared counts announce: anything left over means the counts and the length
 * disagree (a bad count, a layout of another protocol version), so no value of it can be trusted: UNEXPECTED_REPLY
 * with the bytes, never a guess.
 */
export function expectEnd(r: ByteReader, what: string): void {
  if (r.remaining === 0) return;
  throw new KioskbusError(
    ErrorCode.UnexpectedReply,
    `${what}: ${r.remaining} byte(s) left after the declared content (${r.bytes.length} bytes in all)`,
    { raw: r.bytes },
  );
}

/** Reads `count` blocks of (value u32 LE, currency 3 ASCII). */
export function readValues(r: ByteReader, count: number): SspValue[] {
  const out: SspValue[] = [];
  for (let i = 0; i < count; i++) {
    const value = r.u32le('value');
    out.push({ value, currency: readCurrency(r) });
  }
  return out;
}

export function writeValues(w: ByteWriter, values: readonly SspValue[]): void {
  for (const v of values) {
    w.u32le(v.value);
    writeCurrency(w, v.currency);
  }
}

/** Runs a device-side argument decoder and turns SHORT_DATA and trailing bytes into WRONG_PARAMETERS. */
export function decodeStrict<T>(command: string, data: Uint8Array, read: (r: ByteReader) => T): T {
  const r = new ByteReader(data);
  let out: T;
  try {
    out = read(r);
  } catch (error) {
    if (error instanceof KioskbusError && error.code === ErrorCode.ShortData) {
      throw new KioskbusError(ErrorCode.WrongParameters, `${command}: too few parameter bytes (${data.length})`, {
        command,
        raw: data,
      });
    }
    throw error;
  }
  if (r.remaining > 0) {
    throw new KioskbusError(ErrorCode.WrongParameters, `${command}: ${r.remaining} unexpected parameter byte(s)`, {
      command,
      raw: data,
    });
  }
  return out;
}
