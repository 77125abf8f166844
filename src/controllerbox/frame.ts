/**
 * ControllerBox UART framing: `78 | PROTOCOL_ID | DATA_LEN | DATA | CHECK_SUM(2) | 79`.
 *
 * There is no byte stuffing, so 0x78 and 0x79 occur freely inside DATA and the check sum. The framer
 * therefore never scans for the stop byte: it reads DATA_LEN, waits for the whole frame, then checks the
 * stop byte and the CRC. A frame that fails either check is reported and the framer resynchronises on the
 * next 0x78 *inside* the bad frame, so a good frame that followed a false start byte is never lost.
 *
 * The CRC is not settled by the documentation (research note §5): the algorithm (CRC-16/ARC or
 * CRC-16/XMODEM), the bytes it covers and the order of the two CRC bytes are all options, and `auto`
 * narrows the 12 combinations down to the one variant the device uses.
 */
import { ByteAccumulator, emptyFramerStats, type FramerStats } from '../core/accumulator.js';
import { CRC16_ARC, CRC16_XMODEM, type Crc16 } from '../core/crc.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { FrameError, FrameErrorKind, Framer, FrameSink } from '../core/framer.js';

/** The core frame error: this framer reports `crc`, `stop`, `length`, `truncated` and `garbage` (id in `id`). */
export type { FrameError, FrameErrorKind } from '../core/framer.js';

export const START_BYTE = 0x78;
export const STOP_BYTE = 0x79;
/** Bytes around DATA: start, id, length before; CRC (2) and stop after. */
export const FRAME_OVERHEAD = 6;
export const MAX_DATA_LENGTH = 255;

export type CrcAlgorithm = 'arc' | 'xmodem';
/** Which bytes the CRC covers: DATA only, PROTOCOL_ID+DATA_LEN+DATA, or START_BYTE through DATA. */
export type CrcCoverage = 'data' | 'id+len+data' | 'start..data';
/** Order of the two CRC bytes on the wire: `be` = high byte first. */
export type CrcByteOrder = 'be' | 'le';

export interface CrcVariant {
  readonly algorithm: CrcAlgorithm;
  readonly coverage: CrcCoverage;
  readonly order: CrcByteOrder;
}

/** A fixed variant, or `auto`: detect it from the first frames received. */
export type CrcSetting = CrcVariant | 'auto';

export const CRC_ALGORITHMS: readonly CrcAlgorithm[] = ['arc', 'xmodem'];
export const CRC_COVERAGES: readonly CrcCoverage[] = ['data', 'id+len+data', 'start..data'];
export const CRC_BYTE_ORDERS: readonly CrcByteOrder[] = ['be', 'le'];

/** The documented algorithm (CRC-16/ARC) with the coverage and byte order of the author's firmware family. */
export const DEFAULT_CRC_VARIANT: CrcVariant = Object.freeze({ algorithm: 'arc', coverage: 'data', order: 'be' });

/** All 12 combinations, the default first. */
export const ALL_CRC_VARIANTS: readonly CrcVariant[] = Object.freeze(
  CRC_ALGORITHMS.flatMap((algorithm) =>
    CRC_COVERAGES.flatMap((coverage) =>
      CRC_BYTE_ORDERS.map((order): CrcVariant => Object.freeze({ algorithm, coverage, order })),
    ),
  ),
);

const ENGINES: Readonly<Record<CrcAlgorithm, Crc16>> = { arc: CRC16_ARC, xmodem: CRC16_XMODEM };

/** `arc/data/be` */
export function crcVariantName(variant: CrcVariant): string {
  return `${variant.algorithm}/${variant.coverage}/${variant.order}`;
}

export function sameCrcVariant(a: CrcVariant, b: CrcVariant): boolean {
  return a.algorithm === b.algorithm && a.coverage === b.coverage && a.order === b.order;
}

/**
 * Builds a variant from user text: `auto`, `arc`, `xmodem`, or `algorithm/coverage/order` (any part may be
 * omitted from the right; missing parts take the default). Throws `INVALID_ARGUMENT` on anything else.
 */
