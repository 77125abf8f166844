/**
 * Declarative command tables of the four CCNET device classes. One entry per command: code (and
 * subcommand), spec name, argument encoder/decoder, reply kind and reply encoder/decoder. The host encodes
 * arguments and decodes replies with an entry; the simulator decodes arguments and encodes replies with the
 * same entry.
 */
import { ByteReader, asciiBytes } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { minorDigits, type Money } from '../core/money.js';
import {
  decodeDenominationTable,
  decodeIdentification,
  decodeTypeMask,
  encodeDenominationTable,
  encodeIdentification,
  encodeTypeMask,
  padAscii,
  trimAscii,
  type DenominationWord,
  type Identification,
} from './codec.js';

export interface CommandDef<A, R> {
  readonly code: number;
  readonly subcommand?: number;
  /** Name as in the spec's command table, upper case with underscores (`ENABLE_BILL_TYPES`). */
  readonly name: string;
  /** `ack`: the device confirms with ACK; `data`: it answers with data (which the controller ACKs). */
  readonly reply: 'ack' | 'data';
  /** The device may take longer than t-response (identification, tables, statistics, download). */
  readonly slow?: boolean;
  /**
   * The command moves money (DISPENSE, UNLOAD, VEND REQUEST...): never resent blindly, since CCNET has no sequence
   * number to tell a resend from a new command; a doubtful answer is settled by asking the device.
   */
  readonly movesMoney?: boolean;
  encodeArgs(args: A): Uint8Array;
  decodeArgs(data: Uint8Array): A;
  decodeReply(data: Uint8Array): R;
  encodeReply(reply: R): Uint8Array;
}

export type AnyCommandDef = CommandDef<never, unknown> & {
  decodeArgs(data: Uint8Array): unknown;
  encodeReply(reply: never): Uint8Array;
};

const EMPTY = new Uint8Array(0);

function bad(message: string, raw: Uint8Array): KioskbusError {
  return new KioskbusError(ErrorCode.WrongParameters, message, { raw });
}

/** A command without arguments confirmed by ACK. */
function plain(
  code: number,
  name: string,
  extra: { subcommand?: number; slow?: boolean } = {},
): CommandDef<void, void> {
  return {
    code,
    name,
    reply: 'ack',
    ...extra,
    encodeArgs: () => EMPTY,
    decodeArgs: () => undefined,
    decodeReply: () => undefined,
    encodeReply: () => EMPTY,
  };
}

/** A command with arguments confirmed by ACK. */
function withArgs<A>(
  code: number,
  name: string,
  encodeArgs: (a: A) => Uint8Array,
  decodeArgs: (d: Uint8Array) => A,
  extra: { subcommand?: number; slow?: boolean; movesMoney?: boolean } = {},
): CommandDef<A, void> {
  return {
    code,
    name,
    reply: 'ack',
    ...extra,
    encodeArgs,
    decodeArgs,
    decodeReply: () => undefined,
    encodeReply: () => EMPTY,
  };
}

/** A request without arguments answered with data. */
function query<R>(
  code: number,
  name: string,
  decodeReply: (d: Uint8Array) => R,
  encodeReply: (r: R) => Uint8Array,
  extra: { subcommand?: number; slow?: boolean } = {},
): CommandDef<void, R> {
  return {
    code,
    name,
    reply: 'data',
    ...extra,
    encodeArgs: () => EMPTY,
    decodeArgs: () => undefined,
    decodeReply,
    encodeReply,
  };
}

const rawReply = { decode: (d: Uint8Array): Uint8Array => d.slice(), encode: (r: Uint8Array): Uint8Array => r };

// ------------------------------------------------------------------------------------------------
// Bill validator (03) and Bill-to-Bill (01)

export interface BillStatusReply {
  /** Enabled bill types. */
  enabled: number[];
  /** Bill types set to high security. */
  highSecurity: number[];
  /** B2B only (9-byte reply): bill types that can be routed to the recycling cassettes. */
  routing?: number[];
}

export interface EnableBillTypesArgs {
  enabled: number[];
  /** Types held in escrow until STACK/RETURN (empty: stacked at once). */
  escrow: number[];
}

export interface BarcodeParameters {
  /** 1 = interleaved 2 of 5. */
  format: number;
  /** Number of characters, 6..18. */
  length: number;
}

