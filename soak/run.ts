/**
 * `npm run soak -- --protocol essp|ccnet|controllerbox|all (or a list: essp,ccnet) --items N --fault P --seed S [--seeds K] [--power-cut-every M]`
 *
 * Runs the real host of each protocol against its real simulator over a faulty line on virtual time, and compares
 * what the application was told with what the simulators did. Prints a Markdown table; exits 1 on any double, any
 * hang or any loss the host caused, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { failed, formatTable, type SoakConfig, type SoakRow } from './common.js';
import { PROTOCOLS, type ProtocolName } from './protocols.js';

function usage(message: string): never {
  console.error(`soak: ${message}`);
  console.error(
    'usage: npm run soak -- --protocol essp|ccnet|controllerbox|all --items N --fault P --seed S [--seeds K] [--power-cut-every M] [--verbose]',
  );
  process.exit(2);
}

function number(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    usage(`--${name} must be a number from ${String(min)} to ${String(max)}`);
  return value;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        protocol: { type: 'string', default: 'all' },
        items: { type: 'string' },
        fault: { type: 'string' },
        seed: { type: 'string' },
        seeds: { type: 'string' },
        'power-cut-every': { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const names = values.protocol === 'all' ? (Object.keys(PROTOCOLS) as ProtocolName[]) : values.protocol.split(',');
  for (const name of names) if (!(name in PROTOCOLS)) usage(`unknown protocol "${name}"`);
  const items = Math.floor(number(values.items, 'items', 200, 1, 10_000_000));
  const fault = number(values.fault, 'fault', 0.01, 0, 0.5);
  const seed = Math.floor(number(values.seed, 'seed', 1, 0, 0xffffffff));
  const seeds = Math.floor(number(values.seeds, 'seeds', 1, 1, 100_000));
  const asked = Math.floor(number(values['power-cut-every'], 'power-cut-every', 1000, 0, 10_000_000));
  // a short run still sees power cuts: at least two per seed
  const powerCutEvery = asked > 0 ? Math.min(asked, Math.max(1, Math.round(items / seeds / 2))) : 0;
  const started = Date.now();
  const rows: SoakRow[] = [];
  for (const name of names as ProtocolName[]) {
    // the items are shared out over the seeds, each seed a fresh host and simulator
    const merged = new Map<string, SoakRow>();
    for (let s = 0; s < seeds; s++) {
      const config: SoakConfig = {
        items: Math.max(1, Math.round(items / seeds)),
        fault,
        seed: seed + s,
        powerCutEvery,
        verbose: values.verbose,
      };
      for (const row of await PROTOCOLS[name](config)) {
        const into = merged.get(row.kind);
        if (!into) {
          merged.set(row.kind, { ...row });
          continue;
        }
        for (const key of Object.keys(row) as (keyof SoakRow)[]) {
          const v = row[key];
          if (typeof v === 'number') (into[key] as number) += v;
        }
      }
    }
    rows.push(...merged.values());
  }
  console.log(
    `soak: ${String(items)} items per protocol, fault ${String(fault)} per byte, seeds ${String(seed)}..${String(seed + seeds - 1)}, power cut every ~${String(powerCutEvery)} items`,
  );
  console.log(formatTable(rows));
  console.log(`(${String(Date.now() - started)} ms)`);
  if (failed(rows)) {
    console.log('soak: FAILED (a double, a hang or a loss the host caused)');
    process.exitCode = 1;
  }
}

await main();