export function parseCrcSetting(
  text: string,
  overrides: { coverage?: string | undefined; order?: string | undefined } = {},
): CrcSetting {
  const parts = text.trim().toLowerCase().split('/');
  if (parts[0] === 'auto' && parts.length === 1) {
    if (overrides.coverage !== undefined || overrides.order !== undefined) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'CRC coverage and byte order cannot be combined with auto');
    }
    return 'auto';
  }
  const [algorithm, coverage = overrides.coverage ?? DEFAULT_CRC_VARIANT.coverage] = parts;
  const order = parts[2] ?? overrides.order ?? DEFAULT_CRC_VARIANT.order;
  if (parts.length > 3 || !CRC_ALGORITHMS.includes(algorithm as CrcAlgorithm)) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `unknown CRC "${text}" (auto, arc, xmodem or algorithm/coverage/order such as arc/data/be)`,
    );
  }
  if (!CRC_COVERAGES.includes(coverage as CrcCoverage)) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `unknown CRC coverage "${coverage}" (one of ${CRC_COVERAGES.join(', ')})`,
    );
  }
  if (!CRC_BYTE_ORDERS.includes(order as CrcByteOrder)) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `unknown CRC byte order "${order}" (be or le)`);
  }
  return {
    algorithm: algorithm as CrcAlgorithm,
    coverage: coverage as CrcCoverage,
    order: order as CrcByteOrder,
  };
}

/** Completes a partial variant with the defaults. */
export function crcVariant(partial: Partial<CrcVariant> = {}): CrcVariant {
  return { ...DEFAULT_CRC_VARIANT, ...partial };
}

/**
 * CRC of a frame laid out from `offset` (the start byte) in `bytes`, for a DATA of `dataLength` bytes.
 */
export function frameCrc(variant: CrcVariant, bytes: Uint8Array, offset: number, dataLength: number): number {
  const dataEnd = offset + 3 + dataLength;
  const from = variant.coverage === 'data' ? offset + 3 : variant.coverage === 'id+len+data' ? offset + 1 : offset;
  return ENGINES[variant.algorithm].compute(bytes, from, dataEnd);
}

function crcMatches(variant: CrcVariant, bytes: Uint8Array, offset: number, dataLength: number): boolean {
  const crc = frameCrc(variant, bytes, offset, dataLength);
  const at = offset + 3 + dataLength;
  const first = bytes[at] ?? -1;
  const second = bytes[at + 1] ?? -1;
  return variant.order === 'be'
    ? first === crc >>> 8 && second === (crc & 0xff)
    : first === (crc & 0xff) && second === crc >>> 8;
}

/** A variant reduced to what the per-frame check needs. */
interface CrcChecker {
  readonly engine: Crc16;
  /** First covered byte, relative to the start byte. */
  readonly from: number;
  readonly be: boolean;
}

function checkerOf(variant: CrcVariant): CrcChecker {
  return {
    engine: ENGINES[variant.algorithm],
    from: variant.coverage === 'data' ? 3 : variant.coverage === 'id+len+data' ? 1 : 0,
    be: variant.order === 'be',
  };
}

function checkerMatches(checker: CrcChecker, bytes: Uint8Array, offset: number, dataLength: number): boolean {
  const at = offset + 3 + dataLength;
  const crc = checker.engine.compute(bytes, offset + checker.from, at);
  const hi = crc >>> 8;
  const lo = crc & 0xff;
  return checker.be ? bytes[at] === hi && bytes[at + 1] === lo : bytes[at] === lo && bytes[at + 1] === hi;
}

/** Encodes one frame (one buffer, so it can be written in a single call as the firmware expects). */
export function encodeFrame(id: number, data: Uint8Array, variant: CrcVariant = DEFAULT_CRC_VARIANT): Uint8Array {
  if (!Number.isInteger(id) || id < 0 || id > 0xff) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `protocol id must be a byte, got ${String(id)}`);
  }
  if (data.length > MAX_DATA_LENGTH) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `DATA is ${data.length} bytes, a frame carries at most ${MAX_DATA_LENGTH}`,
    );
  }
  const out = new Uint8Array(data.length + FRAME_OVERHEAD);
  out[0] = START_BYTE;
  out[1] = id;
  out[2] = data.length;
  out.set(data, 3);
  const crc = frameCrc(variant, out, 0, data.length);
  const at = 3 + data.length;
  out[at] = variant.order === 'be' ? crc >>> 8 : crc & 0xff;
  out[at + 1] = variant.order === 'be' ? crc & 0xff : crc >>> 8;
  out[at + 2] = STOP_BYTE;
  return out;
}