/** One cassette of a B2B CASSETTE STATUS reply. */
export interface CassetteStatus {
  /** 1-based cassette number. */
  cassette: number;
  present: boolean;
  /** Bill type 0..23, or NULL (no type) or ESCROW. */
  type: number | 'NULL' | 'ESCROW';
  count: number;
  /** Status byte as sent. */
  status: number;
}

/** Status byte `a b c zzzzz`; also accepts the vendor SDK's 0x1F (unassigned) and 0x18 (escrow) type values. */
export function decodeCassetteByte(status: number): { present: boolean; type: number | 'NULL' | 'ESCROW' } {
  const present = (status & 0x80) !== 0;
  const zzzzz = status & 0x1f;
  let type: number | 'NULL' | 'ESCROW';
  if (status & 0x40 || zzzzz === 0x1f) type = 'NULL';
  else if (status & 0x20 || zzzzz === 0x18) type = 'ESCROW';
  else type = zzzzz;
  return { present, type };
}

export function encodeCassetteByte(present: boolean, type: number | 'NULL' | 'ESCROW'): number {
  const a = present ? 0x80 : 0;
  if (type === 'NULL') return a | 0x40;
  if (type === 'ESCROW') return a | 0x20;
  return a | (type & 0x1f);
}

export interface DispenseItem {
  billType: number;
  count: number;
}

export interface UnloadArgs {
  /** 1-based cassette number. */
  cassette: number;
  count: number;
}

export interface RecyclingCassetteStatus {
  full: boolean;
  count: number;
  /** Full with a count of zero: the device reports the cassette as bad. */
  bad: boolean;
}

export interface RecyclingUnloadArgs {
  /** true: return `count` bills to the customer (D = 1); false: move one bill to its cassette (Y1 = 0). */
  toCustomer: boolean;
  count: number;
}

export interface SetCassetteTypeArgs {
  cassette: number;
  type: number | 'NULL' | 'ESCROW';
}

