/**
 * Seeded fault injection around any transport: a bad cable, a noisy line, a USB adapter that is pulled out.
 *
 * `FaultTransport` wraps one end of a link (by default the host's end). Per direction (host→device, device→host) it
 * can flip bits, drop and insert bytes (each at a per-byte probability), split and merge chunks, delay delivery (order
 * kept, like a line), and go dark for a while (every byte lost). Unplugging emits `disconnected` and `close` the way
 * a pulled USB adapter does, refuses writes and opens with a typed DISCONNECTED error, and lets the port open again
 * after the replug. Everything runs on the injected Clock and one seeded generator per direction, so a run replays
 * byte for byte. `parseFaultSpec` (fault-spec.ts) reads the compact form used on the command line:
 * `corrupt=0.01,drop=0.001,insert=0.001,split=0.2,dark=20ms-30s@0.001,seed=7`.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { Transport, TransportEventMap } from './types.js';

/** A range of milliseconds; a value is drawn from it for each use. */
export interface MsRange {
  minMs: number;
  maxMs: number;
}

/** A random outage: starts at a per-byte probability, lasts a duration drawn from the range (log-uniform). */
export interface OutageFaults extends MsRange {
  probability: number;
}

/** The faults of one direction. Probabilities are in [0, 1]; everything defaults to off. */
export interface DirectionFaults {
  /** Per byte: flip one random bit. */
  corrupt?: number;
  /** Per byte: lose it. */
  drop?: number;
  /** Per byte: put a random byte before it. */
  insert?: number;
  /** Per chunk: cut it into 2..4 pieces delivered one after the other. */
  split?: number;
  /** Per chunk: hold it (at most `mergeHoldMs`) and deliver it together with what follows. */
  merge?: number;
  /** How long a merged chunk may be held (default 2 ms). */
  mergeHoldMs?: number;
  /** Delay every chunk by a time drawn from this range (uniform); order is kept. */
  delay?: MsRange;
  /** Go dark (lose every byte of this direction) at a per-byte probability, for a time drawn from the range. */
  dark?: OutageFaults;
}

export type FaultDirection = 'toDevice' | 'toHost';

export interface FaultOptions {
  /** Seed of the generators (default 1). */
  seed?: number;
  clock?: Clock;
  /** Which end of the link the wrapped transport is: its writes go to the device (`host`, default) or to the host. */
  end?: 'host' | 'device';
  toDevice?: DirectionFaults;
  toHost?: DirectionFaults;
  /** Pull the adapter out at a per-byte probability (either direction), for a time drawn from the range. */
  unplug?: OutageFaults;
  /** Open the port by itself when it is plugged back in (default false: the application reopens, as with real USB). */
  reopenOnReplug?: boolean;
}

export type FaultKind = 'corrupt' | 'drop' | 'insert' | 'split' | 'merge' | 'delay' | 'dark' | 'darkLost' | 'unplug';

/** What was injected in one direction. Byte kinds count bytes; split, merge and delay count chunks; dark counts periods. */
export interface DirectionStats {
  corrupt: number;
  drop: number;
  insert: number;
  split: number;
  merge: number;
  delay: number;
  dark: number;
  /** Bytes lost while dark (or unplugged). */
  darkLost: number;
  /** Bytes that went through (after the faults). */
  bytes: number;
}

export interface FaultStats {
  toDevice: DirectionStats;
  toHost: DirectionStats;
  unplugs: number;
  replugs: number;
}

/** One injected fault, for traces and for attributing a loss to a cause. */
export interface FaultRecord {
  kind: FaultKind;
  direction: FaultDirection | 'both';
  atMs: number;
  /** How long, for dark, delay and unplug (undefined: an unplug until `replug()`). */
  durationMs?: number | undefined;
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the same sequence for the same seed. */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function emptyStats(): DirectionStats {
  return { corrupt: 0, drop: 0, insert: 0, split: 0, merge: 0, delay: 0, dark: 0, darkLost: 0, bytes: 0 };
}

/** A duration in [min, max], log-uniform so that both short and long outages occur (20 ms .. 30 s). */
function drawOutage(random: () => number, range: MsRange): number {
  const min = Math.max(1, range.minMs);
  const max = Math.max(min, range.maxMs);
  return Math.round(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))));
}

interface Queued {
  at: number;
  bytes: Uint8Array;
}

