/**
 * The ControllerBox message table: every command, status and event is one entry (id, name, kind, DATA
 * encoder and decoder for the message and for its response). The host and the simulator both read this
 * table, so they cannot drift apart.
 *
 * Layouts follow the decisions of research note §5.2: the field lists win over contradicting DATA_LEN
 * values, but the decoders also accept the documented lengths (a field then reads as absent).
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { hexByte } from './codes.js';

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

// ---------------------------------------------------------------------------------------------
// payload types (wire level: numbers and bytes; the host adds names and Money)

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

export * from './codes.js';

// ---------------------------------------------------------------------------------------------
// helpers

function badLength(name: string, data: Uint8Array, expected: string): KioskbusError {
  return new KioskbusError(ErrorCode.BadFrame, `${name}: DATA_LEN ${data.length}, expected ${expected}`, {
    raw: data,
    command: name,
  });
}

function checkByte(name: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${name}: ${field} must be 0..255, got ${String(value)}`, {
      command: name,
    });
  }
  return value;
}

function checkUint(name: string, field: string, value: number, bytes: number): number {
  const max = 2 ** (8 * bytes) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${name}: ${field} must be 0..${max}, got ${String(value)}`, {
      command: name,
    });
  }
  return value;
}

function writeUint(out: Uint8Array, at: number, value: number, bytes: number, order: ByteOrder): void {
  for (let i = 0; i < bytes; i++) {
    const shift = 8 * (order === 'be' ? bytes - 1 - i : i);
    out[at + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

function readUint(data: Uint8Array, at: number, bytes: number, order: ByteOrder): number {
  let value = 0;
  for (let i = 0; i < bytes; i++) {
    const b = data[order === 'be' ? at + i : at + bytes - 1 - i] ?? 0;
    value = value * 256 + b;
  }
  return value;
}

function checkBytes(name: string, field: string, value: Uint8Array, min: number, max: number): Uint8Array {
  if (value.length < min || value.length > max) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `${name}: ${field} must be ${min === max ? `${min}` : `${min}..${max}`} bytes, got ${value.length}`,
      { command: name },
    );
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// the table

/** One message of the protocol. `encode`/`decode` handle the first frame's DATA, `*Response` the answer's. */
export interface MessageCodec<TMessage, TResponse> {
  readonly id: number;
  readonly name: string;
  readonly kind: MessageKind;
  /** DATA lengths (or a description) for documentation and error messages. */
  readonly lengths: string;
  encode(message: TMessage, options: CodecOptions): Uint8Array;
  /** Throws `BAD_FRAME` (with the raw DATA) when the length fits no reading. */
  decode(data: Uint8Array, options: CodecOptions): TMessage;
  encodeResponse(response: TResponse, options: CodecOptions): Uint8Array;
  decodeResponse(data: Uint8Array, options: CodecOptions): TResponse;
}

/** What generic code (dispatch, CLI decode) needs from an entry. */
export interface AnyMessageCodec {
  readonly id: number;
  readonly name: string;
  readonly kind: MessageKind;
  readonly lengths: string;
  decode(data: Uint8Array, options: CodecOptions): unknown;
  decodeResponse(data: Uint8Array, options: CodecOptions): unknown;
}

function resultOnly(name: string): Pick<MessageCodec<unknown, ResultResponse>, 'encodeResponse' | 'decodeResponse'> {
  return {
    encodeResponse: (r) => Uint8Array.of(checkByte(name, 'result', r.result)),
    decodeResponse: (data) => {
      if (data.length !== 1) throw badLength(`${name} response`, data, '1');
      return { result: data[0] ?? 0 };
    },
  };
}

function noData(name: string): Pick<MessageCodec<EmptyPayload, unknown>, 'encode' | 'decode'> {
  return {
    encode: () => new Uint8Array(0),
    decode: (data) => {
      if (data.length !== 0) throw badLength(name, data, '0');
      return {};
    },
  };
}

function oneByte<K extends string>(
  name: string,
  field: K,
): Pick<MessageCodec<Record<K, number>, unknown>, 'encode' | 'decode'> {
  return {
    encode: (m) => Uint8Array.of(checkByte(name, field, m[field])),
    decode: (data) => {
      if (data.length !== 1) throw badLength(name, data, '1');
      return { [field]: data[0] ?? 0 } as Record<K, number>;
    },
  };
}