export interface DownloadWriteArgs {
  /** 24-bit memory address. */
  address: number;
  data: Uint8Array;
}

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
  if (data.length < STATISTICS_LENGTH) {
    throw new KioskbusError(ErrorCode.ShortData, `statistics need ${STATISTICS_LENGTH} bytes, got ${data.length}`, {
      raw: data.subarray(0, 64),
    });
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

export const BILL_COMMANDS = {
  reset: plain(0x30, 'RESET'),
  getStatus: query<BillStatusReply>(
    0x31,
    'GET_STATUS',
    (d) => {
      if (d.length < 6) throw bad('GET STATUS reply needs 6 bytes', d);
      const out: BillStatusReply = { enabled: decodeTypeMask(d, 0), highSecurity: decodeTypeMask(d, 3) };
      if (d.length >= 9) out.routing = decodeTypeMask(d, 6);
      return out;
    },
    (r) =>
      Uint8Array.from([
        ...encodeTypeMask(r.enabled),
        ...encodeTypeMask(r.highSecurity),
        ...(r.routing ? encodeTypeMask(r.routing) : []),
      ]),
  ),
  setSecurity: withArgs<number[]>(
    0x32,
    'SET_SECURITY',
    (types) => encodeTypeMask(types),
    (d) => {
      if (d.length < 3) throw bad('SET SECURITY needs 3 bytes', d);
      return decodeTypeMask(d);
    },
  ),
  poll: query(0x33, 'POLL', rawReply.decode, rawReply.encode),
  enableBillTypes: withArgs<EnableBillTypesArgs>(
    0x34,
    'ENABLE_BILL_TYPES',
    (a) => Uint8Array.from([...encodeTypeMask(a.enabled), ...encodeTypeMask(a.escrow)]),
    (d) => {
      if (d.length < 6) throw bad('ENABLE BILL TYPES needs 6 bytes', d);
      return { enabled: decodeTypeMask(d, 0), escrow: decodeTypeMask(d, 3) };
    },
  ),
  stack: plain(0x35, 'STACK'),
  return: plain(0x36, 'RETURN'),
  identification: query<Identification>(0x37, 'IDENTIFICATION', decodeIdentification, encodeIdentification, {
    slow: true,
  }),
  hold: plain(0x38, 'HOLD'),
  setBarcodeParameters: withArgs<BarcodeParameters>(
    0x39,
    'SET_BARCODE_PARAMETERS',
    (a) => {
      if (a.length < 6 || a.length > 18) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `barcode length must be 6..18, got ${a.length}`);
      }
      return Uint8Array.of(a.format, a.length);
    },
    (d) => {
      if (d.length < 2) throw bad('SET BARCODE PARAMETERS needs 2 bytes', d);
      return { format: d[0] ?? 0, length: d[1] ?? 0 };
    },
  ),
  extractBarcodeData: query<string>(
    0x3a,
    'EXTRACT_BARCODE_DATA',
    (d) => trimAscii(d),
    (r) => asciiBytes(r),
  ),
  cassetteStatus: query<CassetteStatus[]>(
    0x3b,
    'CASSETTE_STATUS',
    (d) => {
      const out: CassetteStatus[] = [];
      for (let i = 0; i * 2 < d.length && i < 16; i++) {
        const status = d[i * 2] ?? 0;
        const count = d[i * 2 + 1] ?? 0;
        if (status === 0 && count === 0) continue;
        out.push({ cassette: i + 1, ...decodeCassetteByte(status), count, status });
      }
      return out;
    },
    (r) => {
      const last = r.reduce((m, c) => Math.max(m, c.cassette), 0);
      const out = new Uint8Array(Math.max(last, 3) * 2);
      for (const c of r) {
        out[(c.cassette - 1) * 2] = c.status;
        out[(c.cassette - 1) * 2 + 1] = c.count;
      }
      return out;
    },
  ),
  /** Rev 2.3.1 DISPENSE: 3-byte type mask, then one count byte per set bit in ascending type order. */
  dispense: withArgs<DispenseItem[]>(
    0x3c,
    'DISPENSE',
    (items) => {
      const sorted = [...items].filter((i) => i.count > 0).sort((a, b) => a.billType - b.billType);
      checkDispense(sorted);
      return Uint8Array.from([...encodeTypeMask(sorted.map((i) => i.billType)), ...sorted.map((i) => i.count)]);
    },
    (d) => {
      if (d.length < 3) throw bad('DISPENSE needs a 3-byte type mask', d);
      const types = decodeTypeMask(d, 0);
      if (d.length < 3 + types.length) throw bad('DISPENSE: fewer counts than bits in the type mask', d);
      return types.map((billType, i) => ({ billType, count: d[3 + i] ?? 0 }));
    },
    { movesMoney: true },
  ),
  /** Newer DISPENSE (B2B-300, CCNET 2.4): [type, count] pairs. */
  dispensePairs: withArgs<DispenseItem[]>(
    0x3c,
    'DISPENSE',
    (items) => {
      const list = items.filter((i) => i.count > 0);
      checkDispense(list);
      return Uint8Array.from(list.flatMap((i) => [i.billType, i.count]));
    },
    (d) => {
      if (d.length === 0 || d.length % 2 !== 0) throw bad('DISPENSE needs [type, count] pairs', d);
      const out: DispenseItem[] = [];
      for (let i = 0; i < d.length; i += 2) out.push({ billType: d[i] ?? 0, count: d[i + 1] ?? 0 });
      return out;
    },
    { movesMoney: true },
  ),
  unload: withArgs<UnloadArgs>(
    0x3d,
    'UNLOAD',
    (a) => Uint8Array.of(a.cassette, a.count),
    (d) => {
      if (d.length < 2) throw bad('UNLOAD needs 2 bytes', d);
      return { cassette: d[0] ?? 0, count: d[1] ?? 0 };
    },
    { movesMoney: true },
  ),
  recyclingCassetteStatus: query<RecyclingCassetteStatus>(
    0x3e,
    'RECYCLING_CASSETTE_STATUS',
    (d) => {
      const z = d[0] ?? 0;
      const full = (z & 0x80) !== 0;
      return { full, count: z & 0x7f, bad: full && (z & 0x7f) === 0 };
    },
    (r) => Uint8Array.of((r.full ? 0x80 : 0) | (r.count & 0x7f)),
  ),
  recyclingCassetteUnload: withArgs<RecyclingUnloadArgs>(
    0x3f,
    'RECYCLING_CASSETTE_UNLOAD',
    (a) => {
      if (a.toCustomer && (a.count < 1 || a.count > 20)) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `return 1..20 bills, got ${a.count}`);
      }
      return Uint8Array.of(a.toCustomer ? 0x80 | a.count : 0);
    },
    (d) => {
      const y = d[0] ?? 0;
      return { toCustomer: (y & 0x80) !== 0, count: y & 0x7f };
    },
    { movesMoney: true },
  ),
  setCassetteType: withArgs<SetCassetteTypeArgs>(
    0x40,
    'SET_CASSETTE_TYPE',
    (a) => Uint8Array.of(a.cassette, encodeCassetteByte(true, a.type)),
    (d) => {
      if (d.length < 2) throw bad('SET CASSETTE TYPE needs 2 bytes', d);
      return { cassette: d[0] ?? 0, type: decodeCassetteByte(d[1] ?? 0).type };
    },
  ),
  getBillTable: query<DenominationWord[]>(
    0x41,
    'GET_BILL_TABLE',
    decodeDenominationTable,
    (r) => encodeDenominationTable(r),
    { slow: true },
  ),
  download: plain(0x50, 'DOWNLOAD', { slow: true }),
  downloadStatus: query<number>(
    0x50,
    'DOWNLOAD_STATUS',
    (d) => d[0] ?? 0,
    (r) => Uint8Array.of(r),
    {
      subcommand: 0x00,
      slow: true,
    },
  ),
  downloadBlockSize: query<number>(
    0x50,
    'DOWNLOAD_BLOCK_SIZE',
    (d) => 2 ** (d[0] ?? 0),
    (r) => Uint8Array.of(Math.log2(r)),
    {
      subcommand: 0x01,
      slow: true,
    },
  ),
  downloadWrite: {
    code: 0x50,
    subcommand: 0x02,
    name: 'DOWNLOAD_WRITE',
    reply: 'data',
    slow: true,
    encodeArgs: (a: DownloadWriteArgs) =>
      Uint8Array.from([(a.address >>> 0) & 0xff, (a.address >>> 8) & 0xff, (a.address >>> 16) & 0xff, ...a.data]),
    decodeArgs: (d: Uint8Array) => {
      if (d.length < 3) throw bad('DOWNLOAD write needs an address', d);
      return { address: (d[0] ?? 0) | ((d[1] ?? 0) << 8) | ((d[2] ?? 0) << 16), data: d.slice(3) };
    },
    decodeReply: (d: Uint8Array) => d[0] ?? 0,
    encodeReply: (r: number) => Uint8Array.of(r),
  } satisfies CommandDef<DownloadWriteArgs, number>,
  downloadExit: query<number>(
    0x50,
    'DOWNLOAD_EXIT',
    (d) => d[0] ?? 0,
    (r) => Uint8Array.of(r),
    {
      subcommand: 0x03,
      slow: true,
    },
  ),
  getCrc32: query<number>(
    0x51,
    'GET_CRC32',
    (d) => new ByteReader(d).u32be('CRC32'),
    (r) => Uint8Array.of(r >>> 24, (r >>> 16) & 0xff, (r >>> 8) & 0xff, r & 0xff),
    { slow: true },
  ),
  requestStatistics: query<Statistics>(0x60, 'REQUEST_STATISTICS', decodeStatistics, encodeStatistics, { slow: true }),
} as const;

