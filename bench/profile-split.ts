/**
 * Splits the CPU time of a piece of work between the host and the simulator that answers it in the same process:
 * a sampling profile (node:inspector) is taken while `work` runs, and each sample goes to the simulator when any
 * frame of its stack is code under a `simulator/` folder, to the host otherwise. Samples of the engine itself
 * (garbage collector, program) are shared out in the same proportion. Used by `bench/host-cost.ts --split`.
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface CpuSplit {
  /** Share of attributed samples spent in host code (0..1). */
  hostShare: number;
  simulatorShare: number;
  /** Number of samples attributed. */
  samples: number;
}

/** Runs `work` under the sampling profiler (interval in µs) and splits its samples between host and simulator. */
export async function profileSplit(work: () => Promise<void>, intervalUs = 50): Promise<CpuSplit> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    await work();
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    return split(profile);
  } finally {
    session.disconnect();
  }
}

function split(profile: Profile): CpuSplit {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const verdict = new Map<number, 'host' | 'sim' | 'engine'>();
  const classify = (id: number): 'host' | 'sim' | 'engine' => {
    const known = verdict.get(id);
    if (known !== undefined) return known;
    const url = byId.get(id)?.callFrame.url ?? '';
    const up = parent.get(id);
    let result: 'host' | 'sim' | 'engine';
    if (/[\\/]simulator[\\/]/.test(url)) result = 'sim';
    else if (up === undefined) result = 'engine';
    else {
      const above = classify(up);
      // A frame with no script of its own under the root (gc, program, idle) is the engine's.
      result = above === 'engine' && url === '' ? 'engine' : above === 'sim' ? 'sim' : 'host';
    }
    verdict.set(id, result);
    return result;
  };
  let host = 0;
  let sim = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const side = classify(samples[i] ?? 0);
    const weight = deltas[i] ?? 0;
    if (side === 'host') host += weight;
    else if (side === 'sim') sim += weight;
  }
  const total = host + sim || 1;
  return { hostShare: host / total, simulatorShare: sim / total, samples: samples.length };
}
