/**
 * Result objects of `kioskbus/compat/essp`: kioskbus table results turned into the `info` shapes the older eSSP
 * library (`encrypted-smiley-secure-protocol@0.0.11`) returns for the same device answer. Values are parsed by the
 * tables (declared lengths); only the shapes, names and texts follow the older library. Where it mis-read a reply,
 * the value is the correct one and docs/compat-essp.md lists the difference.
 */
import { toHex } from '../core/bytes.js';
import type { SspContext } from '../essp/commands.js';
import { formatFirmware, type SetupRequestResult } from '../essp/decoders.js';
import { eventSpecByName, type SspEvent, type SspValue } from '../essp/events.js';
import { isCoinDevice, unitTypeName } from '../essp/tables/context.js';
import { EVENT_TEXT, F5_TEXT, REJECT_TEXT, UNIT_TYPE_TEXT } from './essp-texts.js';

/** `info` of a result: an object, or for a POLL reply that carries events, the list of event objects. */
export type SspCompatInfo = Record<string, unknown> | Record<string, unknown>[];

const SECURITY = ['not_implemented', 'low', 'std', 'high', 'inhibited'];
const BAR_CODE_HARDWARE = ['none', 'Top reader fitted', 'Bottom reader fitted', 'both fitted'];
const BAR_CODE_STATUS: Readonly<Record<string, string>> = {
  none: 'no_valid_data',
  escrow: 'ticket_in_escrow',
  stacked: 'ticket_stacked',
  rejected: 'ticket_rejected',
};

/** The unit type as the older library names it; types it did not know get kioskbus's name (it gave undefined). */
export function unitTypeText(unitType: number): string {
  return UNIT_TYPE_TEXT[unitType] ?? unitTypeName(unitType);
}

/** Firmware "0430" as the older library shows it: "4.30" (the number / 100 with two decimals). */
function firmwareText(firmware: string): string {
  const n = Number(firmware);
  return /^\d+$/.test(firmware) && Number.isFinite(n) ? (n / 100).toFixed(2) : formatFirmware(firmware);
}

function numbered<T>(list: readonly T[], map: (item: T) => unknown, from = 1): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  list.forEach((item, i) => (out[i + from] = map(item)));
  return out;
}

function setupInfo(s: SetupRequestResult): Record<string, unknown> {
  const base = { unit_type: unitTypeText(s.unitType), firmware_version: firmwareText(s.firmware) };
  switch (s.kind) {
    case 'coin':
      return {
        ...base,
        country_code: s.currency,
        protocol_version: s.protocolVersion,
        coin_values: s.coinValues,
        // the older library gave null when the reply has no currency list (protocol < 6)
        country_codes_for_values: s.coinCurrencies ?? null,
      };
    case 'validator':
      return {
        ...base,
        country_code: s.currency,
        value_multiplier: s.valueMultiplier,
        channel_value: s.channelValues,
        channel_security: s.channelSecurity,
        real_value_multiplier: s.realValueMultiplier,
        protocol_version: s.protocolVersion,
        ...(s.channelCurrencies ? { expanded_channel_country_code: s.channelCurrencies } : {}),
        ...(s.expandedValues ? { expanded_channel_value: s.expandedValues } : {}),
      };
    case 'printer':
      return { ...base, protocol_version: s.protocolVersion };
    default:
      return base;
  }
}

/**
 * The seed's `info` for a successful reply. `data` is the reply after its generic byte, for the few results that
 * the older library returned as raw bytes.
 */
