/**
 * Money flows of the CCNET coin changer, the CCNET card reader and the ControllerBox through the real service (REST
 * and WebSocket) against their simulators: payouts from the tubes, vends charged to a card, cards dispensed; each
 * journalled once by its transaction, a repeat answered from the journal, and a lost answer surfaced as `uncertain`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/service/serve.js';
import { call, configOf, Recorder, startService, tempData } from './serve-helpers.js';

const data = tempData();
const config = configOf([
  ['coins-0', 'coin-changer'],
  ['card-0', 'card-reader'],
  ['box-0', 'controllerbox'],
]);
let running: RunningService;
let ws: Recorder;

beforeAll(async () => {
  running = await startService(data.dir, config);
  ws = await Recorder.open(running.url, running.token);
  await ws.next((m) => m.type === 'hello', 'hello');
});
afterAll(async () => {
  ws.close();
  await running.close();
  data.remove();
});

type Level = { value: { amount: number }; count: number };
async function tubes(): Promise<number> {
  const reply = await call(running, 'GET', '/api/devices/coins-0');
  return ((reply.body.levels ?? []) as Level[]).reduce((sum, l) => sum + l.value.amount * l.count, 0);
}

/** Journal records of `type` for `transaction`. */
function records(type: string, transaction: string): number {
  return running.service.journal.since(0, 100_000).filter((r) => r.type === type && r.body.transaction === transaction)
    .length;
}

async function alertCodes(device: string): Promise<string[]> {
  const reply = await call(running, 'GET', '/api/alerts');
  return (reply.body.alerts as { device: string; code: string }[])
    .filter((a) => a.device === device)
    .map((a) => a.code);
}

