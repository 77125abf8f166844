/** Command table of the coin changer (address 02). */
import { ByteReader } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import {
  decodeDenominationTable,
  decodeTypeMask,
  encodeDenominationTable,
  encodeTypeMask,
  padAscii,
  trimAscii,
  type DenominationWord,
} from './codec.js';
import { bad, checkLengthIn, plain, query, rawReply, withArgs } from './command-def.js';

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
  // MDB-style 2 + 16 or the spec's Z1–Z27 (3 + 24): anything else would be counts read from the wrong bytes
  checkLengthIn('TUBE_STATUS', d, [18, 27]);
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
  RESET: plain(0x08, 'RESET'),
  /** The command table says 09H, the format section 0CH (which is ENABLE COIN TYPES): 09H is used. */
  GET_STATUS: query<CoinStatusReply>(
    0x09,
    'GET_STATUS',
    (d) => {
      checkLengthIn('GET_STATUS', d, [6]);
      return { enabled: decodeTypeMask(d, 0), routing: decodeTypeMask(d, 3) };
    },
    (r) => Uint8Array.from([...encodeTypeMask(r.enabled), ...encodeTypeMask(r.routing)]),
  ),
  TUBE_STATUS: query<TubeStatusReply>(0x0a, 'TUBE_STATUS', decodeTubeStatus, (r) =>
    Uint8Array.from([...encodeTypeMask(r.full), ...Array.from({ length: 24 }, (_, t) => r.counts[t] ?? 0)]),
  ),
  POLL: query(0x0b, 'POLL', rawReply.decode, rawReply.encode),
  ENABLE_COIN_TYPES: withArgs<EnableCoinTypesArgs>(
    0x0c,
    'ENABLE_COIN_TYPES',
    (a) => Uint8Array.from([...encodeTypeMask(a.enabled), ...encodeTypeMask(a.manualDispense)]),
    (d) => {
      if (d.length < 3) throw bad('ENABLE COIN TYPES needs 3 or 6 bytes', d);
      return { enabled: decodeTypeMask(d, 0), manualDispense: d.length >= 6 ? decodeTypeMask(d, 3) : [] };
    },
  ),
  DISPENSE: withArgs<CoinDispenseArgs>(
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
  IDENTIFICATION: query<CoinIdentification>(
    0x0f,
    'IDENTIFICATION',
    (d) => {
      checkLengthIn('IDENTIFICATION', d, [19]);
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
  GET_COIN_TABLE: query<DenominationWord[]>(
    0x10,
    'GET_COIN_TABLE',
    decodeDenominationTable,
    (r) => encodeDenominationTable(r),
    {
      slow: true,
    },
  ),
  DOWNLOAD: plain(0x50, 'DOWNLOAD', { slow: true }),
} as const;