/** One direction: byte faults at once, then chunking, then delivery in order on the clock. */
class Lane {
  readonly stats = emptyStats();
  private darkUntil = -Infinity;
  private held: Uint8Array[] = [];
  private holdTimer: TimerHandle | undefined;
  private readonly queue: Queued[] = [];
  private timer: TimerHandle | undefined;
  private lastAt = -Infinity;

  constructor(
    readonly direction: FaultDirection,
    public faults: DirectionFaults,
    private readonly random: () => number,
    private readonly clock: Clock,
    private readonly deliver: (bytes: Uint8Array) => void,
    private readonly record: (fault: FaultRecord) => void,
    /** Asked once per byte whether the adapter is pulled out now (stops the chunk when it returns true). */
    private readonly unplugCheck: () => boolean,
  ) {}

  get isDark(): boolean {
    return this.clock.now() < this.darkUntil;
  }

  goDark(ms: number): void {
    this.darkUntil = Math.max(this.darkUntil, this.clock.now() + ms);
    this.stats.dark++;
    this.record({ kind: 'dark', direction: this.direction, atMs: this.clock.now(), durationMs: ms });
  }

  push(input: Uint8Array): void {
    const f = this.faults;
    const out: number[] = [];
    for (let i = 0; i < input.length; i++) {
      if (this.unplugCheck()) return;
      if (f.dark && f.dark.probability > 0 && !this.isDark && this.random() < f.dark.probability) {
        this.goDark(drawOutage(this.random, f.dark));
      }
      if (this.isDark) {
        this.stats.darkLost++;
        continue;
      }
      let byte = input[i] ?? 0;
      if (f.insert && this.random() < f.insert) {
        out.push(Math.floor(this.random() * 256));
        this.stats.insert++;
        this.record({ kind: 'insert', direction: this.direction, atMs: this.clock.now() });
      }
      if (f.drop && this.random() < f.drop) {
        this.stats.drop++;
        this.record({ kind: 'drop', direction: this.direction, atMs: this.clock.now() });
        continue;
      }
      if (f.corrupt && this.random() < f.corrupt) {
        byte ^= 1 << Math.floor(this.random() * 8);
        this.stats.corrupt++;
        this.record({ kind: 'corrupt', direction: this.direction, atMs: this.clock.now() });
      }
      out.push(byte);
    }
    if (out.length === 0) return;
    this.chunk(Uint8Array.from(out));
  }

  private chunk(bytes: Uint8Array): void {
    const f = this.faults;
    if (f.merge && this.random() < f.merge) {
      this.held.push(bytes);
      this.stats.merge++;
      this.record({ kind: 'merge', direction: this.direction, atMs: this.clock.now() });
      this.holdTimer ??= this.clock.setTimeout(() => {
        this.holdTimer = undefined;
        this.release(new Uint8Array(0));
      }, f.mergeHoldMs ?? 2);
      return;
    }
    this.release(bytes);
  }

  /** Sends what is held together with `bytes`, split if the dice say so. */
  private release(bytes: Uint8Array): void {
    let all = bytes;
    if (this.held.length > 0) {
      const total = this.held.reduce((n, b) => n + b.length, bytes.length);
      all = new Uint8Array(total);
      let at = 0;
      for (const b of [...this.held, bytes]) {
        all.set(b, at);
        at += b.length;
      }
      this.held = [];
      this.clock.clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
    }
    if (all.length === 0) return;
    const f = this.faults;
    if (f.split && all.length > 1 && this.random() < f.split) {
      const pieces = Math.min(all.length, 2 + Math.floor(this.random() * 3));
      const cuts = new Set<number>();
      while (cuts.size < pieces - 1) cuts.add(1 + Math.floor(this.random() * (all.length - 1)));
      let from = 0;
      for (const cut of [...cuts].sort((x, y) => x - y)) {
        this.schedule(all.subarray(from, cut));
        from = cut;
      }
      this.schedule(all.subarray(from));
      this.stats.split++;
      this.record({ kind: 'split', direction: this.direction, atMs: this.clock.now() });
      return;
    }
    this.schedule(all);
  }