function checkDispense(items: readonly DispenseItem[]): void {
  let total = 0;
  for (const i of items) {
    if (!Number.isInteger(i.billType) || i.billType < 0 || i.billType > 23) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `bill type must be 0..23, got ${i.billType}`);
    }
    if (!Number.isInteger(i.count) || i.count < 0 || i.count > 255) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `count must be 0..255, got ${i.count}`);
    }
    total += i.count;
  }
  if (total === 0) throw new KioskbusError(ErrorCode.InvalidArgument, 'nothing to dispense');
  if (total > 20) throw new KioskbusError(ErrorCode.InvalidArgument, `at most 20 bills per DISPENSE, got ${total}`);
}

/** DOWNLOAD status bytes. */
export const DOWNLOAD_READY = 0x00;
export const DOWNLOAD_OK = 0xe0;
export const DOWNLOAD_ERROR = 0xe1;
export const DOWNLOAD_CRC_MISMATCH = 0xe2;

// ------------------------------------------------------------------------------------------------
// Coin changer (02)

export interface CoinStatusReply {
  enabled: number[];
  /** Coin types that can be routed to the tubes. */
  routing: number[];
}

export interface TubeStatusReply {
  /** Coin types whose tube is full. */
  full: number[];
  /** Coins in the tube per coin type (index = type). */
  counts: number[];
  /** Full with a count of zero: tube reported bad. */
  bad: number[];
  /** Which layout the reply length matched: 27 = 3 + 24 (spec fields), 18 = 2 + 16 (MDB style). */
  layout: '3+24' | '2+16' | 'other';
}

