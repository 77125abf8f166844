/**
 * The bridge over the real service (journal, simulated SMART Hopper): a payout request delivered twice pays once, on the
 * embedded broker and on mosquitto where it is installed.
 */
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { simulatedConfig } from '../../src/service/config.js';
import type { KioskService } from '../../src/service/kiosk.js';
import { flattenRecord } from '../../src/service/mqtt/kiosk-hub.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { BROKERS, consumer, eventually, serviceOnMqtt, type Broker, type Received } from './mqtt-helpers.js';

const cleanups = cleanupAfterEach();

/** The real service with some simulated devices, its journal and the bridge on a broker, and a consumer of its topics. */
async function kioskOnMqtt(
  start: () => Promise<Broker>,
  kiosk: string,
  kinds: string[],
): Promise<{ service: KioskService; client: MqttClient; received: Received[] }> {
  const broker = await start();
  cleanups.push(() => broker.close());
  const base = simulatedConfig();
  const config = { ...base, kiosk, devices: base.devices.filter((d) => kinds.includes(d.kind)) };
  const { service } = await serviceOnMqtt(config, broker.url, cleanups);
  const { client, received } = await consumer(broker.url, `kioskbus/${kiosk}/#`);
  cleanups.push(() => client.endAsync(true));
  return { service, client, received };
}

function stock(service: KioskService): number {
  const levels = service.view('hopper-0').levels ?? [];
  return levels.reduce((sum, l) => sum + l.value.amount * l.count, 0);
}

describe('flattenRecord', () => {
  it('puts the body at the top and keeps a device event type as `event`', () => {
    expect(
      flattenRecord({ seq: 4, ts: 9, type: 'event', body: { device: 'nv200-0', type: 'escrow', value: 5 } }),
    ).toEqual({ seq: 4, ts: 9, type: 'event', event: 'escrow', device: 'nv200-0', value: 5 });
  });
});

describe.each(BROKERS)('the service on MQTT ($name)', ({ start }) => {
  it('a payout request delivered twice pays once; both answers carry the same outcome', async () => {
    const { service, client, received } = await kioskOnMqtt(start, 'k7', ['smart-hopper']);
    await eventually(() => received.some((m) => m.topic === 'kioskbus/k7/hopper-0/availability'), 10_000);
    const before = stock(service);
    const request = JSON.stringify({ transaction: 'change-1', ts: Date.now(), amount: 150, currency: 'EUR' });
    await client.publishAsync('kioskbus/k7/hopper-0/request/payout', request, { qos: 1 });
    await client.publishAsync('kioskbus/k7/hopper-0/request/payout', request, { qos: 1 });
    const responses = (): { transaction: string; ok: boolean; result: { status: string; replayed: boolean } }[] =>
      received
        .filter((m) => m.topic === 'kioskbus/k7/hopper-0/response/payout')
        .map(
          (m) =>
            JSON.parse(m.payload) as {
              transaction: string;
              ok: boolean;
              result: { status: string; replayed: boolean };
            },
        );
    await eventually(() => responses().length === 2, 20_000);
    const [first, second] = responses();
    expect(first).toMatchObject({ transaction: 'change-1', ok: true, result: { status: 'paid' } });
    expect(second).toMatchObject({ transaction: 'change-1', ok: true, result: { status: 'paid', replayed: true } });
    expect([first?.result.replayed, second?.result.replayed]).toContain(false);
    const records = service.journalSince(0, 1000).filter((r) => r.body.transaction === 'change-1');
    expect(records.map((r) => r.type)).toEqual(['payout_request', 'payout_result']);
    await eventually(() => stock(service) === before - 150, 10_000);
    expect(stock(service)).toBe(before - 150);
    // the payout's journal records reached the broker as events with their seq
    await eventually(() => received.filter((m) => m.topic === 'kioskbus/k7/hopper-0/event').length >= 2, 10_000);
  }, 60_000);

  it('reset_counts reaches the device and returns its own answer; a device without counters says so; nothing journalled', async () => {
    const { service, client, received } = await kioskOnMqtt(start, 'k8', ['smart-hopper', 'bill-validator']);
    const ask = (device: string): Promise<unknown> =>
      client.publishAsync(
        `kioskbus/k8/${device}/request/reset_counts`,
        JSON.stringify({ transaction: `reset-${device}`, ts: Date.now() }),
        { qos: 1 },
      );
    await ask('hopper-0');
    await ask('ccnet-bv-0');
    const answer = (
      device: string,
    ): { ok: boolean; result?: { before: { counters: number[] } }; error?: { message: string } } | undefined => {
      const m = received.find((r) => r.topic === `kioskbus/k8/${device}/response/reset_counts`);
      return m
        ? (JSON.parse(m.payload) as {
            ok: boolean;
            result?: { before: { counters: number[] } };
            error?: { message: string };
          })
        : undefined;
    };
    await eventually(() => answer('hopper-0') !== undefined && answer('ccnet-bv-0') !== undefined, 20_000);
    expect(answer('ccnet-bv-0')).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('keeps no activity counters') as unknown },
    });
    const hopper = answer('hopper-0');
    // the simulated SMART Hopper does not know GET_COUNTERS (an NV9USB does): its own refusal comes back
    expect(hopper).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND_AT_DEVICE' } });
    expect(service.journalSince(0, 1000).filter((r) => r.type === 'counts_reset')).toEqual([]);
  }, 60_000);
});
