/**
 * CCNET framing: `SYNC(02) ADR LNG [CMD] DATA CRC_L CRC_H`, LNG = total bytes SYNC..CRC, CRC-16/KERMIT over
 * SYNC..last DATA byte, sent LSB first. Frames that do not fit 255 bytes are "wide": LNG = 0 and a two-byte
 * total length (MSB first) follows CMD (case 1), CMD+SUBCMD (case 2) or LNG itself (case 3, no CMD: replies).
 */
import { ByteAccumulator, copyBytes, emptyFramerStats, type FramerStats } from '../core/accumulator.js';
import { CRC16_KERMIT } from '../core/crc.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { FrameError, Framer, FrameSink } from '../core/framer.js';

export const SYNC = 0x02;
export const ACK_BYTE = 0x00;
export const NAK_BYTE = 0xff;
/** ILLEGAL COMMAND response data (peripheral to controller). */
export const ILLEGAL_COMMAND_BYTE = 0x30;

/** Peripheral addresses of the spec (§2.4). */
export const CcnetAddress = {
  BillToBill: 0x01,
  CoinChanger: 0x02,
  BillValidator: 0x03,
  CardReader: 0x04,
} as const;

/** Smallest frame: SYNC ADR LNG one byte CRC CRC (ACK, NAK, a command without data). */
export const MIN_FRAME_LENGTH = 6;
/** Largest ordinary frame (LNG is one byte). */
export const MAX_SHORT_FRAME_LENGTH = 255;
/** Largest wide frame (two-byte length). */
export const MAX_WIDE_FRAME_LENGTH = 0xffff;

/**
 * How the frame carries its length. `0`: ordinary LNG byte. `1`, `2`, `3`: wide frame, the spec's three cases
 * (length after CMD, after CMD+SUBCMD, right after LNG).
 */
export type WideCase = 0 | 1 | 2 | 3;

export interface CcnetFrame {
  readonly address: number;
  /**
   * The bytes between the length field(s) and the CRC, with a wide frame's two length bytes taken out:
   * `CMD [SUBCMD] DATA` for a command, `DATA` for a reply (`00` = ACK, `FF` = NAK, `30` = ILLEGAL COMMAND).
   */
  readonly payload: Uint8Array;
  readonly wide: WideCase;
  /** The whole frame as received (byte-identical). */
  readonly raw: Uint8Array;
}

/**
 * A decoded frame. The frame is copied off the wire once (`raw`, which the link logs and emits for every frame); the
 * payload is cut from it on first use, then cached: one copy per frame instead of two.
 */
class DecodedFrame implements CcnetFrame {
  private payloadBytes: Uint8Array | undefined;

  constructor(
    readonly address: number,
    readonly raw: Uint8Array,
    readonly wide: WideCase,
  ) {}

  get payload(): Uint8Array {
    this.payloadBytes ??= payloadOf(this.raw, this.wide);
    return this.payloadBytes;
  }

  toJSON(): { address: number; payload: Uint8Array; wide: WideCase; raw: Uint8Array } {
    return { address: this.address, payload: this.payload, wide: this.wide, raw: this.raw };
  }
}

/** Position of the two-byte length inside a wide frame, per case. */
function wideLengthOffset(wide: 1 | 2 | 3): number {
  return wide === 3 ? 3 : wide === 1 ? 4 : 5;
}

/** The payload of a complete frame: the bytes after LNG without a wide frame's two length bytes, CRC excluded. */
function payloadOf(raw: Uint8Array, wide: WideCase): Uint8Array {
  const length = raw.length;
  if (wide === 0) return copyBytes(raw, 3, length - 2);
  const at = wideLengthOffset(wide);
  const payload = new Uint8Array(length - 7);
  payload.set(raw.subarray(3, at));
  payload.set(raw.subarray(at + 2, length - 2), at - 3);
  return payload;
}

/**
 * Builds a frame from its address and payload (`CMD [SUBCMD] DATA` or reply `DATA`). `wide` forces the
 * layout; by default an ordinary frame is built when it fits and otherwise a wide one (case 3 for
 * `kind: 'reply'`, case 1 for a command, case 2 when `subcommand` says the second byte is a subcommand).
 */
