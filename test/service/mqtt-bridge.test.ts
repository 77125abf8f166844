import { beforeEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { MqttBridge } from '../../src/service/mqtt/bridge.js';
import { parseRequest } from '../../src/service/mqtt/requests.js';
import { BridgeStateFile } from '../../src/service/mqtt/state-file.js';
import { Topics } from '../../src/service/mqtt/topics.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import {
  BROKERS,
  consumer,
  eventually,
  MemoryHub,
  startAedes,
  tempDir,
  type Broker,
  type Received,
} from './mqtt-helpers.js';

/** The broker of the running `describe.each` (BROKERS: the embedded one and, where installed, mosquitto). */
let startBroker: () => Promise<Broker> = () => startAedes();

const cleanups = cleanupAfterEach();

async function setup(kiosk = 'k1'): Promise<{
  broker: Broker;
  hub: MemoryHub;
  bridge: MqttBridge;
  received: Received[];
  client: mqtt.MqttClient;
  dir: string;
}> {
  const broker = await startBroker();
  cleanups.push(() => broker.close());
  const { client, received } = await consumer(broker.url, `kioskbus/${kiosk}/#`);
  cleanups.push(() => client.endAsync(true));
  const hub = new MemoryHub();
  const dir = tempDir();
  const bridge = new MqttBridge(hub, { url: broker.url, kiosk, dataDir: dir, reconnectMinMs: 50 });
  cleanups.push(() => bridge.stop());
  await bridge.start();
  return { broker, hub, bridge, received, client, dir };
}

function json(received: Received[], topic: string): unknown[] {
  return received.filter((m) => m.topic === topic && m.payload !== '').map((m) => JSON.parse(m.payload) as unknown);
}

describe('topics', () => {
  it('refuses ids that would break the topic tree', () => {
    expect(() => new Topics('kioskbus', 'a/b')).toThrow(/cannot be used in an MQTT topic/);
    expect(() => new Topics('kioskbus', 'k#')).toThrow(/cannot be used/);
    expect(() => new Topics('fleet/+', 'k1')).toThrow(/prefix/);
    expect(new Topics('fleet/site-3', 'k1').bridgeState).toBe('fleet/site-3/k1/bridge/state');
  });

  it('parses request topics of the bridge and of devices only', () => {
    const t = new Topics('kioskbus', 'k1');
    expect(t.parseRequest('kioskbus/k1/bridge/request/rebirth')).toEqual({ kind: 'bridge', operation: 'rebirth' });
    expect(t.parseRequest('kioskbus/k1/nv200-0/request/payout')).toEqual({
      kind: 'device',
      device: 'nv200-0',
      operation: 'payout',
    });
    expect(t.parseRequest('kioskbus/k2/nv200-0/request/payout')).toBeUndefined();
    expect(t.parseRequest('kioskbus/k1/nv200-0/response/payout')).toBeUndefined();
    expect(t.response({ kind: 'device', device: 'nv200-0', operation: 'payout' })).toBe(
      'kioskbus/k1/nv200-0/response/payout',
    );
  });
});

