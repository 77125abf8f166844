/**
 * eSSP POLL events: one table entry per event code (name, data layout by protocol version and unit type).
 * `decodeEvents` parses a POLL reply strictly by declared length; `encodeEvent` is its exact inverse (simulator).
 */
import { ByteReader } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { ByteWriter, readCurrency, readValues, writeCurrency, writeValues } from './tables/codec.js';
import { NO_CURRENCY, isCoinDevice, UnitType, type SspContext, type SspValue } from './tables/context.js';

export { decodeRejectReason, REJECT_REASONS } from './tables/reject.js';
export type { SspValue } from './tables/context.js';

/** Events without data. */
export type SspSimpleEventName =
  | 'SLAVE_RESET'
  | 'NOTE_REJECTING'
  | 'NOTE_REJECTED'
  | 'NOTE_STACKING'
  | 'NOTE_STACKED'
  | 'SAFE_NOTE_JAM'
  | 'UNSAFE_NOTE_JAM'
  | 'DISABLED'
  | 'STACKER_FULL'
  | 'BAR_CODE_TICKET_VALIDATED'
  | 'CASHBOX_REPLACED'
  | 'CASHBOX_REMOVED'
  | 'NOTE_PATH_OPEN'
  | 'BAR_CODE_TICKET_ACKNOWLEDGE'
  | 'DEVICE_FULL'
  | 'NOTE_FLOAT_ATTACHED'
  | 'NOTE_FLOAT_REMOVED'
  | 'PAYOUT_OUT_OF_SERVICE'
  | 'COIN_MECH_RETURN_PRESSED'
  | 'COIN_MECH_JAMMED'
  | 'EMPTIED'
  | 'EMPTYING'
  | 'PAY_IN_ACTIVE'
  | 'ATTACHED_COIN_MECH_ENABLED'
  | 'ATTACHED_COIN_MECH_DISABLED'
  | 'INITIALISING'
  | 'CHANNEL_DISABLE'
  | 'JAM_RECOVERY'
  | 'TICKETS_LOW'
  | 'TICKETS_REPLACED'
  | 'PRINTER_HEAD_REMOVED'
  | 'TICKET_PATH_OPEN'
  | 'TICKET_JAM'
  | 'TICKET_PRINTING'
  | 'TICKET_PRINTED'
  | 'PRINTER_HEAD_REPLACED'
  | 'TICKET_PATH_CLOSED'
  | 'NO_PAPER'
  | 'PAPER_REPLACED'
  | 'TICKET_IN_BEZEL'
  | 'PRINT_HALTED'
  | 'PRINTED_TO_CASHBOX'
  | 'CASHBOX_UNLOCK_ENABLED'
  | 'CASHBOX_BACK_IN_SERVICE'
  | 'COINS_LOW'
  | 'MAINTENANCE_REQUIRED'
  | 'ESCROW_ACTIVE'
  | 'TICKET_IN_BEZEL_AT_STARTUP';

/** Events carrying one channel byte (0 = unknown / still reading). */
export type SspChannelEventName = 'NOTE_CLEARED_FROM_FRONT' | 'NOTE_CLEARED_TO_CASHBOX';

/** Events carrying a value: v<6 one u32 in the unit's currency; v>=6 a count then n × (u32 value, currency). */
export type SspValuesEventName =
  | 'CASHBOX_PAID'
  | 'DISPENSING'
  | 'TIME_OUT'
  | 'FLOATED'
  | 'FLOATING'
  | 'HALTED'
  | 'JAMMED'
  | 'DISPENSED'
  | 'SMART_EMPTIED'
  | 'SMART_EMPTYING'
  | 'VALUE_ADDED';

/** Events carrying exactly one value and currency (7 bytes; COIN_CREDIT is 4 bytes below v6). */
export type SspValueEventName =
  | 'COIN_CREDIT'
  | 'NOTE_HELD_IN_BEZEL'
  | 'NOTE_DISPENSED_AT_POWER-UP'
  | 'NOTE_PAID_INTO_STORE_AT_POWER-UP'
  | 'NOTE_PAID_INTO_STACKER_AT_POWER-UP'
  | 'NOTE_TRANSFERED_TO_STACKER';