describe('money flows through kioskbus serve', () => {
  it('refuses payouts, vends and card dispenses without the token and moves nothing', async () => {
    const before = await tubes();
    const money = { amount: 35, currency: 'EUR' };
    const asks: [string, Record<string, unknown>][] = [
      ['/api/payouts', { device: 'coins-0', amount: money, transaction: 'anon-1' }],
      ['/api/vends', { device: 'card-0', amount: money, transaction: 'anon-2' }],
      ['/api/cards/dispense', { device: 'box-0', tcd: 0, transaction: 'anon-3' }],
    ];
    for (const [path, body] of asks) expect((await call(running, 'POST', path, body, null)).status).toBe(401);
    for (const tx of ['anon-1', 'anon-2', 'anon-3']) expect(running.service.journal.transaction(tx)).toBeUndefined();
    expect(await tubes()).toBe(before);
  });

  it('pays from the coin changer tubes once per transaction; the repeat is answered from the journal', async () => {
    const snapshot = (await call(running, 'GET', '/api/devices/coins-0')).body;
    expect(snapshot).toMatchObject({ canPayout: true, currency: 'EUR' });
    const before = await tubes();
    const ask = { device: 'coins-0', amount: { amount: 35, currency: 'EUR' }, transaction: 'coins-tx-1' };
    const first = await call(running, 'POST', '/api/payouts', ask);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ op: 'payout', status: 'paid', paid: { amount: 35 }, replayed: false });
    const message = await ws.next(
      (m) => m.type === 'payout' && (m.outcome as { transaction: string }).transaction === 'coins-tx-1',
      'payout message',
    );
    expect(message.seq).toBe(first.body.seq);
    await expect.poll(tubes, { timeout: 5000 }).toBe(before - 35);

    const again = await call(running, 'POST', '/api/payouts', ask);
    expect(again.body).toMatchObject({ status: 'paid', replayed: true, seq: first.body.seq });
    expect(records('payout_request', 'coins-tx-1')).toBe(1);
    expect(records('payout_result', 'coins-tx-1')).toBe(1);
    expect(await tubes()).toBe(before - 35);

    const other = await call(running, 'POST', '/api/payouts', { ...ask, amount: { amount: 40, currency: 'EUR' } });
    expect(other.status).toBe(409);
    const tooMuch = { device: 'coins-0', amount: { amount: 100_000, currency: 'EUR' }, transaction: 'coins-tx-2' };
    const refused = await call(running, 'POST', '/api/payouts', tooMuch);
    expect(refused.body).toMatchObject({ status: 'refused', code: 'CANNOT_PAY_EXACT', paid: { amount: 0 } });
  });

  it('a coin DISPENSE whose answer is lost is not resent: uncertain, alerted, resolved by an operator', async () => {
    const before = await tubes();
    expect((await call(running, 'POST', '/api/devices/coins-0/simulate', { action: 'lose-answer' })).status).toBe(200);
    const ask = { device: 'coins-0', amount: { amount: 20, currency: 'EUR' }, transaction: 'coins-lost-1' };
    const outcome = await call(running, 'POST', '/api/payouts', ask);
    expect(outcome.body).toMatchObject({ op: 'payout', status: 'uncertain', code: 'UNCERTAIN', replayed: false });
    // the changer did act on it (the simulator took the coins out of the tube): exactly once
    await expect.poll(tubes, { timeout: 5000 }).toBe(before - 20);
    expect(records('uncertain', 'coins-lost-1')).toBe(1);
    expect(await alertCodes('coins-0')).toContain('uncertain_pending');
    expect((await call(running, 'GET', '/api/transactions/coins-lost-1')).body).toMatchObject({
      status: 'uncertain',
      replayed: true,
    });
    const resolved = await call(running, 'POST', '/api/transactions/coins-lost-1/resolve', {
      paid: { amount: 20, currency: 'EUR' },
    });
    expect(resolved.body).toMatchObject({ status: 'paid', paid: { amount: 20 } });
    expect(await alertCodes('coins-0')).not.toContain('uncertain_pending');
    expect(await tubes()).toBe(before - 20);
  });

  it('charges a card: the vend waits for the card, is journalled once, and a repeat charges nothing', async () => {
    expect((await call(running, 'GET', '/api/devices/card-0')).body).toMatchObject({ canVend: true });
    const ask = { device: 'card-0', amount: { amount: 350, currency: 'EUR' }, transaction: 'vend-1', waitMs: 10_000 };
    const pending = call(running, 'POST', '/api/vends', ask);
    await ws.next(
      (m) => m.type === 'event' && (m.event as { type: string }).type === 'vend_waiting_for_card',
      'waiting for a card',
    );
    const tap = { action: 'tap', value: { amount: 1000, currency: 'EUR' } };
    expect((await call(running, 'POST', '/api/devices/card-0/simulate', tap)).status).toBe(200);
    const outcome = await pending;
    expect(outcome.body).toMatchObject({ op: 'vend', status: 'paid', paid: { amount: 350 }, replayed: false });
    const message = await ws.next((m) => m.type === 'vend', 'vend message');
    expect(message.seq).toBe(outcome.body.seq);

    const again = await call(running, 'POST', '/api/vends', ask);
    expect(again.body).toMatchObject({ status: 'paid', replayed: true, seq: outcome.body.seq });
    expect(records('vend_request', 'vend-1')).toBe(1);
    expect(records('vend_result', 'vend-1')).toBe(1);
    // a payout transaction id cannot be reused for a vend
    const reuse = { device: 'card-0', amount: { amount: 35, currency: 'EUR' }, transaction: 'coins-tx-1' };
    expect((await call(running, 'POST', '/api/vends', reuse)).status).toBe(409);
  });

  it('a vend denied for want of funds is refused and charges nothing', async () => {
    const tap = { action: 'tap', value: { amount: 100, currency: 'EUR' } };
    await call(running, 'POST', '/api/devices/card-0/simulate', tap);
    const denied = await call(running, 'POST', '/api/vends', {
      device: 'card-0',
      amount: { amount: 5000, currency: 'EUR' },
      transaction: 'vend-denied',
    });
    expect(denied.body).toMatchObject({ status: 'refused', paid: { amount: 0 } });
  });

  it('a VEND REQUEST whose answer is lost is uncertain, raised as an alert', async () => {
    await call(running, 'POST', '/api/devices/card-0/simulate', { action: 'lose-answer' });
    await call(running, 'POST', '/api/devices/card-0/simulate', {
      action: 'tap',
      value: { amount: 1000, currency: 'EUR' },
    });
    const outcome = await call(running, 'POST', '/api/vends', {
      device: 'card-0',
      amount: { amount: 200, currency: 'EUR' },
      transaction: 'vend-lost',
    });
    expect(outcome.body).toMatchObject({ op: 'vend', status: 'uncertain', replayed: false });
    expect(records('vend_request', 'vend-lost')).toBe(1);
    expect(records('uncertain', 'vend-lost')).toBe(1);
    expect(await alertCodes('card-0')).toContain('uncertain_pending');
  });

  it('dispenses a ControllerBox card once per transaction; a lost answer without a card event is uncertain', async () => {
    expect((await call(running, 'GET', '/api/devices/box-0')).body).toMatchObject({ dispensers: [0, 1] });
    const ask = { device: 'box-0', tcd: 0, transaction: 'card-1' };
    const first = await call(running, 'POST', '/api/cards/dispense', ask);
    expect(first.body).toMatchObject({ op: 'dispense_card', status: 'dispensed', tcd: 0, replayed: false });
    await ws.next((m) => m.type === 'card', 'card message');
    await ws.next(
      (m) => m.type === 'event' && (m.event as { type: string }).type === 'card_dispensed',
      'card_dispensed event',
    );
    const again = await call(running, 'POST', '/api/cards/dispense', ask);
    expect(again.body).toMatchObject({ status: 'dispensed', replayed: true, seq: first.body.seq });
    expect(records('dispense_request', 'card-1')).toBe(1);
    expect((await call(running, 'POST', '/api/cards/dispense', { ...ask, tcd: 1 })).status).toBe(409);
    expect((await call(running, 'POST', '/api/cards/dispense', { ...ask, tcd: 7, transaction: 'c7' })).status).toBe(
      409,
    );

    await call(running, 'POST', '/api/devices/box-0/simulate', { action: 'lose-answer' });
    const lost = await call(running, 'POST', '/api/cards/dispense', { device: 'box-0', tcd: 1, transaction: 'card-2' });
    expect(lost.body).toMatchObject({ op: 'dispense_card', status: 'uncertain', code: 'UNCERTAIN', tcd: 1 });
    expect(await alertCodes('box-0')).toContain('uncertain_pending');
    const resolved = await call(running, 'POST', '/api/transactions/card-2/resolve', { dispensed: false });
    expect(resolved.body).toMatchObject({ status: 'refused', tcd: 1 });
    expect(await alertCodes('box-0')).not.toContain('uncertain_pending');
  });
});
