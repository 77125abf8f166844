/** One benchmark case. `run` measures for a few hundred ms and returns the rate in `unit`. */
export interface BenchCase {
  name: string;
  unit: 'MB/s' | 'ops/s';
  /** Optional target shown next to the result (the project's performance goals). */
  target?: number;
  run(): Promise<{ value: number; note?: string }>;
}

/** Repeats `fn` for about `ms` milliseconds (after a short warm-up); returns calls per second. */
export function measure(fn: () => void, ms = 300): number {
  for (let i = 0; i < 50; i++) fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 20; i++) fn();
    calls += 20;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

/** Throughput in MB/s of `fn` processing `bytes` bytes per call. */
export function measureBytes(fn: () => void, bytes: number, ms = 300): number {
  return (measure(fn, ms) * bytes) / 1e6;
}