/** Events carrying one error/status byte. */
export type SspErrorByteEventName =
  'COIN_MECH_ERROR' | 'CALIBRATION_FAILED' | 'CASHBOX_OUT_OF_SERVICE' | 'TICKET_PRINTING_ERROR';

export interface SspSimpleEvent {
  name: SspSimpleEventName;
  code: number;
}
export interface SspChannelEvent {
  name: SspChannelEventName;
  code: number;
  channel: number;
  /** From the context's channel table, when known. Not encoded. */
  value?: SspValue;
}
/** READ_NOTE (escrow when channel > 0) and CREDIT_NOTE. SMART Currency (v>=9) sends value and currency, channel 0. */
export interface SspNoteEvent {
  name: 'READ_NOTE' | 'CREDIT_NOTE';
  code: number;
  channel: number;
  /** From the context's channel table, or the SMART Currency 7-byte form. */
  value?: SspValue;
}
export interface SspValuesEvent {
  name: SspValuesEventName;
  code: number;
  values: SspValue[];
}
export interface SspValueEvent {
  name: SspValueEventName;
  code: number;
  value: SspValue;
}
/**
 * COIN_REJECTED (SMART System, GA138 0xBA, with the 'Reject Events' option): a 4-byte number and a currency. With
 * 'Reject Events' alone `amount` is the count of coins rejected; with 'Reject Events Full' one event per coin carries
 * its value (0 when unknown). Never a credit.
 */
export interface SspCoinRejectedEvent {
  name: 'COIN_REJECTED';
  code: number;
  amount: number;
  currency: string;
}
export interface SspErrorByteEvent {
  name: SspErrorByteEventName;
  code: number;
  error: number;
}
/** Validators: channel (0 = unknown). SMART Hopper/System: values (v<6 one value, v>=6 a list). */
export interface SspFraudEvent {
  name: 'FRAUD_ATTEMPT';
  code: number;
  channel?: number;
  values?: SspValue[];
}
export interface SspIncompleteItem {
  paid: number;
  requested: number;
  currency: string;
}
export interface SspIncompleteEvent {
  name: 'INCOMPLETE_PAYOUT' | 'INCOMPLETE_FLOAT';
  code: number;
  items: SspIncompleteItem[];
}
export interface SspErrorDuringPayoutEvent {
  name: 'ERROR_DURING_PAYOUT';
  code: number;
  values: SspValue[];
  error: number;
  reason: string;
}
/** SMART Payout: no data. NV11 at v>=6 with report-by-value: a value list (8 bytes for one note). */
export interface SspNoteStoredEvent {
  name: 'NOTE_STORED_IN_PAYOUT';
  code: number;
  values?: SspValue[];
}
/**
 * An event the table cannot size: an unknown code, an event of undocumented length (`label` names it) or one
 * whose data is cut short. It holds every remaining byte of the reply from its code on; parsing stops there.
 */
export interface SspUnknownEvent {
  name: 'UNKNOWN';
  code: number;
  raw: Uint8Array;
  reason: 'unknown-code' | 'undocumented-length' | 'truncated';
  label?: string;
}

export type SspEvent =
  | SspSimpleEvent
  | SspChannelEvent
  | SspNoteEvent
  | SspValuesEvent
  | SspValueEvent
  | SspErrorByteEvent
  | SspCoinRejectedEvent
  | SspFraudEvent
  | SspIncompleteEvent
  | SspErrorDuringPayoutEvent
  | SspNoteStoredEvent
  | SspUnknownEvent;

export type SspEventName = Exclude<SspEvent['name'], 'UNKNOWN'>;

type Layout =
  | 'none'
  | 'channel'
  | 'note'
  | 'values'
  | 'value7'
  | 'coinCredit'
  | 'errorByte'
  | 'fraud'
  | 'incomplete'
  | 'errorDuringPayout'
  | 'noteStored'
  | 'coinRejected'
  | 'undocumented';

export interface SspEventSpec {
  readonly code: number;
  readonly name: SspEventName;
  readonly layout: Layout;
  /** Repeats until EVENT_ACK when polled with POLL_WITH_ACK. */
  readonly ack?: boolean;
  readonly description: string;
}

function ev(code: number, name: SspEventSpec['name'], layout: Layout, description: string, ack = false): SspEventSpec {
  return { code, name, layout, description, ack };
}

