import { ErrorCode, KioskbusError } from './errors.js';

/** An amount of money: integer minor units (cents) and an ISO 4217 code. Never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** Minor-unit digits of currencies that do not use 2. */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BHD: 3,
  CLP: 0,
  HUF: 2,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  OMR: 3,
  TND: 3,
  UGX: 0,
  VND: 0,
  XAF: 0,
  XOF: 0,
};

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code);
}

export function assertCurrency(code: string): string {
  if (!isCurrencyCode(code)) {
    throw new KioskbusError(ErrorCode.InvalidMoney, `currency must be a three-letter ISO 4217 code, got "${code}"`);
  }
  return code;
}

export function assertMinorUnits(amount: number, what = 'amount'): number {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new KioskbusError(
      ErrorCode.InvalidMoney,
      `${what} must be a non-negative integer of minor units (e.g. cents), got ${String(amount)}`,
    );
  }
  return amount;
}

export function money(amount: number, currency: string): Money {
  return { amount: assertMinorUnits(amount), currency: assertCurrency(currency) };
}

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** `1050 EUR` -> `"10.50 EUR"`. */
export function formatMoney(value: Money): string {
  const digits = minorDigits(value.currency);
  if (digits === 0) return `${value.amount} ${value.currency}`;
  const scale = 10 ** digits;
  const whole = Math.floor(value.amount / scale);
  const frac = String(value.amount % scale).padStart(digits, '0');
  return `${whole}.${frac} ${value.currency}`;
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new KioskbusError(ErrorCode.InvalidMoney, `cannot add ${a.currency} and ${b.currency}`);
  }
  return { amount: a.amount + b.amount, currency: a.currency };
}

/** Three ASCII bytes (as sent by devices) to a currency code; throws on anything else. */
export function currencyFromBytes(bytes: Uint8Array): string {
  const code = String.fromCharCode(...bytes);
  if (bytes.length !== 3 || !/^[A-Za-z]{3}$/.test(code)) {
    throw new KioskbusError(ErrorCode.InvalidMoney, `not a currency code`, { raw: bytes });
  }
  return code.toUpperCase();
}
