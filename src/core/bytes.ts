import { ErrorCode, KioskbusError } from './errors.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Formats bytes as lower-case hex, separated by `separator` (a space by default). */
export function toHex(bytes: Uint8Array, separator = ' '): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += separator;
    out += HEX[bytes[i] ?? 0] ?? '';
  }
  return out;
}

/**
 * Parses hex text as written in captures and manuals: `7F 80 01`, `7f8001`, `0x7F,0x80`, `7f:80:01`.
 * Separators (whitespace, commas, colons, dashes) are optional; each byte is two digits or `0x` + one or two digits.
 */
export function parseHex(text: string): Uint8Array {
  const out: number[] = [];
  const tokens = text
    .trim()
    .split(/[\s,:;-]+/)
    .filter((t) => t.length > 0);
  for (const token of tokens) {
    if (/^0x[0-9a-f]{1,2}$/i.test(token)) {
      out.push(parseInt(token.slice(2), 16));
      continue;
    }
    if (!/^[0-9a-f]*$/i.test(token)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `not hex: "${token}"`);
    }
    if (token.length % 2 !== 0) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `odd number of hex digits in "${token}"`);
    }
    for (let i = 0; i < token.length; i += 2) out.push(parseInt(token.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

/** Concatenates byte arrays once (not per byte). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Sequential reader over a byte array for reply and event decoders. Reading past the end throws a
 * `SHORT_DATA` error naming what was being read, with the whole input as raw bytes.
 */
export class ByteReader {
  private pos: number;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): number {
    if (this.pos + n > this.bytes.length) {
      throw new KioskbusError(
        ErrorCode.ShortData,
        `${what}: need ${n} byte(s) at offset ${this.pos}, only ${this.remaining} left`,
        { raw: this.bytes },
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.bytes[this.need(1, what)] ?? 0;
  }

  u16le(what = 'u16'): number {
    const at = this.need(2, what);
    return (this.bytes[at] ?? 0) | ((this.bytes[at + 1] ?? 0) << 8);
  }

  u16be(what = 'u16'): number {
    const at = this.need(2, what);
    return ((this.bytes[at] ?? 0) << 8) | (this.bytes[at + 1] ?? 0);
  }

  u24le(what = 'u24'): number {
    const at = this.need(3, what);
    return (this.bytes[at] ?? 0) | ((this.bytes[at + 1] ?? 0) << 8) | ((this.bytes[at + 2] ?? 0) << 16);
  }

  u24be(what = 'u24'): number {
    const at = this.need(3, what);
    return ((this.bytes[at] ?? 0) << 16) | ((this.bytes[at + 1] ?? 0) << 8) | (this.bytes[at + 2] ?? 0);
  }

  u32le(what = 'u32'): number {
    const at = this.need(4, what);
    return (
      ((this.bytes[at] ?? 0) |
        ((this.bytes[at + 1] ?? 0) << 8) |
        ((this.bytes[at + 2] ?? 0) << 16) |
        ((this.bytes[at + 3] ?? 0) << 24)) >>>
      0
    );
  }

  u32be(what = 'u32'): number {
    const at = this.need(4, what);
    return (
      (((this.bytes[at] ?? 0) << 24) |
        ((this.bytes[at + 1] ?? 0) << 16) |
        ((this.bytes[at + 2] ?? 0) << 8) |
        (this.bytes[at + 3] ?? 0)) >>>
      0
    );
  }

  u64le(what = 'u64'): bigint {
    const at = this.need(8, what);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[at + i] ?? 0);
    return v;
  }

  bytesOf(n: number, what = 'bytes'): Uint8Array {
    const at = this.need(n, what);
    return this.bytes.subarray(at, at + n);
  }

  ascii(n: number, what = 'text'): string {
    return String.fromCharCode(...this.bytesOf(n, what));
  }

  rest(): Uint8Array {
    const out = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return out;
  }
}

/** Little-endian encoders for command arguments. */
export function u16le(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff);
}

export function u32le(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

export function u64le(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let v = BigInt.asUintN(64, value);
  for (let i = 0; i < 8; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