export function encodeFrame(
  address: number,
  payload: Uint8Array,
  options: { wide?: WideCase; kind?: 'command' | 'reply'; subcommand?: boolean } = {},
): Uint8Array {
  if (!Number.isInteger(address) || address < 0 || address > 0xff) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `CCNET address must be a byte, got ${address}`);
  }
  if (payload.length === 0) {
    throw new KioskbusError(ErrorCode.InvalidArgument, 'a CCNET frame carries at least one byte (CMD or DATA)');
  }
  let wide = options.wide;
  if (wide === undefined) {
    if (payload.length + 5 <= MAX_SHORT_FRAME_LENGTH) wide = 0;
    else if (options.kind === 'reply') wide = 3;
    else wide = options.subcommand ? 2 : 1;
  }
  if (wide === 0) {
    const total = payload.length + 5;
    if (total > MAX_SHORT_FRAME_LENGTH) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `${payload.length} payload bytes need a wide frame`);
    }
    const frame = new Uint8Array(total);
    frame[0] = SYNC;
    frame[1] = address;
    frame[2] = total;
    frame.set(payload, 3);
    return withCrc(frame);
  }
  const total = payload.length + 7;
  const at = wideLengthOffset(wide);
  const before = at - 3; // payload bytes that precede the length (CMD, CMD+SUBCMD or none)
  if (total > MAX_WIDE_FRAME_LENGTH || payload.length < before) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `cannot build a wide frame (case ${wide}) of ${total} bytes`);
  }
  const frame = new Uint8Array(total);
  frame[0] = SYNC;
  frame[1] = address;
  frame[2] = 0;
  frame.set(payload.subarray(0, before), 3);
  frame[at] = total >>> 8;
  frame[at + 1] = total & 0xff;
  frame.set(payload.subarray(before), at + 2);
  return withCrc(frame);
}

function withCrc(frame: Uint8Array): Uint8Array {
  const crc = CRC16_KERMIT.compute(frame, 0, frame.length - 2);
  frame[frame.length - 2] = crc & 0xff;
  frame[frame.length - 1] = crc >>> 8;
  return frame;
}

/** A command frame: `CMD [SUBCMD] DATA`. */
export function encodeCommand(
  address: number,
  command: number,
  data: Uint8Array = new Uint8Array(0),
  subcommand?: number,
): Uint8Array {
  const head = subcommand === undefined ? [command] : [command, subcommand];
  const payload = new Uint8Array(head.length + data.length);
  payload.set(head);
  payload.set(data, head.length);
  return encodeFrame(address, payload, { kind: 'command', subcommand: subcommand !== undefined });
}

/** A reply frame carrying `data` (case 3 when wide). */
export function encodeReply(address: number, data: Uint8Array): Uint8Array {
  return encodeFrame(address, data, { kind: 'reply' });
}

export function encodeAck(address: number): Uint8Array {
  return encodeFrame(address, Uint8Array.of(ACK_BYTE));
}

export function encodeNak(address: number): Uint8Array {
  return encodeFrame(address, Uint8Array.of(NAK_BYTE));
}

export function isAck(frame: CcnetFrame): boolean {
  return frame.wide === 0 && frame.payload.length === 1 && frame.payload[0] === ACK_BYTE;
}

export function isNak(frame: CcnetFrame): boolean {
  return frame.wide === 0 && frame.payload.length === 1 && frame.payload[0] === NAK_BYTE;
}

/** Verifies the CRC of one complete frame held in `bytes[start, start + length)`. */
export function frameCrcOk(bytes: Uint8Array, start: number, length: number): boolean {
  if (length < MIN_FRAME_LENGTH || start + length > bytes.length) return false;
  const crc = CRC16_KERMIT.compute(bytes, start, start + length - 2);
  return (bytes[start + length - 2] ?? -1) === (crc & 0xff) && (bytes[start + length - 1] ?? -1) === crc >>> 8;
}

/**
 * The sink of a {@link CcnetFramer} (every good frame; every skipped run of bytes as `garbage`, every frame with a bad
 * CRC as `crc`, every impossible length as `length`) and its options.
 */
export interface CcnetFramerOptions extends FrameSink<CcnetFrame> {
  /** Largest frame accepted (default 65535); longer lengths are treated as corruption. */
  maxFrameLength?: number;
}

