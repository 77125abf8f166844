/**
 * eSSP / SSP framing: `STX(0x7F) | SEQ/ID | LEN | DATA[LEN] | CRC-16/SSP low byte | high byte`.
 *
 * - SEQ/ID: bit 7 is the sequence flag, bits 6..0 the slave address (0..0x7D).
 * - LEN counts the DATA bytes only (1..255).
 * - The CRC (poly 0x8005, init 0xFFFF, not reflected) covers SEQ/ID..DATA before stuffing and is sent low byte first.
 * - Every 0x7F after the STX (SEQ, LEN, DATA and CRC bytes alike) is sent as `7F 7F`. A receiver seeing a lone 0x7F
 *   (followed by anything other than 0x7F) inside a frame starts a new frame there.
 */
import {
  ByteAccumulator,
  copyBytes,
  commitSlab,
  emptyFramerStats,
  reserveSlab,
  slabBuffer,
  slabBytes,
  type FramerStats,
} from '../core/accumulator.js';
import { CRC16_SSP } from '../core/crc.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { frameErrorToKioskbusError, type FrameErrorKind, type Framer, type FrameSink } from '../core/framer.js';

export const SSP_STX = 0x7f;
/** CRC-16/SSP byte table, for the fast path's one loop over a frame. */
const CRC_TABLE = CRC16_SSP.byteTable;
/** Highest valid slave address (0x7E is STEX, 0x7F is STX). */
export const SSP_MAX_ADDRESS = 0x7d;
/** Largest DATA length a frame can carry. */
export const SSP_MAX_DATA = 255;

export interface SspFrame {
  /** Slave address 0..0x7D. */
  address: number;
  /** Sequence flag (bit 7 of the SEQ/ID byte). */
  seq: 0 | 1;
  /** LEN bytes: a command code or generic reply code first, then the payload; encrypted frames start with 0x7E. */
  data: Uint8Array;
}

/** A frame as the framer delivers it: the decoded fields and the frame as received. */
export interface SspReceivedFrame extends SspFrame {
  /** The frame as received (stuffed, STX included). */
  readonly raw: Uint8Array;
}

/**
 * Deprecated (see CHANGELOG): the handlers of {@link SspFrameDecoder}; use {@link SspFramer} with a `FrameSink` (frames
 * carry `raw`, errors are `FrameError`s).
 */
export interface SspFrameHandlers {
  /** A frame with a good CRC. `raw` is the frame as received (stuffed, STX included). */
  frame: (frame: SspFrame, raw: Uint8Array) => void;
  /** A dropped frame (bad CRC, impossible length or address, interrupted by a new STX); the stream goes on. */
  error?: (error: KioskbusError) => void;
}

function checkFrame(frame: SspFrame): void {
  if (!Number.isInteger(frame.address) || frame.address < 0 || frame.address > SSP_MAX_ADDRESS) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP address must be 0..0x7D, got ${String(frame.address)}`);
  }
  if ((frame.seq as number) !== 0 && (frame.seq as number) !== 1) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP sequence flag must be 0 or 1, got ${String(frame.seq)}`);
  }
  if (frame.data.length < 1 || frame.data.length > SSP_MAX_DATA) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `eSSP frame data must be 1..255 bytes, got ${frame.data.length}`,
      frame.data.length > 0 ? { raw: frame.data } : {},
    );
  }
}

/** The SEQ/ID byte for an address and sequence flag. */
export function seqId(address: number, seq: 0 | 1): number {
  return (seq << 7) | (address & 0x7f);
}

