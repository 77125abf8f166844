import { toHex } from './bytes.js';

/**
 * Every error kioskbus raises carries one of these codes. Group: prefix by area.
 * Codes are stable strings so that they can be logged, serialised and matched on.
 */
export enum ErrorCode {
  // user input
  InvalidArgument = 'INVALID_ARGUMENT',
  UnknownCommand = 'UNKNOWN_COMMAND',
  // transport
  TransportError = 'TRANSPORT_ERROR',
  NotOpen = 'NOT_OPEN',
  Disconnected = 'DISCONNECTED',
  UnsupportedUrl = 'UNSUPPORTED_URL',
  SocatMissing = 'SOCAT_MISSING',
  // queue and link
  Timeout = 'TIMEOUT',
  Cancelled = 'CANCELLED',
  Closed = 'CLOSED',
  Offline = 'OFFLINE',
  /** The device is not ready for commands (starting, busy, offline, reconnecting) and did not become ready in time. */
  NotReady = 'NOT_READY',
  // framing and data
  BadFrame = 'BAD_FRAME',
  CrcMismatch = 'CRC_MISMATCH',
  ShortData = 'SHORT_DATA',
  UnexpectedReply = 'UNEXPECTED_REPLY',
  // device answers
  Nak = 'NAK',
  Busy = 'BUSY',
  CommandRefused = 'COMMAND_REFUSED',
  IllegalCommand = 'ILLEGAL_COMMAND',
  UnknownCommandAtDevice = 'UNKNOWN_COMMAND_AT_DEVICE',
  WrongParameters = 'WRONG_PARAMETERS',
  ParameterOutOfRange = 'PARAMETER_OUT_OF_RANGE',
  CannotProcess = 'CANNOT_PROCESS',
  SoftwareError = 'SOFTWARE_ERROR',
  Failure = 'FAILURE',
  DeviceError = 'DEVICE_ERROR',
  // encryption
  EncryptionRequired = 'ENCRYPTION_REQUIRED',
  KeyNotSet = 'KEY_NOT_SET',
  KeyExchangeFailed = 'KEY_EXCHANGE_FAILED',
  DecryptFailed = 'DECRYPT_FAILED',
  CountMismatch = 'COUNT_MISMATCH',
  // money
  InvalidMoney = 'INVALID_MONEY',
  PayoutRefused = 'PAYOUT_REFUSED',
  NotEnoughValue = 'NOT_ENOUGH_VALUE',
  CannotPayExact = 'CANNOT_PAY_EXACT',
  DeviceBusy = 'DEVICE_BUSY',
  DeviceDisabled = 'DEVICE_DISABLED',
  /** A money-moving command whose outcome the wire cannot tell: the context says what is known. */
  Uncertain = 'UNCERTAIN',
  // protocol versions and modes
  UnsupportedProtocolVersion = 'UNSUPPORTED_PROTOCOL_VERSION',
  WrongMode = 'WRONG_MODE',
  // the application's own code
  ListenerFailed = 'LISTENER_FAILED',
}

/** Extra facts about an error: the raw bytes involved, the device address, the command. Never keys. */
export interface ErrorContext {
  raw?: Uint8Array;
  address?: number;
  command?: string;
  [key: string]: unknown;
}

export class KioskbusError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(`${message} [${code}]${context.raw ? ` (bytes: ${toHex(context.raw)})` : ''}`, options);
    this.name = 'KioskbusError';
    this.code = code;
    this.context = context;
  }
}

export function isKioskbusError(error: unknown, code?: ErrorCode): error is KioskbusError {
  return error instanceof KioskbusError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into a KioskbusError (keeping it as the cause). */
export function toKioskbusError(error: unknown, code: ErrorCode, context: ErrorContext = {}): KioskbusError {
  if (error instanceof KioskbusError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KioskbusError(code, message, context, { cause: error });
}
