import { EventEmitter } from 'node:events';
import type { FramerStats } from '../core/accumulator.js';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { toHex } from '../core/bytes.js';
import { createLogger } from '../core/log.js';
import type { Transport } from '../transport/types.js';
import {
  ControllerBoxFramer,
  crcVariantName,
  encodeFrame,
  type ControllerBoxFrame,
  type CrcSetting,
  type CrcVariant,
  type FrameError,
} from './frame.js';

const log = createLogger('controllerbox:link');

export interface LinkOptions {
  /** CRC variant, or `auto` to detect it from the received frames (default `arc/data/be`). */
  crc?: CrcSetting;
  /**
   * A frame cut short is dropped after this long without new bytes (default 100 ms), so that a false start
   * byte with a large DATA_LEN cannot hold back the frames behind it. The firmware clears its receive
   * buffer on a silence timeout in the same way.
   */
  rxIdleMs?: number;
  /** Frames with a larger DATA_LEN are rejected at once (default 255). */
  maxDataLength?: number;
  /** Auto mode: re-detect after this many consecutive frames that only another variant accepts (default 3). */
  relockAfter?: number;
  /** Auto mode: which frames are plausible messages (only those steer the detection; default all). */
  plausible?: (id: number, data: Uint8Array) => boolean;
  clock?: Clock;
  /** Names the side in debug logs (`host`, `box`). */
  name?: string;
}

export interface LinkEventMap {
  frame: [frame: ControllerBoxFrame];
  frameError: [error: FrameError];
  crcDetected: [variant: CrcVariant];
}

/**
 * Frames in, frames out over one transport: the framer, the CRC variant (fixed or detected) and the idle
 * flush. Host and simulator both sit on a link.
 */
export class ControllerBoxLink extends EventEmitter<LinkEventMap> {
  private readonly framer: ControllerBoxFramer;
  private readonly clock: Clock;
  private readonly rxIdleMs: number;
  private idleTimer: TimerHandle | undefined;
  private readonly onData = (chunk: Uint8Array): void => {
    this.receive(chunk);
  };
  private attached = true;
  readonly name: string;

  constructor(
    readonly transport: Transport,
    options: LinkOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.rxIdleMs = options.rxIdleMs ?? 100;
    this.name = options.name ?? 'link';
    const framerOptions: ConstructorParameters<typeof ControllerBoxFramer>[0] = {
      frame: (frame) => {
        if (log.enabled) log('%s rx %s', this.name, toHex(frame.raw));
        this.emit('frame', frame);
      },
      error: (error) => {
        log('%s rx bad frame (%s): %s', this.name, error.kind, toHex(error.raw));
        this.emit('frameError', error);
      },
      onCrcDetected: (variant) => {
        log('%s CRC variant detected: %s', this.name, crcVariantName(variant));
        this.emit('crcDetected', variant);
      },
    };
    if (options.crc !== undefined) framerOptions.crc = options.crc;
    if (options.maxDataLength !== undefined) framerOptions.maxDataLength = options.maxDataLength;
    if (options.relockAfter !== undefined) framerOptions.relockAfter = options.relockAfter;
    if (options.plausible !== undefined) framerOptions.plausible = options.plausible;
    this.framer = new ControllerBoxFramer(framerOptions);
    transport.on('data', this.onData);
  }

  get stats(): Readonly<FramerStats> {
    return this.framer.stats;
  }

  /** The CRC variant in use (fixed, or detected); undefined while auto detection is still running. */
  get crcVariant(): CrcVariant | undefined {
    return this.framer.variant;
  }

  /** The variant frames are sent with (the detected one, or the default while detecting). */
  get sendVariant(): CrcVariant {
    return this.framer.sendVariant;
  }

  get autoCrc(): boolean {
    return this.framer.auto;
  }

  /** Encodes and writes one frame in a single write. */
  async send(id: number, data: Uint8Array): Promise<Uint8Array> {
    const frame = encodeFrame(id, data, this.framer.sendVariant);
    if (log.enabled) log('%s tx %s', this.name, toHex(frame));
    await this.transport.write(frame);
    return frame;
  }

  /** Feeds received bytes (the transport's data events call this). */
  receive(chunk: Uint8Array): void {
    if (!this.attached) return;
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.framer.push(chunk);
    if (this.framer.pending > 0 && this.listening) {
      this.idleTimer = this.clock.setTimeout(() => {
        this.idleTimer = undefined;
        this.framer.flush();
      }, this.rxIdleMs);
    }
  }

  /** False once detached (a frame listener may detach the link while a chunk is parsed). */
  get listening(): boolean {
    return this.attached;
  }

  /** Stops listening to the transport (does not close it). */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.transport.off('data', this.onData);
  }
}