/** Encodes a frame: STX, SEQ/ID, LEN, DATA, CRC low, CRC high, with every 0x7F after the STX stuffed as `7F 7F`. */
export function encodeFrame(frame: SspFrame): Uint8Array {
  checkFrame(frame);
  const data = frame.data;
  const len = data.length;
  const body = new Uint8Array(len + 4);
  body[0] = seqId(frame.address, frame.seq);
  body[1] = len;
  body.set(data, 2);
  const crc = CRC16_SSP.compute(body, 0, len + 2);
  body[len + 2] = crc & 0xff;
  body[len + 3] = crc >>> 8;
  let stuffed = 0;
  for (let i = 0; i < body.length; i++) if (body[i] === SSP_STX) stuffed++;
  const out = new Uint8Array(1 + body.length + stuffed);
  out[0] = SSP_STX;
  if (stuffed === 0) {
    out.set(body, 1);
    return out;
  }
  let o = 1;
  for (let i = 0; i < body.length; i++) {
    const b = body[i] ?? 0;
    out[o++] = b;
    if (b === SSP_STX) out[o++] = SSP_STX;
  }
  return out;
}

const enum Step {
  /** Looking for a STX. */
  Hunt,
  /** Inside a frame, reading unstuffed bytes. */
  Body,
}

/**
 * Streaming eSSP framer (the core `Framer` contract). Accepts any chunking (a frame split over many pushes, many frames
 * in one push), unstuffs, restarts on a lone 0x7F, and after a bad or interrupted frame resumes the hunt at the byte
 * after that frame's STX, so a good frame hidden behind garbage is not lost. Reports dropped bytes to the sink's
 * `error` (`crc`, `length` for LEN 0, `address`, `interrupted`, `garbage` for bytes outside any frame) and counts
 * frames, CRC errors, bad frames and skipped garbage bytes in `stats`.
 */
export class SspFramer implements Framer {
  readonly stats: FramerStats = emptyFramerStats();
  private readonly acc = new ByteAccumulator(1024);
  /** Unstuffed SEQ..CRC of the frame being read. */
  private readonly body = new Uint8Array(SSP_MAX_DATA + 4);
  private step = Step.Hunt;
  /** Raw read position, relative to the accumulator start (the candidate STX is at 0 while in Body). */
  private pos = 0;
  /** Unstuffed bytes collected into `body`. */
  private count = 0;
  /** Whether the current frame has seen a stuffed pair (raw differs from SEQ..CRC). */
  private hadStuffing = false;

  constructor(private readonly sink: FrameSink<SspReceivedFrame>) {}

  reset(): void {
    this.acc.clear();
    this.deferred = [];
    this.step = Step.Hunt;
    this.pos = 0;
    this.count = 0;
    this.hadStuffing = false;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pending(): number {
    return this.acc.length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.running) {
      // A handler pushed more bytes (re-entrant call): take them after the current pass. They wait outside the buffer:
      // appending could move the bytes under the running pass.
      this.deferred.push(chunk.slice());
      return;
    }
    if (this.quiet(chunk)) return;
    this.running = true;
    try {
      if (this.acc.length === 0) {
        // Zero-copy path: nothing is held back (a reply usually arrives as whole frames), so the chunk is decoded where
        // it is and only an unfinished tail is copied into the buffer.
        this.run(chunk, 0, chunk.length, true);
      } else {
        this.acc.append(chunk);
        this.runHeld();
      }
      while (this.takeDeferred()) this.runHeld();
    } finally {
      // also when a handler throws: bytes pushed meanwhile stay, after the unhandled rest of this chunk
      this.takeDeferred();
      this.running = false;
    }
  }

  /** A pass over the held bytes, read in place. */
  private runHeld(): void {
    const acc = this.acc;
    this.run(acc.storage, acc.startIndex, acc.endIndex, false);
  }

  /**
   * Quiet path for small reads in the middle of a frame: when the frame's length is known, it has had no stuffed pair,
   * the chunk holds no 0x7F and does not complete it, a pass would only collect the bytes (nothing to report, nothing
   * to look ahead for). Collects them here, without a pass; false if any condition fails.
   */
  private quiet(chunk: Uint8Array): boolean {
    const count = this.count;
    const n = chunk.length;
    if (this.step !== Step.Body || this.hadStuffing || count < 2 || this.pos !== this.acc.length) return false;
    const len = this.body[1] ?? 0;
    if (len === 0 || count + n >= len + 4) return false;
    const body = this.body;
    for (let i = 0; i < n; i++) {
      const b = chunk[i] ?? 0;
      if (b === SSP_STX) return false; // nothing written past `count` is kept: the pass starts over from `count`
      body[count + i] = b;
    }
    this.acc.append(chunk);
    this.count = count + n;
    this.pos += n;
    return true;
  }