/** Every event code of the ITL manual (GA138) and the seed README, by code. */
export const EVENT_SPECS: readonly SspEventSpec[] = [
  ev(0xf1, 'SLAVE_RESET', 'none', 'the device has reset since the last poll'),
  ev(0xef, 'READ_NOTE', 'note', 'a note is being read (channel 0) or is held in escrow (channel > 0)'),
  ev(0xee, 'CREDIT_NOTE', 'note', 'a note has passed the point of no return: credit it', true),
  ev(0xed, 'NOTE_REJECTING', 'none', 'a note is being rejected'),
  ev(0xec, 'NOTE_REJECTED', 'none', 'a note has been rejected back to the user'),
  ev(0xcc, 'NOTE_STACKING', 'none', 'a note is being moved to the stacker'),
  ev(0xeb, 'NOTE_STACKED', 'none', 'a note has been stacked'),
  ev(0xea, 'SAFE_NOTE_JAM', 'none', 'a note is jammed where the user cannot reach it'),
  ev(0xe9, 'UNSAFE_NOTE_JAM', 'none', 'a note is jammed where the user could remove it'),
  ev(0xe8, 'DISABLED', 'none', 'the device is disabled'),
  ev(0xe7, 'STACKER_FULL', 'none', 'the stacker is full'),
  ev(0xe6, 'FRAUD_ATTEMPT', 'fraud', 'a fraud attempt was detected', true),
  ev(0xe5, 'BAR_CODE_TICKET_VALIDATED', 'none', 'a bar code ticket is in escrow (read it with GET_BAR_CODE_DATA)'),
  ev(0xe4, 'CASHBOX_REPLACED', 'none', 'the cashbox was replaced'),
  ev(0xe3, 'CASHBOX_REMOVED', 'none', 'the cashbox was removed'),
  ev(0xe2, 'NOTE_CLEARED_TO_CASHBOX', 'channel', 'at power-up a note was moved into the cashbox', true),
  ev(0xe1, 'NOTE_CLEARED_FROM_FRONT', 'channel', 'at power-up a note was rejected out of the front'),
  ev(0xe0, 'NOTE_PATH_OPEN', 'none', 'the note path is open'),
  ev(0xdf, 'COIN_CREDIT', 'coinCredit', 'a coin was accepted by the attached coin mechanism', true),
  ev(0xde, 'CASHBOX_PAID', 'values', 'value paid to the cashbox during a payout', true),
  ev(0xdd, 'INCOMPLETE_FLOAT', 'incomplete', 'a float was interrupted (power failure)', true),
  ev(0xdc, 'INCOMPLETE_PAYOUT', 'incomplete', 'a payout was interrupted (power failure)', true),
  ev(0xdb, 'NOTE_STORED_IN_PAYOUT', 'noteStored', 'a note was stored in the payout'),
  ev(0xda, 'DISPENSING', 'values', 'paying out; value paid so far'),
  ev(0xd9, 'TIME_OUT', 'values', 'the payout could not be completed; value paid', true),
  ev(0xd8, 'FLOATED', 'values', 'float done; value moved to the cashbox', true),
  ev(0xd7, 'FLOATING', 'values', 'floating; value moved so far'),
  ev(0xd6, 'HALTED', 'values', 'payout halted by the host; value paid', true),
  ev(0xd5, 'JAMMED', 'values', 'the payout mechanism is jammed; value paid'),
  ev(0xd3, 'COINS_LOW', 'none', 'coin levels are low (SMART Hopper)'),
  ev(0xd2, 'DISPENSED', 'values', 'payout complete; value paid', true),
  ev(0xd1, 'BAR_CODE_TICKET_ACKNOWLEDGE', 'none', 'the bar code ticket has been stacked', true),
  ev(0xcf, 'DEVICE_FULL', 'none', 'the payout store is full'),
  ev(0xce, 'NOTE_HELD_IN_BEZEL', 'value7', 'a paid-out note is held in the bezel'),
  ev(0xcd, 'NOTE_DISPENSED_AT_POWER-UP', 'value7', 'a note was dispensed at power-up', true),
  ev(0xcb, 'NOTE_PAID_INTO_STORE_AT_POWER-UP', 'value7', 'a note was moved into the payout store at power-up', true),
  ev(0xca, 'NOTE_PAID_INTO_STACKER_AT_POWER-UP', 'value7', 'a note was moved to the cashbox at power-up', true),
  ev(0xc9, 'NOTE_TRANSFERED_TO_STACKER', 'value7', 'a note was moved from the payout store to the cashbox', true),
  ev(0xc8, 'NOTE_FLOAT_ATTACHED', 'none', 'the note float was attached'),
  ev(0xc7, 'NOTE_FLOAT_REMOVED', 'none', 'the note float was removed'),
  ev(0xc6, 'PAYOUT_OUT_OF_SERVICE', 'none', 'the payout went out of service'),
  ev(0xc5, 'COIN_MECH_RETURN_PRESSED', 'none', 'the coin mechanism return button was pressed'),
  ev(0xc4, 'COIN_MECH_JAMMED', 'none', 'the coin mechanism is jammed'),
  ev(0xc3, 'EMPTIED', 'none', 'EMPTY_ALL finished'),
  ev(0xc2, 'EMPTYING', 'none', 'EMPTY_ALL in progress'),
  ev(0xc1, 'PAY_IN_ACTIVE', 'none', 'coins are being paid in (SMART System)'),
  ev(0xc0, 'MAINTENANCE_REQUIRED', 'none', 'maintenance required (SMART System)'),
  ev(0xbf, 'VALUE_ADDED', 'values', 'value added to the SMART System', true),
  ev(0xbe, 'ATTACHED_COIN_MECH_ENABLED', 'none', 'the attached coin mechanism was enabled'),
  ev(0xbd, 'ATTACHED_COIN_MECH_DISABLED', 'none', 'the attached coin mechanism was disabled'),
  ev(0xba, 'COIN_REJECTED', 'coinRejected', 'coins were rejected: count (or value) and currency (SMART System)'),
  ev(0xb7, 'COIN_MECH_ERROR', 'errorByte', 'the attached coin mechanism reported a ccTalk error'),
  ev(0xb6, 'INITIALISING', 'none', 'the device is initialising (POLL_WITH_ACK only)', true),
  ev(0xb5, 'CHANNEL_DISABLE', 'none', 'all channels are inhibited'),
  ev(0xb4, 'SMART_EMPTIED', 'values', 'SMART_EMPTY finished; value emptied', true),
  ev(0xb3, 'SMART_EMPTYING', 'values', 'SMART_EMPTY in progress; value emptied so far'),
  ev(0xb1, 'ERROR_DURING_PAYOUT', 'errorDuringPayout', 'an error occurred during a payout', true),
  ev(0xb0, 'JAM_RECOVERY', 'none', 'the payout is recovering from a jam'),
  ev(0xaf, 'PRINTED_TO_CASHBOX', 'none', 'a ticket was printed to the cashbox'),
  ev(0xae, 'PRINT_HALTED', 'none', 'printing halted'),
  ev(0xad, 'TICKET_IN_BEZEL', 'none', 'a printed ticket is in the bezel'),
  ev(0xac, 'PAPER_REPLACED', 'none', 'paper replaced'),
  ev(0xab, 'NO_PAPER', 'none', 'no paper'),
  ev(0xaa, 'TICKET_PATH_CLOSED', 'none', 'ticket path closed'),
  ev(0xa9, 'PRINTER_HEAD_REPLACED', 'none', 'printer head replaced'),
  ev(0xa8, 'TICKET_PRINTING_ERROR', 'errorByte', 'ticket printing error'),
  ev(0xa7, 'TICKET_IN_BEZEL_AT_STARTUP', 'none', 'a ticket was pushed out at start-up (power lost while printing)'),
  ev(0xa6, 'TICKET_PRINTED', 'none', 'ticket printed'),
  ev(0xa5, 'TICKET_PRINTING', 'none', 'ticket printing'),
  ev(0xa4, 'TICKET_JAM', 'none', 'ticket jam'),
  ev(0xa3, 'TICKET_PATH_OPEN', 'none', 'ticket path open'),
  ev(0xa2, 'PRINTER_HEAD_REMOVED', 'none', 'printer head removed'),
  ev(0xa1, 'TICKETS_REPLACED', 'none', 'tickets replaced'),
  ev(0xa0, 'TICKETS_LOW', 'none', 'tickets low'),
  ev(0x93, 'CASHBOX_UNLOCK_ENABLED', 'none', 'cashbox unlock enabled (TEBS)'),
  ev(0x92, 'CASHBOX_BACK_IN_SERVICE', 'none', 'cashbox back in service (TEBS)'),
  ev(0x90, 'CASHBOX_OUT_OF_SERVICE', 'errorByte', 'cashbox out of service (TEBS), error 1-8'),
  ev(0x8b, 'ESCROW_ACTIVE', 'none', 'the coin escrow is open (SMART System, repeated while open)'),
  ev(0x83, 'CALIBRATION_FAILED', 'errorByte', 'calibration failed, error 0-10'),
];