export function successInfo(name: string, result: unknown, data: Uint8Array, ctx: SspContext): SspCompatInfo {
  const r = (result ?? {}) as Record<string, unknown>;
  switch (name) {
    case 'SETUP_REQUEST':
      return setupInfo(result as SetupRequestResult);
    case 'GET_SERIAL_NUMBER':
      return { serial_number: r.serialNumber };
    case 'UNIT_DATA':
      return {
        unit_type: unitTypeText(r.unitType as number),
        firmware_version: firmwareText(r.firmware as string),
        country_code: r.currency,
        value_multiplier: r.valueMultiplier,
        protocol_version: r.protocolVersion,
      };
    case 'CHANNEL_VALUE_REQUEST':
      return {
        channel: r.channelValues,
        ...(r.channelCurrencies ? { country_code: r.channelCurrencies } : {}),
        ...(r.expandedValues ? { value: r.expandedValues } : {}),
      };
    case 'CHANNEL_SECURITY_DATA':
      return { channel: numbered(r.levels as number[], (l) => SECURITY[l] ?? 'unknown') };
    case 'CHANNEL_RE_TEACH_DATA':
      return { source: [...data] };
    case 'REQUEST_KEY_EXCHANGE':
      return { key: [...data] };
    case 'LAST_REJECT_CODE': {
      const code = r.code as number;
      const text = REJECT_TEXT[code];
      return { code, name: text?.[0] ?? r.name, description: text?.[1] ?? r.reason };
    }
    case 'GET_FIRMWARE_VERSION':
    case 'GET_DATASET_VERSION':
      return { version: r.version };
    case 'GET_ALL_LEVELS':
      return {
        counter: numbered(r.levels as { level: number; value: number; currency: string }[], (l) => ({
          denomination_level: l.level,
          value: l.value,
          country_code: l.currency,
        })),
      };
    case 'GET_BAR_CODE_READER_CONFIGURATION': {
      const hw = ['none', 'top', 'bottom', 'both'].indexOf(r.hardware as string);
      return {
        bar_code_hardware_status: BAR_CODE_HARDWARE[hw] ?? 'none',
        readers_enabled: r.enabled,
        bar_code_format: r.format === 1 ? 'Interleaved 2 of 5' : r.format,
        number_of_characters: r.numChar,
      };
    }
    case 'GET_BAR_CODE_INHIBIT_STATUS':
      return { currency_read_enable: r.currencyRead, bar_code_enable: r.barCode };
    case 'GET_BAR_CODE_DATA':
      return { status: BAR_CODE_STATUS[r.status as string] ?? r.status, data: r.data };
    case 'GET_DENOMINATION_LEVEL':
      return { level: r.level };
    case 'GET_DENOMINATION_ROUTE':
      return r.route === 'payout'
        ? { code: 0, value: 'Recycled and used for payouts' }
        : r.route === 'cashbox'
          ? { code: 1, value: 'Detected denomination is routed to system cashbox' }
          : { code: r.code ?? r.route, value: String(r.route) };
    case 'GET_MINIMUM_PAYOUT':
      return { value: r.value };
    case 'GET_NOTE_POSITIONS': {
      const values = r.values as number[] | undefined;
      const channels = r.channels as number[] | undefined;
      return {
        slot: values ? numbered(values, (value) => ({ value })) : numbered(channels ?? [], (channel) => ({ channel })),
      };
    }
    case 'GET_BUILD_REVISION':
      return {
        device: numbered(
          r.revisions as { unitType: number; revision: number }[],
          (d) => ({ unitType: unitTypeText(d.unitType), revision: d.revision }),
          0,
        ),
      };
    case 'GET_COUNTERS':
      return {
        stacked: r.stacked,
        stored: r.stored,
        dispensed: r.dispensed,
        transferred_from_store_to_stacker: r.transferredToStack,
        rejected: r.rejected,
      };
    case 'GET_HOPPER_OPTIONS':
      return {
        payMode: r.payMode,
        levelCheck: r.levelCheck,
        motorSpeed: r.motorSpeed,
        cashBoxPayAcive: r.cashBoxPayActive,
      };
    case 'SET_REFILL_MODE':
      return r.enabled === undefined ? {} : { enabled: r.enabled };
    case 'POLL':
    case 'POLL_WITH_ACK': {
      const events = result as SspEvent[];
      // an empty reply: the older library's `info` stays an empty object
      return events.length === 0 ? {} : events.map((e) => eventInfo(e, ctx));
    }
    default:
      return {};
  }
}

