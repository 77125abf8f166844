/**
 * `npm run fuzz -- [--runs N] [--seed S]`: runs the fast-check properties of test/fuzz with N runs each (host
 * properties a tenth of that), replayable with the seed. Exits with vitest's status.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' } }, strict: true });
const env: NodeJS.ProcessEnv = { ...process.env };
for (const [name, value] of [
  ['FUZZ_RUNS', values.runs],
  ['FUZZ_SEED', values.seed],
] as const) {
  if (value === undefined) continue;
  if (!/^\d+$/.test(value)) {
    console.error(`fuzz: --${name === 'FUZZ_RUNS' ? 'runs' : 'seed'} must be a whole number, got "${value}"`);
    process.exit(2);
  }
  env[name] = value;
}
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
