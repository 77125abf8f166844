/**
 * `npm run bench:scale -- --devices N --seconds S [--interval MS] [--paced] [--plain]`: N eSSP validators and N CCNET
 * bill validators, each host against its own simulator on an in-memory pair, all in this one process, polled every
 * 200 ms (or --interval). After the start-up it measures for S seconds: CPU share of one core, the poll period
 * seen by the simulators (p50, p99, max), missed deadlines, event-loop delay and the heap at start and end; then
 * the hosts' share of the CPU apart from the simulators' (bench/profile-split.ts).
 * See docs/PERFORMANCE.md.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CcnetBus } from '../src/ccnet/bus.js';
import { BillValidator } from '../src/ccnet/devices/bill.js';
import { BillSimulator } from '../src/ccnet/simulator/bill.js';
import { SspBus } from '../src/essp/bus.js';
import { SspValidator } from '../src/essp/devices/validator.js';
import { SspSimulator } from '../src/essp/simulator/simulator.js';
import { createMemoryPair } from '../src/transport/memory.js';
import { profileSplit } from './profile-split.js';
import { intervals, quantile, sleep } from './wire/harness.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string' },
    seconds: { type: 'string' },
    interval: { type: 'string' },
    paced: { type: 'boolean' },
    plain: { type: 'boolean' },
  },
  strict: true,
});
const devices = Number(values.devices ?? 100);
const seconds = Number(values.seconds ?? 10);
const intervalMs = Number(values.interval ?? 200);
/** Sampling period of the event-loop delay monitor: its figures include it, and it is subtracted. */
const RESOLUTION_MS = 10;
/** A poll period longer than this missed its deadline. */
const lateMs = intervalMs * 1.5;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

interface Device {
  kind: 'essp' | 'ccnet';
  /** Times the simulator executed a POLL. */
  polls: number[];
  stop(): Promise<void>;
}

async function startEssp(): Promise<Device> {
  const [host, end] = createMemoryPair(values.paced ? { line: { baudRate: 9600, stopBits: 2 } } : {});
  const sim = new SspSimulator({ device: 'nv200' });
  const detach = sim.attach(end);
  const polls: number[] = [];
  sim.on('command', (c) => {
    if (c.name === 'POLL' || c.name === 'POLL_WITH_ACK') polls.push(performance.now());
  });
  const bus = new SspBus(host);
  const device = new SspValidator(bus, { pollIntervalMs: intervalMs, encryption: !values.plain });
  device.on('error', () => undefined);
  await device.start();
  return {
    kind: 'essp',
    polls,
    async stop() {
      await device.close();
      await bus.close();
      detach();
      sim.close();
      await host.close();
    },
  };
}

async function startCcnet(): Promise<Device> {
  const [host, end] = createMemoryPair(values.paced ? { line: { baudRate: 9600 } } : {});
  const sim = new BillSimulator();
  const detach = sim.attach(end);
  const polls: number[] = [];
  sim.on('command', (name) => {
    if (name === 'POLL') polls.push(performance.now());
  });
  const bus = new CcnetBus(host);
  const device = new BillValidator(bus, { pollIntervalMs: intervalMs });
  device.on('problem', () => undefined);
  await device.initialize();
  await device.enable();
  device.start();
  return {
    kind: 'ccnet',
    polls,
    async stop() {
      device.stop();
      bus.close();
      detach();
      await host.close();
    },
  };
}

/** A histogram value (ns, sampling period included) as the delay beyond the sampling period (ms). */
function delayMs(ns: number): string {
  return Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(2);
}

function fmt(ms: number): string {
  return ms.toFixed(ms >= 100 ? 0 : 1);
}