/**
 * The seed's `info` for a refusal: COMMAND_CANNOT_BE_PROCESSED (F5) of the commands whose error byte it named gets
 * `{ errorCode, error }` with its text; every other refusal an empty object.
 */
export function refusalInfo(name: string, reply: Uint8Array): Record<string, unknown> {
  if (reply[0] !== 0xf5) return {};
  const errorCode = reply[1];
  if (name === 'GET_NOTE_POSITIONS') return errorCode === 2 ? { errorCode, error: 'Invalid currency' } : { errorCode };
  const texts = F5_TEXT[name];
  if (!texts) return {};
  return { errorCode, error: (errorCode === undefined ? undefined : texts[errorCode - 1]) ?? 'Unknown error' };
}

function valueList(values: readonly SspValue[]): { value: number; country_code: string }[] {
  return values.map((v) => ({ value: v.value, country_code: v.currency }));
}

/**
 * An event as the older library reports it: `{ code, name, description }` and, by kind, `channel`, `value` (a
 * number below protocol 6, a list of `{ value, country_code }` from 6), the incomplete payout/float amounts, or
 * ERROR_DURING_PAYOUT's `errorCode`. Events it did not know carry kioskbus's description; UNKNOWN carries `raw`.
 */
export function eventInfo(event: SspEvent, ctx: SspContext): Record<string, unknown> {
  const info: Record<string, unknown> = { code: event.code, name: event.name };
  if (event.name === 'UNKNOWN') {
    info.description = `event of unknown length (${event.reason})`;
    info.raw = toHex(event.raw);
    if (event.label) info.label = event.label;
    return info;
  }
  info.description = EVENT_TEXT[event.code] ?? eventSpecByName(event.name)?.description ?? '';
  const multi = ctx.protocolVersion >= 6;
  switch (event.name) {
    case 'READ_NOTE':
    case 'CREDIT_NOTE':
    case 'NOTE_CLEARED_FROM_FRONT':
    case 'NOTE_CLEARED_TO_CASHBOX':
      info.channel = event.channel;
      break;
    case 'FRAUD_ATTEMPT':
      if (event.values && isCoinDevice(ctx))
        info.value = multi ? valueList(event.values) : (event.values[0]?.value ?? 0);
      else info.channel = event.channel ?? 0;
      break;
    case 'NOTE_HELD_IN_BEZEL':
      info.value = { value: event.value.value, country_code: event.value.currency };
      break;
    case 'COIN_CREDIT':
    case 'NOTE_DISPENSED_AT_POWER-UP':
    case 'NOTE_PAID_INTO_STORE_AT_POWER-UP':
    case 'NOTE_PAID_INTO_STACKER_AT_POWER-UP':
    case 'NOTE_TRANSFERED_TO_STACKER':
      info.value = multi ? valueList([event.value]) : event.value.value;
      break;
    case 'ERROR_DURING_PAYOUT':
      info.value = valueList(event.values);
      info.errorCode = event.error === 0 ? 'wrong_recognition' : 'jammed';
      break;
    case 'INCOMPLETE_PAYOUT':
    case 'INCOMPLETE_FLOAT': {
      const first = event.name === 'INCOMPLETE_PAYOUT' ? 'dispensed' : 'floated';
      if (multi) {
        info.value = event.items.map((i) => ({ [first]: i.paid, requested: i.requested, country_code: i.currency }));
      } else if (event.name === 'INCOMPLETE_PAYOUT') {
        info.dispensed = event.items[0]?.paid ?? 0;
        info.requested = event.items[0]?.requested ?? 0;
      } else {
        // the older library's names for the two amounts below protocol 6
        info.dispensed = event.items[0]?.paid ?? 0;
        info.floated = event.items[0]?.requested ?? 0;
      }
      break;
    }
    case 'COIN_REJECTED':
      info.value = event.amount;
      info.country_code = event.currency;
      break;
    default: {
      const e = event as { values?: SspValue[]; error?: number };
      if (e.values) info.value = multi ? valueList(e.values) : (e.values[0]?.value ?? 0);
      if (typeof e.error === 'number') info.error = e.error;
    }
  }
  return info;
}
