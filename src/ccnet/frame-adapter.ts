/**
 * Deprecated adapter over {@link CcnetFramer} (see CHANGELOG): the former `CcnetDecoder` shape, whose `push` returns
 * the frames a chunk completed and whose `onProblem` gets a {@link CcnetDecodeProblem}. Kept for existing importers;
 * nothing inside kioskbus uses it.
 */
import type { FramerStats } from '../core/accumulator.js';
import { CcnetFramer, type CcnetFrame, type CcnetFramerOptions } from './frame.js';

/**
 * Deprecated (see CHANGELOG): something the decoder dropped: use the core `FrameError` (`CcnetFramer` reports
 * `garbage`, `crc` and `length` errors, with the frame's address in `id`).
 */
export interface CcnetDecodeProblem {
  kind: 'garbage' | 'crc' | 'length';
  raw: Uint8Array;
}

/** Deprecated (see CHANGELOG): options of {@link CcnetDecoder}; use {@link CcnetFramerOptions}. */
export interface CcnetDecoderOptions extends Pick<CcnetFramerOptions, 'maxFrameLength'> {
  /** Called for every skipped run of bytes and every frame with a bad CRC or an impossible length. */
  onProblem?: (problem: CcnetDecodeProblem) => void;
}

/**
 * Deprecated (see CHANGELOG): use {@link CcnetFramer}, which delivers to a sink (no array per push) and reports core
 * `FrameError`s. This adapter keeps the former shape: `push` returns the frames a chunk completed, `onProblem` gets a
 * {@link CcnetDecodeProblem}. Frames of bytes pushed from inside `onProblem` come back from the running `push`.
 */
export class CcnetDecoder {
  private readonly framer: CcnetFramer;
  private out: CcnetFrame[] = [];
  private depth = 0;

  constructor(options: CcnetDecoderOptions = {}) {
    const onProblem = options.onProblem;
    this.framer = new CcnetFramer({
      frame: (frame) => {
        this.out.push(frame);
      },
      error:
        onProblem &&
        ((e) => {
          // a CcnetFramer reports only these three kinds
          onProblem({ kind: e.kind as CcnetDecodeProblem['kind'], raw: e.raw });
        }),
      ...(options.maxFrameLength === undefined ? {} : { maxFrameLength: options.maxFrameLength }),
    });
  }

  get stats(): FramerStats {
    return this.framer.stats;
  }

  get pending(): number {
    return this.framer.pending;
  }

  reset(): void {
    this.framer.reset();
  }

  push(chunk: Uint8Array): CcnetFrame[] {
    if (this.depth > 0) {
      this.framer.push(chunk); // from inside onProblem: its frames join the running push's list
      return [];
    }
    const out: CcnetFrame[] = [];
    this.out = out;
    this.depth += 1;
    try {
      this.framer.push(chunk);
    } finally {
      this.depth -= 1;
    }
    return out;
  }
}