  private schedule(bytes: Uint8Array): void {
    const now = this.clock.now();
    let at = now;
    const d = this.faults.delay;
    if (d && d.maxMs > 0) {
      at = now + d.minMs + Math.round(this.random() * (d.maxMs - d.minMs));
      if (at > now) {
        this.stats.delay++;
        this.record({ kind: 'delay', direction: this.direction, atMs: now, durationMs: at - now });
      }
    }
    at = Math.max(at, this.lastAt);
    this.lastAt = at;
    if (at <= now && this.queue.length === 0) {
      this.out(bytes);
      return;
    }
    this.queue.push({ at, bytes: bytes.slice() });
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    const first = this.queue[0];
    if (!first) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        const now = this.clock.now();
        while (this.queue.length > 0 && (this.queue[0]?.at ?? Infinity) <= now) {
          const next = this.queue.shift();
          if (next) this.out(next.bytes);
        }
        this.arm();
      },
      Math.max(0, first.at - this.clock.now()),
    );
  }

  private out(bytes: Uint8Array): void {
    this.stats.bytes += bytes.length;
    this.deliver(bytes);
  }

  /** Forgets everything in flight (unplug, close). */
  clear(): void {
    this.held = [];
    this.queue.length = 0;
    this.clock.clearTimeout(this.holdTimer);
    this.clock.clearTimeout(this.timer);
    this.holdTimer = undefined;
    this.timer = undefined;
    this.lastAt = -Infinity;
  }
}

/**
 * A transport with faults. Put it on the host's end of a memory pair (or any link) and hand it to the host; the
 * device end stays as it is. `stats` counts what was injected, `onFault` sees each fault as it happens.
 */
export class FaultTransport extends EventEmitter<TransportEventMap> implements Transport {
  private readonly clock: Clock;
  private readonly lanes: Record<FaultDirection, Lane>;
  private readonly tx: Lane;
  private readonly rx: Lane;
  private readonly unplugRandom: () => number;
  private openState: boolean;
  private unpluggedState = false;
  private replugTimer: TimerHandle | undefined;
  /** When false, bytes pass untouched (a quiet period); scheduled outages still apply. */
  enabled = true;
  /** Sees each fault as it is injected. */
  onFault: ((fault: FaultRecord) => void) | undefined;

  constructor(
    readonly inner: Transport,
    private readonly options: FaultOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    const seed = options.seed ?? 1;
    const hostEnd = (options.end ?? 'host') === 'host';
    const record = (fault: FaultRecord): void => this.onFault?.(fault);
    const unplugCheck = (): boolean => this.maybeUnplug();
    const toDevice = new Lane(
      'toDevice',
      options.toDevice ?? {},
      createPrng(seed * 2 + 1),
      this.clock,
      (bytes) => {
        if (hostEnd) this.writeInner(bytes);
        else this.emitData(bytes);
      },
      record,
      unplugCheck,
    );
    const toHost = new Lane(
      'toHost',
      options.toHost ?? {},
      createPrng(seed * 2 + 2),
      this.clock,
      (bytes) => {
        if (hostEnd) this.emitData(bytes);
        else this.writeInner(bytes);
      },
      record,
      unplugCheck,
    );
    this.unplugRandom = createPrng(seed * 2 + 3);
    this.lanes = { toDevice, toHost };
    this.tx = hostEnd ? toDevice : toHost;
    this.rx = hostEnd ? toHost : toDevice;
    this.openState = inner.isOpen;
    inner.on('data', (chunk) => {
      if (!this.openState || this.unpluggedState) return;
      if (this.enabled) this.rx.push(chunk);
      else this.emitData(chunk);
    });
    inner.on('error', (error) => this.emit('error', error));
    inner.on('open', () => {
      if (this.unpluggedState || this.openState) return;
      this.openState = true;
      this.emit('open');
    });
    inner.on('disconnected', (error) => {
      if (!this.openState) return;
      this.openState = false;
      this.clearLanes();
      this.emit('disconnected', error);
      this.emit('close');
    });
    inner.on('close', () => {
      if (!this.openState) return;
      this.openState = false;
      this.clearLanes();
      this.emit('close');
    });
  }

  get description(): string {
    return `${this.inner.description} (faults)`;
  }

  get isOpen(): boolean {
    return this.openState && !this.unpluggedState && this.inner.isOpen;
  }

  /** True while the adapter is pulled out. */
  get unplugged(): boolean {
    return this.unpluggedState;
  }

