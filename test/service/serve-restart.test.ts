/**
 * The service across restarts: unacknowledged credits come back, a payout cut off by a crash is reported uncertain
 * (and raises uncertain_pending until an operator resolves it), and SIGTERM shuts the CLI down cleanly.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileJournal } from '../../src/journal/index.js';
import { call, configOf, Recorder, startService, tempData } from './serve-helpers.js';

const data = tempData();
afterAll(() => {
  data.remove();
});
const config = configOf([['payout-0', 'smart-payout']]);

describe('kioskbus serve across restarts', () => {
  it('delivers an unacknowledged credit again after a restart', async () => {
    let running = await startService(data.dir, config);
    const ws = await Recorder.open(running.url, running.token);
    await call(running, 'POST', '/api/devices/payout-0/simulate', {
      action: 'insert',
      value: { amount: 500, currency: 'EUR' },
    });
    const credit = await ws.next((m) => m.type === 'credit', 'credit');
    ws.close();
    await running.close();

    running = await startService(data.dir, config);
    try {
      const again = await Recorder.open(running.url, running.token);
      const replay = await again.next((m) => m.type === 'credit', 'replayed credit');
      expect(replay).toMatchObject({ seq: credit.seq, replay: true, value: { amount: 500, currency: 'EUR' } });
      await call(running, 'POST', '/api/credits/ack', { seqs: [credit.seq] });
      again.close();
    } finally {
      await running.close();
    }
    running = await startService(data.dir, config);
    expect((await call(running, 'GET', '/api/credits/pending')).body.credits).toEqual([]);
    await running.close();
  });

  it('reports a payout cut off by a crash as uncertain until an operator resolves it', async () => {
    const journal = new FileJournal({ dir: join(data.dir, 'journal') });
    journal.append('payout_request', { transaction: 'cut-off', device: 'payout-0', amount: 1000, currency: 'EUR' });
    journal.close();

    const running = await startService(data.dir, config);
    try {
      const outcome = await call(running, 'GET', '/api/payouts/cut-off');
      expect(outcome.body).toMatchObject({ status: 'uncertain', requested: { amount: 1000 }, replayed: true });
      const retry = await call(running, 'POST', '/api/payouts', {
        device: 'payout-0',
        amount: { amount: 1000, currency: 'EUR' },
        transaction: 'cut-off',
      });
      expect(retry.body).toMatchObject({ status: 'uncertain', replayed: true });
      await expect
        .poll(async () => (await call(running, 'GET', '/api/alerts')).body.alerts)
        .toEqual([expect.objectContaining({ device: 'payout-0', code: 'uncertain_pending' })]);

      const resolved = await call(running, 'POST', '/api/payouts/cut-off/resolve', {
        paid: { amount: 0, currency: 'EUR' },
      });
      expect(resolved.body).toMatchObject({ status: 'paid', paid: { amount: 0 } });
      expect((await call(running, 'GET', '/api/alerts')).body.alerts).toEqual([]);
      expect((await call(running, 'GET', '/api/payouts/cut-off')).body).toMatchObject({
        status: 'paid',
        replayed: true,
      });
    } finally {
      await running.close();
    }
  });

  it('kioskbus serve --simulate --embedded-broker prints where it listens, and SIGTERM closes it with exit 0', async () => {
    const dir = join(data.dir, 'cli');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--simulate', '--embedded-broker', '--port', '0', '--data', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const listening = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match?.[1] && out.includes('MQTT bridge on mqtt://')) resolve(match[1]);
      });
      child.on('exit', (code) => {
        reject(new Error(`exited ${String(code)}: ${out}`));
      });
    });
    const url = await listening;
    expect(out).toMatch(/access token \(saved in .*token\): \S{20,}/);
    expect((await fetch(`${url}/api/devices`)).status).toBe(401);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'journal', 'journal.lock'))).toBe(false);
  }, 60_000);
});