/** One good frame: the frame's own copy of its bytes, and its DATA. */
export interface ControllerBoxFrame {
  readonly id: number;
  readonly data: Uint8Array;
  readonly raw: Uint8Array;
}

/**
 * The framer's frames. DATA is copied out of `raw` on first use: a view into a small, freshly copied typed
 * array forces V8 to move its bytes off the heap, which costs more than the whole rest of the parse.
 */
class ReceivedFrame implements ControllerBoxFrame {
  private dataCopy: Uint8Array | undefined;

  constructor(readonly raw: Uint8Array) {}

  get id(): number {
    return this.raw[1] ?? 0;
  }

  get data(): Uint8Array {
    return (this.dataCopy ??= this.raw.slice(3, this.raw.length - 3));
  }
}

/**
 * The framer's options. Frames and errors go to the sink (`frame`, `error`); `onFrame` and `onError` are the
 * deprecated former names of the same two callbacks.
 */
export type FramerOptions = ControllerBoxFramerSettings &
  (
    | FrameSink<ControllerBoxFrame>
    | { onFrame: (frame: ControllerBoxFrame) => void; onError?: FrameSink<never>['error'] }
  );

export interface ControllerBoxFramerSettings {
  /** A fixed CRC variant, or `auto` (default: the default variant `arc/data/be`). */
  crc?: CrcSetting;
  /** Frames whose DATA_LEN exceeds this are rejected at once (default 255: no limit). */
  maxDataLength?: number;
  /**
   * In auto mode: after this many consecutive plausible frames that fail the detected variant but match
   * another, detection starts over and those frames are delivered (default 3). Protects against a wrong
   * lock caused by noise that happened to pass a CRC.
   */
  relockAfter?: number;
  /**
   * Auto mode: whether a frame is a plausible message (known id, possible length). Only plausible frames
   * narrow the CRC candidates or trigger a re-detection (default: every frame). The link passes the
   * message table's opinion.
   */
  plausible?: (id: number, data: Uint8Array) => boolean;
  /** Auto mode: called when the candidates narrow to one variant. */
  onCrcDetected?: (variant: CrcVariant) => void;
}

/**
 * Streaming, resynchronising ControllerBox framer (the core `Framer` contract). Feed it any chunks with `push`; call
 * `flush` when the input ends or the line goes silent to drop (and report) a cut frame and parse what is behind it.
 * Reports `crc`, `stop`, `length`, `truncated` and `garbage` errors.
 */
export class ControllerBoxFramer implements Framer {
  readonly stats: FramerStats = emptyFramerStats();
  readonly auto: boolean;
  private readonly buffer = new ByteAccumulator(512);
  private active: readonly CrcVariant[] = [];
  /** Precomputed check of the variant in use (undefined while several are possible). */
  private lockedChecker: CrcChecker | undefined;
  private held: { raw: Uint8Array; matches: readonly CrcVariant[] }[] = [];
  private parsing = false;
  /** Counts pushes, so that the parse loop notices bytes pushed from inside a callback. */
  private generation = 0;
  /**
   * True right after a good frame: the next start byte is trusted and waited for. After garbage or a bad
   * frame a start byte may be a false one, so an incomplete candidate gives way to a complete, valid frame
   * that begins later in the buffer (instead of holding it back until the idle timeout).
   */
  private synced = false;
  private readonly maxDataLength: number;
  private readonly relockAfter: number;
  private readonly onFrame: (frame: ControllerBoxFrame) => void;
  private readonly onError: ((error: FrameError) => void) | undefined;

  constructor(private readonly options: FramerOptions) {
    if ('frame' in options) {
      this.onFrame = options.frame;
      this.onError = options.error;
    } else {
      this.onFrame = options.onFrame;
      this.onError = options.onError;
    }
    const crc = options.crc ?? DEFAULT_CRC_VARIANT;
    this.auto = crc === 'auto';
    this.setActive(crc === 'auto' ? ALL_CRC_VARIANTS : [crc]);
    this.maxDataLength = options.maxDataLength ?? MAX_DATA_LENGTH;
    this.relockAfter = options.relockAfter ?? 3;
  }

