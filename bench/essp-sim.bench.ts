import { SspBus } from '../src/essp/bus.js';
import { startSimulatorPair } from '../src/essp/simulator/pair.js';
import type { BenchCase } from './types.js';

const POLL = Uint8Array.of(0x07);

/** Round trips per second of `POLL` between a host SspBus and the simulator over an in-memory pair (latency 0). */
async function pollRate(encrypt: boolean, ms = 500): Promise<{ value: number; note: string }> {
  const pair = startSimulatorPair({ device: 'nv200', replyLatencyMs: 0 });
  const bus = new SspBus(pair.host);
  try {
    await bus.sync(0);
    if (encrypt) await bus.negotiateKey(0);
    // warm up the JIT (a cold first case would measure the compiler)
    for (let i = 0; i < 3000; i++) await bus.exchange(0, POLL, { encrypt });
    let count = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 50; i++) await bus.exchange(0, POLL, { encrypt });
      count += 50;
      now = performance.now();
    }
    const rate = (count * 1000) / (now - start);
    const replays = pair.simulator.stats.replays;
    return { value: rate, note: `${count} polls, ${replays} replays` };
  } finally {
    await bus.close();
    await pair.close();
  }
}

const cases: BenchCase[] = [
  {
    name: 'encrypted POLL round trips (SspBus <-> SspSimulator, memory)',
    unit: 'ops/s',
    target: 5000,
    run: () => pollRate(true),
  },
  {
    name: 'plain POLL round trips (SspBus <-> SspSimulator, memory)',
    unit: 'ops/s',
    target: 5000,
    run: () => pollRate(false),
  },
];

export default cases;
