/**
 * `npm run bench:host -- [--polls N] [--skip-heap]`: what an encrypted POLL round trip costs the process when
 * the line costs nothing (host and simulator in one process, unpaced memory pair, reply latency 0), through the
 * bus and through the validator's command path: wall and CPU microseconds per round trip (host and simulator
 * together, then the host's own share from a sampling profile: see bench/profile-split.ts). Then N (default 1,000,000) encrypted POLLs through the bus with the heap measured after a full GC
 * every quarter: it must stay flat. See docs/PERFORMANCE.md.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SspBus } from '../src/essp/bus.js';
import { SspValidator } from '../src/essp/devices/validator.js';
import { startSimulatorPair } from '../src/essp/simulator/pair.js';
import { profileSplit } from './profile-split.js';

const { values } = parseArgs({
  options: { polls: { type: 'string' }, 'skip-heap': { type: 'boolean' } },
  strict: true,
});
const heapPolls = Number(values.polls ?? 1_000_000);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

const POLL = Uint8Array.of(0x07);

/** Best of three windows of `count` round trips: wall and CPU µs per round trip. */
async function cost(roundTrip: () => Promise<unknown>, count: number): Promise<{ wallUs: number; cpuUs: number }> {
  for (let i = 0; i < 5000; i++) await roundTrip(); // warm up the JIT
  let best = { wallUs: Infinity, cpuUs: Infinity };
  for (let w = 0; w < 3; w++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await roundTrip();
    const wallUs = ((performance.now() - t0) * 1000) / count;
    const cpu = process.cpuUsage(cpu0);
    const cpuUs = (cpu.user + cpu.system) / count;
    if (cpuUs < best.cpuUs) best = { wallUs, cpuUs };
  }
  return best;
}

async function main(): Promise<void> {
  const pair = startSimulatorPair({ device: 'nv200', replyLatencyMs: 0 });
  const bus = new SspBus(pair.host);
  const device = new SspValidator(bus);
  const out: string[] = [];
  const line = (what: string, c: { wallUs: number; cpuUs: number }): void => {
    out.push(`${what.padEnd(52)} ${c.wallUs.toFixed(1)} µs wall, ${c.cpuUs.toFixed(1)} µs CPU per round trip`);
  };
  try {
    await bus.sync(0);
    await bus.negotiateKey(0);
    const poll = (): Promise<unknown> => bus.exchange(0, POLL, { encrypt: true });
    line('encrypted POLL through SspBus, no device started', await cost(poll, 20_000));
    await device.start();
    await device.stop(); // no poll loop: the measured round trips are the only traffic
    line('the same after a device start()', await cost(poll, 20_000));
    const viaDevice = await cost(() => device.command('POLL'), 20_000);
    line('encrypted POLL through SspValidator.command', viaDevice);
    const share = await profileSplit(async () => {
      for (let i = 0; i < 40_000; i++) await device.command('POLL');
    });
    out.push(
      `${'host share (sampling profile, SspValidator.command)'.padEnd(52)} ${(share.hostShare * 100).toFixed(0)} %: ` +
        `${(share.hostShare * viaDevice.cpuUs).toFixed(1)} µs host CPU, ` +
        `${(share.simulatorShare * viaDevice.cpuUs).toFixed(1)} µs simulator CPU per round trip`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
    if (values['skip-heap']) return;
    const quarter = Math.max(1, Math.floor(heapPolls / 4));
    const heap = [heapMb()];
    const t0 = performance.now();
    for (let q = 0; q < 4; q++) {
      for (let i = 0; i < quarter; i++) await bus.exchange(0, POLL, { encrypt: true });
      heap.push(heapMb());
    }
    const seconds = (performance.now() - t0) / 1000;
    const growth = (heap[4] ?? 0) - (heap[0] ?? 0);
    process.stdout.write(
      `heap over ${(quarter * 4).toLocaleString('en')} encrypted POLLs (${seconds.toFixed(0)} s): ` +
        `${heap.map((h) => h.toFixed(2)).join(' -> ')} MB (end - start ${growth >= 0 ? '+' : ''}${growth.toFixed(2)} MB)\n`,
    );
  } finally {
    await device.close();
    await bus.close();
    await pair.close();
  }
}

await main();
