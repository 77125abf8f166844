/**
 * What `watch` and `decode` print: readable lines when stdout is a terminal (`12:01:03 nv200@0 credit 10.00 EUR`),
 * JSON lines with `--json` or when stdout is a pipe or a file.
 */
import type { Writable } from 'node:stream';
import { toHex } from '../core/bytes.js';
import { KioskbusError } from '../core/errors.js';
import { formatMoney, isCurrencyCode, minorDigits } from '../core/money.js';
import { jsonText } from './util.js';

/** JSON lines when asked (`--json`) or when stdout is not a terminal; readable lines on a terminal. */
export function wantsJson(stdout: Writable, json: boolean | undefined): boolean {
  return json === true || (stdout as Writable & { isTTY?: boolean }).isTTY !== true;
}

function isMoney(value: unknown): value is { amount?: number; value?: number; currency: string } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.currency === 'string' &&
    isCurrencyCode(v.currency) &&
    (typeof v.value === 'number' || typeof v.amount === 'number')
  );
}

/** `10.00 EUR` from `{ value: 1000, currency: 'EUR' }` (or `amount`). */
function moneyText(value: { amount?: number; value?: number; currency: string }): string {
  return formatMoney({ amount: value.amount ?? value.value ?? 0, currency: value.currency });
}

/** One field in a readable line: money in major units, bytes in hex, errors by code, objects compact. */
export function fieldText(value: unknown): string {
  if (value instanceof Uint8Array) return toHex(value, '');
  if (value instanceof KioskbusError) return `${value.code} ${value.message}`;
  if (isMoney(value)) return moneyText(value);
  if (Array.isArray(value)) return value.map(fieldText).join(', ');
  if (typeof value === 'object' && value !== null) return jsonText(value, { hexSeparator: '', errorsAsCode: true });
  return String(value);
}

/** The fields of a record as readable text: its money first (without the key), the others as key=value. */
export function fieldsText(fields: Record<string, unknown>): string {
  const parts: string[] = [];
  const money = isMoney(fields);
  if (money) parts.push(moneyText(fields));
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (money && (key === 'value' || key === 'amount' || key === 'currency')) continue;
    parts.push(`${key}=${fieldText(value)}`);
  }
  return parts.join(' ');
}

function clock(date: Date): string {
  const two = (n: number): string => n.toString().padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

export interface EventPrinter {
  /** Prints one event of `device` (e.g. `nv200@0`). */
  (device: string, event: string, fields?: Record<string, unknown>): void;
  readonly json: boolean;
}

/**
 * A printer of device events: JSON lines `{"event":..., "device":..., ...fields}` or readable lines
 * `HH:MM:SS device event fields`. `now` is injectable for tests.
 */
export function eventPrinter(stdout: Writable, json: boolean, now: () => Date = () => new Date()): EventPrinter {
  const print = (device: string, event: string, fields: Record<string, unknown> = {}): void => {
    if (json) {
      stdout.write(`${jsonText({ event, device, ...fields }, { hexSeparator: '', errorsAsCode: true })}\n`);
      return;
    }
    const text = fieldsText(fields);
    stdout.write(`${clock(now())} ${device} ${event}${text === '' ? '' : ` ${text}`}\n`);
  };
  return Object.assign(print, { json });
}

/**
 * `5.00 EUR`, `5 EUR` or `500` (minor units, with `fallbackCurrency`) to integer minor units. Returns undefined when
 * the text is not an amount.
 */
export function parseAmount(
  amountText: string | undefined,
  currencyText: string | undefined,
  fallbackCurrency: string | undefined,
): { amount: number; currency: string } | undefined {
  if (amountText === undefined) return undefined;
  const currency = (currencyText ?? fallbackCurrency ?? '').toUpperCase();
  if (!isCurrencyCode(currency)) return undefined;
  const digits = minorDigits(currency);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amountText);
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return undefined;
  const amount = Number(m[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(amount) && amount > 0 ? { amount, currency } : undefined;
}

/** A record of a protocol's capture decoder: every one names its kind in `type` (frame, garbage, bad-frame, ...). */
export interface CaptureRecord {
  readonly type: string;
}

/**
 * A printer of `decode` records: JSON lines (the decoder's `type` first: `frame`, `bad-frame`, `garbage`,
 * `summary`, ...) or readable lines (`frame address=0 seq=1 crc=ok command=POLL ...`).
 */
export function recordPrinter(stdout: Writable, json: boolean): (record: CaptureRecord) => void {
  return (record) => {
    const fields: Record<string, unknown> = { ...record };
    if (json) {
      stdout.write(`${jsonText(fields, { errorsAsCode: true })}\n`);
      return;
    }
    delete fields.type;
    stdout.write(`${record.type} ${fieldsText(fields)}\n`);
  };
}
