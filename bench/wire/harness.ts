/**
 * What every wire benchmark shares: a simulator served on a socat pty whose device side is paced at the real line
 * rate (so any host, ours or an older library, sees wire time), a log of every transmission with its times on the
 * line, and the small statistics the report prints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import { PacedTransport, wireTimeMs, type LineSettings, type LineSpan } from '../../src/transport/paced.js';
import { PtyBridgeTransport } from '../../src/transport/pty.js';
import type { Transport } from '../../src/transport/types.js';

export const ESSP_LINE: LineSettings = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 2 };
export const CCNET_LINE: LineSettings = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 };

/** Sub-millisecond time for the pacer and the measurements (timers still fire on whole milliseconds). */
export const perfClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle);
  },
};

interface PreciseTimer {
  timer: ReturnType<typeof setTimeout> | undefined;
  immediate: ReturnType<typeof setImmediate> | undefined;
}

/**
 * The relay's clock: timers that fire within a few microseconds of their time, not up to 1-2 ms late like Node's
 * whole-millisecond timers. A timer sleeps until 2 ms before it is due, then checks on every turn of the event
 * loop. It costs the device process some CPU; without it the relay itself added about 3 ms to every exchange
 * (delivery to the device, the reply latency, delivery to the host), which no library can remove.
 */
export const preciseClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const due = performance.now() + ms;
    const handle: PreciseTimer = { timer: undefined, immediate: undefined };
    const spin = (): void => {
      handle.timer = undefined;
      if (performance.now() >= due) {
        handle.immediate = undefined;
        fn();
      } else handle.immediate = setImmediate(spin);
    };
    if (ms > 2) handle.timer = setTimeout(spin, ms - 2);
    else handle.immediate = setImmediate(spin);
    // The Clock interface names Node's timer type; this handle only ever comes back to clearTimeout below.
    return handle as unknown as ReturnType<typeof setTimeout>;
  },
  clearTimeout: (handle) => {
    if (handle === undefined) return;
    const timer = handle as unknown as PreciseTimer;
    clearTimeout(timer.timer);
    if (timer.immediate !== undefined) clearImmediate(timer.immediate);
  },
};

/** Every transmission on the paced line: `host` = host to device, `device` = device to host. */
export class WireLog {
  readonly host: LineSpan[] = [];
  readonly device: LineSpan[] = [];

  constructor(readonly line: LineSettings) {}

  clear(): void {
    this.host.length = 0;
    this.device.length = 0;
  }

  /** Time on the line of every byte both ways since `from` (ms). */
  wireMs(from = -Infinity): number {
    let bytes = 0;
    for (const s of this.host) if (s.startMs >= from) bytes += s.bytes.length;
    for (const s of this.device) if (s.startMs >= from) bytes += s.bytes.length;
    return wireTimeMs(this.line, bytes);
  }

  /**
   * The device's own reply latency since `from`, as the wire shows it: for each of its transmissions, the time from
   * the last bit of the host's transmission before it to its own first bit (the configured latency plus the
   * simulator's own work). No host can shorten it, so it belongs to the floor.
   */
  deviceTurnaroundMs(from = -Infinity): number {
    let total = 0;
    let h = 0;
    for (const d of this.device) {
      while (h + 1 < this.host.length && (this.host[h + 1]?.endMs ?? Infinity) <= d.startMs) h++;
      const command = this.host[h];
      if (d.startMs < from || !command || command.endMs > d.startMs) continue;
      total += d.startMs - command.endMs;
    }
    return total;
  }

  bytes(): { host: number; device: number } {
    let host = 0;
    let device = 0;
    for (const s of this.host) host += s.bytes.length;
    for (const s of this.device) device += s.bytes.length;
    return { host, device };
  }
}

export interface PacedPty {
  /** The pty path a host opens like a serial port. */
  path: string;
  log: WireLog;
  close(): Promise<void>;
}

/**
 * Serves `attach`'s simulator on a fresh pty, its side paced at `line`; the log records the line both ways (and
 * `onSpan` sees each transmission as it goes on the line).
 */
export async function servePaced(
  line: LineSettings,
  attach: (t: Transport) => () => void,
  onSpan?: (direction: 'host' | 'device', span: LineSpan) => void,
): Promise<PacedPty> {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-wire-'));
  const path = join(dir, 'tty');
  const pty = new PtyBridgeTransport({ path });
  await pty.open();
  const paced = new PacedTransport(pty, line, { clock: preciseClock });
  const log = new WireLog(line);
  paced.rx.onSpan = (span) => {
    log.host.push(span);
    onSpan?.('host', span);
  };
  paced.tx.onSpan = (span) => {
    log.device.push(span);
    onSpan?.('device', span);
  };
  const detach = attach(paced);
  return {
    path,
    log,
    async close() {
      detach();
      await paced.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `test()` holds (checked every few ms), rejects after `ms`. */
export async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Intervals between successive times. */
export function intervals(times: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push((times[i] ?? 0) - (times[i - 1] ?? 0));
  return out;
}

/** One measured figure of one run: the value, and the wire floor for the same work when it has one. */
export interface Sample {
  value: number;
  floor?: number;
}
