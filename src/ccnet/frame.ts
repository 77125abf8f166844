/**
 * CCNET framing: `SYNC(02) ADR LNG [CMD] DATA CRC_L CRC_H`, LNG = total bytes SYNC..CRC, CRC-16/KERMIT over
 * SYNC..last DATA byte, sent LSB first. Frames that do not fit 255 bytes are "wide": LNG = 0 and a two-byte
 * total length (MSB first) follows CMD (case 1), CMD+SUBCMD (case 2) or LNG itself (case 3, no CMD: replies).
 */
import { ByteAccumulator, emptyFramerStats, type FramerStats } from '../core/accumulator.js';
import { CRC16_KERMIT } from '../core/crc.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';

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
  /** The whole frame as received (byte-identical; rebuilt from the payload on first use, then cached). */
  readonly raw: Uint8Array;
}

/** A decoded frame; `raw` is rebuilt lazily (a frame's bytes follow from address, payload and layout). */
class DecodedFrame implements CcnetFrame {
  private rawBytes: Uint8Array | undefined;

  constructor(
    readonly address: number,
    readonly payload: Uint8Array,
    readonly wide: WideCase,
  ) {}

  get raw(): Uint8Array {
    this.rawBytes ??= encodeFrame(this.address, this.payload, { wide: this.wide });
    return this.rawBytes;
  }

  toJSON(): { address: number; payload: Uint8Array; wide: WideCase; raw: Uint8Array } {
    return { address: this.address, payload: this.payload, wide: this.wide, raw: this.raw };
  }
}