describe('request payloads', () => {
  const now = 1_000_000;
  const bytes = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

  it('needs a transaction and a time, and refuses old requests', () => {
    expect(parseRequest(bytes('not json'), now, 60_000)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(parseRequest(bytes({ ts: now }), now, 60_000)).toMatchObject({ ok: false, transaction: null });
    expect(parseRequest(bytes({ transaction: 't1' }), now, 60_000)).toMatchObject({ ok: false, transaction: 't1' });
    expect(parseRequest(bytes({ transaction: 't1', ts: now - 61_000 }), now, 60_000)).toMatchObject({
      ok: false,
      error: { code: 'EXPIRED' },
    });
    expect(parseRequest(bytes({ transaction: 't1', ts: now - 1000, amount: 500 }), now, 60_000)).toEqual({
      ok: true,
      request: { transaction: 't1', ts: now - 1000, args: { amount: 500 } },
    });
  });
});

describe('bridge state file', () => {
  it('keeps bdSeq and the cursor across restarts, and never moves the cursor back', () => {
    const dir = tempDir();
    const file = new BridgeStateFile(`${dir}/s.json`);
    expect(file.nextBdSeq()).toBe(1);
    file.advance(10);
    file.advance(4);
    const again = new BridgeStateFile(`${dir}/s.json`);
    expect(again.bdSeq).toBe(1);
    expect(again.cursor).toBe(10);
    expect(again.nextBdSeq()).toBe(2);
  });
});

describe.each(BROKERS)('MqttBridge on $name', ({ start }) => {
  beforeEach(() => {
    startBroker = start;
  });

  it('publishes a retained birth with bdSeq, info, device state and availability', async () => {
    const { received } = await setup();
    await eventually(() => json(received, 'kioskbus/k1/bridge/info').length > 0);
    expect(json(received, 'kioskbus/k1/bridge/state')).toEqual([
      expect.objectContaining({ state: 'online', bdSeq: 1 }),
    ]);
    await eventually(() => received.some((m) => m.topic === 'kioskbus/k1/hopper-0/availability'));
    expect(json(received, 'kioskbus/k1/nv200-0/state')).toEqual([
      expect.objectContaining({ id: 'nv200-0', state: 'ready', online: true }),
    ]);
    expect(received.find((m) => m.topic === 'kioskbus/k1/nv200-0/availability')?.payload).toBe('online');
  });

  it('forwards journal records in order with their seq, and moves the cursor on PUBACK', async () => {
    const { hub, bridge, received } = await setup();
    hub.append({ type: 'credit', device: 'nv200-0', amount: 500, currency: 'EUR' });
    hub.append({ type: 'credit', device: 'nv200-0', amount: 1000, currency: 'EUR' });
    hub.append({ type: 'credit', device: 'hopper-0', amount: 100, currency: 'EUR' });
    await eventually(() => bridge.cursor === 3);
    await eventually(() => received.filter((m) => m.topic.endsWith('/event')).length === 3);
    expect(json(received, 'kioskbus/k1/nv200-0/event')).toEqual([
      expect.objectContaining({ seq: 1, amount: 500 }),
      expect.objectContaining({ seq: 2, amount: 1000 }),
    ]);
    expect(json(received, 'kioskbus/k1/hopper-0/event')).toEqual([expect.objectContaining({ seq: 3 })]);
  });

  it('answers requests on the matching response topic; a repeated payout transaction pays once', async () => {
    const { hub, received, client } = await setup();
    const request = { transaction: 'pay-1', ts: Date.now(), amount: 500, currency: 'EUR' };
    await client.publishAsync('kioskbus/k1/hopper-0/request/payout', JSON.stringify(request), { qos: 1 });
    await client.publishAsync('kioskbus/k1/hopper-0/request/payout', JSON.stringify(request), { qos: 1 });
    await eventually(() => json(received, 'kioskbus/k1/hopper-0/response/payout').length === 2);
    const [first, second] = json(received, 'kioskbus/k1/hopper-0/response/payout');
    expect(first).toEqual({
      transaction: 'pay-1',
      ok: true,
      result: { outcome: 'paid', amount: 500, currency: 'EUR' },
    });
    expect(second).toMatchObject({ transaction: 'pay-1', ok: true, result: { replayed: true } });
    expect(hub.paid).toBe(500);
  });

  it('refuses expired, malformed and unknown requests with a reason, running nothing', async () => {
    const { hub, received, client } = await setup();
    await client.publishAsync(
      'kioskbus/k1/hopper-0/request/payout',
      JSON.stringify({ transaction: 'old', ts: Date.now() - 3_600_000, amount: 500, currency: 'EUR' }),
      { qos: 1 },
    );
    await client.publishAsync('kioskbus/k1/hopper-0/request/payout', 'garbage', { qos: 1 });
    await client.publishAsync(
      'kioskbus/k1/hopper-0/request/explode',
      JSON.stringify({ transaction: 'x', ts: Date.now() }),
      { qos: 1 },
    );
    await client.publishAsync(
      'kioskbus/k1/nobody/request/enable',
      JSON.stringify({ transaction: 'y', ts: Date.now() }),
      { qos: 1 },
    );
    await eventually(() => json(received, 'kioskbus/k1/hopper-0/response/payout').length === 2);
    await eventually(() => json(received, 'kioskbus/k1/nobody/response/enable').length === 1);
    expect(json(received, 'kioskbus/k1/hopper-0/response/payout')).toMatchObject([
      { transaction: 'old', ok: false, error: { code: 'EXPIRED' } },
      { transaction: null, ok: false, error: { code: 'BAD_REQUEST' } },
    ]);
    await eventually(() => json(received, 'kioskbus/k1/hopper-0/response/explode').length === 1);
    expect(json(received, 'kioskbus/k1/hopper-0/response/explode')[0]).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_COMMAND' },
    });
    expect(json(received, 'kioskbus/k1/nobody/response/enable')[0]).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(hub.runs).toEqual([]);
  });

  it('bridge requests: disable_all runs on the kiosk, rebirth publishes the birth again', async () => {
    const { hub, received, client } = await setup();
    await client.publishAsync(
      'kioskbus/k1/bridge/request/disable_all',
      JSON.stringify({ transaction: 'd', ts: Date.now() }),
      {
        qos: 1,
      },
    );
    await eventually(() => json(received, 'kioskbus/k1/bridge/response/disable_all').length === 1);
    expect(hub.runs).toEqual([{ operation: 'disable_all', device: undefined, args: {}, transaction: 'd' }]);
    const births = json(received, 'kioskbus/k1/bridge/state').length;
    await client.publishAsync(
      'kioskbus/k1/bridge/request/rebirth',
      JSON.stringify({ transaction: 'r', ts: Date.now() }),
      {
        qos: 1,
      },
    );
    await eventually(() => json(received, 'kioskbus/k1/bridge/state').length === births + 1);
  });

  it('raises alerts as retained objects and clears them with an empty retained message', async () => {
    const { hub, received } = await setup();
    hub.alertList = [{ device: 'nv200-0', code: 'cashbox_full', since: 1 }];
    hub.changed({ kind: 'alerts' });
    await eventually(() => received.some((m) => m.topic === 'kioskbus/k1/nv200-0/alert/cashbox_full'));
    hub.alertList = [];
    hub.changed({ kind: 'alerts' });
    await eventually(() =>
      received.some((m) => m.topic === 'kioskbus/k1/nv200-0/alert/cashbox_full' && m.payload === ''),
    );
  });

  it('a restarted bridge increments bdSeq and re-sends only what the broker did not acknowledge', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.close());
    const hub = new MemoryHub();
    const dir = tempDir();
    const first = new MqttBridge(hub, { url: broker.url, kiosk: 'k1', dataDir: dir });
    await first.start();
    hub.append({ type: 'credit', device: 'nv200-0', amount: 500, currency: 'EUR' });
    await eventually(() => first.cursor === 1);
    await first.stop();
    hub.append({ type: 'credit', device: 'nv200-0', amount: 200, currency: 'EUR' });
    const { client, received } = await consumer(broker.url, 'kioskbus/k1/#');
    cleanups.push(() => client.endAsync(true));
    const second = new MqttBridge(hub, { url: broker.url, kiosk: 'k1', dataDir: dir });
    cleanups.push(() => second.stop());
    await second.start();
    expect(second.bdSeq).toBe(2);
    await eventually(() => second.cursor === 2);
    await eventually(() => received.some((m) => m.topic.endsWith('/event')));
    expect(json(received, 'kioskbus/k1/nv200-0/event')).toEqual([expect.objectContaining({ seq: 2, amount: 200 })]);
  });
});
