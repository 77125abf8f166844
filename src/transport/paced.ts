import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { Transport, TransportEventMap } from './types.js';

/** Asynchronous serial line settings: what decides how long a byte takes on the wire. */
export interface LineSettings {
  baudRate: number;
  /** Data bits per character (default 8). */
  dataBits?: 5 | 6 | 7 | 8;
  /** A parity bit is sent unless `none` (default `none`). */
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  /** Stop bits (default 1). */
  stopBits?: 1 | 1.5 | 2;
}

/** Bits one byte takes on the line: start bit + data bits + parity bit + stop bits (9600 8N2: 11). */
export function bitsPerByte(line: LineSettings): number {
  return 1 + (line.dataBits ?? 8) + ((line.parity ?? 'none') === 'none' ? 0 : 1) + (line.stopBits ?? 1);
}

/** Milliseconds `bytes` bytes take on the line (9600 8N2: 1.1458 ms per byte). */
export function wireTimeMs(line: LineSettings, bytes: number): number {
  if (!(line.baudRate > 0)) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `baudRate must be positive, got ${String(line.baudRate)}`);
  }
  return (bytes * bitsPerByte(line) * 1000) / line.baudRate;
}

/** Parses `9600`, `9600-8N2`, `9600,8E1` or `19200 7O1.5` into line settings (8N1 when only the rate is given). */
export function parseLineSettings(text: string): LineSettings {
  const match = /^(\d+)(?:[-, ]?([5-8])([NEOMS])(1|1\.5|2))?$/i.exec(text.trim());
  const baudRate = Number(match?.[1]);
  if (!match || !Number.isInteger(baudRate) || baudRate <= 0) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `line settings must look like 9600 or 9600-8N2, got "${text}"`);
  }
  if (match[2] === undefined) return { baudRate };
  const parities = { N: 'none', E: 'even', O: 'odd', M: 'mark', S: 'space' } as const;
  return {
    baudRate,
    dataBits: Number(match[2]) as 5 | 6 | 7 | 8,
    parity: parities[(match[3] ?? 'N').toUpperCase() as keyof typeof parities],
    stopBits: Number(match[4]) as 1 | 1.5 | 2,
  };
}

/** One transmission as it went over the line: when its first bit started and its last bit ended (clock ms). */
export interface LineSpan {
  bytes: Uint8Array;
  startMs: number;
  endMs: number;
}

interface Pending {
  span: LineSpan;
  deliver: (bytes: Uint8Array) => void;
}

/**
 * One direction of a serial line. Bytes handed to `send` go out one after the other at the line rate, never
 * overlapping and never early: each chunk is delivered once its last bit has arrived (`endMs` on the clock; the
 * clock's timers are whole milliseconds, so a chunk may arrive up to a millisecond late, never early, unless the clock has finer
 * timers). Order is kept
 * with one timer for the whole queue. Times are fractions of a millisecond counted from the start of each busy run,
 * so rounding never adds up.
 */
export class LinePacer {
  private readonly byteMs: number;
  /** Transmissions not yet delivered from `head` on (delivered slots are emptied so their bytes can go). */
  private readonly queue: (Pending | undefined)[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;
  /** When the line is free again (clock ms, fractional). */
  private freeAt = -Infinity;
  /** Start and bytes so far of the current busy run (transmissions back to back). */
  private runStart = 0;
  private runBytes = 0;
  /** Every transmission as it goes on the line, before it is delivered (for benchmarks and tests). */
  onSpan: ((span: LineSpan) => void) | undefined;

  constructor(
    readonly line: LineSettings,
    private readonly clock: Clock = systemClock,
  ) {
    this.byteMs = wireTimeMs(line, 1);
  }

  /** Milliseconds per byte on this line. */
  get msPerByte(): number {
    return this.byteMs;
  }

  /** When the last byte queued so far will have left the line (clock ms; in the past when idle). */
  get busyUntil(): number {
    return this.freeAt;
  }

  /** Bytes queued and not yet delivered. */
  get queuedBytes(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) n += this.queue[i]?.span.bytes.length ?? 0;
    return n;
  }

  /** Puts `bytes` on the line after whatever is already on it; `deliver` gets them when their last bit arrives. */
  send(bytes: Uint8Array, deliver: (bytes: Uint8Array) => void): LineSpan {
    const now = this.clock.now();
    if (now >= this.freeAt) {
      this.runStart = now;
      this.runBytes = 0;
    }
    // times of a busy run from its start and its byte count: one division, so no rounding error adds up
    const startMs = this.freeAt > now ? this.freeAt : now;
    this.runBytes += bytes.length;
    const endMs = this.runStart + wireTimeMs(this.line, this.runBytes);
    this.freeAt = endMs;
    const span: LineSpan = { bytes, startMs, endMs };
    this.onSpan?.(span);
    this.queue.push({ span, deliver });
    this.arm(now);
    return span;
  }

