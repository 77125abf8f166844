/**
 * The one seeded pseudo-random generator of the tests (mulberry32): a fuzz or randomized test takes a fixed seed,
 * so that every run sees the same sequence and a failure can be replayed.
 */

/** The next 32-bit word of the sequence of `seed`, each call. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Numbers in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** A source of random bytes (e.g. for key exchanges), the same bytes for the same seed. */
export function prngBytes(seed: number): (n: number) => Uint8Array {
  const next = mulberry32(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = next() & 0xff;
    return out;
  };
}
