/**
 * Command tables of the bill validator (address 03) and the Bill-to-Bill unit (address 01). The two classes
 * share 30H–38H, 41H and 50H, but each has its own table: 39H/3AH/51H/60H exist only on the validator,
 * 3BH–40H only on the Bill-to-Bill, so the same byte sent to the other class is no command of it.
 */
import { ByteReader, asciiBytes } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import {
  decodeDenominationTable,
  decodeIdentification,
  decodeTypeMask,
  encodeDenominationTable,
  encodeIdentification,
  encodeTypeMask,
  trimAscii,
  type DenominationWord,
  type Identification,
} from './codec.js';
import { bad, checkLength, checkLengthIn, plain, query, rawReply, withArgs, type CommandDef } from './command-def.js';
import { decodeStatistics, encodeStatistics, type Statistics } from './statistics.js';

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

/** The status byte of a one-byte reply. */
function oneByte(name: string, d: Uint8Array): number {
  checkLengthIn(name, d, [1]);
  return d[0] ?? 0;
}

const byteReply = (r: number): Uint8Array => Uint8Array.of(r);

/** A DOWNLOAD sub-command (50H `sub`) without arguments answered with one status byte. */
function downloadQuery(name: string, subcommand: number): CommandDef<void, number> {
  return query<number>(0x50, name, (d) => oneByte(name, d), byteReply, { subcommand, slow: true });
}

