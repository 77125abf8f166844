import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchCase } from './types.js';

/** Runs every `bench/*.bench.ts` (or those whose name contains an argument) and prints one table. */
async function main(): Promise<void> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const filters = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  const rows: string[][] = [['benchmark', 'result', 'unit', 'target', 'note']];
  for (const file of files) {
    const mod = (await import(pathToFileURL(`${dir}${file}`).href)) as { default: BenchCase[] };
    for (const c of mod.default) {
      const { value, note } = await c.run();
      const meets = c.target === undefined ? '' : value >= c.target ? `>= ${c.target} ok` : `>= ${c.target} MISSED`;
      rows.push([
        `${file.replace('.bench.ts', '')}: ${c.name}`,
        value.toFixed(value >= 100 ? 0 : 1),
        c.unit,
        meets,
        note ?? '',
      ]);
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const [index, row] of rows.entries()) {
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
    if (index === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
}

await main();
