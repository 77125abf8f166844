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
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      // Compact only when the consumed prefix is at least as large as the live bytes: moving a large live region
      // to reclaim a few bytes on every append would make a slowly draining buffer quadratic. Otherwise grow.
      if (live + chunk.length <= this.buf.length && this.start >= live) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let capacity = this.buf.length * 2;
        while (capacity < live + chunk.length) capacity *= 2;
        const next = new Uint8Array(capacity);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    const n = chunk.length;
    if (n <= 8) {
      // the few bytes of a serial read: a loop is cheaper than calling the set() builtin
      const buf = this.buf;
      for (let i = 0, j = this.end; i < n; i++, j++) buf[j] = chunk[i] ?? 0;
    } else this.buf.set(chunk, this.end);
    this.end += n;
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

/** Copies up to this size are made by a plain loop (cheaper than `slice()` for the few bytes of most frames). */
const LOOP_COPY_MAX = 16;
/**
 * V8 keeps typed arrays of up to 64 bytes on the JS heap; a larger one gets its own off-heap backing store, which
 * costs far more to allocate and to collect than copying the bytes does.
 */
const ON_HEAP_MAX = 64;
const SLAB_SIZE = 8192;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * A copy of `src[from, to)` that a framer can hand to its caller: it never aliases `src` (a receive buffer or the
 * caller's chunk). Copies larger than V8's on-heap limit are carved out of a shared 8 KiB slab (as Node's
 * `Buffer.allocUnsafe` pool does), so their `byteOffset` may be non-zero and their `buffer` is shared with other
 * copies; each copy only ever sees its own bytes.
 */
export function copyBytes(src: Uint8Array, from: number, to: number): Uint8Array {
  const n = to - from;
  if (n <= LOOP_COPY_MAX) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = src[from + i] ?? 0;
    return out;
  }
  if (n <= ON_HEAP_MAX || n > SLAB_SIZE / 4) return src.slice(from, to);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const at = slabUsed;
  slab.set(src.subarray(from, to), at);
  slabUsed = at + n;
  return new Uint8Array(slab.buffer, at, n);
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