  /** The variant in use: the fixed one, or in auto mode the detected one (undefined while detecting). */
  get variant(): CrcVariant | undefined {
    return this.active.length === 1 ? this.active[0] : undefined;
  }

  /** Variants still possible (auto mode narrows this list as frames arrive). */
  get candidates(): readonly CrcVariant[] {
    return this.active;
  }

  /** What to send with: the detected variant, else the default if still possible, else the first candidate. */
  get sendVariant(): CrcVariant {
    const known = this.variant;
    if (known) return known;
    return this.active.find((v) => sameCrcVariant(v, DEFAULT_CRC_VARIANT)) ?? this.active[0] ?? DEFAULT_CRC_VARIANT;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): void {
    this.buffer.append(chunk);
    this.generation += 1;
    this.parse(false);
  }

  /** Treats the input as ended: a cut frame is reported as `truncated`, the bytes behind it are parsed. */
  flush(): void {
    this.parse(true);
  }

  /** The input has ended for good: `flush`, and report frames held back in auto mode as CRC errors. */
  end(): void {
    this.parse(true);
    this.releaseHeld(false);
  }

  /** Drops buffered bytes (not reported) and, in auto mode, restarts detection. */
  reset(): void {
    this.buffer.clear();
    this.synced = false;
    if (this.auto) this.setActive(ALL_CRC_VARIANTS);
    this.held = [];
  }

  private report(error: FrameError): void {
    this.onError?.(error);
  }

  /** Drops the candidate frame of `length` bytes up to the next start byte inside it, reporting it; returns bytes consumed. */
  private dropCandidate(kind: FrameErrorKind, length: number): number {
    const buffer = this.buffer;
    this.synced = false;
    const raw = buffer.copy(0, length);
    const next = raw.indexOf(START_BYTE, 1);
    const consumed = next > 0 ? next : length;
    buffer.consume(consumed);
    if (kind === 'crc') this.stats.crcErrors += 1;
    else this.stats.badFrames += 1;
    const id = raw[1];
    this.report(id === undefined ? { kind, raw } : { kind, raw, id });
    return consumed;
  }

  private parse(ending: boolean): void {
    // a push from inside a callback only appends; the running parse picks the bytes up
    if (this.parsing) return;
    this.parsing = true;
    try {
      this.parseLoop(ending);
    } finally {
      this.parsing = false;
    }
  }

  /**
   * The hot loop works on one view of the buffered bytes with a moving base index (no per-frame views or
   * method calls for single bytes); the accumulator is told what was consumed as it goes, so that a callback
   * may push more bytes (the view is then taken again).
   */
  private parseLoop(ending: boolean): void {
    const buffer = this.buffer;
    const stats = this.stats;
    let generation = this.generation;
    let bytes = buffer.view();
    let base = 0;
    for (;;) {
      if (generation !== this.generation) {
        generation = this.generation;
        bytes = buffer.view();
        base = 0;
      }
      const available = bytes.length - base;
      if (available <= 0) return;
      if (bytes[base] !== START_BYTE) {
        const next = bytes.indexOf(START_BYTE, base);
        const skip = next < 0 ? available : next - base;
        this.synced = false;
        stats.garbageBytes += skip;
        const raw = this.onError ? bytes.slice(base, base + skip) : undefined;
        buffer.consume(skip);
        base += skip;
        if (raw) this.report({ kind: 'garbage', raw });
        continue;
      }
      if (available < 3) {
        if (!ending) return;
        base += this.dropCandidate('truncated', available);
        continue;
      }
      const dataLength = bytes[base + 2] ?? 0;
      if (dataLength > this.maxDataLength) {
        base += this.dropCandidate('length', 3);
        continue;
      }
      const total = dataLength + FRAME_OVERHEAD;
      if (available < total) {
        if (ending || (!this.synced && this.completeFrameBehind(available))) {
          base += this.dropCandidate('truncated', available);
          continue;
        }
        return;
      }
      if (bytes[base + total - 1] !== STOP_BYTE) {
        base += this.dropCandidate('stop', total);
        continue;
      }
      const verdict = this.checkCrc(bytes, base, dataLength);
      if (verdict === 'bad') {
        base += this.dropCandidate('crc', total);
        continue;
      }
      this.synced = true;
      buffer.consume(total);
      const from = base;
      base += total;
      if (verdict === 'held') continue;
      stats.frames += 1;
      this.onFrame(new ReceivedFrame(bytes.slice(from, from + total)));
    }
  }

