/**
 * `event NAME [args]` script lines: any event of the tables (src/essp/events.ts), its data read from the words after
 * the name according to the event's table layout. The event is queued as it is and encoded through the table at the
 * next poll, so whatever a script can say the host decodes by the same table.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import { eventSpecByName, makeEvent, type SspEvent, type SspIncompleteItem, type SspValue } from '../events.js';

/** Help text of the `event` line, by layout. */
export const EVENT_LINE_HELP = `event NAME [args]                       queue any event of the tables, e.g. "event INITIALISING",
                                          "event NOTE_CLEARED_TO_CASHBOX 2", "event DISPENSED 500 EUR",
                                          "event CALIBRATION_FAILED 3", "event INCOMPLETE_PAYOUT 200 500 EUR",
                                          "event ERROR_DURING_PAYOUT 2 500 EUR" (error, then values)`;

/** The event with its table code; `encodeEvent` (raiseEvent) checks that the fields fit the layout. */
function build(fields: { name: string } & Record<string, unknown>): SspEvent {
  return makeEvent(fields as unknown as SspEvent);
}

function bad(message: string): KioskbusError {
  return new KioskbusError(ErrorCode.InvalidArgument, message);
}

function number(text: string | undefined, what: string): number {
  if (text === undefined) throw bad(`missing ${what}`);
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value)) throw bad(`${what} must be a number, got "${text}"`);
  return value;
}

function currency(text: string | undefined): string {
  if (text === undefined || !/^[A-Za-z]{3}$/.test(text))
    throw bad(`expected a 3-letter currency, got "${String(text)}"`);
  return text.toUpperCase();
}

/** `VALUE CUR [VALUE CUR ...]` (values in minor units). */
function values(words: readonly string[], name: string): SspValue[] {
  if (words.length % 2 !== 0) throw bad(`${name}: expected pairs of VALUE CURRENCY`);
  const out: SspValue[] = [];
  for (let i = 0; i < words.length; i += 2) {
    out.push({ value: number(words[i], 'value'), currency: currency(words[i + 1]) });
  }
  return out;
}

function oneValue(words: readonly string[], name: string): SspValue {
  const list = values(words, name);
  const [first] = list;
  if (list.length !== 1 || !first) throw bad(`${name}: expected VALUE CURRENCY`);
  return first;
}

function noMore(words: readonly string[], count: number, name: string): void {
  if (words.length > count) throw bad(`${name}: unexpected "${words.slice(count).join(' ')}"`);
}

/**
 * Builds the table event named by `words[0]` from the words after it. `coinDevice`: FRAUD_ATTEMPT carries values
 * (SMART Hopper/System) instead of a channel. Throws INVALID_ARGUMENT with a hint on bad words.
 */
export function parseEventWords(words: readonly string[], coinDevice = false): SspEvent {
  const [rawName, ...rest] = words;
  if (rawName === undefined) throw bad('event: missing event name');
  const name = rawName.toUpperCase();
  const spec = eventSpecByName(name);
  if (!spec) throw bad(`event: unknown event "${rawName}" (names as in the tables, e.g. CREDIT_NOTE)`);
  switch (spec.layout) {
    case 'none':
    case 'undocumented':
      noMore(rest, 0, name);
      return build({ name });
    case 'channel':
    case 'note':
      noMore(rest, 1, name);
      return build({ name, channel: number(rest[0], 'channel') });
    case 'errorByte':
      noMore(rest, 1, name);
      return build({ name, error: number(rest[0], 'error code') });
    case 'values':
      return build({ name, values: values(rest, name) });
    case 'value7':
    case 'coinCredit':
      return build({ name, value: oneValue(rest, name) });
    case 'coinRejected':
      noMore(rest, 2, name);
      return build({ name: 'COIN_REJECTED', amount: number(rest[0], 'amount'), currency: currency(rest[1]) });
    case 'fraud':
      if (coinDevice) return build({ name: 'FRAUD_ATTEMPT', values: values(rest, name) });
      noMore(rest, 1, name);
      return build({ name: 'FRAUD_ATTEMPT', channel: rest[0] === undefined ? 0 : number(rest[0], 'channel') });
    case 'incomplete': {
      if (rest.length === 0 || rest.length % 3 !== 0) throw bad(`${name}: expected PAID REQUESTED CURRENCY triples`);
      const items: SspIncompleteItem[] = [];
      for (let i = 0; i < rest.length; i += 3) {
        items.push({
          paid: number(rest[i], 'paid'),
          requested: number(rest[i + 1], 'requested'),
          currency: currency(rest[i + 2]),
        });
      }
      return build({ name, items });
    }
    case 'errorDuringPayout': {
      const error = number(rest[0], 'error code');
      return build({ name: 'ERROR_DURING_PAYOUT', error, reason: '', values: values(rest.slice(1), name) });
    }
    case 'noteStored':
      return build(
        rest.length === 0
          ? { name: 'NOTE_STORED_IN_PAYOUT' }
          : { name: 'NOTE_STORED_IN_PAYOUT', values: values(rest, name) },
      );
  }
}
