/**
 * How many runs each fuzz property makes: `FUZZ_RUNS` (set by `npm run fuzz -- --runs N`), else a small default
 * that keeps CI fast. Host properties, which run a host and a simulator on virtual time, take a tenth.
 */
import fc from 'fast-check';

const fromEnv = Number(process.env.FUZZ_RUNS);
export const FUZZ_RUNS = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 60;
export const HOST_RUNS = Math.max(2, Math.round(FUZZ_RUNS / 10));

/** fast-check parameters: the run count, and a fixed seed unless FUZZ_SEED asks for another (replayable). */
export function params(runs = FUZZ_RUNS): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: runs, seed: Number.isInteger(seed) ? seed : 20261203 };
}

/** Cuts `bytes` into chunks at the given fractions (random chunking, 1-byte chunks included). */
export function chunk(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))]
    .filter((p) => p > 0 && p < bytes.length)
    .sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

export const bytesArb = (max = 300): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: 0, maxLength: max });
export const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
