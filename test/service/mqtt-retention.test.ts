/**
 * The MQTT bridge's cursor is the journal's retention floor: while the broker is away the journal compacts without
 * losing a record the bridge has not forwarded, and every one reaches the broker once it is back; past the hard cap
 * the journal drops them anyway and the service raises `journal_backlog`.
 */
import { describe, expect, it } from 'vitest';
import type { FileJournal } from '../../src/journal/file-journal.js';
import { DEFAULT_ALERTS } from '../../src/service/config.js';
import type { KioskService } from '../../src/service/kiosk.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { consumer, eventually, gate, serviceOnMqtt, startAedes, type Broker } from './mqtt-helpers.js';

const cleanups = cleanupAfterEach();

async function kiosk(
  kioskId: string,
  brokerUrl: string,
  journalOptions: { compactAboveBytes: number; retainMaxBytes?: number },
): Promise<{ service: KioskService; journal: FileJournal; cursor: () => number }> {
  const config = {
    kiosk: kioskId,
    currency: 'EUR',
    devices: [{ id: 'coins-0', kind: 'coin-changer' as const, port: 'simulated', alerts: DEFAULT_ALERTS }],
  };
  const { service, journal, mqtt } = await serviceOnMqtt(config, brokerUrl, cleanups, journalOptions);
  return { service, journal, cursor: () => mqtt.bridge.cursor };
}

/** An embedded broker behind a closed gate (the bridge cannot reach it until the test opens it). */
async function brokerBehindGate(): Promise<{ broker: Broker; door: Awaited<ReturnType<typeof gate>> }> {
  const broker = await startAedes();
  cleanups.push(() => broker.close());
  const door = await gate(broker.port);
  cleanups.push(() => door.close());
  door.open = false;
  return { broker, door };
}

function appendEvents(journal: FileJournal, n: number, from = 0): void {
  for (let i = from; i < from + n; i += 1) journal.append('event', { device: 'coins-0', type: 'tick', i });
}

describe('the MQTT bridge as the journal retention floor', () => {
  it('loses nothing to compaction while the broker is away, and forwards every record once it is back', async () => {
    const { broker, door } = await brokerBehindGate();
    const { client, received } = await consumer(broker.url, 'kioskbus/r1/coins-0/event');
    cleanups.push(() => client.endAsync(true));
    const { journal, cursor } = await kiosk('r1', door.url, { compactAboveBytes: 4096 });

    appendEvents(journal, 150); // several compactions' worth
    expect(journal.since(0, 10_000).some((r) => r.type === 'compacted')).toBe(true);
    const ticks = (): number[] =>
      received.flatMap((m) => {
        const body = JSON.parse(m.payload) as { event?: string; i?: number };
        return body.event === 'tick' && body.i !== undefined ? [body.i] : [];
      });
    expect(journal.since(0, 10_000).filter((r) => r.body.type === 'tick')).toHaveLength(150);

    door.open = true;
    await eventually(() => ticks().length === 150, 20_000);
    expect(ticks()).toEqual(Array.from({ length: 150 }, (_, i) => i));

    // once the broker acknowledged them, the next compaction may drop them
    await eventually(() => cursor() >= journal.lastSeq, 10_000);
    journal.compact();
    expect(journal.since(0, 10_000).filter((r) => r.body.type === 'tick')).toEqual([]);
  }, 60_000);

  it('past the hard cap drops unread records, journals retention_overflow and raises journal_backlog', async () => {
    const { door } = await brokerBehindGate();
    const { service, journal } = await kiosk('r2', door.url, { compactAboveBytes: 4096, retainMaxBytes: 8192 });

    appendEvents(journal, 300);
    await eventually(() => service.alertList().some((a) => a.code === 'journal_backlog'), 5000);
    const alert = service.alertList().find((a) => a.code === 'journal_backlog');
    expect(alert).toMatchObject({ device: 'journal', detail: { consumer: 'mqtt', capBytes: 8192 } });
    expect(journal.since(0, 10_000).some((r) => r.type === 'retention_overflow')).toBe(true);

    // the bridge gets back and catches up: the alert clears
    door.open = true;
    await eventually(() => !service.alertList().some((a) => a.code === 'journal_backlog'), 20_000);
  }, 60_000);
});