export interface EnableCoinTypesArgs {
  enabled: number[];
  manualDispense: number[];
}

export interface CoinDispenseArgs {
  coinType: number;
  count: number;
}

export interface CoinIdentification {
  model: string;
  serialNumber: string;
  version: string;
  country: string;
}

export function decodeTubeStatus(d: Uint8Array): TubeStatusReply {
  let full: number[];
  let counts: number[];
  let layout: TubeStatusReply['layout'];
  if (d.length === 18) {
    layout = '2+16';
    const mask = ((d[0] ?? 0) << 8) | (d[1] ?? 0);
    full = Array.from({ length: 16 }, (_, t) => t).filter((t) => mask & (1 << t));
    counts = Array.from(d.subarray(2, 18));
  } else {
    layout = d.length === 27 ? '3+24' : 'other';
    full = decodeTypeMask(d, 0);
    counts = Array.from({ length: 24 }, (_, t) => d[3 + t] ?? 0);
  }
  return { full, counts, bad: full.filter((t) => (counts[t] ?? 0) === 0), layout };
}

export const COIN_COMMANDS = {
  reset: plain(0x08, 'RESET'),
  /** The command table says 09H, the format section 0CH (which is ENABLE COIN TYPES): 09H is used. */
  getStatus: query<CoinStatusReply>(
    0x09,
    'GET_STATUS',
    (d) => {
      if (d.length < 6) throw bad('GET STATUS reply needs 6 bytes', d);
      return { enabled: decodeTypeMask(d, 0), routing: decodeTypeMask(d, 3) };
    },
    (r) => Uint8Array.from([...encodeTypeMask(r.enabled), ...encodeTypeMask(r.routing)]),
  ),
  tubeStatus: query<TubeStatusReply>(0x0a, 'TUBE_STATUS', decodeTubeStatus, (r) =>
    Uint8Array.from([...encodeTypeMask(r.full), ...Array.from({ length: 24 }, (_, t) => r.counts[t] ?? 0)]),
  ),
  poll: query(0x0b, 'POLL', rawReply.decode, rawReply.encode),
  enableCoinTypes: withArgs<EnableCoinTypesArgs>(
    0x0c,
    'ENABLE_COIN_TYPES',
    (a) => Uint8Array.from([...encodeTypeMask(a.enabled), ...encodeTypeMask(a.manualDispense)]),
    (d) => {
      if (d.length < 3) throw bad('ENABLE COIN TYPES needs 3 or 6 bytes', d);
      return { enabled: decodeTypeMask(d, 0), manualDispense: d.length >= 6 ? decodeTypeMask(d, 3) : [] };
    },
  ),
  dispense: withArgs<CoinDispenseArgs>(
    0x0d,
    'DISPENSE',
    (a) => {
      if (!Number.isInteger(a.coinType) || a.coinType < 0 || a.coinType > 23) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `coin type must be 0..23, got ${a.coinType}`);
      }
      if (!Number.isInteger(a.count) || a.count < 1 || a.count > 255) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `coin count must be 1..255, got ${a.count}`);
      }
      return Uint8Array.of(a.coinType, a.count);
    },
    (d) => {
      if (d.length < 2) throw bad('DISPENSE needs 2 bytes', d);
      return { coinType: d[0] ?? 0, count: d[1] ?? 0 };
    },
    { movesMoney: true },
  ),
  identification: query<CoinIdentification>(
    0x0f,
    'IDENTIFICATION',
    (d) => {
      const r = new ByteReader(d);
      return {
        model: trimAscii(r.bytesOf(5, 'model')),
        serialNumber: trimAscii(r.bytesOf(7, 'serial number')),
        version: trimAscii(r.bytesOf(4, 'version')),
        country: trimAscii(r.bytesOf(3, 'country')),
      };
    },
    (r) =>
      Uint8Array.from([
        ...padAscii(r.model, 5),
        ...padAscii(r.serialNumber, 7),
        ...padAscii(r.version, 4),
        ...padAscii(r.country, 3),
      ]),
    { slow: true },
  ),
  /** The spec says 80 bytes but describes 24 five-byte words (120): parsed by length. */
  getCoinTable: query<DenominationWord[]>(
    0x10,
    'GET_COIN_TABLE',
    decodeDenominationTable,
    (r) => encodeDenominationTable(r),
    {
      slow: true,
    },
  ),
  download: plain(0x50, 'DOWNLOAD', { slow: true }),
} as const;