/** The entries both bill classes have (30H–38H, 41H, 50H). */
const BILL_COMMON = {
  RESET: plain(0x30, 'RESET'),
  GET_STATUS: query<BillStatusReply>(
    0x31,
    'GET_STATUS',
    (d) => {
      checkLengthIn('GET_STATUS', d, [6, 9]); // enabled + high security, and B2B routing
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
  SET_SECURITY: withArgs<number[]>(
    0x32,
    'SET_SECURITY',
    (types) => encodeTypeMask(types),
    (d) => {
      if (d.length < 3) throw bad('SET SECURITY needs 3 bytes', d);
      return decodeTypeMask(d);
    },
  ),
  POLL: query(0x33, 'POLL', rawReply.decode, rawReply.encode),
  ENABLE_BILL_TYPES: withArgs<EnableBillTypesArgs>(
    0x34,
    'ENABLE_BILL_TYPES',
    (a) => Uint8Array.from([...encodeTypeMask(a.enabled), ...encodeTypeMask(a.escrow)]),
    (d) => {
      if (d.length < 6) throw bad('ENABLE BILL TYPES needs 6 bytes', d);
      return { enabled: decodeTypeMask(d, 0), escrow: decodeTypeMask(d, 3) };
    },
  ),
  STACK: plain(0x35, 'STACK'),
  RETURN: plain(0x36, 'RETURN'),
  IDENTIFICATION: query<Identification>(0x37, 'IDENTIFICATION', decodeIdentification, encodeIdentification, {
    slow: true,
  }),
  HOLD: plain(0x38, 'HOLD'),
  GET_BILL_TABLE: query<DenominationWord[]>(
    0x41,
    'GET_BILL_TABLE',
    (d) => {
      checkLengthIn('GET_BILL_TABLE', d, [120]); // 24 words of 5 bytes
      return decodeDenominationTable(d);
    },
    (r) => encodeDenominationTable(r),
    { slow: true },
  ),
  DOWNLOAD: plain(0x50, 'DOWNLOAD', { slow: true }),
  DOWNLOAD_STATUS: downloadQuery('DOWNLOAD_STATUS', 0x00),
  DOWNLOAD_BLOCK_SIZE: query<number>(
    0x50,
    'DOWNLOAD_BLOCK_SIZE',
    (d) => 2 ** oneByte('DOWNLOAD_BLOCK_SIZE', d),
    (r) => Uint8Array.of(Math.log2(r)),
    {
      subcommand: 0x01,
      slow: true,
    },
  ),
  DOWNLOAD_WRITE: {
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
    decodeReply: (d: Uint8Array) => oneByte('DOWNLOAD_WRITE', d),
    encodeReply: byteReply,
  } satisfies CommandDef<DownloadWriteArgs, number>,
  DOWNLOAD_EXIT: downloadQuery('DOWNLOAD_EXIT', 0x03),
} as const;

/** Bill validator only: bar codes (39H, 3AH), CRC32 (51H), statistics (60H). */
const VALIDATOR_ONLY = {
  SET_BARCODE_PARAMETERS: withArgs<BarcodeParameters>(
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
  EXTRACT_BARCODE_DATA: query<string>(
    0x3a,
    'EXTRACT_BARCODE_DATA',
    (d) => trimAscii(d),
    (r) => asciiBytes(r),
  ),
  GET_CRC32: query<number>(
    0x51,
    'GET_CRC32',
    (d) => {
      checkLengthIn('GET_CRC32', d, [4]);
      return new ByteReader(d).u32be('CRC32');
    },
    (r) => Uint8Array.of(r >>> 24, (r >>> 16) & 0xff, (r >>> 8) & 0xff, r & 0xff),
    { slow: true },
  ),
  REQUEST_STATISTICS: query<Statistics>(0x60, 'REQUEST_STATISTICS', decodeStatistics, encodeStatistics, { slow: true }),
} as const;

/** Bill-to-Bill only: cassettes, DISPENSE in both layouts, UNLOAD (3BH–40H). */
const B2B_ONLY = {
  CASSETTE_STATUS: query<CassetteStatus[]>(
    0x3b,
    'CASSETTE_STATUS',
    (d) => {
      checkLength('CASSETTE_STATUS', d, (n) => n >= 2 && n <= 32 && n % 2 === 0, '2 bytes per cassette, at most 16');
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
  DISPENSE: withArgs<DispenseItem[]>(
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
  DISPENSE_PAIRS: withArgs<DispenseItem[]>(
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
  UNLOAD: withArgs<UnloadArgs>(
    0x3d,
    'UNLOAD',
    (a) => Uint8Array.of(a.cassette, a.count),
    (d) => {
      if (d.length < 2) throw bad('UNLOAD needs 2 bytes', d);
      return { cassette: d[0] ?? 0, count: d[1] ?? 0 };
    },
    { movesMoney: true },
  ),
  RECYCLING_CASSETTE_STATUS: query<RecyclingCassetteStatus>(
    0x3e,
    'RECYCLING_CASSETTE_STATUS',
    (d) => {
      checkLengthIn('RECYCLING_CASSETTE_STATUS', d, [1]);
      const z = d[0] ?? 0;
      const full = (z & 0x80) !== 0;
      return { full, count: z & 0x7f, bad: full && (z & 0x7f) === 0 };
    },
    (r) => Uint8Array.of((r.full ? 0x80 : 0) | (r.count & 0x7f)),
  ),
  RECYCLING_CASSETTE_UNLOAD: withArgs<RecyclingUnloadArgs>(
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
  SET_CASSETTE_TYPE: withArgs<SetCassetteTypeArgs>(
    0x40,
    'SET_CASSETTE_TYPE',
    (a) => Uint8Array.of(a.cassette, encodeCassetteByte(true, a.type)),
    (d) => {
      if (d.length < 2) throw bad('SET CASSETTE TYPE needs 2 bytes', d);
      return { cassette: d[0] ?? 0, type: decodeCassetteByte(d[1] ?? 0).type };
    },
  ),
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

/** Bill validator (03): rev 2.3.1 "Controller Commands" of the bill validator section. */
export const VALIDATOR_COMMANDS = { ...BILL_COMMON, ...VALIDATOR_ONLY } as const;

/** Bill-to-Bill (01): rev 2.3.1 "Controller Commands" of the Bill-to-Bill section. */
export const B2B_COMMANDS = { ...BILL_COMMON, ...B2B_ONLY } as const;

/**
 * Every entry of both bill classes under one name, as before the tables were split (kept for existing
 * importers). New code takes VALIDATOR_COMMANDS or B2B_COMMANDS: a command of one class is not one of the other.
 */
export const BILL_COMMANDS = { ...BILL_COMMON, ...VALIDATOR_ONLY, ...B2B_ONLY } as const;

export type ValidatorCommandName = keyof typeof VALIDATOR_COMMANDS;
export type B2bCommandName = keyof typeof B2B_COMMANDS;