async function main(): Promise<void> {
  const heapBefore = heapMb();
  const startedAt = performance.now();
  const all: Device[] = [];
  // start in batches: a real service brings its devices up as their ports open, not all in one tick
  for (let i = 0; i < devices; i += 50) {
    const batch: Promise<Device>[] = [];
    for (let j = i; j < Math.min(devices, i + 50); j++) batch.push(startEssp(), startCcnet());
    all.push(...(await Promise.all(batch)));
  }
  const startupMs = performance.now() - startedAt;
  await sleep(2 * intervalMs); // let every loop reach its rhythm
  for (const d of all) d.polls.length = 0;
  const heapStart = heapMb();
  const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loopDelay.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  // The polls of the window only: the full GCs and the profiled window below must not count as late polls.
  const measured = all.map((d) => ({ kind: d.kind, polls: d.polls.slice() }));
  loopDelay.disable();
  const heapEnd = heapMb();
  // A second, shorter window under the sampling profiler: the share of the CPU that is the library (hosts, loops)
  // and not the simulators standing in for the hardware.
  const split = await profileSplit(() => sleep(Math.min(seconds, 10) * 1000), 200);

  const rows: string[][] = [['devices', 'polls', 'period p50', 'p99', 'max', `missed (> ${fmt(lateMs)} ms)`, 'silent']];
  for (const kind of ['essp', 'ccnet'] as const) {
    const group = measured.filter((d) => d.kind === kind);
    const periods = group.flatMap((d) => intervals(d.polls));
    const polls = group.reduce((n, d) => n + d.polls.length, 0);
    const silent = group.filter((d) => d.polls.length < 2).length;
    rows.push([
      `${group.length} ${kind === 'essp' ? 'eSSP' : 'CCNET'}`,
      String(polls),
      fmt(quantile(periods, 0.5)),
      fmt(quantile(periods, 0.99)),
      fmt(periods.length ? Math.max(...periods) : NaN),
      String(periods.filter((p) => p > lateMs).length),
      String(silent),
    ]);
  }
  for (const d of all) await d.stop();

  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const out: string[] = [];
  for (const [index, row] of rows.entries()) {
    out.push(row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
    if (index === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  const cpuShare = (cpu.user + cpu.system) / 1000 / wall;
  const totalPolls = measured.reduce((n, d) => n + d.polls.length, 0);
  const cpuPerPollUs = (cpu.user + cpu.system) / Math.max(1, totalPolls);
  // what the CPU share would be with every device polled on time (the machine may be shared and starve this one)
  const nominalShare = (cpuPerPollUs * 2 * devices * (1000 / intervalMs)) / 1e6;
  out.push(
    '',
    `${devices} eSSP (${values.plain ? 'plain' : 'encrypted'}) + ${devices} CCNET devices, poll interval ${intervalMs} ms, ` +
      `${values.paced ? 'paced at 9600 baud' : 'unpaced memory links'}; measured ${(wall / 1000).toFixed(1)} s after a ` +
      `${(startupMs / 1000).toFixed(1)} s start-up`,
    `CPU: ${(cpuShare * 100).toFixed(1)} % of one core (user ${((cpu.user / 1000 / wall) * 100).toFixed(1)} %, ` +
      `system ${((cpu.system / 1000 / wall) * 100).toFixed(1)} %)`,
    `CPU per poll (host + simulator, both protocols): ${cpuPerPollUs.toFixed(1)} µs; at ${fmt(1000 / intervalMs)} polls/s ` +
      `per device that is ${(nominalShare * 100).toFixed(1)} % of one core`,
    `of which the hosts (the library): ${(split.hostShare * cpuShare * 100).toFixed(1)} % of one core, ` +
      `${(split.hostShare * cpuPerPollUs).toFixed(1)} µs per poll; the simulators ${(split.simulatorShare * cpuShare * 100).toFixed(1)} % ` +
      `(sampling profile of a second window, ${split.samples} samples)`,
    `event-loop delay: p50 ${delayMs(loopDelay.percentile(50))} ms, p99 ${delayMs(loopDelay.percentile(99))} ms, ` +
      `max ${delayMs(loopDelay.max)} ms`,
    `heap used: ${heapBefore.toFixed(1)} MB before start-up, ${heapStart.toFixed(1)} MB at the start of the window, ` +
      `${heapEnd.toFixed(1)} MB at the end`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
process.exit();