  /** What was injected so far, by direction and kind. */
  get stats(): FaultStats {
    return {
      toDevice: { ...this.lanes.toDevice.stats },
      toHost: { ...this.lanes.toHost.stats },
      unplugs: this.unplugs,
      replugs: this.replugs,
    };
  }

  private unplugs = 0;
  private replugs = 0;

  /** Changes the faults of one direction from now on. */
  setFaults(direction: FaultDirection, faults: DirectionFaults): void {
    this.lanes[direction].faults = faults;
  }

  async open(): Promise<void> {
    if (this.unpluggedState) {
      throw new KioskbusError(ErrorCode.Disconnected, `${this.description}: the adapter is unplugged`);
    }
    if (!this.inner.isOpen) await this.inner.open();
    // an unplug may have happened while the inner transport opened
    if (!this.openState && !this.unplugged) {
      this.openState = true;
      this.emit('open');
    }
  }

  write(data: Uint8Array): Promise<void> {
    if (this.unpluggedState) {
      return Promise.reject(
        new KioskbusError(ErrorCode.Disconnected, `${this.description}: the adapter is unplugged`, { raw: data }),
      );
    }
    if (!this.isOpen) {
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, `${this.description} is not open`, { raw: data }));
    }
    if (this.enabled) this.tx.push(data);
    else this.writeInner(data.slice());
    return Promise.resolve();
  }

  async close(): Promise<void> {
    const was = this.openState;
    this.openState = false;
    this.clearLanes();
    await this.inner.close();
    if (was) this.emit('close');
  }

  /**
   * Lose every byte in both directions (or one) for `ms`, from now: a scheduled dark period. The port stays open.
   */
  goDark(ms: number, direction: FaultDirection | 'both' = 'both'): void {
    if (direction !== 'toHost') this.lanes.toDevice.goDark(ms);
    if (direction !== 'toDevice') this.lanes.toHost.goDark(ms);
  }

  /**
   * Pulls the adapter out: bytes in flight are lost, `disconnected` and `close` are emitted (when open), writes and
   * opens fail with DISCONNECTED until `replug()`, which happens by itself after `ms` when given.
   */
  unplug(ms?: number): void {
    if (this.unpluggedState) return;
    this.unpluggedState = true;
    this.unplugs++;
    this.onFault?.({ kind: 'unplug', direction: 'both', atMs: this.clock.now(), durationMs: ms });
    this.clearLanes();
    if (ms !== undefined) {
      this.replugTimer = this.clock.setTimeout(() => {
        this.replugTimer = undefined;
        this.replug();
      }, ms);
    }
    if (this.openState) {
      this.openState = false;
      this.emit(
        'disconnected',
        new KioskbusError(ErrorCode.Disconnected, `${this.description}: the adapter was unplugged`),
      );
      this.emit('close');
    }
  }

  /** Plugs the adapter back in: the port can be opened again (and is, with `reopenOnReplug`). */
  replug(): void {
    if (!this.unpluggedState) return;
    this.clock.clearTimeout(this.replugTimer);
    this.replugTimer = undefined;
    this.unpluggedState = false;
    this.replugs++;
    if (this.options.reopenOnReplug) {
      this.open().catch((error: unknown) => {
        this.emit(
          'error',
          error instanceof KioskbusError
            ? error
            : new KioskbusError(ErrorCode.TransportError, 'reopen after replug failed', {}, { cause: error }),
        );
      });
    }
  }

  private maybeUnplug(): boolean {
    if (this.unpluggedState) return true;
    const u = this.options.unplug;
    if (!this.enabled || !u || !(u.probability > 0)) return false;
    if (this.unplugRandom() >= u.probability) return false;
    this.unplug(drawOutage(this.unplugRandom, u));
    return true;
  }

  private clearLanes(): void {
    this.lanes.toDevice.clear();
    this.lanes.toHost.clear();
  }

  private emitData(bytes: Uint8Array): void {
    if (this.openState && !this.unpluggedState) this.emit('data', bytes);
  }

  private writeInner(bytes: Uint8Array): void {
    if (!this.inner.isOpen || this.unpluggedState) return;
    this.inner.write(bytes).catch((error: unknown) => {
      this.emit(
        'error',
        new KioskbusError(ErrorCode.TransportError, 'write with faults failed', { raw: bytes }, { cause: error }),
      );
    });
  }
}