  private running = false;
  /** Chunks pushed by a handler during a pass. */
  private deferred: Uint8Array[] = [];

  /** Moves re-entrantly pushed chunks into the buffer; false if there were none. */
  private takeDeferred(): boolean {
    if (this.deferred.length === 0) return false;
    for (const chunk of this.deferred) this.acc.append(chunk);
    this.deferred = [];
    return true;
  }

  /**
   * One pass over `v`: the buffered bytes, or (`direct`) the caller's chunk while the buffer is empty. Works with a
   * moving `base` (the candidate STX) and settles the buffer once at the end, so a frame costs no buffer bookkeeping
   * beyond its own copy.
   */
  private run(v: Uint8Array, from: number, n: number, direct: boolean): void {
    const stats = this.stats;
    const body = this.body;
    let base = from;
    try {
      for (;;) {
        if (this.step === Step.Hunt) {
          // A STX is a 0x7F followed by something else. In a run of 0x7F bytes the last one is the candidate: the
          // run may be stuffed pairs of a frame we are not synchronised to, or a stray 0x7F just before a real STX.
          // (the next frame usually starts right here: no call into the indexOf builtin then)
          let i = v[base] === SSP_STX ? base : v.indexOf(SSP_STX, base);
          if (i >= n) i = -1; // past the end of the held bytes
          while (i >= 0 && i + 1 < n && v[i + 1] === SSP_STX) i++;
          if (i < 0) {
            stats.garbageBytes += n - base;
            if (this.sink.error && n > base) this.report('garbage', v.slice(base, n));
            base = n;
            return;
          }
          if (i > base) {
            stats.garbageBytes += i - base;
            if (this.sink.error) this.report('garbage', v.slice(base, i));
          }
          base = i;
          if (i + 1 >= n) return; // a 0x7F at the end: wait for the next byte
          this.step = Step.Body;
          this.pos = 1;
          this.count = 0;
          this.hadStuffing = false;

          // Fast path: the whole frame is here and holds no 0x7F after the STX (no stuffing, no restart).
          const len = base + 2 < n ? v[base + 2] : undefined;
          if (len !== undefined && len !== 0 && len !== SSP_STX) {
            const end = base + len + 5;
            if (end > n && (direct || base > from) && noStxIn(v, base + 1, n)) {
              // The frame goes on in the next chunk and nothing so far needs a look ahead: keep it from its STX, so
              // that the next pass takes it whole on this fast path. Only once: a frame spread over many small reads
              // is collected by the quiet path instead.
              this.step = Step.Hunt;
              return;
            }
            if (end <= n) {
              // One loop copies the frame, computes its CRC and checks that no 0x7F follows the STX (no stuffing,
              // no restart): the data bytes are then raw[3, 3 + len).
              const size = end - base;
              const at = reserveSlab(size);
              const out = slabBytes();
              out[at] = SSP_STX;
              let crc = 0xffff;
              let k = 1;
              for (; k < size - 2; k++) {
                const b = v[base + k] ?? 0;
                if (b === SSP_STX) break;
                out[at + k] = b;
                crc = ((crc << 8) & 0xffff) ^ (CRC_TABLE[(crc >>> 8) ^ b] ?? 0);
              }
              const lo = v[end - 2];
              const hi = v[end - 1];
              const address = (v[base + 1] ?? 0) & 0x7f;
              if (
                k === size - 2 &&
                lo === (crc & 0xff) &&
                hi === crc >>> 8 &&
                lo !== SSP_STX &&
                hi !== SSP_STX &&
                address <= SSP_MAX_ADDRESS
              ) {
                out[at + k] = lo;
                out[at + k + 1] = hi;
                commitSlab(at + size);
                const buffer = slabBuffer();
                const raw = new Uint8Array(buffer, at, size);
                const data = new Uint8Array(buffer, at + 3, len);
                const seq = (v[base + 1] ?? 0) & 0x80 ? 1 : 0;
                stats.frames++;
                base = end;
                this.step = Step.Hunt;
                this.sink.frame({ address, seq, data, raw });
                continue;
              }
              // a bad CRC or address, or a 0x7F inside: the slow path below reports or unstuffs it
            }
          }
          continue;
        }

        // Body: the candidate STX is at v[base]; collect unstuffed bytes from v[base + pos].
        let pos = base + this.pos;
        let count = this.count;
        let need = count >= 2 ? (body[1] ?? 0) + 4 : 4;
        let restartAt = -1;
        while (count < need && pos < n) {
          let b = v[pos] ?? 0;
          if (b === SSP_STX) {
            if (pos + 1 >= n) break; // cannot tell a stuffed pair from a new STX yet
            if (v[pos + 1] !== SSP_STX) {
              restartAt = pos;
              break;
            }
            this.hadStuffing = true;
            pos += 2;
          } else {
            pos += 1;
          }
          body[count++] = b;
          if (count === 2) {
            b = body[1] ?? 0;
            if (b === 0) break; // LEN 0: impossible
            need = b + 4;
          }
        }
        this.pos = pos - base;
        this.count = count;

        if (restartAt >= 0) {
          // A lone 0x7F inside the frame: the partial frame is abandoned, a new one starts there.
          stats.badFrames++;
          this.report('interrupted', v.slice(base, restartAt));
          base = this.resync(base);
          continue;
        }
        if (count >= 2 && body[1] === 0) {
          stats.badFrames++;
          this.report('length', v.slice(base, pos));
          base = this.resync(base);
          continue;
        }
        if (count < need) {
          // Waiting for more bytes. If the candidate is a false STX (a stray 0x7F in garbage) it may have swallowed a
          // complete real frame: look for one further on, so that it is delivered now rather than after the false
          // frame's announced length has gone by. Without stuffed pairs so far the bytes after the STX hold no 0x7F
          // (a lone one would have restarted the frame, one at the very end starts nothing complete): nothing to find.
          const later = this.hadStuffing ? findCompleteFrame(v.subarray(0, n), base + 1) : -1;
          if (later < 0) return;
          // a false STX: the frame it announced is abandoned for the complete one behind it
          stats.badFrames++;
          stats.garbageBytes += later - base;
          this.report('interrupted', v.slice(base, later));
          base = later;
          this.step = Step.Hunt;
          continue;
        }

        const len = body[1] ?? 0;
        const crc = CRC16_SSP.compute(body, 0, len + 2);
        if ((crc & 0xff) !== body[len + 2] || crc >>> 8 !== body[len + 3]) {
          stats.crcErrors++;
          this.report('crc', v.slice(base, pos), (body[0] ?? 0) & 0x7f);
          base = this.resync(base);
          continue;
        }
        const address = (body[0] ?? 0) & 0x7f;
        if (address > SSP_MAX_ADDRESS) {
          stats.badFrames++;
          this.report('address', v.slice(base, pos), address);
          base = this.resync(base);
          continue;
        }
        const raw = copyBytes(v, base, pos);
        const data = copyBytes(body, 2, 2 + len);
        const seq = (body[0] ?? 0) & 0x80 ? 1 : 0;
        stats.frames++;
        base = pos;
        this.step = Step.Hunt;
        this.sink.frame({ address, seq, data, raw });
      }
    } finally {
      // Runs on return and if a handler throws: the bytes handled so far are never seen again.
      if (!direct) this.acc.consume(base - from);
      else if (base < n) this.acc.append(v.subarray(base, n));
    }
  }

