/**
 * What every protocol's soak shares: the faulty line on virtual time, the tally of items against ground truth, the
 * hang watch and the table.
 */
import { VirtualClock } from '../src/core/virtual-clock.js';
import { FaultTransport, type FaultOptions } from '../src/transport/faults.js';
import { createMemoryPair, type MemoryTransport } from '../src/transport/memory.js';

export interface SoakConfig {
  items: number;
  /** Per-byte probability of corrupt, drop and insert (each). */
  fault: number;
  seed: number;
  /** Power cut of the simulator every about this many items (0: never). */
  powerCutEvery: number;
  /** Print progress lines. */
  verbose: boolean;
}

export interface SoakRow {
  protocol: string;
  /** notes, coins, bills, payouts. */
  kind: string;
  /** Items the device took (ground truth from the simulator). */
  items: number;
  /** Items the application was told of. */
  reported: number;
  /** Lost by the device itself: events it dropped at a power cut, or gave up resending (the wire cannot help). */
  lostPowerCut: number;
  /** Lost by the host: the device reported it and the application never heard of it. */
  lostHost: number;
  doubled: number;
  uncertain: number;
  hangs: number;
  /** Items the soak asked for that the device never took (refused while busy or disabled); not counted as items. */
  refused: number;
  /** Times the soak's application had to step in (re-enable a device its watchdog disabled). */
  appRecoveries: number;
}

export function emptyRow(protocol: string, kind: string): SoakRow {
  return {
    protocol,
    kind,
    items: 0,
    reported: 0,
    lostPowerCut: 0,
    lostHost: 0,
    doubled: 0,
    uncertain: 0,
    hangs: 0,
    refused: 0,
    appRecoveries: 0,
  };
}

/** Line faults of a soak at `p` per byte: bit flips, drops and inserts at p, chunking, and rarer dark periods. */
export function soakFaults(p: number, seed: number, clock: VirtualClock): FaultOptions {
  const direction = {
    corrupt: p,
    drop: p,
    insert: p,
    split: p > 0 ? 0.2 : 0,
    merge: p > 0 ? 0.05 : 0,
    dark: { minMs: 20, maxMs: 30_000, probability: p / 100 },
  };
  return { seed, clock, toDevice: direction, toHost: { ...direction } };
}

export interface SoakLine {
  clock: VirtualClock;
  /** The host's end, with faults. */
  host: FaultTransport;
  /** The simulator's end. */
  device: MemoryTransport;
}

export function soakLine(config: SoakConfig, name: string): SoakLine {
  const clock = new VirtualClock({ settleTurns: 1 });
  const [hostEnd, device] = createMemoryPair({ clock, names: [`memory:${name}-host`, `memory:${name}-sim`] });
  const host = new FaultTransport(hostEnd, soakFaults(config.fault, config.seed, clock));
  host.enabled = false;
  return { clock, host, device };
}

/**
 * Counts items per key (channel, value) on both sides and settles the sums at the end: per key, more reported than
 * given is doubled, fewer is lost (the part the device dropped at power cuts is put on that cause).
 */
export class Tally {
  private readonly truth = new Map<string, number>();
  private readonly told = new Map<string, number>();
  /** Items the device itself discarded at power cuts (queued events it forgot). */
  powerCutDropped = 0;
  /** Keyless reports of doubt from the host (an item it cannot tell was taken or not): each explains one loss. */
  doubted = 0;

  given(key: string | number): void {
    this.truth.set(String(key), (this.truth.get(String(key)) ?? 0) + 1);
  }

  reported(key: string | number): void {
    this.told.set(String(key), (this.told.get(String(key)) ?? 0) + 1);
    this.reportedCount++;
  }

  /** Items reported so far (all keys). */
  reportedCount = 0;

  settle(row: SoakRow): void {
    let lost = 0;
    for (const key of new Set([...this.truth.keys(), ...this.told.keys()])) {
      const t = this.truth.get(key) ?? 0;
      const r = this.told.get(key) ?? 0;
      row.items += t;
      row.reported += r;
      if (r > t) row.doubled += r - t;
      else lost += t - r;
    }
    row.lostPowerCut = Math.min(lost, this.powerCutDropped);
    row.lostHost = lost - row.lostPowerCut - Math.min(lost - row.lostPowerCut, this.doubted);
  }
}

/**
 * Watches that the host makes progress (answered exchanges, state changes: whatever `progress()` counts) at least once
 * per `boundMs` of virtual time (the recovery bound: the longest dark period plus a full retry cycle and a reopen);
 * each stall beyond it counts one hang.
 */
export class HangWatch {
  private last = -1;
  private since = 0;
  private counted = false;
  hangs = 0;
  longestStallMs = 0;
  /** When each stall that became a hang began (virtual ms). */
  readonly stalls: number[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly boundMs: number,
    private readonly progress: () => number,
  ) {}

  check(): void {
    const now = this.clock.now();
    const p = this.progress();
    if (p !== this.last) {
      this.last = p;
      this.since = now;
      this.counted = false;
      return;
    }
    const stall = now - this.since;
    this.longestStallMs = Math.max(this.longestStallMs, stall);
    if (stall > this.boundMs && !this.counted) {
      this.counted = true;
      this.hangs++;
      this.stalls.push(this.since);
    }
  }
}

/** Runs virtual time in steps of `stepMs` until `done()` or `limitMs`, checking the hang watch after each step. */
export async function runFor(
  clock: VirtualClock,
  limitMs: number,
  stepMs: number,
  watch: HangWatch,
  done: () => boolean = () => false,
): Promise<boolean> {
  const end = clock.now() + limitMs;
  while (clock.now() < end) {
    if (done()) return true;
    await clock.advance(Math.min(stepMs, end - clock.now()));
    watch.check();
  }
  return done();
}

const COLUMNS: [keyof SoakRow, string][] = [
  ['protocol', 'protocol'],
  ['kind', 'items of'],
  ['items', 'items'],
  ['reported', 'reported'],
  ['lostHost', 'lost (host)'],
  ['lostPowerCut', 'lost (device)'],
  ['doubled', 'doubled'],
  ['uncertain', 'uncertain'],
  ['hangs', 'hangs'],
  ['refused', 'not taken'],
  ['appRecoveries', 'app re-enables'],
];

/** The soak table as Markdown. */
export function formatTable(rows: SoakRow[]): string {
  const cells = rows.map((row) => COLUMNS.map(([key]) => String(row[key])));
  const head = COLUMNS.map(([, title]) => title);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => `| ${c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** A run fails on any double, any hang, any loss the host caused. */
export function failed(rows: SoakRow[]): boolean {
  return rows.some((r) => r.doubled > 0 || r.hangs > 0 || r.lostHost > 0);
}
