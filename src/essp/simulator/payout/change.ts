/**
 * Change making with limited stock: which notes/coins pay an amount exactly. Bounded change making is not solved by
 * the greedy rule (60 from {50, 20, 20, 20} fails greedily but 3 × 20 works), so this is a dynamic programme over
 * the amount in units of the denominations' greatest common divisor, with binary splitting of the counts. It finds
 * the plan with the fewest items; among those, the one using the highest denominations first.
 */

export interface Stock {
  value: number;
  count: number;
}

/** Counts per value (same order as `stock`) that make `amount` exactly, or undefined when none does. */
export function planChange(stock: readonly Stock[], amount: number): number[] | undefined {
  const counts = stock.map(() => 0);
  if (amount === 0) return counts;
  if (!Number.isInteger(amount) || amount < 0) return undefined;
  const usable = stock
    .map((s, index) => ({ ...s, index }))
    .filter((s) => s.value > 0 && s.count > 0)
    // highest first: among plans with the same number of items, the first found uses the big ones
    .sort((a, b) => b.value - a.value);
  if (usable.length === 0) return undefined;
  const total = usable.reduce((sum, s) => sum + s.value * s.count, 0);
  if (total < amount) return undefined;
  let unit = 0;
  for (const s of usable) unit = gcd(unit, s.value);
  if (amount % unit !== 0) return undefined;
  const target = amount / unit;
  // bundles: (denomination index, multiplicity) with binary splitting of each count
  const bundles: { item: number; times: number; units: number }[] = [];
  usable.forEach((s, item) => {
    let left = s.count;
    let times = 1;
    while (left > 0) {
      const take = Math.min(times, left);
      bundles.push({ item, times: take, units: (s.value / unit) * take });
      left -= take;
      times *= 2;
    }
  });
  const INF = Number.MAX_SAFE_INTEGER;
  // best[b][x]: fewest items for x using bundles 0..b-1 (rolling array + choice table for the back-trace)
  const best = new Array<number>(target + 1).fill(INF);
  best[0] = 0;
  const took = bundles.map(() => new Uint8Array(target + 1));
  bundles.forEach((bundle, b) => {
    const row = took[b] ?? new Uint8Array(0);
    for (let x = target; x >= bundle.units; x--) {
      const from = best[x - bundle.units] ?? INF;
      if (from === INF) continue;
      const candidate = from + bundle.times;
      if (candidate < (best[x] ?? INF)) {
        best[x] = candidate;
        row[x] = 1;
      }
    }
  });
  if ((best[target] ?? INF) === INF) return undefined;
  let x = target;
  for (let b = bundles.length - 1; b >= 0 && x > 0; b--) {
    const bundle = bundles[b];
    if (!bundle || took[b]?.[x] !== 1) continue;
    const s = usable[bundle.item];
    if (!s) continue;
    counts[s.index] = (counts[s.index] ?? 0) + bundle.times;
    x -= bundle.units;
  }
  return x === 0 ? counts : undefined;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