  /**
   * Drops the false STX only and hunts again from the next byte: a real frame may start inside the bad one (for example
   * a real STX right after a stray 0x7F reads as a stuffed pair inside the false frame).
   */
  private resync(base: number): number {
    this.stats.garbageBytes++;
    this.step = Step.Hunt;
    return base + 1;
  }

  private report(kind: FrameErrorKind, raw: Uint8Array, id?: number): void {
    this.sink.error?.(id === undefined ? { kind, raw } : { kind, raw, id });
  }
}

/**
 * Deprecated (see CHANGELOG): use {@link SspFramer}: it delivers frames with their `raw` bytes and reports
 * `FrameError`s (also for garbage between frames). This adapter keeps the former handlers: `frame(frame, raw)`, and
 * `error` with a `KioskbusError` (CRC_MISMATCH or BAD_FRAME) for dropped frames only.
 */
export class SspFrameDecoder extends SspFramer {
  constructor(handlers: SspFrameHandlers) {
    const error = handlers.error;
    super({
      frame: (frame) => {
        handlers.frame(frame, frame.raw);
      },
      error:
        error &&
        ((e) => {
          if (e.kind !== 'garbage') error(frameErrorToKioskbusError(e, 'eSSP'));
        }),
    });
  }
}

/** Whether `v[from, to)` holds no 0x7F. */
function noStxIn(v: Uint8Array, from: number, to: number): boolean {
  const i = v.indexOf(SSP_STX, from);
  return i < 0 || i >= to;
}

