/**
 * What the host does with the frames the box sends unasked (statuses and events) and with damaged frames: check them
 * against the message table, answer them per the result codes, drop the box's resends, and report the rest once as
 * typed events.
 *
 * Answers (`78 <id> 01 <RESULT> crc 79`):
 * - a frame that fits the table (id, length, values): RESULT_SUCCESS, then it is reported (never the other way round);
 * - a damaged frame: CRC error RESULT_COMM_PROTOCOL_CRC_INVALID, wrong stop byte _START_STOP_BYTE_INVALID, a frame cut
 *   short RESULT_COMM_PROTOCOL_TIMEOUT, so that a box that resends sends it again;
 * - a frame that passed its CRC but fits no message (suspect): when the CRC does not cover PROTOCOL_ID (the default),
 *   it is most likely damaged, so RESULT_COMM_PROTOCOL_CRC_INVALID; when it does, RESULT_ERROR. Never RESULT_SUCCESS
 *   to something that was not reported;
 * - an id that no message has, damaged or not: no answer (a resending box sends it again after its timeout; answering
 *   unknown frames could make two sides answer each other for ever).
 * Replies to our own commands are the bus's; a damaged one is never answered.
 */
import { toHex } from '../core/bytes.js';
import { ErrorCode, toKioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { Money } from '../core/money.js';
import { type CheckContext, layoutOf, valueProblem } from './checks.js';
import {
  BILL_ACCEPTOR_STATUS_CODES,
  codeName,
  deviceErrorNames,
  RESULT_CRC_INVALID,
  RESULT_ERROR,
  RESULT_START_STOP_INVALID,
  RESULT_SUCCESS,
  RFID_ERROR_CODES,
} from './codes.js';
import type { ControllerBoxHostEventMap, RfidDetectedEvent, BillAcceptedEvent, CardEventEvent } from './events.js';
import type { ControllerBoxFrame, FrameError } from './frame.js';
import type { IssueDate } from './issue-date.js';
import type { ControllerBoxLink } from './link.js';
import { MESSAGES, type MessageName, type MessageOf, type MessageTable } from './messages.js';
import { ResendFilter } from './resend-filter.js';
import { SuspectFrameError } from './results.js';

const log = createLogger('controllerbox:inbox');

/** RESULT_COMM_PROTOCOL_TIMEOUT: a frame that did not complete in time. */
export const RESULT_COMM_TIMEOUT = 0x05;

/** What the inbox needs from the host device. */
export interface InboxHost {
  emit<K extends keyof ControllerBoxHostEventMap>(event: K, ...args: ControllerBoxHostEventMap[K]): void;
  now(): number;
  toMoney(units: number): Money;
  guessDate(bytes: Uint8Array): IssueDate;
  /** True when a dispense on this TCD still waits for its CARD_EVENT out (such an event is never a resend). */
  cardExpected(tcd: number): boolean;
  /** A CARD_EVENT out arrived: true when a dispense of the host waited for it. */
  cardOut(tcd: number): boolean;
  /** Any status or event that fits the table arrived (the box is alive and reporting). */
  heard(kind: 'status' | 'event'): void;
}

export interface InboxOptions {
  ackEvents: boolean;
  duplicateWindowMs: number;
  checks: CheckContext;
}

export class ControllerBoxInbox {
  readonly resends: ResendFilter;
  /**
   * Messages the box has sent with their full field list. A box's firmware writes one layout; after it, the shorter
   * documented DATA_LEN of the same message is a suspect frame: with the default CRC a zero-filled `78 52 01 00 00 00 79`
   * passes (CRC-16/ARC of zeros is 0000), and a box reply whose id was damaged into 0x52 has that shape.
   */
  private readonly fullLayout = new Set<MessageName>();

  constructor(
    private readonly link: ControllerBoxLink,
    private readonly table: MessageTable,
    private readonly host: InboxHost,
    private readonly options: InboxOptions,
  ) {
    this.resends = new ResendFilter(options.duplicateWindowMs);
  }

  /** True when the CRC variant in use protects PROTOCOL_ID (a frame that fits no message is then really sent so). */
  private crcCoversId(): boolean {
    return this.link.sendVariant.coverage !== 'data';
  }

  private answer(id: number, result: number): void {
    if (!this.options.ackEvents) return;
    this.link.send(id, Uint8Array.of(result)).catch((error: unknown) => {
      this.host.emit('error', toKioskbusError(error, ErrorCode.TransportError, { command: 'ANSWER' }));
    });
  }

  /** A damaged frame that is not a reply to our command: say so, so that the box sends it again. */
  receiveFrameError(error: FrameError): void {
    const event: ControllerBoxHostEventMap['frameError'][0] = { kind: error.kind, raw: toHex(error.raw, '') };
    if (error.id !== undefined) event.id = error.id;
    this.host.emit('frameError', event);
    const id = error.id;
    if (id === undefined) return;
    const resolved = this.table.resolve(id, 0);
    if (resolved?.codec.kind === 'command') return; // a damaged reply: the bus waits, or nobody does
    // only ids of statuses and events: a damaged unknown id stays unanswered (the box resends after its timeout)
    if (!this.table.isUnsolicited(id)) return;
    switch (error.kind) {
      case 'crc':
        this.answer(id, RESULT_CRC_INVALID);
        return;
      case 'stop':
        this.answer(id, RESULT_START_STOP_INVALID);
        return;
      case 'truncated':
        this.answer(id, RESULT_COMM_TIMEOUT);
        return;
      default:
        return;
    }
  }

  /** A frame that passed its CRC but fits no message: reported as suspect, answered as damaged (never success). */
  private suspect(frame: ControllerBoxFrame, name: MessageName | undefined, reason: string): void {
    this.answer(frame.id, this.crcCoversId() ? RESULT_ERROR : RESULT_CRC_INVALID);
    log('suspect frame %s: %s', toHex(frame.raw, ''), reason);
    this.host.emit('suspectFrame', new SuspectFrameError(frame.id, name, reason, frame.raw));
  }

  /** A frame with a status or event id, or an id that is no message at all. */
  receiveFrame(frame: ControllerBoxFrame): void {
    const resolved = this.table.resolve(frame.id, frame.data.length);
    if (!resolved) {
      if (this.table.isUnsolicited(frame.id)) {
        this.suspect(frame, undefined, `status id with DATA_LEN ${frame.data.length}: no status has that length`);
        return;
      }
      // an id no message has (with the default CRC most likely a damaged id): not answered, so that a box that
      // resends sends it again, and so that two sides answering each other's unknown frames cannot ping-pong
      const reason = 'unknown protocol id';
      this.host.emit('unknown', { id: frame.id, data: toHex(frame.data, ''), raw: toHex(frame.raw, ''), reason });
      return;
    }
    let payload: unknown;
    try {
      payload = resolved.codec.decode(frame.data, this.table.codec);
    } catch (error) {
      this.suspect(frame, resolved.name, error instanceof Error ? error.message : String(error));
      return;
    }
    const problem = valueProblem(resolved.name, payload, frame.data, this.options.checks);
    if (problem !== undefined) {
      this.suspect(frame, resolved.name, problem);
      return;
    }
    const layout = layoutOf(resolved.name, frame.data, payload);
    if (layout === 'fields') this.fullLayout.add(resolved.name);
    else if (layout === 'documented' && this.fullLayout.has(resolved.name)) {
      this.suspect(
        frame,
        resolved.name,
        `DATA_LEN ${frame.data.length}: the box sends this message with its full field list`,
      );
      return;
    }
    this.answer(frame.id, RESULT_SUCCESS);
    const raw = toHex(frame.raw, '');
    const kind = MESSAGES[resolved.name].kind === 'event' ? 'event' : 'status';
    this.host.heard(kind);
    let canRepeat = kind === 'event';
    if (resolved.name === 'CARD_EVENT') {
      const card = payload as MessageOf<'CARD_EVENT'>;
      if (card.direction !== 1 && this.host.cardExpected(card.tcd)) canRepeat = false;
    }
    const sinceMs = this.resends.check(raw, this.host.now(), canRepeat);
    if (sinceMs !== undefined) {
      log('resend of %s after %d ms: %s', resolved.name, sinceMs, raw);
      this.host.emit('duplicate', { id: frame.id, name: resolved.name, raw, sinceMs });
      return;
    }
    this.dispatch(resolved.name, payload, raw);
  }

  private dispatch(name: MessageName, payload: unknown, raw: string): void {
    const host = this.host;
    switch (name) {
      case 'DEVICE_ERROR': {
        const p = payload as MessageOf<'DEVICE_ERROR'>;
        host.emit('deviceError', { flags: p.flags, errors: deviceErrorNames(p.flags), raw });
        return;
      }
      case 'BILL_ACCEPTOR_STATUS': {
        const p = payload as MessageOf<'BILL_ACCEPTOR_STATUS'>;
        host.emit('billAcceptorStatus', { code: p.code, name: codeName(BILL_ACCEPTOR_STATUS_CODES, p.code), raw });
        return;
      }
      case 'TCD_STATUS': {
        const p = payload as MessageOf<'TCD_STATUS'>;
        host.emit('tcdStatus', { ...p, raw });
        return;
      }
      case 'RFID_DETECTED': {
        const p = payload as MessageOf<'RFID_DETECTED'>;
        const event: RfidDetectedEvent = {
          rfid: toHex(p.rfid, ''),
          money: host.toMoney(p.money),
          issueDate: host.guessDate(p.issueDate),
          raw,
        };
        if (p.error !== undefined) event.error = { code: p.error, name: codeName(RFID_ERROR_CODES, p.error) };
        host.emit('rfidDetected', event);
        return;
      }
      case 'BILL_ACCEPTED': {
        const p = payload as MessageOf<'BILL_ACCEPTED'>;
        const event: BillAcceptedEvent = { value: host.toMoney(p.value), raw };
        if (p.status !== undefined) {
          event.status = { code: p.status, name: codeName(BILL_ACCEPTOR_STATUS_CODES, p.status) };
        }
        host.emit('billAccepted', event);
        return;
      }
      case 'CARD_EVENT': {
        const p = payload as MessageOf<'CARD_EVENT'>;
        const event: CardEventEvent = {
          tcd: p.tcd,
          direction: p.direction === 0 ? 'out' : p.direction === 1 ? 'callback' : 'unknown',
          raw,
        };
        if (p.direction !== undefined) event.directionCode = p.direction;
        if (p.direction !== 1) event.requested = host.cardOut(p.tcd);
        host.emit('cardEvent', event);
        return;
      }
      default:
        log('no event for %s', name);
    }
  }
}