/** What the bytes at a SYNC can be (see `CcnetFramer.examine`). */
const enum Verdict {
  /** A complete frame with a good CRC (its length and layout are left in `foundLength`, `foundWide`). */
  Frame,
  /** Not enough bytes yet. */
  Incomplete,
  /** Complete, but the CRC fails (its length is left in `foundLength`). */
  BadCrc,
  /** LNG 1..5, or no wide layout gives a possible length. */
  BadLength,
  /** Not a frame start: impossible address, or (look-ahead) a candidate already examined. */
  Garbage,
}

/** The order wide layouts are tried in: case 3 (replies) first. */
const WIDE_CASES = [3, 1, 2] as const;

/**
 * Streaming, resynchronising CCNET framer (the core `Framer` contract). Accepts any chunking; delivers whole frames
 * with a good CRC to the sink. A SYNC byte whose frame fails is skipped and the hunt goes on from the next byte, so
 * a garbled byte never hides the good frame after it. While a frame is still incomplete, a complete good frame that
 * starts later in the buffer wins (a stray 02 cannot stall the stream).
 *
 * Performance: one pass per push works on a single view of the buffered bytes with a moving index and tells the
 * buffer what was consumed once, at the end; candidates are examined without allocating (the result is a
 * {@link Verdict}, length and layout go into fields). See `push` for the zero-copy path.
 */
export class CcnetFramer implements Framer {
  readonly stats: FramerStats = emptyFramerStats();
  private readonly acc = new ByteAccumulator(512);
  private readonly maxLength: number;
  /** Bytes consumed since creation; used to tell a frame's own bytes from new ones. */
  private consumed = 0;
  /** Absolute end of the last frame that failed its CRC: candidates inside it are garbage, not new errors. */
  private shadowEnd = 0;
  /** Buffer length already examined by the look-ahead. */
  private scanned = 0;
  /**
   * While waiting for the rest of a frame: the buffer length at which some candidate (the head or a SYNC
   * further on) first becomes complete or readable. Below it a new pass could not find anything (0: unknown).
   */
  private wake = 0;
  /** Smallest buffer position an incomplete candidate waits for, gathered by `examine` during a pass. */
  private wakeAt = 0;
  /** Length of the last complete candidate `examine` looked at. */
  private foundLength = 0;
  /** Layout of the last complete candidate `examine` looked at. */
  private foundWide: WideCase = 0;
  private running = false;
  /** Chunks pushed from inside a sink callback during a pass. */
  private deferred: Uint8Array[] = [];
  /** Where the last frame delivered ends in the view being decoded (so a throwing sink loses no bytes). */
  private delivered = 0;
  private readonly onFrame: (frame: CcnetFrame) => void;
  private readonly onError: ((error: FrameError) => void) | undefined;

  constructor(options: CcnetFramerOptions) {
    this.maxLength = Math.min(options.maxFrameLength ?? MAX_WIDE_FRAME_LENGTH, MAX_WIDE_FRAME_LENGTH);
    this.onFrame = options.frame;
    this.onError = options.error;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.acc.length;
  }