/**
 * Index of the first STX candidate at or after `from` that starts a complete, CRC-valid frame inside `v`, or -1.
 * Candidates follow the hunt rule (a 0x7F followed by something else, the last of a run).
 */
function findCompleteFrame(v: Uint8Array, from: number): number {
  const n = v.length;
  let c = v.indexOf(SSP_STX, from);
  while (c >= 0 && c + 4 < n) {
    while (c + 1 < n && v[c + 1] === SSP_STX) c++;
    if (c + 4 >= n) return -1;
    if (parsesAt(v, c)) return c;
    c = v.indexOf(SSP_STX, c + 1);
  }
  return -1;
}

const scratch = new Uint8Array(SSP_MAX_DATA + 4);

/** Whether a complete frame with a good CRC and a valid address starts at `v[c]` (a STX). */
function parsesAt(v: Uint8Array, c: number): boolean {
  const n = v.length;
  let pos = c + 1;
  let count = 0;
  let need = 4;
  while (count < need) {
    if (pos >= n) return false;
    const b = v[pos] ?? 0;
    if (b === SSP_STX) {
      if (pos + 1 >= n || v[pos + 1] !== SSP_STX) return false;
      pos += 2;
    } else {
      pos += 1;
    }
    scratch[count++] = b;
    if (count === 2) {
      if (b === 0) return false;
      need = b + 4;
    }
  }
  if (((scratch[0] ?? 0) & 0x7f) > SSP_MAX_ADDRESS) return false;
  const len = scratch[1] ?? 0;
  const crc = CRC16_SSP.compute(scratch, 0, len + 2);
  return (crc & 0xff) === scratch[len + 2] && crc >>> 8 === scratch[len + 3];
}

/**
 * Decodes every frame in a complete byte string (a capture); returns the frames, the dropped frames (as
 * `KioskbusError`s: garbage between frames is counted in `stats`, not listed) and the framer's counters.
 */
export function decodeFrames(bytes: Uint8Array): {
  frames: { frame: SspFrame; raw: Uint8Array }[];
  errors: KioskbusError[];
  stats: FramerStats;
} {
  const frames: { frame: SspFrame; raw: Uint8Array }[] = [];
  const errors: KioskbusError[] = [];
  const framer = new SspFramer({
    frame: (frame) => frames.push({ frame, raw: frame.raw }),
    error: (error) => {
      if (error.kind !== 'garbage') errors.push(frameErrorToKioskbusError(error, 'eSSP'));
    },
  });
  framer.push(bytes);
  return { frames, errors, stats: { ...framer.stats } };
}
