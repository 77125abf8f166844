/**
 * Value checks of received statuses and events: a frame counts only when its id, its length AND its values fit the
 * message table. The default CRC covers DATA only, so a damaged PROTOCOL_ID still passes the CRC; these checks are
 * what stops, for example, a TCD status `01 00 00 00` read as a BILL_ACCEPTED of 16 777 216.
 */
import { BILL_ACCEPTOR_STATUS_CODES } from './codes.js';
import type { MessageName, MessageOf } from './messages.js';

export interface CheckContext {
  /** Bill values (minor units) that may be credited; undefined: any. */
  denominations: ReadonlySet<number> | undefined;
  minorUnitsPerUnit: number;
  currency: string;
}

function flag(byte: number | undefined): boolean {
  return byte === 0 || byte === 1;
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
      return flag(data[1]) && flag(data[2]) && flag(data[3]) ? undefined : 'TCD flags other than 0 or 1';
    case 'BILL_ACCEPTOR_STATUS': {
      const { code } = payload as MessageOf<'BILL_ACCEPTOR_STATUS'>;
      return code in BILL_ACCEPTOR_STATUS_CODES
        ? undefined
        : `bill acceptor status 0x${code.toString(16)} not in the table`;
    }
    case 'CARD_EVENT': {
      const { direction } = payload as MessageOf<'CARD_EVENT'>;
      return direction === undefined || direction === 0 || direction === 1 ? undefined : `card direction ${direction}`;
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
