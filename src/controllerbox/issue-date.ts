/** ISSUE_DATE (3 bytes, format undocumented): a guess for display, and the writer of `YYYY-MM-DD`. */
import { ErrorCode, KioskbusError } from '../core/errors.js';

export type IssueDateFormat = 'ymd' | 'dmy';

export interface IssueDate {
  /** The three ISSUE_DATE bytes in hex (their format is not documented). */
  raw: string;
  /** `YYYY-MM-DD` read with the `issueDateFormat` option, when the bytes make a valid date. */
  guess?: string;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** Reads 3 ISSUE_DATE bytes as `ymd` (year-2000, month, day) or `dmy`; undefined when not a valid date. */
export function guessIssueDate(bytes: Uint8Array, format: IssueDateFormat = 'ymd'): string | undefined {
  if (bytes.length !== 3) return undefined;
  const [a = 0, b = 0, c = 0] = bytes;
  const [year, month, day] = format === 'ymd' ? [2000 + a, b, c] : [2000 + c, b, a];
  return validDate(year, month, day) ? `${year}-${pad2(month)}-${pad2(day)}` : undefined;
}

/** Writes `YYYY-MM-DD` (years 2000..2255) as 3 ISSUE_DATE bytes. */
export function encodeIssueDate(text: string, format: IssueDateFormat = 'ymd'): Uint8Array {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  if (!match || year < 2000 || year > 2255 || !validDate(year, month, day)) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `issue date must be YYYY-MM-DD (2000..2255), got "${text}"`);
  }
  return format === 'ymd' ? Uint8Array.of(year - 2000, month, day) : Uint8Array.of(day, month, year - 2000);
}
