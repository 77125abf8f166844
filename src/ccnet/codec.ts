/**
 * Field codecs shared by every CCNET device class: 24-bit type masks, bill/coin tables, identification
 * blocks. Multi-byte numbers are MSB first (spec §2.5).
 */
import { asciiBytes, ByteReader } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { checkLength } from './command-def.js';
import { minorDigits, type Money } from '../core/money.js';

/** Number of bill / coin types a 24-bit mask describes. */
export const TYPE_COUNT = 24;

function checkType(type: number, what = 'bill type'): number {
  if (!Number.isInteger(type) || type < 0 || type >= TYPE_COUNT) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${what} must be 0..23, got ${String(type)}`);
  }
  return type;
}

/**
 * Three mask bytes in the spec's order: Y1 holds types 23..16 (bit 7 = 23), Y2 15..8, Y3 7..0. Accepts a
 * list of types or an already built 24-bit number.
 */
export function encodeTypeMask(types: Iterable<number> | number): Uint8Array {
  let mask = 0;
  if (typeof types === 'number') {
    if (!Number.isInteger(types) || types < 0 || types > 0xffffff) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `type mask must be 24 bits, got ${types}`);
    }
    mask = types;
  } else {
    for (const t of types) mask |= 1 << checkType(t);
  }
  return Uint8Array.of((mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff);
}

/** Types whose bit is set in three mask bytes (spec order), ascending. */
export function decodeTypeMask(bytes: Uint8Array, offset = 0): number[] {
  return maskToTypes(maskValue(bytes, offset));
}

/** The types (0..23, ascending) whose bits are set in a 24-bit mask. */
export function maskToTypes(mask: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < TYPE_COUNT; t++) if (mask & (1 << t)) out.push(t);
  return out;
}

export function maskValue(bytes: Uint8Array, offset = 0): number {
  return ((bytes[offset] ?? 0) << 16) | ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0);
}

export function typesToMask(types: Iterable<number>): number {
  let mask = 0;
  for (const t of types) mask |= 1 << checkType(t);
  return mask;
}

/** Country codes CashCode firmware puts in bill tables, mapped to ISO 4217 currencies. */
const COUNTRY_TO_CURRENCY: Readonly<Record<string, string>> = {
  RUS: 'RUB',
  USA: 'USD',
  CAN: 'CAD',
  KAZ: 'KZT',
  UKR: 'UAH',
  BLR: 'BYN',
  MEX: 'MXN',
  GBR: 'GBP',
  AUS: 'AUD',
  CHN: 'CNY',
  TUR: 'TRY',
  ARM: 'AMD',
  GEO: 'GEL',
  AZE: 'AZN',
  UZB: 'UZS',
  KGZ: 'KGS',
};

/** ISO currency of a table's country code (known country names mapped, a 3-letter code kept). */
export function currencyOfCountry(code: string): string {
  return COUNTRY_TO_CURRENCY[code] ?? code;
}

/** One word of a bill (coin) table: `[d, C, C, C, e]`. */
export interface DenominationWord {
  type: number;
  /** First byte: the most significant digits, binary (0x19 = 25). */
  digits: number;
  /** The three ASCII characters as sent (a country or currency code). */
  country: string;
  /** Fifth byte as sent: bit 7 clear = number of trailing zeros, set = decimal places. */
  exponent: number;
  /** Face value as text in major units, e.g. "0.25", "2000". */
  text: string;
  /** ISO 4217 code (country codes such as RUS, USA mapped). */
  currency: string;
  /** Integer minor units of `currency`, when the value is representable (undefined otherwise). */
  value: Money | undefined;
}

/** Face value of `digits`, `exponent` as a decimal string (spec's D7 flag). */
export function denominationText(digits: number, exponent: number): string {
  const places = exponent & 0x7f;
  if ((exponent & 0x80) === 0) return digits === 0 ? '0' : `${digits}${'0'.repeat(places)}`;
  const s = String(digits).padStart(places + 1, '0');
  const whole = s.slice(0, s.length - places);
  const frac = s.slice(s.length - places).replace(/0+$/, '');
  return frac === '' ? whole : `${whole}.${frac}`;
}

/** Minor units of `digits`, `exponent` in `currency`, or undefined when not an integer / not safe. */
export function denominationMinorUnits(digits: number, exponent: number, currency: string): number | undefined {
  const places = exponent & 0x7f;
  const shift = minorDigits(currency) + ((exponent & 0x80) === 0 ? places : -places);
  let value: number;
  if (shift >= 0) value = digits * 10 ** shift;
  else {
    const div = 10 ** -shift;
    if (digits % div !== 0) return undefined;
    value = digits / div;
  }
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Decodes a 24 × 5-byte table (fewer bytes allowed: unsent bytes are zero). Empty words are left out. */
export function decodeDenominationTable(data: Uint8Array): DenominationWord[] {
  checkLength('denomination table', data, (n) => n % 5 === 0 && n <= 120, 'whole 5-byte words, at most 24');
  const out: DenominationWord[] = [];
  for (let type = 0; type < TYPE_COUNT && type * 5 < data.length; type++) {
    const at = type * 5;
    const digits = data[at] ?? 0;
    const countryBytes = data.subarray(at + 1, at + 4);
    const exponent = data[at + 4] ?? 0;
    if (digits === 0) continue;
    const country = String.fromCharCode(...countryBytes).replace(/\0/g, '');
    const currency = currencyOfCountry(country);
    const minor = /^[A-Z]{3}$/.test(currency) ? denominationMinorUnits(digits, exponent, currency) : undefined;
    out.push({
      type,
      digits,
      country,
      exponent,
      text: denominationText(digits, exponent),
      currency,
      value: minor === undefined ? undefined : { amount: minor, currency },
    });
  }
  return out;
}

export interface DenominationInput {
  type: number;
  digits: number;
  country: string;
  exponent: number;
}

/** A denomination table of one country at types 0, 1, 2... from `[digits, exponent]` rows. */
export function denominationsOf(
  country: string,
  rows: readonly (readonly [digits: number, exponent: number])[],
): DenominationInput[] {
  return rows.map(([digits, exponent], type) => ({ type, digits, country, exponent }));
}

/** 120 bytes (24 words); missing types are zero. */
export function encodeDenominationTable(words: readonly DenominationInput[]): Uint8Array {
  const out = new Uint8Array(TYPE_COUNT * 5);
  for (const w of words) {
    const at = checkType(w.type) * 5;
    if (w.country.length !== 3) throw new KioskbusError(ErrorCode.InvalidArgument, `country must be 3 characters`);
    out[at] = w.digits & 0xff;
    out.set(asciiBytes(w.country), at + 1);
    out[at + 4] = w.exponent & 0xff;
  }
  return out;
}

/** The 34-byte identification of bill validators, B2B units and card readers. */
export interface Identification {
  partNumber: string;
  serialNumber: string;
  /** Asset number, 7 binary bytes as hex (MSB first). */
  assetNumber: string;
  /** Bytes after the 34 standard ones (newer B2B firmware: extended versions), decoded when present. */
  extended?: Record<string, string>;
  /** Bytes beyond the known layout, raw. */
  extra?: Uint8Array;
}

function trimAscii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
    .replace(/\0/g, '')
    .trim();
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Newer B2B firmware (LNG ≥ 109): after 34 bytes and one skipped byte, ASCII version fields. */
const EXTENDED_IDENT_FIELDS: readonly [string, number][] = [
  ['validatorBoot', 6],
  ['validatorVersion', 20],
  ['cpuBoot', 6],
  ['cpuVersion', 6],
  ['dispenserBoot', 6],
  ['dispenserVersion', 6],
  ['cassette1Boot', 6],
  ['cassette2Boot', 6],
  ['cassette3Boot', 6],
  ['cassetteVersion', 6],
];

export function decodeIdentification(data: Uint8Array): Identification {
  const r = new ByteReader(data);
  const ident: Identification = {
    partNumber: trimAscii(r.bytesOf(15, 'part number')),
    serialNumber: trimAscii(r.bytesOf(12, 'serial number')),
    assetNumber: hexOf(r.bytesOf(7, 'asset number')),
  };
  if (r.remaining === 0) return ident;
  const needed = 1 + EXTENDED_IDENT_FIELDS.reduce((n, [, len]) => n + len, 0);
  // 34 bytes, or 34 and the whole extended block (newer B2B): a block cut short is no identification
  checkLength('IDENTIFICATION', data, (n) => n === 34 || n >= 34 + needed, `34 or at least ${34 + needed} bytes`);
  if (r.remaining >= needed) {
    r.u8('skipped byte');
    const ext: Record<string, string> = {};
    for (const [name, len] of EXTENDED_IDENT_FIELDS) ext[name] = trimAscii(r.bytesOf(len, name));
    ident.extended = ext;
  }
  if (r.remaining > 0) ident.extra = r.rest().slice();
  return ident;
}

function padAscii(text: string, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0x20);
  out.set(asciiBytes(text.slice(0, length)));
  return out;
}

function assetBytes(hex: string): Uint8Array {
  const out = new Uint8Array(7);
  const clean = hex
    .replace(/[^0-9a-f]/gi, '')
    .padStart(14, '0')
    .slice(-14);
  for (let i = 0; i < 7; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function encodeIdentification(ident: Identification): Uint8Array {
  const parts = [padAscii(ident.partNumber, 15), padAscii(ident.serialNumber, 12), assetBytes(ident.assetNumber)];
  if (ident.extended) {
    parts.push(Uint8Array.of(0));
    for (const [name, len] of EXTENDED_IDENT_FIELDS) parts.push(padAscii(ident.extended[name] ?? '', len));
  }
  if (ident.extra) parts.push(ident.extra);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export { trimAscii, padAscii, hexOf };
