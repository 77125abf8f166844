/** Command table of the cashless card reader (address 04) and its amount conversions. */
import { ByteReader } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { minorDigits, type Money } from '../core/money.js';
import { decodeIdentification, encodeIdentification, padAscii, trimAscii, type Identification } from './codec.js';
import { checkLength, checkLengthIn, plain, query, rawReply, withArgs, type CommandDef } from './command-def.js';

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
  RESET: plain(0x30, 'RESET'),
  SETUP: {
    code: 0x11,
    name: 'SETUP',
    reply: 'data',
    encodeArgs: (level: number) => Uint8Array.of(level),
    decodeArgs: (d: Uint8Array) => d[0] ?? 0,
    decodeReply: (d: Uint8Array): CardSetupReply => {
      checkLengthIn('SETUP', d, [2]);
      const options = d[1] ?? 0;
      return { level: d[0] ?? 0, options, fundRestoring: (options & 1) !== 0, continuousPayment: (options & 2) !== 0 };
    },
    encodeReply: (r: CardSetupReply) =>
      Uint8Array.of(r.level, (r.options & ~3) | (r.fundRestoring ? 1 : 0) | (r.continuousPayment ? 2 : 0)),
  } satisfies CommandDef<number, CardSetupReply>,
  POLL: query(0x33, 'POLL', rawReply.decode, rawReply.encode),
  VEND_BEGIN_SESSION: plain(0x13, 'VEND_BEGIN_SESSION', { subcommand: 0x10 }),
  VEND_GET_FUNDS: query<FundsReply>(
    0x13,
    'VEND_GET_FUNDS',
    (d) => {
      const r = new ByteReader(d);
      const flag = r.u8('stored value flag');
      const storedValue = flag >= 0xe0 && flag <= 0xe7;
      // the flag, then one 8-byte block per wallet (stored value cards only)
      checkLength(
        'VEND_GET_FUNDS',
        d,
        (n) => (storedValue ? n >= 1 && (n - 1) % 8 === 0 : n === 1),
        storedValue ? 'the flag and 8 bytes per wallet' : '1 byte (no stored value)',
      );
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
  VEND_REQUEST: withArgs<VendRequestArgs>(0x13, 'VEND_REQUEST', vendArgs.encode, vendArgs.decode, {
    subcommand: 0x01,
    movesMoney: true,
  }),
  VEND_REQUEST_REFUND: withArgs<VendRequestArgs>(0x13, 'VEND_REQUEST_REFUND', vendArgs.encode, vendArgs.decode, {
    subcommand: 0x02,
    movesMoney: true,
  }),
  VEND_CANCEL: query<VendCancelReply>(
    0x13,
    'VEND_CANCEL',
    (d) => {
      // 07H means the funds are already withdrawn: never read another byte as a denial
      checkLength('VEND_CANCEL', d, (n) => n === 1 && (d[0] === 0x06 || d[0] === 0x07), '1 byte, 06H or 07H');
      return d[0] === 0x07 ? 'VEND_CANCEL_FAILED' : 'VEND_DENIED';
    },
    (r) => Uint8Array.of(r === 'VEND_CANCEL_FAILED' ? 0x07 : 0x06),
    { subcommand: 0x03 },
  ),
  VEND_SESSION_COMPLETE: plain(0x13, 'VEND_SESSION_COMPLETE', { subcommand: 0x04 }),
  ENABLE_DISABLE: withArgs<boolean>(
    0x14,
    'ENABLE_DISABLE',
    (enable) => Uint8Array.of(enable ? 1 : 0),
    (d) => (d[0] ?? 0) === 1,
  ),
  IDENTIFICATION: query<Identification>(0x15, 'IDENTIFICATION', decodeIdentification, encodeIdentification, {
    slow: true,
  }),
  DOWNLOAD: plain(0x50, 'DOWNLOAD', { slow: true }),
} as const;