const BY_CODE = new Map<number, SspEventSpec>(EVENT_SPECS.map((s) => [s.code, s]));
const BY_NAME = new Map<string, SspEventSpec>(EVENT_SPECS.map((s) => [s.name, s]));

export function eventSpecByCode(code: number): SspEventSpec | undefined {
  return BY_CODE.get(code);
}

export function eventSpecByName(name: string): SspEventSpec | undefined {
  return BY_NAME.get(name);
}

/** ERROR_DURING_PAYOUT error byte (M649 p.257). */
export const PAYOUT_ERROR_REASONS: Readonly<Record<number, string>> = {
  0x00: 'note not correctly detected as it was routed (reverse validation fail)',
  0x01: 'note jammed in transport',
  0x02: 'cashbox error (stacker full, removed or jammed)',
  0x03: 'payout stalled (unable to seek note in payout)',
  0x04: 'payout cancelled due to poll timeout',
};

function eventError(message: string): KioskbusError {
  return new KioskbusError(ErrorCode.InvalidArgument, message);
}

function payoutErrorReason(error: number): string {
  return PAYOUT_ERROR_REASONS[error] ?? `unknown payout error 0x${error.toString(16).padStart(2, '0')}`;
}

/** A channel byte, and the channel's value when the context knows it (channel 0 has none). */
function readChannel(r: ByteReader, ctx: SspContext): { channel: number; value?: SspValue } {
  const channel = r.u8('channel');
  const info = channel === 0 ? undefined : ctx.channels?.find((c) => c.channel === channel);
  return info ? { channel, value: { value: info.value, currency: info.currency } } : { channel };
}