/** Position of the two-byte length inside a wide frame, per case. */
function wideLengthOffset(wide: 1 | 2 | 3): number {
  return wide === 3 ? 3 : wide === 1 ? 4 : 5;
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

/** Something the decoder dropped, for logs and `kioskbus decode`. */
export interface CcnetDecodeProblem {
  kind: 'garbage' | 'crc' | 'length';
  raw: Uint8Array;
}

export interface CcnetDecoderOptions {
  /** Called for every skipped run of bytes and every frame with a bad CRC or an impossible length. */
  onProblem?: (problem: CcnetDecodeProblem) => void;
  /** Largest frame accepted (default 65535); longer lengths are treated as corruption. */
  maxFrameLength?: number;
}

type Candidate =
  | { kind: 'frame'; length: number; wide: WideCase }
  | { kind: 'incomplete'; need: number }
  | { kind: 'bad'; why: 'crc' | 'length' | 'garbage'; length: number };

/**
 * Streaming, resynchronising CCNET frame decoder. Accepts any chunking; returns whole frames with a good
 * CRC. A SYNC byte whose frame fails is skipped and the hunt goes on from the next byte, so a garbled byte
 * never hides the good frame after it. While a frame is still incomplete, a complete good frame that starts
 * later in the buffer wins (a stray 02 cannot stall the stream).
 */
export class CcnetDecoder {
  readonly stats: FramerStats = emptyFramerStats();
  private readonly acc = new ByteAccumulator(512);
  private readonly maxLength: number;
  /** Bytes consumed since creation; used to tell a frame's own bytes from new ones. */
  private consumed = 0;
  /** Absolute end of the last frame that failed its CRC: candidates inside it are garbage, not new errors. */
  private shadowEnd = 0;
  /** Buffer length already examined by the look-ahead. */
  private scanned = 0;

  constructor(private readonly options: CcnetDecoderOptions = {}) {
    this.maxLength = Math.min(options.maxFrameLength ?? MAX_WIDE_FRAME_LENGTH, MAX_WIDE_FRAME_LENGTH);
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.acc.length;
  }

  /** Drops a partial frame (e.g. after the inter-byte timeout); counts it as garbage. */
  reset(): void {
    if (this.acc.length > 0) this.skip(this.acc.length, 'garbage');
    this.scanned = 0;
  }

  push(chunk: Uint8Array): CcnetFrame[] {
    const out: CcnetFrame[] = [];
    this.acc.append(chunk);
    for (;;) {
      this.fastPath(out);
      const n = this.acc.length;
      if (n === 0) break;
      if (this.acc.at(0) !== SYNC) {
        const next = this.acc.indexOf(SYNC, 1);
        this.skip(next < 0 ? n : next, 'garbage');
        continue;
      }
      const c = this.candidate(0);
      if (c.kind === 'frame') {
        out.push(this.take(c.length, c.wide));
        continue;
      }
      if (c.kind === 'bad') {
        this.fail(c);
        continue;
      }
      // incomplete: look for a complete good frame further on (only among bytes not examined before)
      const later = this.lookAhead();
      if (later > 0) {
        this.skip(later, 'garbage');
        continue;
      }
      this.scanned = n;
      break;
    }
    return out;
  }

  /** Takes every complete, good, ordinary frame at the head with one view of the buffer (the common case). */
  private fastPath(out: CcnetFrame[]): void {
    const v = this.acc.view();
    const n = v.length;
    let pos = 0;
    while (pos + 3 <= n && v[pos] === SYNC) {
      const adr = v[pos + 1] ?? 0;
      const lng = v[pos + 2] ?? 0;
      if (lng < MIN_FRAME_LENGTH || adr === 0 || adr > 0x0f || pos + lng > n) break;
      const crc = CRC16_KERMIT.compute(v, pos, pos + lng - 2);
      if (v[pos + lng - 2] !== (crc & 0xff) || v[pos + lng - 1] !== crc >>> 8) break;
      // a plain allocation and copy loop beats slice() (species lookup) for these small payloads
      const payload = new Uint8Array(lng - 5);
      for (let i = 0, j = pos + 3; i < payload.length; i++, j++) payload[i] = v[j] ?? 0;
      out.push(new DecodedFrame(adr, payload, 0));
      this.stats.frames += 1;
      pos += lng;
    }
    if (pos > 0) this.consume(pos);
  }

  private lookAhead(): number {
    const n = this.acc.length;
    let p = this.acc.indexOf(SYNC, 1);
    while (p > 0) {
      // only a candidate that became complete with the new bytes can be new
      const c = this.candidate(p, this.scanned);
      if (c.kind === 'frame') return p;
      p = this.acc.indexOf(SYNC, p + 1);
      if (p >= n) break;
    }
    return -1;
  }

  /** What the bytes at relative offset `p` (a SYNC) can be. */
  private candidate(p: number, minEnd = 0): Candidate {
    const n = this.acc.length - p;
    if (n < 3) return { kind: 'incomplete', need: 3 - n };
    const address = this.acc.at(p + 1) ?? 0;
    if (address === 0 || address > 0x0f) return { kind: 'bad', why: 'garbage', length: 1 };
    const lng = this.acc.at(p + 2) ?? 0;
    if (lng !== 0) {
      if (lng < MIN_FRAME_LENGTH) return { kind: 'bad', why: 'length', length: 1 };
      if (n < lng) return { kind: 'incomplete', need: lng - n };
      if (p + lng <= minEnd) return { kind: 'bad', why: 'garbage', length: 1 };
      const view = this.acc.view(p, p + lng);
      return frameCrcOk(view, 0, lng)
        ? { kind: 'frame', length: lng, wide: 0 }
        : { kind: 'bad', why: 'crc', length: lng };
    }
    // wide frame: try case 3 (replies), case 1, case 2; the CRC decides
    let need = Infinity;
    let failed: Candidate | undefined;
    for (const wide of [3, 1, 2] as const) {
      const at = wideLengthOffset(wide);
      if (n < at + 2) {
        need = Math.min(need, at + 2 - n);
        continue;
      }
      const total = ((this.acc.at(p + at) ?? 0) << 8) | (this.acc.at(p + at + 1) ?? 0);
      if (total < at + 4 || total > this.maxLength) continue;
      if (n < total) {
        need = Math.min(need, total - n);
        continue;
      }
      if (p + total <= minEnd) continue;
      if (frameCrcOk(this.acc.view(p, p + total), 0, total)) return { kind: 'frame', length: total, wide };
      failed ??= { kind: 'bad', why: 'crc', length: total };
    }
    if (need !== Infinity) return { kind: 'incomplete', need };
    return failed ?? { kind: 'bad', why: 'length', length: 1 };
  }

  private take(length: number, wide: WideCase): CcnetFrame {
    const raw = this.acc.copy(0, length);
    this.consume(length);
    this.stats.frames += 1;
    let payload: Uint8Array;
    if (wide === 0) payload = raw.slice(3, length - 2);
    else {
      const at = wideLengthOffset(wide);
      payload = new Uint8Array(length - 7);
      payload.set(raw.subarray(3, at));
      payload.set(raw.subarray(at + 2, length - 2), at - 3);
    }
    return new DecodedFrame(raw[1] ?? 0, payload, wide);
  }

  private fail(c: { why: 'crc' | 'length' | 'garbage'; length: number }): void {
    const inShadow = this.consumed < this.shadowEnd;
    if (c.why === 'crc' && !inShadow) {
      this.stats.crcErrors += 1;
      this.shadowEnd = this.consumed + c.length;
      this.options.onProblem?.({ kind: 'crc', raw: this.acc.copy(0, c.length) });
      this.consume(1);
      return;
    }
    if (c.why === 'length' && !inShadow) {
      this.stats.badFrames += 1;
      this.options.onProblem?.({ kind: 'length', raw: this.acc.copy(0, Math.min(3, this.acc.length)) });
      this.consume(1);
      return;
    }
    this.skip(1, 'garbage');
  }

  private skip(count: number, kind: 'garbage'): void {
    this.stats.garbageBytes += count;
    if (this.options.onProblem) this.options.onProblem({ kind, raw: this.acc.copy(0, count) });
    this.consume(count);
  }

  private consume(count: number): void {
    this.acc.consume(count);
    this.consumed += count;
    this.scanned = Math.max(0, this.scanned - count);
  }
}
