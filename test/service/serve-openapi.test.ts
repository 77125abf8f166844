/** The OpenAPI document (public, complete, no secret) and the Python example client against a running service. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service/serve.js';
import { call, configOf, startService, tempData } from './serve-helpers.js';

const data = tempData();
let running: RunningService;
beforeAll(async () => {
  running = await startService(
    data.dir,
    configOf([
      ['nv200-0', 'nv200'],
      ['hopper-0', 'smart-hopper'],
    ]),
  );
});
afterAll(async () => {
  await running.close();
  data.remove();
});

type Operation = { requestBody?: { content: Record<string, { example?: unknown; schema: unknown }> } };

describe('/api/openapi.json', () => {
  it('is public, has no secret, and gives an example for every request body', async () => {
    const reply = await call(running, 'GET', '/api/openapi.json', undefined, null);
    expect(reply.status).toBe(200);
    const text = JSON.stringify(reply.body);
    expect(text).not.toContain(running.token);
    const paths = reply.body.paths as Record<string, Record<string, Operation>>;
    for (const route of [
      '/api/devices',
      '/api/devices/{id}',
      '/api/devices/{id}/enable',
      '/api/devices/{id}/disable',
      '/api/devices/enable',
      '/api/devices/disable',
      '/api/devices/{id}/simulate',
      '/api/payouts',
      '/api/payouts/{transaction}',
      '/api/payouts/{transaction}/resolve',
      '/api/vends',
      '/api/cards/dispense',
      '/api/transactions/{transaction}',
      '/api/transactions/{transaction}/resolve',
      '/api/credits/pending',
      '/api/credits/ack',
      '/api/journal',
      '/api/alerts',
    ]) {
      expect(paths, route).toHaveProperty([route]);
    }
    let bodies = 0;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.requestBody) continue;
        bodies += 1;
        expect(operation.requestBody.content['application/json']?.example, `${method} ${path}`).toBeDefined();
      }
    }
    expect(bodies).toBe(7);
    const schemas = (
      reply.body.components as { schemas: Record<string, { properties?: Record<string, { enum?: unknown[] }> }> }
    ).schemas;
    expect(schemas.PayoutOutcome?.properties?.status?.enum).toEqual(['paid', 'refused', 'uncertain']);
    expect(schemas.SimulateRequest?.properties?.action?.enum).toContain('power-cut');
    expect(schemas.SimulateRequest?.properties?.action?.enum).toContain('lose-answer');
    expect(schemas.CardOutcome?.properties?.status?.enum).toEqual(['dispensed', 'refused', 'uncertain']);
    expect(schemas.PayoutOutcome?.properties?.op?.enum).toEqual(['payout', 'vend']);
    expect(schemas.Device?.properties?.kind?.enum).toHaveLength(8);
    expect(schemas.Alert?.properties?.code?.enum).toContain('uncertain_pending');
  });
});

const python = spawnSync('python3', ['--version']).status === 0;

describe('examples/kioskbus_client.py', () => {
  it.skipIf(!python)('takes and acknowledges a credit and pays a transaction once', async () => {
    const child = spawn(
      'python3',
      ['examples/kioskbus_client.py', '--url', running.url, '--token-file', join(data.dir, 'token')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/device nv200-0: nv200 ready \(simulated\)/);
    expect(out).toMatch(/credit seq \d+: 5\.00 EUR from nv200-0/);
    expect(out).toMatch(/acknowledged 1 credit/);
    expect(out).toMatch(/payout example-\w+: paid 0\.10 EUR replayed=False/);
    expect(out).toMatch(/again: paid 0\.10 EUR replayed=True/);
    expect(running.service.pendingCredits()).toEqual([]);
  });
  if (!python) console.log('examples/kioskbus_client.py test skipped: python3 is not installed');
});