function singleCurrency(ctx: SspContext): string {
  return ctx.currency ?? NO_CURRENCY;
}

/** True when the event data of a v<6 single-value form is used. */
function multiCurrency(ctx: SspContext): boolean {
  return ctx.protocolVersion >= 6;
}

function readValueList(r: ByteReader, ctx: SspContext): SspValue[] {
  if (!multiCurrency(ctx)) return [{ value: r.u32le('value'), currency: singleCurrency(ctx) }];
  const n = r.u8('count');
  return readValues(r, n);
}

function decodeOne(spec: SspEventSpec, r: ByteReader, ctx: SspContext): SspEvent {
  const code = spec.code;
  switch (spec.layout) {
    case 'none':
      return { name: spec.name as SspSimpleEventName, code };
    case 'channel':
      return { name: spec.name as SspChannelEventName, code, ...readChannel(r, ctx) };
    case 'note': {
      const name = spec.name as SspNoteEvent['name'];
      if (ctx.smartCurrency === true && ctx.protocolVersion >= 9) {
        const currency = readCurrency(r);
        const value = r.u32le('value');
        return { name, code, channel: 0, value: { value, currency } };
      }
      return { name, code, ...readChannel(r, ctx) };
    }
    case 'values':
      return { name: spec.name as SspValuesEventName, code, values: readValueList(r, ctx) };
    case 'value7': {
      const value = r.u32le('value');
      return { name: spec.name as SspValueEventName, code, value: { value, currency: readCurrency(r) } };
    }
    case 'coinCredit': {
      const value = r.u32le('value');
      const currency = multiCurrency(ctx) ? readCurrency(r) : singleCurrency(ctx);
      return { name: 'COIN_CREDIT', code, value: { value, currency } };
    }
    case 'errorByte':
      return { name: spec.name as SspErrorByteEventName, code, error: r.u8('error') };
    case 'coinRejected': {
      const amount = r.u32le('amount');
      return { name: 'COIN_REJECTED', code, amount, currency: readCurrency(r) };
    }
    case 'fraud':
      if (isCoinDevice(ctx)) return { name: 'FRAUD_ATTEMPT', code, values: readValueList(r, ctx) };
      return { name: 'FRAUD_ATTEMPT', code, channel: r.u8('channel') };
    case 'incomplete': {
      const name = spec.name as SspIncompleteEvent['name'];
      if (!multiCurrency(ctx)) {
        const paid = r.u32le('paid');
        const requested = r.u32le('requested');
        return { name, code, items: [{ paid, requested, currency: singleCurrency(ctx) }] };
      }
      const n = r.u8('count');
      const items: SspIncompleteItem[] = [];
      for (let i = 0; i < n; i++) {
        const paid = r.u32le('paid');
        const requested = r.u32le('requested');
        items.push({ paid, requested, currency: readCurrency(r) });
      }
      return { name, code, items };
    }
    case 'errorDuringPayout': {
      const n = r.u8('count');
      const values = readValues(r, n);
      const error = r.u8('error');
      return { name: 'ERROR_DURING_PAYOUT', code, values, error, reason: payoutErrorReason(error) };
    }
    case 'noteStored':
      if (noteStoredHasValue(ctx)) return { name: 'NOTE_STORED_IN_PAYOUT', code, values: readValues(r, r.u8('count')) };
      return { name: 'NOTE_STORED_IN_PAYOUT', code };
    case 'undocumented':
      // handled by decodeEvents (never reached)
      return { name: 'UNKNOWN', code, raw: r.rest(), reason: 'undocumented-length', label: spec.name };
  }
}

