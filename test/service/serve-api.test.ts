/**
 * `kioskbus serve` against the simulators: auth on /api and /ws, credits journalled and replayed until acknowledged,
 * payouts idempotent by transaction, enable/disable, alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service/serve.js';
import { call, configOf, Recorder, startService, tempData, type Message } from './serve-helpers.js';

const data = tempData();
const config = configOf([
  ['nv200-0', 'nv200'],
  ['payout-0', 'smart-payout'],
]);
let running: RunningService;

beforeAll(async () => {
  running = await startService(data.dir, config);
});
afterAll(async () => {
  await running.close();
  data.remove();
});

type Level = { value: { amount: number }; count: number };
async function levels(device: string): Promise<Level[]> {
  const reply = await call(running, 'GET', `/api/devices/${device}`);
  return (reply.body.levels ?? []) as Level[];
}
function total(list: Level[]): number {
  return list.reduce((sum, l) => sum + l.value.amount * l.count, 0);
}

describe('kioskbus serve', () => {
  it('refuses /api without the token (401) and moves nothing; /api/openapi.json is public', async () => {
    const before = total(await levels('payout-0'));
    const payout = { device: 'payout-0', amount: { amount: 500, currency: 'EUR' }, transaction: 'no-token' };
    expect((await call(running, 'POST', '/api/payouts', payout, null)).status).toBe(401);
    expect((await call(running, 'POST', '/api/payouts', payout, 'wrong-token-wrong-token-1234')).status).toBe(401);
    expect((await call(running, 'GET', '/api/devices', undefined, null)).status).toBe(401);
    expect((await call(running, 'POST', '/api/devices/disable', {}, null)).status).toBe(401);
    expect((await call(running, 'GET', '/api/openapi.json', undefined, null)).status).toBe(200);
    expect(running.service.journal.transaction('no-token')).toBeUndefined();
    expect(total(await levels('payout-0'))).toBe(before);
    expect(running.service.list().every((d) => d.enabled)).toBe(true);
  });

  it('refuses a WebSocket with a wrong token, and one whose first message is not the auth', async () => {
    await expect(Recorder.open(running.url, 'wrong-token-wrong-token-1234')).rejects.toThrow(/401/);
    const anonymous = await Recorder.open(running.url);
    anonymous.ws.send(JSON.stringify({ type: 'ack', seqs: [1] }));
    expect(await anonymous.closed()).toBe(4401);
    expect(anonymous.messages).toEqual([]);
  });

  it('journals a credit before telling, replays it to every new client until acknowledged', async () => {
    const ws = await Recorder.open(running.url, running.token);
    const hello = await ws.next((m) => m.type === 'hello', 'hello');
    expect((hello.devices as unknown[]).length).toBe(2);
    const inserted = await call(running, 'POST', '/api/devices/nv200-0/simulate', {
      action: 'insert',
      value: { amount: 1000, currency: 'EUR' },
    });
    expect(inserted.status).toBe(200);
    const credit = await ws.next((m) => m.type === 'credit' && m.device === 'nv200-0', 'credit');
    expect(credit.value).toEqual({ amount: 1000, currency: 'EUR' });
    const seq = credit.seq as number;
    expect(running.service.journal.since(seq - 1, 1)[0]?.type).toBe('credit');

    const pending = await call(running, 'GET', '/api/credits/pending');
    expect(pending.body.credits).toEqual([expect.objectContaining({ seq, device: 'nv200-0' })]);

    // a second client (browser style: auth as first message) gets the credit again, marked as a replay
    const late = await Recorder.open(running.url);
    late.ws.send(JSON.stringify({ type: 'auth', token: running.token }));
    const replay = await late.next((m) => m.type === 'credit', 'replayed credit');
    expect(replay).toMatchObject({ seq, replay: true, value: { amount: 1000, currency: 'EUR' } });

    expect((await call(running, 'POST', '/api/credits/ack', { seqs: [seq] })).status).toBe(200);
    expect((await call(running, 'GET', '/api/credits/pending')).body.credits).toEqual([]);
    expect((await call(running, 'POST', '/api/credits/ack', { seqs: [999_999] })).status).toBe(404);
    const third = await Recorder.open(running.url, running.token);
    await third.next((m) => m.type === 'hello', 'hello');
    await ws.next((m) => m.type === 'ack', 'ack');
    expect(third.messages.filter((m) => m.type === 'credit')).toEqual([]);
    for (const r of [ws, late, third]) r.close();
  });

  it('pays a repeated transaction once and answers the repeat with the stored outcome', async () => {
    const before = await levels('payout-0');
    const request = { device: 'payout-0', amount: { amount: 1500, currency: 'EUR' }, transaction: 'order-42' };
    const [a, b] = await Promise.all([
      call(running, 'POST', '/api/payouts', request),
      call(running, 'POST', '/api/payouts', request),
    ]);
    const c = await call(running, 'POST', '/api/payouts', request);
    expect(a.body).toMatchObject({ status: 'paid', paid: { amount: 1500, currency: 'EUR' }, replayed: false });
    expect(b.body).toMatchObject({ status: 'paid', replayed: true, seq: a.body.seq });
    expect(c.body).toMatchObject({ status: 'paid', replayed: true, seq: a.body.seq });
    const requests = running.service.journal.since(0, 10_000).filter((r) => r.type === 'payout_request');
    expect(requests.filter((r) => r.body.transaction === 'order-42')).toHaveLength(1);
    await expect.poll(async () => total(await levels('payout-0'))).toBe(total(before) - 1500);

    const other = await call(running, 'POST', '/api/payouts', { ...request, amount: { amount: 500, currency: 'EUR' } });
    expect(other.status).toBe(409);
    expect((await call(running, 'GET', '/api/payouts/order-42')).body).toMatchObject({
      status: 'paid',
      replayed: true,
    });
  });

  it('answers refused with the device reason when it cannot pay, and moves nothing', async () => {
    const before = total(await levels('payout-0'));
    const reply = await call(running, 'POST', '/api/payouts', {
      device: 'payout-0',
      amount: { amount: 300, currency: 'EUR' },
      transaction: 'cannot-pay',
    });
    expect(reply.body).toMatchObject({ status: 'refused', paid: { amount: 0 } });
    expect(String(reply.body.reason)).not.toBe('');
    expect(total(await levels('payout-0'))).toBe(before);
    expect(
      (
        await call(running, 'POST', '/api/payouts', {
          device: 'nv200-0',
          amount: { amount: 500, currency: 'EUR' },
          transaction: 'x',
        })
      ).status,
    ).toBe(409);
    expect(
      (await call(running, 'POST', '/api/payouts', { device: 'payout-0', amount: { amount: 500, currency: 'EUR' } }))
        .status,
    ).toBe(400);
  });

  it('disables and enables one device or all, and says so on the WebSocket', async () => {
    const ws = await Recorder.open(running.url, running.token);
    const off = await call(running, 'POST', '/api/devices/nv200-0/disable');
    expect(off.body).toMatchObject({ id: 'nv200-0', enabled: false, state: 'disabled' });
    await ws.next(
      (m: Message) => m.type === 'state' && m.device === 'nv200-0' && !(m.state as { enabled: boolean }).enabled,
      'disabled state',
    );
    const all = await call(running, 'POST', '/api/devices/enable');
    expect((all.body.devices as { enabled: boolean }[]).every((d) => d.enabled)).toBe(true);
    ws.close();
  });

  it('raises stacker_out when the cash box is removed and clears it when it is back', async () => {
    const ws = await Recorder.open(running.url, running.token);
    await call(running, 'POST', '/api/devices/nv200-0/simulate', { action: 'remove-cashbox' });
    const raised = await ws.next((m) => m.type === 'alert' && m.active === true, 'alert raised');
    expect(raised.alert).toMatchObject({ device: 'nv200-0', code: 'stacker_out' });
    expect((await call(running, 'GET', '/api/alerts')).body.alerts).toEqual([
      expect.objectContaining({ code: 'stacker_out' }),
    ]);
    await call(running, 'POST', '/api/devices/nv200-0/simulate', { action: 'replace-cashbox' });
    await ws.next((m) => m.type === 'alert' && m.active === false, 'alert cleared');
    expect((await call(running, 'GET', '/api/alerts')).body.alerts).toEqual([]);
    ws.close();
  });
});