  /** Drops everything not yet delivered (a closed port) and frees the line. */
  clear(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    this.queue.length = 0;
    this.head = 0;
    this.freeAt = -Infinity;
  }

  private arm(now: number): void {
    const next = this.queue[this.head];
    if (!next) return;
    const due = next.span.endMs;
    if (this.timer !== undefined && this.timerDue <= due) return;
    this.clock.clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerDue = Infinity;
        this.flush();
      },
      // The exact remaining time: a clock with whole-millisecond timers rounds it (flush() re-checks, so never
      // early); a finer clock (bench:wire's relay) delivers on the last bit.
      Math.max(0, due - now),
    );
  }

  private flush(): void {
    const now = this.clock.now();
    for (;;) {
      const next = this.queue[this.head];
      if (!next || next.span.endMs > now) break;
      this.queue[this.head] = undefined;
      this.head++;
      next.deliver(next.span.bytes);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.arm(now);
  }
}

export interface PacedOptions {
  clock?: Clock;
  /** Pace what the inner transport receives as well (default true): the peer's bytes arrive at the line rate. */
  paceReceive?: boolean;
}

/**
 * Wraps a transport so that it behaves like a serial line at `line`: a write resolves at once (as with an OS
 * buffer) and its bytes reach the inner transport when their last bit has left the wire; received bytes are
 * released at the line rate too. Put it on the device side of a pty or TCP link so that any host, ours or
 * another library, sees wire time. `tx.onSpan` / `rx.onSpan` show every transmission with its times on the line.
 */
export class PacedTransport extends EventEmitter<TransportEventMap> implements Transport {
  readonly tx: LinePacer;
  readonly rx: LinePacer;
  private readonly paceReceive: boolean;

  constructor(
    readonly inner: Transport,
    readonly line: LineSettings,
    options: PacedOptions = {},
  ) {
    super();
    const clock = options.clock ?? systemClock;
    this.tx = new LinePacer(line, clock);
    this.rx = new LinePacer(line, clock);
    this.paceReceive = options.paceReceive ?? true;
    inner.on('data', this.onData);
    inner.on('error', this.onError);
    inner.on('open', this.onOpen);
    inner.on('disconnected', this.onDisconnected);
    inner.on('close', this.onClose);
  }

  private readonly onData = (chunk: Uint8Array): void => {
    if (this.paceReceive) this.rx.send(chunk, (bytes) => this.emit('data', bytes));
    else this.emit('data', chunk);
  };
  private readonly onError = (error: KioskbusError): void => {
    this.emit('error', error);
  };
  private readonly onOpen = (): void => {
    this.emit('open');
  };
  private readonly onDisconnected = (error: KioskbusError): void => {
    this.tx.clear();
    this.rx.clear();
    this.emit('disconnected', error);
  };
  private readonly onClose = (): void => {
    this.tx.clear();
    this.rx.clear();
    this.emit('close');
  };

  /** Lets go of the inner transport (which stays open) and drops what is still on the line. */
  detach(): void {
    this.inner.off('data', this.onData);
    this.inner.off('error', this.onError);
    this.inner.off('open', this.onOpen);
    this.inner.off('disconnected', this.onDisconnected);
    this.inner.off('close', this.onClose);
    this.tx.clear();
    this.rx.clear();
  }

  get description(): string {
    return `${this.inner.description} (paced ${this.line.baudRate} baud)`;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.inner.isOpen) {
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, `${this.description} is not open`, { raw: data }));
    }
    this.tx.send(data.slice(), (bytes) => {
      if (this.inner.isOpen) {
        this.inner.write(bytes).catch((error: unknown) => {
          this.emit(
            'error',
            new KioskbusError(ErrorCode.TransportError, 'paced write failed', { raw: bytes }, { cause: error }),
          );
        });
      }
    });
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.tx.clear();
    this.rx.clear();
    return this.inner.close();
  }
}

/**
 * Paces a simulator served on TCP or a pty: wraps its `attach` so every transport it is served on (each TCP client,
 * the pty) becomes a `PacedTransport` at `line`. Detaching detaches the simulator and lets go of the transport.
 */
export function pacedAttach(
  line: LineSettings,
  attach: (transport: Transport) => () => void,
  options: PacedOptions = {},
): (transport: Transport) => () => void {
  return (transport) => {
    const paced = new PacedTransport(transport, line, options);
    const detach = attach(paced);
    return () => {
      detach();
      paced.detach();
    };
  };
}