function noteStoredHasValue(ctx: SspContext): boolean {
  return ctx.unitType === UnitType.Nv11 && ctx.protocolVersion >= 6 && ctx.valueReporting === 'value';
}

/** The event holding the rest of a reply from an event the table cannot size (`label`: the known event's name). */
function unknownEvent(
  code: number,
  raw: Uint8Array,
  reason: SspUnknownEvent['reason'],
  spec?: SspEventSpec,
): SspUnknownEvent {
  return spec ? { name: 'UNKNOWN', code, raw, reason, label: spec.name } : { name: 'UNKNOWN', code, raw, reason };
}

/**
 * Decodes the event list of a POLL / POLL_WITH_ACK reply (the bytes after F0), oldest first. Parses strictly by
 * declared length: an unknown code, an event of undocumented length or data cut short stops the parse and is
 * returned as one `UNKNOWN` event holding every remaining byte. Never throws on wire data.
 */
export function decodeEvents(data: Uint8Array, ctx: SspContext): SspEvent[] {
  const events: SspEvent[] = [];
  const r = new ByteReader(data);
  while (r.remaining > 0) {
    const start = r.offset;
    const code = r.u8('event');
    const spec = BY_CODE.get(code);
    if (!spec) {
      events.push(unknownEvent(code, data.slice(start), 'unknown-code'));
      break;
    }
    if (spec.layout === 'undocumented') {
      events.push(unknownEvent(code, data.slice(start), 'undocumented-length', spec));
      break;
    }
    try {
      events.push(decodeOne(spec, r, ctx));
    } catch {
      // only SHORT_DATA can happen here: the event's data is cut short
      events.push(unknownEvent(code, data.slice(start), 'truncated', spec));
      break;
    }
  }
  return events;
}

function writeValueList(w: ByteWriter, values: readonly SspValue[], ctx: SspContext, name: string): void {
  if (!multiCurrency(ctx)) {
    if (values.length !== 1) {
      throw eventError(`${name}: protocol version ${ctx.protocolVersion} carries exactly one value`);
    }
    w.u32le(values[0]?.value ?? 0);
    return;
  }
  if (values.length > 255) throw eventError(`${name}: at most 255 values`);
  w.u8(values.length);
  writeValues(w, values);
}

/** Every data field an event may have (for the encoder's switch on layout). */
interface LooseEvent {
  channel?: number;
  value?: SspValue;
  values?: SspValue[];
  error?: number;
  items?: SspIncompleteItem[];
}

