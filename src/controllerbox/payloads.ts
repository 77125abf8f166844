/** ControllerBox payloads: what each message carries at wire level (numbers and bytes; the host adds names and Money). */

export type MessageKind = 'command' | 'status' | 'event';
export type ByteOrder = 'be' | 'le';

export interface CodecOptions {
  /** Byte order of MONEY and BILL_VALUE (default `be`, the `[3:0]` = MSB-first convention of the documents). */
  moneyOrder: ByteOrder;
  /** Width in bytes of each Control IO mask when encoding (default 1); decoding follows DATA_LEN. */
  ioMaskBytes: 1 | 2 | 4;
  /**
   * DATA layout used when encoding statuses and events: `fields` (default: every field of the field list) or
   * `documented` (the DATA_LEN printed in the document: Device Error 1 byte, Bill Accepted without status,
   * Card Event without direction, RFID Detected without error). Only simulators use `documented`.
   */
  layout: 'fields' | 'documented';
}

export const DEFAULT_CODEC_OPTIONS: CodecOptions = Object.freeze({
  moneyOrder: 'be',
  ioMaskBytes: 1,
  layout: 'fields',
});

export type EmptyPayload = Record<string, never>;

export interface ResultResponse {
  /** RESULT_CODE (see RESULT_CODES; unknown codes are kept as they are). */
  result: number;
}

export interface VersionTriple {
  major: number;
  minor: number;
  patch: number;
}

export interface VersionResponse extends ResultResponse {
  /** Absent when the box answered with a RESULT_CODE only (DATA_LEN 1). */
  firmware?: VersionTriple;
  board?: VersionTriple;
}

export interface SettingPayload {
  statusPolling: boolean;
}

export interface DispenseCardPayload {
  tcd: number;
}

export interface UpdateRfidPayload {
  rfidIndex: number;
  /** RFID id bytes in wire order (1..255 bytes). */
  rfid: Uint8Array;
  /** MONEY, u32 in protocol units. */
  money: number;
  /** ISSUE_DATE, 3 raw bytes (format undocumented). */
  issueDate: Uint8Array;
}

export interface PlayAudioPayload {
  audioIndex: number;
}

export interface ControlIoPayload {
  selectMask: number;
  levelMask: number;
  /** Width of each mask in bytes (default: CodecOptions.ioMaskBytes). */
  maskBytes?: 1 | 2 | 4;
}

export interface DeviceErrorPayload {
  /** ERROR_FLAG bit mask (16 bits; 8 when the box sends the documented 1-byte DATA). */
  flags: number;
}

export interface BillAcceptorStatusPayload {
  code: number;
}

export interface TcdStatusPayload {
  tcd: number;
  error: boolean;
  low: boolean;
  empty: boolean;
}

export interface RfidDetectedPayload {
  rfid: Uint8Array;
  money: number;
  issueDate: Uint8Array;
  /** Absent when DATA_LEN is the documented `rfidLen + 8`. */
  error?: number;
}

export interface BillAcceptedPayload {
  /** BILL_VALUE, u32 in protocol units. */
  value: number;
  /** Bill acceptor status code; absent when DATA_LEN is the documented 4. */
  status?: number;
}

export interface CardEventPayload {
  tcd: number;
  /** 0 dispensed out, 1 called back; absent when DATA_LEN is the documented 1. */
  direction?: number;
}
