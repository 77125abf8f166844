import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../core/clock.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { LinePacer, type LineSettings } from './paced.js';
import type { Transport, TransportEventMap } from './types.js';

export interface MemoryPairOptions {
  /** Delivery delay in ms (0: next microtask). */
  latencyMs?: number;
  clock?: Clock;
  names?: [string, string];
  /**
   * Pace both directions at a serial line rate (e.g. `{ baudRate: 9600, stopBits: 2 }` for eSSP): a write's bytes
   * reach the peer when their last bit has left the wire, one transmission after the other, on `clock`.
   * `latencyMs` is added after that. Default: no pacing.
   */
  line?: LineSettings;
}

/** One end of an in-memory linked pair. */
export class MemoryTransport extends EventEmitter<TransportEventMap> implements Transport {
  private openState = true;
  peer: MemoryTransport | undefined;
  /** Optional tap on every write, for tests and tracing. */
  onWrite: ((data: Uint8Array) => void) | undefined;
  /** The line this end transmits on, when the pair is paced (its `onSpan` shows each write's times on the wire). */
  readonly pacer: LinePacer | undefined;

  constructor(
    readonly description: string,
    private readonly latencyMs: number,
    private readonly clock: Clock,
    line?: LineSettings,
  ) {
    super();
    this.pacer = line ? new LinePacer(line, clock) : undefined;
  }

  get isOpen(): boolean {
    return this.openState;
  }

  open(): Promise<void> {
    if (!this.openState) {
      this.openState = true;
      this.emit('open');
    }
    return Promise.resolve();
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.openState) {
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, `${this.description} is closed`, { raw: data }));
    }
    const copy = data.slice();
    this.onWrite?.(copy);
    const peer = this.peer;
    if (peer) {
      const deliver = (): void => {
        if (peer.openState) peer.emit('data', copy);
      };
      const afterLatency = (): void => {
        if (this.latencyMs > 0) this.clock.setTimeout(deliver, this.latencyMs);
        else queueMicrotask(deliver);
      };
      if (this.pacer) this.pacer.send(copy, afterLatency);
      else afterLatency();
    }
    return Promise.resolve();
  }

  /** Simulates an unplugged cable on this end. */
  disconnect(): void {
    if (!this.openState) return;
    this.openState = false;
    this.pacer?.clear();
    this.emit('disconnected', new KioskbusError(ErrorCode.Disconnected, `${this.description} disconnected`));
    this.emit('close');
  }

  close(): Promise<void> {
    if (this.openState) {
      this.openState = false;
      this.pacer?.clear();
      this.emit('close');
    }
    return Promise.resolve();
  }
}

/**
 * Two transports wired back to back: what one writes, the other receives. Used by tests, the demo and
 * benchmarks to run a host against a simulator without any OS device.
 */
export function createMemoryPair(options: MemoryPairOptions = {}): [MemoryTransport, MemoryTransport] {
  const [nameA, nameB] = options.names ?? ['memory:host', 'memory:device'];
  const clock = options.clock ?? systemClock;
  const latency = options.latencyMs ?? 0;
  const a = new MemoryTransport(nameA, latency, clock, options.line);
  const b = new MemoryTransport(nameB, latency, clock, options.line);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
