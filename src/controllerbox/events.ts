/** The typed events of the ControllerBox host. */
import type { DeviceState } from '../core/device-loop.js';
import type { KioskbusError } from '../core/errors.js';
import type { Money } from '../core/money.js';
import type { CrcVariant, FrameErrorKind } from './frame.js';
import type { IssueDate } from './issue-date.js';
import type { SuspectFrameError, UncertainOutcome } from './results.js';

export interface NamedCode {
  code: number;
  name: string;
}

export interface DeviceErrorEvent {
  flags: number;
  /** Names of the set bits (`BILL_ACCEPTOR_ERROR`, ..., `BIT_12`). */
  errors: string[];
  /** The whole frame in hex. */
  raw: string;
}

export interface BillAcceptorStatusEvent extends NamedCode {
  raw: string;
}

export interface TcdStatusEvent {
  tcd: number;
  error: boolean;
  low: boolean;
  empty: boolean;
  raw: string;
}

export interface RfidDetectedEvent {
  /** RFID id bytes in hex, wire order, no separators. */
  rfid: string;
  money: Money;
  issueDate: IssueDate;
  /** Absent when the box sent the documented length without the ERROR byte. */
  error?: NamedCode;
  raw: string;
}

export interface BillAcceptedEvent {
  value: Money;
  /** Bill acceptor status sent with the bill; absent when the box sent the documented 4-byte DATA. */
  status?: NamedCode;
  raw: string;
}

export interface CardEventEvent {
  tcd: number;
  /** `out` dispensed out, `callback` taken back; `unknown` when the box sent the documented 1-byte DATA. */
  direction: 'out' | 'callback' | 'unknown';
  directionCode?: number;
  /**
   * For a card out: true when it is the card of a `dispenseCard()` of this host, false for a card nobody here asked
   * for (dispensed at the kiosk itself, or a DISPENSE_CARD the box read out of a damaged frame: see docs).
   */
  requested?: boolean;
  raw: string;
}

/** A frame the host could not use: unknown id, a reply nobody waited for. */
export interface UnknownFrameEvent {
  id: number;
  name?: string;
  /** DATA in hex. */
  data: string;
  raw: string;
  reason: string;
}

export interface FrameErrorEvent {
  kind: FrameErrorKind;
  id?: number;
  raw: string;
}

export interface CrcDetectedEvent {
  variant: CrcVariant;
  name: string;
}

/** An event frame taken for the box's resend of one already reported (answered again, not reported again). */
export interface DuplicateEvent {
  id: number;
  name: string;
  raw: string;
  /** Time since the first receipt of these bytes. */
  sinceMs: number;
}

export interface ControllerBoxHostEventMap {
  deviceError: [event: DeviceErrorEvent];
  billAcceptorStatus: [event: BillAcceptorStatusEvent];
  tcdStatus: [event: TcdStatusEvent];
  rfidDetected: [event: RfidDetectedEvent];
  billAccepted: [event: BillAcceptedEvent];
  cardEvent: [event: CardEventEvent];
  unknown: [event: UnknownFrameEvent];
  frameError: [event: FrameErrorEvent];
  /** A frame that passed its CRC but fits no message of the table (never a credit, never answered success). */
  suspectFrame: [error: SuspectFrameError];
  crcDetected: [event: CrcDetectedEvent];
  /** The box's resend of an event already reported (see `duplicateWindowMs`). */
  duplicate: [event: DuplicateEvent];
  /** A money-moving command whose outcome the host could not find out (the call rejects with UNCERTAIN too). */
  uncertain: [outcome: UncertainOutcome];
  /** Life-cycle state changes while started (`start()`). */
  state: [to: DeviceState, from: DeviceState];
  /** The box stopped answering or its port was lost (once per outage). */
  offline: [error: KioskbusError];
  /** The box answers again after an outage (once); it is set up again next. */
  online: [];
  /** Something went wrong in the background (the poll loop goes on). */
  problem: [error: KioskbusError];
  /** Failures outside a request: an answer that could not be written, a listener that threw. */
  error: [error: KioskbusError];
}

/** The host events that report something the box saw (statuses and events), not the link or the life-cycle. */
export const BOX_EVENTS = [
  'deviceError',
  'billAcceptorStatus',
  'tcdStatus',
  'rfidDetected',
  'billAccepted',
  'cardEvent',
] as const satisfies readonly (keyof ControllerBoxHostEventMap)[];