function triple(data: Uint8Array, at: number): VersionTriple {
  return { major: data[at] ?? 0, minor: data[at + 1] ?? 0, patch: data[at + 2] ?? 0 };
}

function encodeTriple(name: string, field: string, v: VersionTriple): number[] {
  return [
    checkByte(name, `${field}.major`, v.major),
    checkByte(name, `${field}.minor`, v.minor),
    checkByte(name, `${field}.patch`, v.patch),
  ];
}

const RESET: MessageCodec<EmptyPayload, ResultResponse> = {
  id: 0x01,
  name: 'RESET',
  kind: 'command',
  lengths: 'request 0, response 1',
  ...noData('RESET'),
  ...resultOnly('RESET'),
};

const REQUEST_VERSION: MessageCodec<EmptyPayload, VersionResponse> = {
  id: 0x02,
  name: 'REQUEST_VERSION',
  kind: 'command',
  lengths: 'request 0, response 7 (result, firmware major/minor/patch, board major/minor/patch) or 1',
  ...noData('REQUEST_VERSION'),
  encodeResponse(r) {
    const name = 'REQUEST_VERSION';
    if (!r.firmware || !r.board) return Uint8Array.of(checkByte(name, 'result', r.result));
    return Uint8Array.of(
      checkByte(name, 'result', r.result),
      ...encodeTriple(name, 'firmware', r.firmware),
      ...encodeTriple(name, 'board', r.board),
    );
  },
  decodeResponse(data) {
    if (data.length === 1) return { result: data[0] ?? 0 };
    if (data.length !== 7) throw badLength('REQUEST_VERSION response', data, '7 or 1');
    return { result: data[0] ?? 0, firmware: triple(data, 1), board: triple(data, 4) };
  },
};

const SETTING: MessageCodec<SettingPayload, ResultResponse> = {
  id: 0x03,
  name: 'SETTING',
  kind: 'command',
  lengths: 'request 1 (enable status polling), response 1',
  encode: (m) => Uint8Array.of(m.statusPolling ? 1 : 0),
  decode(data) {
    if (data.length !== 1) throw badLength('SETTING', data, '1');
    return { statusPolling: data[0] !== 0 };
  },
  ...resultOnly('SETTING'),
};

const DISPENSE_CARD: MessageCodec<DispenseCardPayload, ResultResponse> = {
  id: 0x11,
  name: 'DISPENSE_CARD',
  kind: 'command',
  lengths: 'request 1 (tcdId), response 1',
  ...oneByte('DISPENSE_CARD', 'tcd'),
  ...resultOnly('DISPENSE_CARD'),
};

const UPDATE_RFID: MessageCodec<UpdateRfidPayload, ResultResponse> = {
  id: 0x12,
  name: 'UPDATE_RFID',
  kind: 'command',
  lengths: 'request rfidLen + 9 (index, rfidLen, rfid, money u32, issue date 3), response 1',
  encode(m, o) {
    const name = 'UPDATE_RFID';
    const rfid = checkBytes(name, 'rfid', m.rfid, 1, 255 - 9);
    checkBytes(name, 'issueDate', m.issueDate, 3, 3);
    const out = new Uint8Array(rfid.length + 9);
    out[0] = checkByte(name, 'rfidIndex', m.rfidIndex);
    out[1] = rfid.length;
    out.set(rfid, 2);
    writeUint(out, 2 + rfid.length, checkUint(name, 'money', m.money, 4), 4, o.moneyOrder);
    out.set(m.issueDate, 6 + rfid.length);
    return out;
  },
  decode(data, o) {
    const n = data[1] ?? 0;
    // rfidLen 0 declares no card id: no reading (9 zero bytes, whose CRC-16/ARC is 0000, would otherwise decode)
    if (data.length < 2 || n === 0 || data.length !== n + 9) {
      throw badLength('UPDATE_RFID', data, 'rfidLen + 9 with rfidLen 1..246');
    }
    return {
      rfidIndex: data[0] ?? 0,
      rfid: data.slice(2, 2 + n),
      money: readUint(data, 2 + n, 4, o.moneyOrder),
      issueDate: data.slice(6 + n, 9 + n),
    };
  },
  ...resultOnly('UPDATE_RFID'),
};