  /** Drops a partial frame (e.g. after the inter-byte timeout); counts it as garbage. */
  reset(): void {
    const n = this.acc.length;
    if (n > 0) {
      this.skip(this.acc.view(), 0, n);
      this.acc.consume(n);
      this.consumed += n;
    }
    this.scanned = 0;
    this.wake = 0;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.running) {
      // Pushed from inside a callback: the running pass takes these bytes after the current ones. They wait outside
      // the buffer: appending could move the bytes under the running pass.
      this.deferred.push(chunk.slice());
      return;
    }
    this.running = true;
    try {
      let rest = chunk;
      const held = this.acc.length;
      if (held > 0 && held + chunk.length < this.wake) {
        // Quiet path: a frame is still incomplete and these bytes cannot complete any candidate (for small
        // serial reads, most pushes). A SYNC among them can only matter from its third byte on.
        let wake = this.wake;
        // a plain loop: these chunks are a few bytes, less than the cost of calling the indexOf builtin
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] === SYNC) {
            wake = Math.min(wake, held + i + 3);
            break;
          }
        }
        if (held + chunk.length < wake) {
          this.acc.append(chunk);
          this.scanned = held + chunk.length;
          this.wake = wake;
          return;
        }
      }
      if (held === 0) {
        // Zero-copy path: nothing is held back, so the whole frames a chunk usually starts with are decoded
        // straight from the caller's bytes; only what follows them is copied into the buffer.
        this.delivered = 0;
        let pos: number;
        try {
          pos = this.takeFrames(chunk, 0);
        } catch (error) {
          // the sink threw: the frames delivered are gone, the rest of the chunk is kept
          pos = this.delivered;
          this.consumed += pos;
          if (pos < chunk.length) this.acc.append(chunk.subarray(pos));
          throw error;
        }
        this.consumed += pos;
        if (pos === chunk.length) {
          if (this.deferred.length === 0) return;
          rest = chunk.subarray(pos); // empty: only the bytes the sink pushed are left
        } else rest = pos === 0 ? chunk : chunk.subarray(pos);
      }
      this.acc.append(rest);
      this.run();
      while (this.takeDeferred()) this.run();
    } finally {
      this.takeDeferred();
      this.running = false;
    }
  }

  /** Moves chunks pushed from inside a callback into the buffer; false if there were none. */
  private takeDeferred(): boolean {
    if (this.deferred.length === 0) return false;
    for (const chunk of this.deferred) this.acc.append(chunk);
    this.deferred = [];
    this.wake = 0;
    return true;
  }

  /**
   * Takes every complete, good, ordinary frame from `v[pos]` on (the common case); returns where it stopped.
   * Anything else (wide frame, garbage, bad CRC, a cut frame) is left to {@link run}.
   */
  private takeFrames(v: Uint8Array, pos: number): number {
    const n = v.length;
    const stats = this.stats;
    while (pos + 3 <= n && v[pos] === SYNC) {
      const adr = v[pos + 1] ?? 0;
      const lng = v[pos + 2] ?? 0;
      if (lng < MIN_FRAME_LENGTH || adr === 0 || adr > 0x0f || pos + lng > n) break;
      const crc = CRC16_KERMIT.compute(v, pos, pos + lng - 2);
      if (v[pos + lng - 2] !== (crc & 0xff) || v[pos + lng - 1] !== crc >>> 8) break;
      const frame = new DecodedFrame(adr, copyBytes(v, pos, pos + lng), 0);
      stats.frames += 1;
      pos += lng;
      this.delivered = pos;
      this.onFrame(frame);
    }
    return pos;
  }

  /** Decodes the buffered bytes as far as they go; consumes what it handled (also if a callback throws). */
  private run(): void {
    const v = this.acc.view();
    const n = v.length;
    // Candidates ending at or before this were complete at the last look-ahead and are not new.
    const examinedEnd = this.scanned;
    let base = 0;
    let waiting = false;
    this.wake = 0;
    this.delivered = 0;
    try {
      for (;;) {
        base = this.takeFrames(v, base);
        if (base >= n) break;
        if (v[base] !== SYNC) {
          const next = v.indexOf(SYNC, base + 1);
          base = this.skip(v, base, next < 0 ? n : next);
          continue;
        }
        const verdict = this.examine(v, base, n, 0);
        if (verdict === Verdict.Frame) {
          const frame = this.take(v, base, this.foundLength, this.foundWide);
          base += this.foundLength;
          this.delivered = base;
          this.onFrame(frame);
          continue;
        }
        if (verdict !== Verdict.Incomplete) {
          base = this.fail(v, base, verdict);
          continue;
        }
        // incomplete: a complete good frame further on wins (only candidates completed by new bytes can be new)
        this.wakeAt = Infinity;
        this.noteWake(v, base, n);
        const later = this.lookAhead(v, base, n, examinedEnd);
        if (later > 0) {
          base = this.skip(v, base, later);
          continue;
        }
        waiting = true;
        break;
      }
    } finally {
      if (base < this.delivered) base = this.delivered; // the sink threw inside takeFrames
      this.acc.consume(base);
      this.consumed += base;
      this.scanned = waiting ? n - base : Math.max(0, examinedEnd - base);
      if (waiting) this.wake = this.wakeAt - base;
    }
  }

  /** First SYNC after `base` that starts a complete good frame ending after `examinedEnd`, or -1. */
  private lookAhead(v: Uint8Array, base: number, n: number, examinedEnd: number): number {
    let p = v.indexOf(SYNC, base + 1);
    while (p > 0) {
      const verdict = this.examine(v, p, n, examinedEnd);
      if (verdict === Verdict.Frame) return p;
      if (verdict === Verdict.Incomplete) this.noteWake(v, p, n);
      p = v.indexOf(SYNC, p + 1);
    }
    return -1;
  }

  /**
   * Lowers `wakeAt` to the first buffer length at which the incomplete candidate at `v[p]` changes: its
   * header or wide length field becomes readable, or it becomes complete. Every other verdict is final.
   */
  private noteWake(v: Uint8Array, p: number, n: number): void {
    let at = p + 3;
    if (n >= at) {
      const lng = v[p + 2] ?? 0;
      if (lng !== 0) at = p + lng;
      else {
        at = Infinity;
        for (const wide of WIDE_CASES) {
          const field = p + wideLengthOffset(wide);
          if (n < field + 2) at = Math.min(at, field + 2);
          else {
            const total = ((v[field] ?? 0) << 8) | (v[field + 1] ?? 0);
            if (p + total > n) at = Math.min(at, p + total);
          }
        }
      }
    }
    if (at < this.wakeAt) this.wakeAt = at;
  }

  /**
   * What the bytes `v[p, n)` (`v[p]` is a SYNC) can be. A candidate ending at or before `minEnd` is
   * reported as garbage. Leaves a complete candidate's length and layout in `foundLength`/`foundWide`.
   */
  private examine(v: Uint8Array, p: number, n: number, minEnd: number): Verdict {
    const avail = n - p;
    if (avail < 3) return Verdict.Incomplete;
    const address = v[p + 1] ?? 0;
    if (address === 0 || address > 0x0f) return Verdict.Garbage;
    const lng = v[p + 2] ?? 0;
    if (lng !== 0) {
      if (lng < MIN_FRAME_LENGTH) return Verdict.BadLength;
      if (avail < lng) return Verdict.Incomplete;
      if (p + lng <= minEnd) return Verdict.Garbage;
      this.foundLength = lng;
      this.foundWide = 0;
      return frameCrcOk(v, p, lng) ? Verdict.Frame : Verdict.BadCrc;
    }
    // wide frame: try case 3 (replies), case 1, case 2; the CRC decides
    let incomplete = false;
    let failedLength = 0;
    for (const wide of WIDE_CASES) {
      const at = wideLengthOffset(wide);
      if (avail < at + 2) {
        incomplete = true;
        continue;
      }
      const total = ((v[p + at] ?? 0) << 8) | (v[p + at + 1] ?? 0);
      if (total < at + 4 || total > this.maxLength) continue;
      if (avail < total) {
        incomplete = true;
        continue;
      }
      if (p + total <= minEnd) continue;
      if (frameCrcOk(v, p, total)) {
        this.foundLength = total;
        this.foundWide = wide;
        return Verdict.Frame;
      }
      if (failedLength === 0) failedLength = total;
    }
    if (incomplete) return Verdict.Incomplete;
    if (failedLength === 0) return Verdict.BadLength;
    this.foundLength = failedLength;
    return Verdict.BadCrc;
  }

  private take(v: Uint8Array, p: number, length: number, wide: WideCase): CcnetFrame {
    this.stats.frames += 1;
    return new DecodedFrame(v[p + 1] ?? 0, copyBytes(v, p, p + length), wide);
  }

  /** A failed candidate at `v[base]`; returns the new base (the hunt goes on from the next byte). */
  private fail(v: Uint8Array, base: number, verdict: Verdict): number {
    const inShadow = this.consumed + base < this.shadowEnd;
    if (verdict === Verdict.BadCrc && !inShadow) {
      const length = this.foundLength;
      this.stats.crcErrors += 1;
      this.shadowEnd = this.consumed + base + length;
      this.onError?.({ kind: 'crc', raw: v.slice(base, base + length), id: v[base + 1] ?? 0 });
      return base + 1;
    }
    if (verdict === Verdict.BadLength && !inShadow) {
      this.stats.badFrames += 1;
      this.onError?.({ kind: 'length', raw: v.slice(base, Math.min(base + 3, v.length)), id: v[base + 1] ?? 0 });
      return base + 1;
    }
    return this.skip(v, base, base + 1);
  }

  /** Skips `v[from, to)` as garbage; returns `to`. */
  private skip(v: Uint8Array, from: number, to: number): number {
    this.stats.garbageBytes += to - from;
    if (this.onError) this.onError({ kind: 'garbage', raw: v.slice(from, to) });
    return to;
  }
}