// ------------------------------------------------------------------------------------------------
// Card reader (04)

export interface CardSetupReply {
  level: number;
  /** b0: funds can be restored (refunds allowed). */
  fundRestoring: boolean;
  /** b1: funds may be collected from several cards. */
  continuousPayment: boolean;
  options: number;
}

export interface Wallet {
  index: number;
  currency: string;
  /** Composite amount as sent (binary, `decimals` decimal places). */
  raw: number;
  decimals: number;
  /** The balance in minor units of `currency`, when representable. */
  balance: Money | undefined;
}

export interface FundsReply {
  /** E0–E7: stored value card (wallets follow); E8–EF: no stored value. */
  flag: number;
  storedValue: boolean;
  wallets: Wallet[];
}

export interface VendRequestArgs {
  wallet: number;
  /** Composite amount to draw (in the wallet's decimals). */
  amount: number;
  /** Accumulated amount of this session including this request (card reader uses it to spot resends). */
  accumulated: number;
}

export type VendCancelReply = 'VEND_DENIED' | 'VEND_CANCEL_FAILED';

/** Composite amount with `decimals` places → minor units of `currency` (undefined if not integral). */
export function compositeToMinor(raw: number, decimals: number, currency: string): number | undefined {
  const shift = minorDigits(currency) - decimals;
  if (shift >= 0) {
    const v = raw * 10 ** shift;
    return Number.isSafeInteger(v) ? v : undefined;
  }
  const div = 10 ** -shift;
  return raw % div === 0 ? raw / div : undefined;
}

/** Minor units → composite amount with `decimals` places (throws when it would lose value). */
export function minorToComposite(amount: number, decimals: number, currency: string): number {
  const shift = decimals - minorDigits(currency);
  if (shift >= 0) return amount * 10 ** shift;
  const div = 10 ** -shift;
  if (amount % div !== 0) {
    throw new KioskbusError(
      ErrorCode.InvalidMoney,
      `${amount} ${currency} cannot be expressed with ${decimals} decimals`,
    );
  }
  return amount / div;
}

function u32(v: number): number[] {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `amount must fit 32 bits, got ${v}`);
  }
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

const vendArgs = {
  encode: (a: VendRequestArgs) => Uint8Array.from([a.wallet & 0xff, ...u32(a.amount), ...u32(a.accumulated)]),
  decode: (d: Uint8Array): VendRequestArgs => {
    const r = new ByteReader(d);
    return { wallet: r.u8('wallet'), amount: r.u32be('amount'), accumulated: r.u32be('accumulated') };
  },
};

