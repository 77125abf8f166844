/** The typed errors of the ControllerBox host: refused commands, suspect frames, uncertain outcomes. */
import { ErrorCode, KioskbusError } from '../core/errors.js';

const RESULT_ERROR_CODES: Readonly<Record<number, ErrorCode>> = {
  0x01: ErrorCode.Failure,
  0x02: ErrorCode.UnknownCommandAtDevice,
  0x03: ErrorCode.CrcMismatch,
  0x04: ErrorCode.BadFrame,
  0x05: ErrorCode.Timeout,
  0x11: ErrorCode.Timeout,
  0x12: ErrorCode.DeviceBusy,
  0x13: ErrorCode.DeviceBusy,
};

/** The ErrorCode of a RESULT_CODE other than success. */
export function resultErrorCode(result: number): ErrorCode {
  return RESULT_ERROR_CODES[result] ?? ErrorCode.DeviceError;
}

/** A command answered with a RESULT_CODE other than RESULT_SUCCESS. */
export class ControllerBoxResultError extends KioskbusError {
  readonly result: number;
  readonly resultName: string;

  constructor(command: string, result: number, name: string, raw: Uint8Array) {
    super(
      resultErrorCode(result),
      `${command} refused by the ControllerBox: ${name} (0x${result.toString(16).padStart(2, '0')})`,
      { raw, command, result, resultName: name },
    );
    this.name = 'ControllerBoxResultError';
    this.result = result;
    this.resultName = name;
  }
}

/**
 * A frame that passed its CRC but does not fit the message table (a length or value no message has, a bill value
 * that is no note of the currency): most likely damage the CRC does not see (the default CRC does not cover the
 * PROTOCOL_ID). Never reported as a status or an event, never answered with success. Code BAD_FRAME; `context.raw`
 * is the whole frame.
 */
export class SuspectFrameError extends KioskbusError {
  readonly frameId: number;
  readonly messageName: string | undefined;
  readonly reason: string;

  constructor(id: number, name: string | undefined, reason: string, raw: Uint8Array) {
    super(ErrorCode.BadFrame, `suspect frame${name ? ` (${name})` : ''}: ${reason}`, {
      raw,
      id,
      message: name,
      reason,
    });
    this.name = 'SuspectFrameError';
    this.frameId = id;
    this.messageName = name;
    this.reason = reason;
  }
}

/** What the host knows about a money-moving command whose answer was in doubt. */
export interface UncertainOutcome {
  command: string;
  /** The command's arguments (DISPENSE_CARD: `{ tcd }`). */
  message: unknown;
  /** Times the command was written (always 1: it is never resent). */
  tries: number;
  /** Why the answer is in doubt: no answer in time, a damaged answer, the port lost after the write. */
  cause: string;
  /** The reply frame in hex when one arrived damaged. */
  damagedReply?: string;
  /** Whether the box answered a harmless request afterwards (it is alive and reading commands). */
  boxAnswering: boolean;
  /** Whether the event that proves the outcome (CARD_EVENT out) arrived within the wait. */
  confirmationSeen: false;
  /** How long the host waited for that event, ms. */
  waitedMs: number;
}

/** The error a money-moving command rejects with when the host could not find out what happened. */
export class UncertainOutcomeError extends KioskbusError {
  readonly outcome: UncertainOutcome;

  constructor(outcome: UncertainOutcome) {
    super(
      ErrorCode.Uncertain,
      `${outcome.command}: outcome unknown (${outcome.cause}; box ${outcome.boxAnswering ? 'answers' : 'silent'}, ` +
        `no confirmation within ${outcome.waitedMs} ms)`,
      { ...outcome },
    );
    this.name = 'UncertainOutcomeError';
    this.outcome = outcome;
  }
}
