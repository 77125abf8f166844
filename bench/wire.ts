/**
 * `npm run bench:wire [-- --short] [--rounds N]`: kioskbus and the older libraries side by side on the same paced
 * pty (socat, the simulator's side paced at 9600 baud), alternating, to the same simulators. Prints each figure's
 * median for both, their ratio, and the efficiency (wire floor / measured; for rates measured / floor).
 * See docs/PERFORMANCE.md for what each figure means.
 */
import { parseArgs } from 'node:util';
import { hasSocat } from '../src/transport/pty.js';
import { ccnetSession, T_FREE_MS } from './wire/ccnet.js';
import { esspSession, loadLibraries, payoutSession, type Library } from './wire/essp.js';
import { median, type Sample } from './wire/harness.js';
import { DeviceProcess } from './wire/remote.js';

interface Figure {
  name: string;
  unit: string;
  /** Lower is better (times) or higher is better (rates). */
  better: 'lower' | 'higher';
  samples: Record<Library, Sample[]>;
}

const { values } = parseArgs({
  options: { short: { type: 'boolean' }, rounds: { type: 'string' } },
  strict: true,
});
const short = values.short ?? false;
const rounds = Number(values.rounds ?? (short ? 1 : 3));
const loopMs = short ? 1000 : 3000;
const burstMs = short ? 1000 : 3000;

const figures = new Map<string, Figure>();
function record(name: string, unit: string, better: Figure['better'], library: Library, sample: Sample): void {
  let figure = figures.get(name);
  if (!figure) {
    figure = { name, unit, better, samples: { kioskbus: [], older: [] } };
    figures.set(name, figure);
  }
  if (Number.isFinite(sample.value)) figure.samples[library].push(sample);
}

async function runRound(devices: DeviceProcess, order: readonly Library[]): Promise<void> {
  for (const encrypted of [true, false]) {
    const mode = encrypted ? 'encrypted' : 'plain';
    for (const library of order) {
      const s = await esspSession(devices, library, encrypted, loopMs, burstMs);
      record(`eSSP open -> enabled, ${mode}`, 'ms', 'lower', library, s.openToEnabled);
      record(`eSSP default loop, ${mode}: POLL period`, 'ms', 'lower', library, s.loopPeriod);
      record(`eSSP back-to-back POLL, ${mode}`, '/s', 'higher', library, s.backToBack);
      process.stderr.write('.');
    }
  }
  for (const library of order) {
    record('SMART Payout: 1 note in, 3 out (encrypted)', 'ms', 'lower', library, await payoutSession(devices, library));
    process.stderr.write('.');
  }
  for (const library of order) {
    const s = await ccnetSession(devices, library, loopMs);
    record('CCNET connect -> enabled', 'ms', 'lower', library, s.connectToEnabled);
    record('CCNET default loop: POLL period', 'ms', 'lower', library, s.pollPeriod);
    record(`CCNET t-free after ACK on the wire, min (spec >= ${T_FREE_MS})`, 'ms', 'higher', library, {
      value: s.tFreeMin,
      floor: T_FREE_MS,
    });
    record('CCNET ACKs followed by < 20 ms of silence', 'share', 'lower', library, {
      value: s.acks === 0 ? NaN : s.acksBelowSpec / s.acks,
    });
    process.stderr.write('.');
  }
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

/** Efficiency of one library on a figure: median of floor/measured (times) or measured/floor (rates). */
function efficiency(figure: Figure, library: Library): string {
  const ratios = figure.samples[library]
    .filter((s) => s.floor !== undefined)
    .map((s) => (figure.better === 'lower' ? (s.floor ?? 0) / s.value : s.value / (s.floor ?? 1)));
  return ratios.length === 0 ? '-' : median(ratios).toFixed(2);
}

function print(): void {
  const rows: string[][] = [
    ['figure', 'unit', 'kioskbus', 'older', 'kioskbus/older', 'floor', 'eff. kioskbus', 'eff. older'],
  ];
  for (const figure of figures.values()) {
    const k = median(figure.samples.kioskbus.map((s) => s.value));
    const o = median(figure.samples.older.map((s) => s.value));
    const floors = figure.samples.kioskbus.flatMap((s) => (s.floor === undefined ? [] : [s.floor]));
    rows.push([
      figure.name,
      figure.unit,
      fmt(k),
      fmt(o),
      Number.isFinite(k / o) && o !== 0 ? (k / o).toFixed(2) : '-',
      floors.length ? fmt(median(floors)) : '-',
      efficiency(figure, 'kioskbus'),
      efficiency(figure, 'older'),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const [index, row] of rows.entries()) {
    const line = row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));
    process.stdout.write(`${line.join('  ').trimEnd()}\n`);
    if (index === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
  process.stdout.write(
    `\nmedians of ${rounds} alternating round(s); older = encrypted-smiley-secure-protocol@0.0.11 (eSSP), ` +
      "cashcode-bv@0.0.2 (CCNET).\nfloor = bytes on the line / line rate + device reply latency as the wire shows it (+ the device's own " +
      'time where it has one); efficiency = floor / measured (rates: measured / floor).\n',
  );
}

async function main(): Promise<number> {
  if (!hasSocat()) {
    process.stderr.write('bench:wire needs socat (apt-get install socat)\n');
    return 2;
  }
  const started = performance.now();
  // Module loading is the application's start-up, not open -> enabled: both libraries are loaded before any clock runs.
  await loadLibraries();
  const devices = new DeviceProcess();
  try {
    for (let round = 0; round < rounds; round++) {
      await runRound(devices, round % 2 === 0 ? ['kioskbus', 'older'] : ['older', 'kioskbus']);
    }
  } finally {
    await devices.exit();
  }
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  print();
  return 0;
}

process.exitCode = await main();
// the older libraries may leave serial handles behind
process.exit();