/** Encodes one event (code and data) as the device sends it in a POLL reply; the exact inverse of decodeEvents. */
export function encodeEvent(event: SspEvent, ctx: SspContext): Uint8Array {
  if (event.name === 'UNKNOWN') return event.raw.slice();
  const spec = BY_NAME.get(event.name);
  if (!spec) throw eventError(`unknown event name "${event.name}"`);
  const w = new ByteWriter().u8(spec.code);
  const e = event as LooseEvent;
  const fraud = e;
  switch (spec.layout) {
    case 'none':
    case 'undocumented':
      break;
    case 'channel':
      w.u8(requireByte(e.channel, event.name, 'channel'));
      break;
    case 'note':
      if (ctx.smartCurrency === true && ctx.protocolVersion >= 9) {
        const v = e.value ?? { value: 0, currency: '\0\0\0' };
        writeCurrency(w, v.currency);
        w.u32le(v.value);
      } else {
        w.u8(requireByte(e.channel, event.name, 'channel'));
      }
      break;
    case 'values':
      writeValueList(w, e.values ?? [], ctx, event.name);
      break;
    case 'value7':
      if (!e.value) throw eventError(`${event.name}: needs a value`);
      w.u32le(e.value.value);
      writeCurrency(w, e.value.currency);
      break;
    case 'coinCredit':
      if (!e.value) throw eventError(`${event.name}: needs a value`);
      w.u32le(e.value.value);
      if (multiCurrency(ctx)) writeCurrency(w, e.value.currency);
      break;
    case 'errorByte':
      w.u8(requireByte(e.error, event.name, 'error'));
      break;
    case 'coinRejected': {
      const rejected = event as SspCoinRejectedEvent;
      w.u32le(rejected.amount);
      writeCurrency(w, rejected.currency);
      break;
    }
    case 'fraud':
      if (isCoinDevice(ctx)) writeValueList(w, fraud.values ?? [], ctx, event.name);
      else w.u8(requireByte(fraud.channel ?? 0, event.name, 'channel'));
      break;
    case 'incomplete': {
      const items = e.items ?? [];
      if (!multiCurrency(ctx)) {
        if (items.length !== 1) throw eventError(`${event.name}: v<6 carries exactly one item`);
        w.u32le(items[0]?.paid ?? 0).u32le(items[0]?.requested ?? 0);
      } else {
        w.u8(items.length);
        for (const item of items) {
          w.u32le(item.paid).u32le(item.requested);
          writeCurrency(w, item.currency);
        }
      }
      break;
    }
    case 'errorDuringPayout': {
      const p = event as SspErrorDuringPayoutEvent;
      w.u8(p.values.length);
      writeValues(w, p.values);
      w.u8(requireByte(p.error, event.name, 'error'));
      break;
    }
    case 'noteStored':
      if (noteStoredHasValue(ctx)) {
        const values = (event as SspNoteStoredEvent).values ?? [];
        w.u8(values.length);
        writeValues(w, values);
      }
      break;
  }
  return w.finish();
}

function requireByte(v: number | undefined, name: string, field: string): number {
  if (v === undefined || !Number.isInteger(v) || v < 0 || v > 255) {
    throw eventError(`${name}: "${field}" must be a byte 0..255, got ${String(v)}`);
  }
  return v;
}

/** Encodes a list of events as a POLL reply body (after F0). */
export function encodeEvents(events: readonly SspEvent[], ctx: SspContext): Uint8Array {
  const w = new ByteWriter();
  for (const e of events) w.bytes(encodeEvent(e, ctx));
  return w.finish();
}

/** Builds an event by name with its code filled in (for the simulator and tests). */
export function makeEvent<E extends SspEvent>(event: Omit<E, 'code'> & { name: E['name'] }): E {
  if (event.name === 'UNKNOWN') return event as unknown as E;
  const spec = BY_NAME.get(event.name);
  if (!spec) throw eventError(`unknown event name "${event.name}"`);
  return { ...event, code: spec.code } as unknown as E;
}

/** The value an event credits to the host (CREDIT_NOTE with a known channel, COIN_CREDIT), if any. */
export function creditOf(event: SspEvent): SspValue | undefined {
  return event.name === 'CREDIT_NOTE' || event.name === 'COIN_CREDIT' ? event.value : undefined;
}