const PLAY_AUDIO: MessageCodec<PlayAudioPayload, ResultResponse> = {
  id: 0x13,
  name: 'PLAY_AUDIO',
  kind: 'command',
  lengths: 'request 1 (audio index), response 1',
  ...oneByte('PLAY_AUDIO', 'audioIndex'),
  ...resultOnly('PLAY_AUDIO'),
};

const CONTROL_IO: MessageCodec<ControlIoPayload, ResultResponse> = {
  id: 0x14,
  name: 'CONTROL_IO',
  kind: 'command',
  lengths: 'request 2 (select mask, level mask; 4 or 8 with wider masks), response 1',
  encode(m, o) {
    const width = m.maskBytes ?? o.ioMaskBytes;
    const out = new Uint8Array(2 * width);
    writeUint(out, 0, checkUint('CONTROL_IO', 'selectMask', m.selectMask, width), width, 'be');
    writeUint(out, width, checkUint('CONTROL_IO', 'levelMask', m.levelMask, width), width, 'be');
    return out;
  },
  decode(data) {
    const width = data.length / 2;
    if (width !== 1 && width !== 2 && width !== 4) throw badLength('CONTROL_IO', data, '2, 4 or 8');
    return {
      selectMask: readUint(data, 0, width, 'be'),
      levelMask: readUint(data, width, width, 'be'),
      maskBytes: width,
    };
  },
  ...resultOnly('CONTROL_IO'),
};

const DEVICE_ERROR: MessageCodec<DeviceErrorPayload, ResultResponse> = {
  id: 0x30,
  name: 'DEVICE_ERROR',
  kind: 'status',
  lengths: '2 (ERROR_FLAG u16 big-endian) or the documented 1',
  encode(m, o) {
    if (o.layout === 'documented') return Uint8Array.of(checkByte('DEVICE_ERROR', 'flags', m.flags));
    const flags = checkUint('DEVICE_ERROR', 'flags', m.flags, 2);
    return Uint8Array.of(flags >>> 8, flags & 0xff);
  },
  decode(data) {
    if (data.length === 2) return { flags: readUint(data, 0, 2, 'be') };
    if (data.length === 1) return { flags: data[0] ?? 0 };
    throw badLength('DEVICE_ERROR', data, '2 or 1');
  },
  ...resultOnly('DEVICE_ERROR'),
};

const BILL_ACCEPTOR_STATUS: MessageCodec<BillAcceptorStatusPayload, ResultResponse> = {
  id: 0x31,
  name: 'BILL_ACCEPTOR_STATUS',
  kind: 'status',
  lengths: '1',
  ...oneByte('BILL_ACCEPTOR_STATUS', 'code'),
  ...resultOnly('BILL_ACCEPTOR_STATUS'),
};

const TCD_STATUS: MessageCodec<TcdStatusPayload, ResultResponse> = {
  id: 0x32,
  name: 'TCD_STATUS',
  kind: 'status',
  lengths: '4 (index, error, low, empty)',
  encode: (m) => Uint8Array.of(checkByte('TCD_STATUS', 'tcd', m.tcd), m.error ? 1 : 0, m.low ? 1 : 0, m.empty ? 1 : 0),
  decode(data) {
    if (data.length !== 4) throw badLength('TCD_STATUS', data, '4');
    return { tcd: data[0] ?? 0, error: data[1] !== 0, low: data[2] !== 0, empty: data[3] !== 0 };
  },
  ...resultOnly('TCD_STATUS'),
};

