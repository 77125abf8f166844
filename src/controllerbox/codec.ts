/**
 * Field codecs of the ControllerBox messages: the shape of one table entry, and the byte helpers and building blocks
 * the entries are written with (length checks that throw BAD_FRAME with the raw DATA, range checks that throw
 * INVALID_ARGUMENT, unsigned integers in either byte order).
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { ByteOrder, CodecOptions, EmptyPayload, MessageKind, ResultResponse, VersionTriple } from './payloads.js';

export function badLength(name: string, data: Uint8Array, expected: string): KioskbusError {
  return new KioskbusError(ErrorCode.BadFrame, `${name}: DATA_LEN ${data.length}, expected ${expected}`, {
    raw: data,
    command: name,
  });
}

export function checkByte(name: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${name}: ${field} must be 0..255, got ${String(value)}`, {
      command: name,
    });
  }
  return value;
}

export function checkUint(name: string, field: string, value: number, bytes: number): number {
  const max = 2 ** (8 * bytes) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${name}: ${field} must be 0..${max}, got ${String(value)}`, {
      command: name,
    });
  }
  return value;
}

export function writeUint(out: Uint8Array, at: number, value: number, bytes: number, order: ByteOrder): void {
  for (let i = 0; i < bytes; i++) {
    const shift = 8 * (order === 'be' ? bytes - 1 - i : i);
    out[at + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

export function readUint(data: Uint8Array, at: number, bytes: number, order: ByteOrder): number {
  let value = 0;
  for (let i = 0; i < bytes; i++) {
    const b = data[order === 'be' ? at + i : at + bytes - 1 - i] ?? 0;
    value = value * 256 + b;
  }
  return value;
}

export function checkBytes(name: string, field: string, value: Uint8Array, min: number, max: number): Uint8Array {
  if (value.length < min || value.length > max) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `${name}: ${field} must be ${min === max ? `${min}` : `${min}..${max}`} bytes, got ${value.length}`,
      { command: name },
    );
  }
  return value;
}

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

export function resultOnly(
  name: string,
): Pick<MessageCodec<unknown, ResultResponse>, 'encodeResponse' | 'decodeResponse'> {
  return {
    encodeResponse: (r) => Uint8Array.of(checkByte(name, 'result', r.result)),
    decodeResponse: (data) => {
      if (data.length !== 1) throw badLength(`${name} response`, data, '1');
      return { result: data[0] ?? 0 };
    },
  };
}

export function noData(name: string): Pick<MessageCodec<EmptyPayload, unknown>, 'encode' | 'decode'> {
  return {
    encode: () => new Uint8Array(0),
    decode: (data) => {
      if (data.length !== 0) throw badLength(name, data, '0');
      return {};
    },
  };
}

export function oneByte<K extends string>(
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

export function triple(data: Uint8Array, at: number): VersionTriple {
  return { major: data[at] ?? 0, minor: data[at + 1] ?? 0, patch: data[at + 2] ?? 0 };
}

export function encodeTriple(name: string, field: string, v: VersionTriple): number[] {
  return [
    checkByte(name, `${field}.major`, v.major),
    checkByte(name, `${field}.minor`, v.minor),
    checkByte(name, `${field}.patch`, v.patch),
  ];
}