export const CARD_COMMANDS = {
  reset: plain(0x30, 'RESET'),
  setup: {
    code: 0x11,
    name: 'SETUP',
    reply: 'data',
    encodeArgs: (level: number) => Uint8Array.of(level),
    decodeArgs: (d: Uint8Array) => d[0] ?? 0,
    decodeReply: (d: Uint8Array): CardSetupReply => {
      if (d.length < 2) throw bad('SETUP reply needs 2 bytes', d);
      const options = d[1] ?? 0;
      return { level: d[0] ?? 0, options, fundRestoring: (options & 1) !== 0, continuousPayment: (options & 2) !== 0 };
    },
    encodeReply: (r: CardSetupReply) =>
      Uint8Array.of(r.level, (r.options & ~3) | (r.fundRestoring ? 1 : 0) | (r.continuousPayment ? 2 : 0)),
  } satisfies CommandDef<number, CardSetupReply>,
  poll: query(0x33, 'POLL', rawReply.decode, rawReply.encode),
  vendBeginSession: plain(0x13, 'VEND_BEGIN_SESSION', { subcommand: 0x10 }),
  vendGetFunds: query<FundsReply>(
    0x13,
    'VEND_GET_FUNDS',
    (d) => {
      const r = new ByteReader(d);
      const flag = r.u8('stored value flag');
      const storedValue = flag >= 0xe0 && flag <= 0xe7;
      const wallets: Wallet[] = [];
      while (storedValue && r.remaining >= 8) {
        const currency = trimAscii(r.bytesOf(3, 'currency')).toUpperCase();
        const raw = r.u32be('balance');
        const decimals = r.u8('decimals');
        const minor = /^[A-Z]{3}$/.test(currency) ? compositeToMinor(raw, decimals, currency) : undefined;
        wallets.push({
          index: wallets.length,
          currency,
          raw,
          decimals,
          balance: minor === undefined ? undefined : { amount: minor, currency },
        });
      }
      return { flag, storedValue, wallets };
    },
    (f) =>
      Uint8Array.from([f.flag, ...f.wallets.flatMap((w) => [...padAscii(w.currency, 3), ...u32(w.raw), w.decimals])]),
    { subcommand: 0x00 },
  ),
  vendRequest: withArgs<VendRequestArgs>(0x13, 'VEND_REQUEST', vendArgs.encode, vendArgs.decode, {
    subcommand: 0x01,
    movesMoney: true,
  }),
  vendRefund: withArgs<VendRequestArgs>(0x13, 'VEND_REQUEST_REFUND', vendArgs.encode, vendArgs.decode, {
    subcommand: 0x02,
    movesMoney: true,
  }),
  vendCancel: query<VendCancelReply>(
    0x13,
    'VEND_CANCEL',
    (d) => ((d[0] ?? 0) === 0x07 ? 'VEND_CANCEL_FAILED' : 'VEND_DENIED'),
    (r) => Uint8Array.of(r === 'VEND_CANCEL_FAILED' ? 0x07 : 0x06),
    { subcommand: 0x03 },
  ),
  vendSessionComplete: plain(0x13, 'VEND_SESSION_COMPLETE', { subcommand: 0x04 }),
  enableDisable: withArgs<boolean>(
    0x14,
    'ENABLE_DISABLE',
    (enable) => Uint8Array.of(enable ? 1 : 0),
    (d) => (d[0] ?? 0) === 1,
  ),
  identification: query<Identification>(0x15, 'IDENTIFICATION', decodeIdentification, encodeIdentification, {
    slow: true,
  }),
  download: plain(0x50, 'DOWNLOAD', { slow: true }),
} as const;

export type BillCommandName = keyof typeof BILL_COMMANDS;
export type CoinCommandName = keyof typeof COIN_COMMANDS;
export type CardCommandName = keyof typeof CARD_COMMANDS;

/** Device classes by address. */
export type DeviceClass = 'b2b' | 'coin-changer' | 'bill-validator' | 'card-reader';

export function deviceClassOf(address: number): DeviceClass | undefined {
  switch (address) {
    case 0x01:
      return 'b2b';
    case 0x02:
      return 'coin-changer';
    case 0x03:
      return 'bill-validator';
    case 0x04:
      return 'card-reader';
    default:
      return undefined;
  }
}

/** The command table of a device class (B2B and bill validator share one). */
export function commandTable(cls: DeviceClass): Readonly<Record<string, CommandDef<never, unknown>>> {
  const t = cls === 'coin-changer' ? COIN_COMMANDS : cls === 'card-reader' ? CARD_COMMANDS : BILL_COMMANDS;
  return t as unknown as Readonly<Record<string, CommandDef<never, unknown>>>;
}

/**
 * The table entry for a command payload (`CMD [SUBCMD] DATA`): subcommand entries match on the second
 * byte, otherwise the entry without a subcommand. `dispenseFormat` chooses between the two DISPENSE layouts.
 */
export function findCommand(
  cls: DeviceClass,
  payload: Uint8Array,
  dispenseFormat: 'mask' | 'pairs' = 'mask',
): { def: CommandDef<never, unknown>; key: string; data: Uint8Array } | undefined {
  const code = payload[0];
  if (code === undefined) return undefined;
  const table = commandTable(cls);
  let plainMatch: { def: CommandDef<never, unknown>; key: string } | undefined;
  for (const [key, def] of Object.entries(table)) {
    if (def.code !== code) continue;
    if (key === 'dispense' && dispenseFormat === 'pairs') continue;
    if (key === 'dispensePairs' && dispenseFormat === 'mask') continue;
    if (def.subcommand !== undefined) {
      if (payload.length >= 2 && payload[1] === def.subcommand) return { def, key, data: payload.subarray(2) };
    } else plainMatch ??= { def, key };
  }
  return plainMatch ? { ...plainMatch, data: payload.subarray(1) } : undefined;
}