const RFID_DETECTED: MessageCodec<RfidDetectedPayload, ResultResponse> = {
  id: 0x50,
  name: 'RFID_DETECTED',
  kind: 'event',
  lengths: 'rfidLen + 9 (rfidLen, rfid, money u32, issue date 3, error) or the documented rfidLen + 8 (no error)',
  encode(m, o) {
    const name = 'RFID_DETECTED';
    const rfid = checkBytes(name, 'rfid', m.rfid, 1, 255 - 9);
    checkBytes(name, 'issueDate', m.issueDate, 3, 3);
    const out = new Uint8Array(rfid.length + (o.layout === 'fields' ? 9 : 8));
    out[0] = rfid.length;
    out.set(rfid, 1);
    writeUint(out, 1 + rfid.length, checkUint(name, 'money', m.money, 4), 4, o.moneyOrder);
    out.set(m.issueDate, 5 + rfid.length);
    if (out.length === rfid.length + 9) out[8 + rfid.length] = checkByte(name, 'error', m.error ?? 0);
    return out;
  },
  decode(data, o) {
    const n = data[0] ?? 0;
    if (data.length < 1 || n === 0 || (data.length !== n + 9 && data.length !== n + 8)) {
      throw badLength('RFID_DETECTED', data, 'rfidLen + 9 or rfidLen + 8 with rfidLen 1..247');
    }
    const payload: RfidDetectedPayload = {
      rfid: data.slice(1, 1 + n),
      money: readUint(data, 1 + n, 4, o.moneyOrder),
      issueDate: data.slice(5 + n, 8 + n),
    };
    if (data.length === n + 9) payload.error = data[8 + n] ?? 0;
    return payload;
  },
  ...resultOnly('RFID_DETECTED'),
};

const BILL_ACCEPTED: MessageCodec<BillAcceptedPayload, ResultResponse> = {
  id: 0x51,
  name: 'BILL_ACCEPTED',
  kind: 'event',
  lengths: '5 (value u32, status) or the documented 4 (value only)',
  encode(m, o) {
    const documented = o.layout === 'documented';
    const out = new Uint8Array(documented ? 4 : 5);
    writeUint(out, 0, checkUint('BILL_ACCEPTED', 'value', m.value, 4), 4, o.moneyOrder);
    if (!documented) out[4] = checkByte('BILL_ACCEPTED', 'status', m.status ?? 0);
    return out;
  },
  decode(data, o) {
    if (data.length !== 5 && data.length !== 4) throw badLength('BILL_ACCEPTED', data, '5 or 4');
    const value = readUint(data, 0, 4, o.moneyOrder);
    return data.length === 5 ? { value, status: data[4] ?? 0 } : { value };
  },
  ...resultOnly('BILL_ACCEPTED'),
};

const CARD_EVENT: MessageCodec<CardEventPayload, ResultResponse> = {
  id: 0x52,
  name: 'CARD_EVENT',
  kind: 'event',
  lengths: '2 (tcd, direction) or the documented 1 (tcd only)',
  encode(m, o) {
    const tcd = checkByte('CARD_EVENT', 'tcd', m.tcd);
    if (o.layout === 'documented') return Uint8Array.of(tcd);
    return Uint8Array.of(tcd, checkByte('CARD_EVENT', 'direction', m.direction ?? 0));
  },
  decode(data) {
    if (data.length === 2) return { tcd: data[0] ?? 0, direction: data[1] ?? 0 };
    if (data.length === 1) return { tcd: data[0] ?? 0 };
    throw badLength('CARD_EVENT', data, '2 or 1');
  },
  ...resultOnly('CARD_EVENT'),
};

/** The protocol, one entry per message. */
export const MESSAGES = Object.freeze({
  RESET,
  REQUEST_VERSION,
  SETTING,
  DISPENSE_CARD,
  UPDATE_RFID,
  PLAY_AUDIO,
  CONTROL_IO,
  DEVICE_ERROR,
  BILL_ACCEPTOR_STATUS,
  TCD_STATUS,
  RFID_DETECTED,
  BILL_ACCEPTED,
  CARD_EVENT,
});

export type Messages = typeof MESSAGES;
export type MessageName = keyof Messages;
export type MessageOf<N extends MessageName> = ReturnType<Messages[N]['decode']>;
export type ResponseOf<N extends MessageName> = ReturnType<Messages[N]['decodeResponse']>;
/** Messages the host sends and the box answers. */
export type CommandName =
  'RESET' | 'REQUEST_VERSION' | 'SETTING' | 'DISPENSE_CARD' | 'UPDATE_RFID' | 'PLAY_AUDIO' | 'CONTROL_IO';
/** Messages the box sends unasked and the host answers. */
export type StatusOrEventName = Exclude<MessageName, CommandName>;

/** The id the seed's status tables print for every status (copy-paste); dispatched by DATA_LEN. */
export const LEGACY_STATUS_ID = 0x37;

