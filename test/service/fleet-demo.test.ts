/**
 * `kioskbus fleet-demo` through the real CLI entry: kiosks (the real service on simulators, each with its journal and
 * bridge) against an embedded broker, and a scale run of 50 kiosks against a real mosquitto. Exit code 0 means the
 * consumer's totals and message counts equal the kiosks' journals.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { mosquittoAvailable, startMosquitto, type Broker } from './mqtt-helpers.js';

function fleetDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fleet-demo', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

const brokers: Broker[] = [];
afterEach(async () => {
  for (const broker of brokers.splice(0)) await broker.close();
});

describe('kioskbus fleet-demo', () => {
  it('kiosks on the embedded broker: the consumer totals equal the journals (exit 0)', async () => {
    const run = await fleetDemo(['--kiosks', '2', '--seconds', '3', '--quiet']);
    expect(run.stderr).toContain('embedded broker (aedes)');
    expect(run.stdout).toMatch(/kiosk-01 +yes/);
    expect(run.stdout).toMatch(/kiosk-02 +yes/);
    expect(run.stdout).toContain("consumer equals the kiosks' journals");
    expect(run.code).toBe(0);
  }, 120_000);

  it('refuses a bad command line with a usage error', async () => {
    const run = await fleetDemo(['--kiosks', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--kiosks must be 1..500');
  }, 60_000);

  it.skipIf(!mosquittoAvailable())(
    'a scale run of 50 kiosks for two minutes on mosquitto: every message counted against the journals',
    async () => {
      const broker = await startMosquitto();
      brokers.push(broker);
      const run = await fleetDemo(['--kiosks', '50', '--seconds', '120', '--quiet', '--mqtt', broker.url]);
      expect(run.stdout).toMatch(/kiosk-50 +yes/);
      expect(run.stdout).toContain("consumer equals the kiosks' journals");
      expect(run.code).toBe(0);
    },
    420_000,
  );
});