  /**
   * Whether a complete, plausible frame with a good stop byte and CRC starts after offset 0 within `available`
   * bytes (then the incomplete candidate at 0 is taken for a false start byte).
   */
  private completeFrameBehind(available: number): boolean {
    const buffer = this.buffer;
    for (let k = buffer.indexOf(START_BYTE, 1); k > 0 && k + FRAME_OVERHEAD <= available;) {
      const total = (buffer.at(k + 2) ?? 0) + FRAME_OVERHEAD;
      if (k + total <= available && buffer.at(k + total - 1) === STOP_BYTE) {
        const view = buffer.view(k, k + total);
        const dataLength = total - FRAME_OVERHEAD;
        if (
          this.active.some((v) => crcMatches(v, view, 0, dataLength)) &&
          (this.options.plausible?.(view[1] ?? 0, view.subarray(3, 3 + dataLength)) ?? true)
        ) {
          return true;
        }
      }
      k = buffer.indexOf(START_BYTE, k + 1);
    }
    return false;
  }

  /**
   * Checks a complete frame (stop byte already verified). Auto mode narrows the candidates with frames that
   * are plausible (known id and length, see `plausible`); a frame that only another variant accepts is held
   * back, and after `relockAfter` such frames in a row detection starts over and the held frames are
   * delivered (so a wrong lock loses no frame). A good frame under the current variant reports them as CRC
   * errors instead.
   */
  private setActive(variants: readonly CrcVariant[]): void {
    this.active = variants;
    const only = variants.length === 1 ? variants[0] : undefined;
    this.lockedChecker = only ? checkerOf(only) : undefined;
  }

  private checkCrc(bytes: Uint8Array, offset: number, dataLength: number): 'ok' | 'bad' | 'held' {
    const locked = this.lockedChecker;
    if (locked && checkerMatches(locked, bytes, offset, dataLength)) {
      if (this.held.length > 0) this.releaseHeld(false);
      return 'ok';
    }
    if (!this.auto) return 'bad';
    const active = this.active;
    const frame = bytes.subarray(offset, offset + dataLength + FRAME_OVERHEAD);
    const plausible = this.options.plausible?.(frame[1] ?? 0, frame.subarray(3, 3 + dataLength)) ?? true;
    const matches = active.length === 1 ? [] : active.filter((v) => crcMatches(v, frame, 0, dataLength));
    if (matches.length > 0) {
      this.releaseHeld(false);
      if (plausible) this.narrow(matches);
      return 'ok';
    }
    // nothing still possible matches: a corrupted frame, or an earlier wrong narrowing
    if (!plausible) return 'bad';
    const any = ALL_CRC_VARIANTS.filter((v) => crcMatches(v, frame, 0, dataLength));
    if (any.length === 0) return 'bad';
    this.held.push({ raw: frame.slice(), matches: any });
    if (this.held.length < this.relockAfter) return 'held';
    let common = any;
    for (const h of this.held) common = common.filter((v) => h.matches.includes(v));
    this.setActive(ALL_CRC_VARIANTS);
    this.narrow(common.length > 0 ? common : any);
    this.releaseHeld(true);
    return 'held';
  }

  /** Delivers (after a re-detection) or reports as CRC errors the frames held back. */
  private releaseHeld(deliver: boolean): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const { raw } of held) {
      if (deliver) {
        this.stats.frames += 1;
        this.onFrame(new ReceivedFrame(raw));
      } else {
        this.stats.crcErrors += 1;
        this.report({ kind: 'crc', raw, id: raw[1] ?? 0 });
      }
    }
  }

  private narrow(matches: readonly CrcVariant[]): void {
    const wasKnown = this.active.length === 1;
    this.setActive(matches);
    const found = matches.length === 1 ? matches[0] : undefined;
    if (found && !wasKnown) this.options.onCrcDetected?.(found);
  }
}
