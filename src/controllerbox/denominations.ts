/**
 * Which bill values a ControllerBox can report. BILL_VALUE is a bare 32-bit number without a currency, and the
 * default CRC variant does not cover PROTOCOL_ID, so one damaged id byte can turn another status into a
 * BILL_ACCEPTED of an absurd value. The host therefore credits only values that are notes of the configured
 * currency; anything else is a suspect frame.
 *
 * Values are in minor units of the currency (what `Money.amount` holds), so they do not depend on how many
 * minor units one protocol unit is.
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { minorDigits } from '../core/money.js';

/** Note values in whole units of the currency (the banknote series in circulation). */
const NOTES: Readonly<Record<string, readonly number[]>> = {
  // State Bank of Vietnam: polymer 10 000 .. 500 000, cotton 100 .. 5 000 (all legal tender)
  VND: [100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000],
  EUR: [5, 10, 20, 50, 100, 200, 500],
  USD: [1, 2, 5, 10, 20, 50, 100],
  GBP: [5, 10, 20, 50],
  CHF: [10, 20, 50, 100, 200, 1000],
  RUB: [5, 10, 50, 100, 200, 500, 1000, 2000, 5000],
  THB: [20, 50, 100, 500, 1000],
  IDR: [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000],
  PHP: [20, 50, 100, 200, 500, 1000],
  MYR: [1, 5, 10, 20, 50, 100],
  INR: [10, 20, 50, 100, 200, 500, 2000],
  CNY: [1, 5, 10, 20, 50, 100],
  JPY: [1000, 2000, 5000, 10_000],
  KRW: [1000, 5000, 10_000, 50_000],
  AUD: [5, 10, 20, 50, 100],
  CAD: [5, 10, 20, 50, 100],
};

/** Currencies with a built-in note list. */
export const KNOWN_NOTE_CURRENCIES: readonly string[] = Object.freeze(Object.keys(NOTES));

/** The notes of `currency` in minor units, or undefined when kioskbus has no list for it. */
export function defaultBillDenominations(currency: string): readonly number[] | undefined {
  const notes = NOTES[currency];
  if (!notes) return undefined;
  const scale = 10 ** minorDigits(currency);
  return notes.map((n) => n * scale);
}

/**
 * The set of bill values (minor units) the host credits: the option when given, else the currency's notes.
 * `null` turns the check off (every value is credited, as before: not recommended). A currency without a
 * built-in list needs the option.
 */
export function billDenominationSet(
  currency: string,
  option: readonly number[] | null | undefined,
): ReadonlySet<number> | undefined {
  if (option === null) return undefined;
  const list = option ?? defaultBillDenominations(currency);
  if (!list) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `no built-in bill values for ${currency}: set billDenominations (minor units), or null to credit any value`,
    );
  }
  for (const value of list) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `billDenominations: ${String(value)} is not a positive integer`,
      );
    }
  }
  return new Set(list);
}
