/**
 * A growing receive buffer for streaming framers: chunks are appended into spare capacity (amortised
 * doubling), consumed bytes are skipped by moving an offset, and the live region is compacted only when
 * the buffer would otherwise grow. No per-byte copying or concatenation.
 */
export class ByteAccumulator {
  private buf: Uint8Array;
  private start = 0;
  private end = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Number of unconsumed bytes. */
  get length(): number {
    return this.end - this.start;
  }

  append(chunk: Uint8Array): void {
    this.appendRange(chunk, 0, chunk.length);
  }

  /** Appends `chunk[from, to)`. */
  appendRange(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.end + n > this.buf.length) {
      const live = this.end - this.start;
      // Compact only when the consumed prefix is at least as large as the live bytes: moving a large live region
      // to reclaim a few bytes on every append would make a slowly draining buffer quadratic. Otherwise grow.
      if (live + n <= this.buf.length && this.start >= live) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let capacity = this.buf.length * 2;
        while (capacity < live + n) capacity *= 2;
        const next = new Uint8Array(capacity);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    if (n <= 8) {
      // the few bytes of a serial read: a loop is cheaper than calling the set() builtin
      const buf = this.buf;
      for (let i = from, j = this.end; i < to; i++, j++) buf[j] = chunk[i] ?? 0;
    } else this.buf.set(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to), this.end);
    this.end += n;
  }

  /**
   * The storage itself, for a framer that reads in place: the unconsumed bytes are `storage[startIndex, endIndex)`;
   * bytes past `endIndex` are stale. Valid until the next `append`.
   */
  get storage(): Uint8Array {
    return this.buf;
  }

  get startIndex(): number {
    return this.start;
  }

  get endIndex(): number {
    return this.end;
  }

  /** Byte at `index` relative to the first unconsumed byte (undefined past the end). */
  at(index: number): number | undefined {
    const i = this.start + index;
    return i < this.end ? this.buf[i] : undefined;
  }

  /** A view (not a copy) of unconsumed bytes `[from, to)`; valid until the next `append`. */
  view(from = 0, to = this.length): Uint8Array {
    return this.buf.subarray(this.start + from, this.start + Math.min(to, this.length));
  }

  /** A copy of unconsumed bytes `[from, to)`. */
  copy(from = 0, to = this.length): Uint8Array {
    return this.view(from, to).slice();
  }

  /** Index (relative) of the first occurrence of `byte` at or after `from`, or -1. */
  indexOf(byte: number, from = 0): number {
    const i = this.buf.subarray(0, this.end).indexOf(byte, this.start + from);
    return i < 0 ? -1 : i - this.start;
  }

  consume(n: number): void {
    this.start = Math.min(this.start + n, this.end);
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
  }
}

/**
 * Frames handed to callers are carved out of a shared slab (as Node's `Buffer.allocUnsafe` pool does): a view on an
 * existing ArrayBuffer costs about half of allocating a small typed array, and a third of `slice()`, which matters at
 * three frames per microsecond. A copy's `byteOffset` may therefore be non-zero and its `buffer` is shared with other
 * copies; each copy only ever sees its own bytes. A slab is 8 KiB; a retained frame keeps at most its slab alive.
 */
const SLAB_SIZE = 8192;
/** Bytes up to this count are copied by a plain loop (cheaper than the `set()` builtin plus the `subarray` it needs). */
const LOOP_COPY_MAX = 64;
let slab = new Uint8Array(SLAB_SIZE);
/** `slab.buffer`, kept: reading the `buffer` getter costs a builtin call. */
let slabArrayBuffer = slab.buffer;
let slabUsed = 0;

/** Copies `src[from, to)` into the slab and returns its offset in `slab` (read `slab` after the call: it may be new). */
function toSlab(src: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(Math.max(SLAB_SIZE, n));
    slabArrayBuffer = slab.buffer;
    slabUsed = 0;
  }
  const at = slabUsed;
  if (n <= LOOP_COPY_MAX) {
    const out = slab;
    for (let i = 0; i < n; i++) out[at + i] = src[from + i] ?? 0;
  } else slab.set(src.subarray(from, to), at);
  slabUsed = at + n;
  return at;
}

/** A copy of `src[from, to)` that a framer can hand to its caller: it never aliases `src` (a receive buffer or a chunk). */
export function copyBytes(src: Uint8Array, from: number, to: number): Uint8Array {
  const at = toSlab(src, from, to);
  return new Uint8Array(slabArrayBuffer, at, to - from);
}

/**
 * For a framer that copies with a loop of its own: makes room for `n` bytes and returns where they go in
 * {@link slabBytes} (read after this call). Nothing is kept until {@link commitSlab}.
 */
export function reserveSlab(n: number): number {
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(Math.max(SLAB_SIZE, n));
    slabArrayBuffer = slab.buffer;
    slabUsed = 0;
  }
  return slabUsed;
}

/** Keeps the bytes written up to `end` (an offset returned by {@link reserveSlab} plus their count). */
export function commitSlab(end: number): void {
  slabUsed = end;
}

/** The slab's bytes (see {@link reserveSlab}). */
export function slabBytes(): Uint8Array {
  return slab;
}

/** The slab's current buffer, for views of reserved and committed bytes. */
export function slabBuffer(): ArrayBuffer {
  return slabArrayBuffer;
}

/** Counters every framer keeps and reports. */
export interface FramerStats {
  /** Frames decoded with a good check value. */
  frames: number;
  /** Frames dropped for a bad CRC. */
  crcErrors: number;
  /** Frames dropped for an impossible length or a bad end marker. */
  badFrames: number;
  /** Bytes skipped while hunting for a start byte. */
  garbageBytes: number;
}

export function emptyFramerStats(): FramerStats {
  return { frames: 0, crcErrors: 0, badFrames: 0, garbageBytes: 0 };
}
