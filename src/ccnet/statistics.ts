/** REQUEST STATISTICS (60H) of the bill validator: the 4358-byte record and its codec. */
import { ByteReader } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import {
  decodeDenominationTable,
  encodeDenominationTable,
  padAscii,
  trimAscii,
  type DenominationWord,
} from './codec.js';

export interface StatisticsSet10000 {
  inserted: number;
  accepted: number[];
  returnedOptical: number[];
  returnedMagnetic: number[];
  returnedCapacitance: number[];
  unrecognized: number;
  returnedLength: number;
  /** Z167–Z179: failures (magnetic, optics, transport, stacking, aligning) and jam counters. */
  counters: number[];
}

export interface StatisticsSet500 {
  accepted: number[];
  returnedVerification: number[];
  returnedOptical: number;
  returnedMagnetic: number;
  returnedCapacitance: number;
  jamsAtBezel: number;
  jamsInTransport: number;
  totalJams: number;
}

export interface Statistics {
  country: string;
  denominationCount: number;
  formatVersion: number;
  /** Last statistics reset: year, month, day, hour, minute, second. */
  resetAt: { year: number; month: number; day: number; hour: number; minute: number; second: number };
  serialNumber: string;
  sets10000: StatisticsSet10000[];
  sets500: StatisticsSet500[];
  /** 1/50 aggregate: total jams per set. */
  sets50: number[];
  /** 20 denomination words; `generation` = 'old' | 'new' from the two top bits of the first byte. */
  denominations: (DenominationWord & { generation: 'old' | 'new' | 'other' })[];
  /** Currency names, e.g. ["Dollar", "Peso"]. */
  currencyNames: string[];
}

/** Size of the REQUEST STATISTICS data (Y3–Y4358). */
export const STATISTICS_LENGTH = 32 + 16 * 179 + 20 * 66 + 20 + 100 + 20;

function u16s(r: ByteReader, n: number, what: string): number[] {
  return Array.from({ length: n }, () => r.u16be(what));
}

function u8s(r: ByteReader, n: number, what: string): number[] {
  return Array.from({ length: n }, () => r.u8(what));
}

export function decodeStatistics(data: Uint8Array): Statistics {
  if (data.length !== STATISTICS_LENGTH) {
    throw new KioskbusError(
      data.length < STATISTICS_LENGTH ? ErrorCode.ShortData : ErrorCode.UnexpectedReply,
      `REQUEST STATISTICS reply of ${data.length} bytes: expected ${STATISTICS_LENGTH}`,
      { raw: data.subarray(0, 64), length: data.length, expected: String(STATISTICS_LENGTH) },
    );
  }
  const r = new ByteReader(data);
  const country = trimAscii(r.bytesOf(3));
  const denominationCount = r.u8();
  const formatVersion = r.u8();
  const yearLo = r.u8();
  const yearHi = r.u8();
  const resetAt = {
    year: yearLo | (yearHi << 8),
    month: r.u8(),
    day: r.u8(),
    hour: r.u8(),
    minute: r.u8(),
    second: r.u8(),
  };
  r.u8('reserved');
  const serialNumber = trimAscii(r.bytesOf(12));
  r.bytesOf(7, 'reserved');
  const sets10000: StatisticsSet10000[] = Array.from({ length: 16 }, () => ({
    inserted: r.u16be(),
    accepted: u16s(r, 20, 'accepted'),
    returnedOptical: u16s(r, 20, 'optical'),
    returnedMagnetic: u16s(r, 20, 'magnetic'),
    returnedCapacitance: u16s(r, 20, 'capacitance'),
    unrecognized: r.u16be(),
    returnedLength: r.u16be(),
    counters: u8s(r, 13, 'counters'),
  }));
  const sets500: StatisticsSet500[] = Array.from({ length: 20 }, () => ({
    accepted: u16s(r, 20, 'accepted'),
    returnedVerification: u8s(r, 20, 'verification'),
    returnedOptical: r.u8(),
    returnedMagnetic: r.u8(),
    returnedCapacitance: r.u8(),
    jamsAtBezel: r.u8(),
    jamsInTransport: r.u8(),
    totalJams: r.u8(),
  }));
  const sets50 = u8s(r, 20, 'jams');
  const denomBytes = r.bytesOf(100).slice();
  const generations = new Map<number, 'old' | 'new' | 'other'>();
  for (let i = 0; i < 20; i++) {
    const b = denomBytes[i * 5] ?? 0;
    const g = b >>> 6;
    generations.set(i, g === 0 ? 'old' : g === 1 ? 'new' : 'other');
    denomBytes[i * 5] = b & 0x3f;
  }
  const denominations = decodeDenominationTable(denomBytes).map((w) => ({
    ...w,
    generation: generations.get(w.type) ?? 'other',
  }));
  const names = trimAscii(r.bytesOf(20));
  const currencyNames = names
    .replace(/\..*$/, '')
    .split('/')
    .filter((n) => n.length > 0);
  return {
    country,
    denominationCount,
    formatVersion,
    resetAt,
    serialNumber,
    sets10000,
    sets500,
    sets50,
    denominations,
    currencyNames,
  };
}

export function encodeStatistics(st: Statistics): Uint8Array {
  const out = new Uint8Array(STATISTICS_LENGTH);
  let at = 0;
  const u8 = (v: number): void => {
    out[at++] = v & 0xff;
  };
  const u16 = (v: number): void => {
    out[at++] = (v >>> 8) & 0xff;
    out[at++] = v & 0xff;
  };
  const bytes = (b: Uint8Array): void => {
    out.set(b, at);
    at += b.length;
  };
  bytes(padAscii(st.country, 3));
  u8(st.denominationCount);
  u8(st.formatVersion);
  u8(st.resetAt.year & 0xff);
  u8(st.resetAt.year >>> 8);
  for (const v of [st.resetAt.month, st.resetAt.day, st.resetAt.hour, st.resetAt.minute, st.resetAt.second]) u8(v);
  u8(0);
  bytes(padAscii(st.serialNumber, 12));
  at += 7;
  for (let i = 0; i < 16; i++) {
    const s = st.sets10000[i];
    const list = (xs: number[] | undefined): void => {
      for (let k = 0; k < 20; k++) u16(xs?.[k] ?? 0);
    };
    u16(s?.inserted ?? 0);
    list(s?.accepted);
    list(s?.returnedOptical);
    list(s?.returnedMagnetic);
    list(s?.returnedCapacitance);
    u16(s?.unrecognized ?? 0);
    u16(s?.returnedLength ?? 0);
    for (let k = 0; k < 13; k++) u8(s?.counters[k] ?? 0);
  }
  for (let i = 0; i < 20; i++) {
    const s = st.sets500[i];
    for (let k = 0; k < 20; k++) u16(s?.accepted[k] ?? 0);
    for (let k = 0; k < 20; k++) u8(s?.returnedVerification[k] ?? 0);
    for (const v of [s?.returnedOptical, s?.returnedMagnetic, s?.returnedCapacitance]) u8(v ?? 0);
    for (const v of [s?.jamsAtBezel, s?.jamsInTransport, s?.totalJams]) u8(v ?? 0);
  }
  for (let i = 0; i < 20; i++) u8(st.sets50[i] ?? 0);
  const table = encodeDenominationTable(st.denominations.filter((d) => d.type < 20)).subarray(0, 100);
  for (const d of st.denominations) {
    if (d.type < 20 && d.generation === 'new') table[d.type * 5] = (table[d.type * 5] ?? 0) | 0x40;
  }
  bytes(table);
  bytes(padAscii(`${st.currencyNames.join('/')}.`, 20));
  return out;
}