export interface MessageTableOptions {
  /** Ids other than the defaults (research §5.2: the id map is configurable). */
  ids?: Partial<Record<MessageName, number>>;
  /** Status id dispatched by DATA_LEN (4 TCD status, 2 device error, 1 see below); `null` disables (default 0x37). */
  legacyStatusId?: number | null;
  /**
   * What a 1-byte status on the legacy id is. The document prints DATA_LEN 1 for both Device Error and Bill Acceptor
   * Status under 0x37; Device Error is read as 2 bytes (its 16 flags, research §5.2), so the 1-byte status is the bill
   * acceptor status by default. `DEVICE_ERROR` for a box that sends 8 error flags in one byte and no acceptor status.
   */
  legacyOneByteStatus?: 'BILL_ACCEPTOR_STATUS' | 'DEVICE_ERROR';
  codec?: Partial<CodecOptions>;
}

export interface ResolvedMessage {
  readonly name: MessageName;
  readonly codec: AnyMessageCodec;
  /** True when found through the legacy status id by DATA_LEN. */
  readonly legacy: boolean;
}

/** The message table with the id map and codec options of one link. */
export class MessageTable {
  readonly codec: CodecOptions;
  readonly legacyStatusId: number | undefined;
  readonly legacyOneByteStatus: 'BILL_ACCEPTOR_STATUS' | 'DEVICE_ERROR';
  private readonly names = new Map<number, MessageName>();
  private readonly ids = new Map<MessageName, number>();

  constructor(options: MessageTableOptions = {}) {
    this.codec = { ...DEFAULT_CODEC_OPTIONS, ...options.codec };
    this.legacyStatusId = options.legacyStatusId === null ? undefined : (options.legacyStatusId ?? LEGACY_STATUS_ID);
    this.legacyOneByteStatus = options.legacyOneByteStatus ?? 'BILL_ACCEPTOR_STATUS';
    for (const name of Object.keys(MESSAGES) as MessageName[]) {
      const id = options.ids?.[name] ?? MESSAGES[name].id;
      checkByte('message table', `id of ${name}`, id);
      const clash = this.names.get(id);
      if (clash) {
        throw new KioskbusError(
          ErrorCode.InvalidArgument,
          `message ids clash: ${clash} and ${name} both use ${hexByte(id)}`,
        );
      }
      this.names.set(id, name);
      this.ids.set(name, id);
    }
    if (this.legacyStatusId !== undefined && this.names.has(this.legacyStatusId)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `legacy status id ${hexByte(this.legacyStatusId)} is in use`);
    }
  }

  idOf(name: MessageName): number {
    return this.ids.get(name) ?? MESSAGES[name].id;
  }

  /** The message for a frame id (legacy status id: by DATA_LEN 4, 2 or 1); undefined when unknown. */
  resolve(id: number, dataLength: number): ResolvedMessage | undefined {
    const name = this.names.get(id);
    if (name) return { name, codec: MESSAGES[name], legacy: false };
    if (id === this.legacyStatusId) {
      const legacyName: MessageName | undefined =
        dataLength === 4
          ? 'TCD_STATUS'
          : dataLength === 2
            ? 'DEVICE_ERROR'
            : dataLength === 1
              ? this.legacyOneByteStatus
              : undefined;
      if (legacyName) return { name: legacyName, codec: MESSAGES[legacyName], legacy: true };
    }
    return undefined;
  }

  /** True for ids whose frames come from the box unasked (statuses, events, the legacy status id). */
  isUnsolicited(id: number): boolean {
    if (id === this.legacyStatusId) return true;
    const name = this.names.get(id);
    return name !== undefined && MESSAGES[name].kind !== 'command';
  }

  encode<N extends MessageName>(name: N, message: MessageOf<N>): Uint8Array {
    return (MESSAGES[name] as MessageCodec<MessageOf<N>, unknown>).encode(message, this.codec);
  }

  decode<N extends MessageName>(name: N, data: Uint8Array): MessageOf<N> {
    return (MESSAGES[name] as MessageCodec<MessageOf<N>, unknown>).decode(data, this.codec);
  }

  encodeResponse<N extends MessageName>(name: N, response: ResponseOf<N>): Uint8Array {
    return (MESSAGES[name] as MessageCodec<never, ResponseOf<N>>).encodeResponse(response, this.codec);
  }

  decodeResponse<N extends MessageName>(name: N, data: Uint8Array): ResponseOf<N> {
    return (MESSAGES[name] as MessageCodec<never, ResponseOf<N>>).decodeResponse(data, this.codec);
  }
}
