/**
 * The one framer contract of the three protocols (eSSP `SspFramer`, CCNET `CcnetFramer`, ControllerBox
 * `ControllerBoxFramer`).
 *
 * A framer turns a byte stream, in any chunking, into frames. It is built with a {@link FrameSink} and calls it
 * synchronously from `push`: `frame` once for every frame with a good check value, in stream order, and `error` for
 * every run of bytes it dropped (a {@link FrameError}: what was wrong and the raw bytes). Nothing is returned from
 * `push` and nothing is allocated per push: the only allocations are the delivered frame and its bytes.
 *
 * Rules every framer keeps:
 * - streaming and resynchronising: a bad frame costs its own bytes, never the good frame after it (the hunt goes on
 *   inside the dropped bytes);
 * - never a buffer rebuilt per byte (`ByteAccumulator`), and whole frames are decoded straight from the pushed chunk;
 * - re-entrant: bytes pushed from inside a sink callback are taken after the current pass, in order;
 * - every frame and every dropped byte is counted in `stats`.
 */
import type { FramerStats } from './accumulator.js';
import { ErrorCode, KioskbusError } from './errors.js';

export type { FramerStats } from './accumulator.js';
export { emptyFramerStats } from './accumulator.js';

/** Why a framer dropped bytes. */
export type FrameErrorKind =
  /** A complete frame whose check value (CRC) failed. */
  | 'crc'
  /** An impossible length field (eSSP LEN 0, CCNET LNG 1..5 or no possible wide length, a DATA_LEN over the limit). */
  | 'length'
  /** No stop byte where the length says the frame ends (ControllerBox). */
  | 'stop'
  /** A frame with a good CRC for an address that cannot exist (eSSP 0x7E, 0x7F). */
  | 'address'
  /** A frame cut short by a new start byte (eSSP: a lone 0x7F inside a frame). */
  | 'interrupted'
  /** The input ended (or went silent) in the middle of a frame. */
  | 'truncated'
  /** Bytes outside any frame (noise, a false start byte, the rest of a frame joined half-way), skipped. */
  | 'garbage';

export const FRAME_ERROR_KINDS: readonly FrameErrorKind[] = [
  'crc',
  'length',
  'stop',
  'address',
  'interrupted',
  'truncated',
  'garbage',
];

/** Bytes a framer dropped, and why. */
export interface FrameError {
  readonly kind: FrameErrorKind;
  /** The dropped bytes as received (a copy). */
  readonly raw: Uint8Array;
  /** The address or id byte of a dropped frame, when the framer recognised it as one. */
  readonly id?: number;
}

/** Where a framer delivers: every good frame, and (optionally) every run of dropped bytes. */
export interface FrameSink<F> {
  frame: (frame: F) => void;
  error?: ((error: FrameError) => void) | undefined;
}

/** A streaming, resynchronising decoder of one protocol's frames, delivering to the sink it was built with. */
export interface Framer {
  /** Takes the next bytes of the stream; calls the sink for each frame and each dropped run they complete. */
  push(chunk: Uint8Array): void;
  /** Drops a partial frame held back (after a silence, a reconnect). */
  reset(): void;
  /** Bytes held back waiting for the rest of a frame. */
  readonly pending: number;
  /** Counters since creation: frames, CRC errors, bad frames, garbage bytes. */
  readonly stats: FramerStats;
}

/** The `ErrorCode` of a frame error: `CRC_MISMATCH` for a bad CRC, `BAD_FRAME` for anything else. */
export function frameErrorCode(kind: FrameErrorKind): ErrorCode {
  return kind === 'crc' ? ErrorCode.CrcMismatch : ErrorCode.BadFrame;
}

const DESCRIPTIONS: Readonly<Record<FrameErrorKind, string>> = {
  crc: 'frame with a bad CRC dropped',
  length: 'frame with an impossible length dropped',
  stop: 'frame without its stop byte dropped',
  address: 'frame for an impossible address dropped',
  interrupted: 'frame interrupted by a new start byte',
  truncated: 'frame cut short by the end of the input',
  garbage: 'bytes outside any frame skipped',
};

/** One line for logs: `eSSP frame with a bad CRC dropped (7 bytes)`. */
export function describeFrameError(error: FrameError, protocol: string): string {
  return `${protocol} ${DESCRIPTIONS[error.kind]} (${error.raw.length} byte${error.raw.length === 1 ? '' : 's'})`;
}

/** The frame error as a `KioskbusError`: code from {@link frameErrorCode}, raw bytes and kind in the context. */
export function frameErrorToKioskbusError(error: FrameError, protocol: string): KioskbusError {
  return new KioskbusError(frameErrorCode(error.kind), describeFrameError(error, protocol), {
    raw: error.raw,
    frameError: error.kind,
  });
}
