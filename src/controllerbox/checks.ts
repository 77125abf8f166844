/**
 * Value checks of received frames, on both sides of the line: a frame counts only when its id, its length AND its
 * values fit the message table. The default CRC covers DATA only, so a damaged PROTOCOL_ID (or DATA_LEN) still passes
 * the CRC; these checks are what stops, for example, a TCD status `01 00 00 00` read by the host as a BILL_ACCEPTED of
 * 16 777 216, or a host's answer `78 31 01 01 ..` read by the box as SETTING. (The lengths are the decoders' job.)
 */
import { BILL_ACCEPTOR_STATUS_CODES, RESULT_CODES } from './codes.js';
import type { CommandName, MessageName, MessageOf } from './messages.js';

export interface CheckContext {
  /** Bill values (minor units) that may be credited; undefined: any. */
  denominations: ReadonlySet<number> | undefined;
  minorUnitsPerUnit: number;
  currency: string;
  /** Number of card dispensers (TCD indexes 0..tcds-1); undefined: any index. */
  tcds?: number | undefined;
}

function noTcd(tcd: number, ctx: CheckContext): string | undefined {
  return ctx.tcds !== undefined && tcd >= ctx.tcds ? `TCD ${tcd} (the box has ${ctx.tcds})` : undefined;
}

function flag(byte: number | undefined): boolean {
  return byte === 0 || byte === 1;
}

/**
 * Whether a decoded status or event has the shorter DATA_LEN the document prints (its optional last field absent), the
 * full field-list one, or is of a message with one layout only.
 */
export function layoutOf(name: MessageName, data: Uint8Array, payload: unknown): 'documented' | 'fields' | undefined {
  switch (name) {
    case 'DEVICE_ERROR':
      return data.length === 1 ? 'documented' : 'fields';
    case 'BILL_ACCEPTED':
      return (payload as MessageOf<'BILL_ACCEPTED'>).status === undefined ? 'documented' : 'fields';
    case 'CARD_EVENT':
      return (payload as MessageOf<'CARD_EVENT'>).direction === undefined ? 'documented' : 'fields';
    case 'RFID_DETECTED':
      return (payload as MessageOf<'RFID_DETECTED'>).error === undefined ? 'documented' : 'fields';
    default:
      return undefined;
  }
}

/** Why a decoded status or event does not fit the table, or undefined when it does. */
export function valueProblem(
  name: MessageName,
  payload: unknown,
  data: Uint8Array,
  ctx: CheckContext,
): string | undefined {
  switch (name) {
    case 'TCD_STATUS':
      return flag(data[1]) && flag(data[2]) && flag(data[3]) ? noTcd(data[0] ?? 0, ctx) : 'TCD flags other than 0 or 1';
    case 'BILL_ACCEPTOR_STATUS': {
      const { code } = payload as MessageOf<'BILL_ACCEPTOR_STATUS'>;
      return code in BILL_ACCEPTOR_STATUS_CODES
        ? undefined
        : `bill acceptor status 0x${code.toString(16)} not in the table`;
    }
    case 'CARD_EVENT': {
      const { tcd, direction } = payload as MessageOf<'CARD_EVENT'>;
      return direction === undefined || direction === 0 || direction === 1
        ? noTcd(tcd, ctx)
        : `card direction ${direction}`;
    }
    case 'BILL_ACCEPTED': {
      const { value, status } = payload as MessageOf<'BILL_ACCEPTED'>;
      if (status !== undefined && !(status in BILL_ACCEPTOR_STATUS_CODES)) {
        return `bill status 0x${status.toString(16)} not in the table`;
      }
      const amount = value * ctx.minorUnitsPerUnit;
      if (value === 0) return 'bill value 0';
      if (ctx.denominations && !ctx.denominations.has(amount)) {
        return `bill value ${value} (${amount} ${ctx.currency} minor units) is not a configured denomination`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Why a command's DATA (what the box receives; its length already accepted by the decoder) does not fit the table's
 * values, or undefined when it does.
 */
export function commandProblem(name: CommandName, data: Uint8Array): string | undefined {
  // a host sends SETTING 0 or 1 (the decoder reads any non-zero byte as on)
  if (name === 'SETTING' && !flag(data[0])) return `SETTING value 0x${(data[0] ?? 0).toString(16)}, expected 0 or 1`;
  return undefined;
}

/**
 * Why a frame on a status or event id (the host's answer, `78 <id> 01 <RESULT> ..`) is no answer, or undefined when it
 * is one: DATA_LEN 1 and a RESULT_CODE of the table (or of `extraCodes`).
 */
export function answerProblem(data: Uint8Array, extraCodes: Readonly<Record<number, string>> = {}): string | undefined {
  if (data.length !== 1) return `answer with DATA_LEN ${data.length}, expected 1`;
  const code = data[0] ?? 0;
  return code in RESULT_CODES || code in extraCodes
    ? undefined
    : `answer with result 0x${code.toString(16)} not in the table`;
}
