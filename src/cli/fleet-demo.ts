/**
 * `kioskbus fleet-demo --kiosks N [--seconds S] [--mqtt URL]`: N simulated kiosks (each the real service with one
 * simulated device of every kind, its own journal and its own MQTT bridge) report to one broker (embedded unless --mqtt
 * is given); simulated customers insert notes and coins and ask for change over MQTT (every change request is sent
 * twice, as QoS 1 may deliver it, and pays once); a fleet consumer prints a live table of takings, payouts, cash levels
 * and alerts per kiosk. At the end it waits until every bridge has forwarded its journal, prints the totals, and exits 0
 * only when the consumer's totals equal the sum of the kiosks' journals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { FileJournal } from '../journal/file-journal.js';
import { DeviceBuilder } from '../service/build.js';
import { simulatedConfig } from '../service/config.js';
import { KioskService } from '../service/kiosk.js';
import { MqttBridge } from '../service/mqtt/bridge.js';
import { FleetConsumer, type KioskView } from '../service/mqtt/consumer.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../service/mqtt/embedded-broker.js';
import { kioskHub } from '../service/mqtt/kiosk-hub.js';
import { ExitCode } from './exit.js';
import { UsageError, type CliCommand, type CliIo } from './types.js';

interface Kiosk {
  id: string;
  service: KioskService;
  bridge: MqttBridge;
  dir: string;
  customers: number;
  changeRequests: number;
}

/** Notes and coins customers use (EUR minor units) and the device that takes each. */
const NOTES = [500, 1000, 2000];
const COINS = [10, 20, 50, 100, 200];

/** A small seeded generator, so a run can be repeated (`--seed`). */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function pick<T>(list: readonly T[], random: () => number): T {
  const item = list[Math.floor(random() * list.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
}

function euros(minor: number | undefined): string {
  return ((minor ?? 0) / 100).toFixed(2);
}

async function startKiosk(index: number, url: string, root: string): Promise<Kiosk> {
  const id = `kiosk-${String(index + 1).padStart(2, '0')}`;
  const config = { ...simulatedConfig(), kiosk: id };
  const devices = await new DeviceBuilder({ fastSimulators: true }).build(config);
  const dir = join(root, id);
  const journal = new FileJournal({ dir });
  const service = new KioskService(config, devices, journal);
  await service.start();
  const bridge = new MqttBridge(kioskHub(service), { url, kiosk: id, dataDir: dir, heartbeatMs: 5000 });
  await bridge.start();
  return { id, service, bridge, dir, customers: 0, changeRequests: 0 };
}

/** Where a customer's money goes in, by the roll of the dice (the rest of the rolls ask for change). */
const INSERTS = [
  { below: 0.3, device: 'nv200-0', values: NOTES },
  { below: 0.5, device: 'ccnet-bv-0', values: NOTES },
  { below: 0.75, device: 'hopper-0', values: COINS },
  { below: 0.85, device: 'coins-0', values: COINS },
];

/** One customer at one kiosk: a note or coin in, sometimes change out (asked twice over MQTT, paid once). */
async function customer(kiosk: Kiosk, client: MqttClient, random: () => number): Promise<void> {
  kiosk.customers++;
  const roll = random();
  const insert = INSERTS.find((i) => roll < i.below);
  try {
    if (insert) {
      await kiosk.service.simulate(insert.device, {
        action: 'insert',
        value: { amount: pick(insert.values, random), currency: 'EUR' },
      });
    } else {
      kiosk.changeRequests++;
      const request = JSON.stringify({
        transaction: `${kiosk.id}-change-${kiosk.changeRequests}`,
        ts: Date.now(),
        amount: pick([50, 100, 150, 200], random),
        currency: 'EUR',
      });
      const topic = `kioskbus/${kiosk.id}/hopper-0/request/payout`;
      await client.publishAsync(topic, request, { qos: 1 });
      await client.publishAsync(topic, request, { qos: 1 }); // a redelivery: must not pay twice
    }
  } catch {
    // a simulator refusing (a device still starting, a value it does not take) is part of the demo's noise
  }
}

interface JournalTotals {
  credits: number;
  paid: number;
  lastSeq: number;
}

function journalTotals(kiosk: Kiosk): JournalTotals {
  let credits = 0;
  let paid = 0;
  for (const r of kiosk.service.journalSince(0, Number.MAX_SAFE_INTEGER)) {
    if (r.type === 'credit' && r.body.currency === 'EUR') credits += Number(r.body.amount);
    if (r.type === 'payout_result') {
      const p = r.body.paid as { amount?: number; currency?: string } | undefined;
      if (p?.currency === 'EUR') paid += p.amount ?? 0;
    }
  }
  return { credits, paid, lastSeq: kiosk.service.journal.lastSeq };
}

function cashLevel(view: KioskView): number {
  let total = 0;
  for (const device of Object.values(view.devices)) {
    const levels = device.state?.levels;
    if (!Array.isArray(levels)) continue;
    for (const level of levels as { value?: { amount?: number; currency?: string }; count?: number }[]) {
      if (level.value?.currency === 'EUR') total += (level.value.amount ?? 0) * (level.count ?? 0);
    }
  }
  return total;
}

function table(consumer: FleetConsumer, kiosks: Kiosk[]): string {
  const head = 'kiosk      online  takings EUR  paid out EUR  in stores EUR  events  dup  gaps  alerts';
  const rows = kiosks.map((k) => {
    const v = consumer.view(k.id);
    return [
      k.id.padEnd(9),
      (v.online ? 'yes' : 'no').padStart(6),
      euros(v.takings.EUR).padStart(12),
      euros(v.paidOut.EUR).padStart(13),
      euros(cashLevel(v)).padStart(14),
      String(v.events).padStart(7),
      String(v.duplicates).padStart(4),
      String(v.missing.size).padStart(5),
      `  ${Object.keys(v.alerts).join(' ') || '-'}`,
    ].join(' ');
  });
  return [head, ...rows].join('\n');
}

async function until(check: () => boolean, ms: number, signal: AbortSignal): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end || signal.aborted) return check();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

export const fleetDemoCommand: CliCommand = {
  summary: 'N simulated kiosks report to one MQTT broker; a consumer checks every cent',
  usage: `kioskbus fleet-demo [--kiosks N] [--seconds S] [--mqtt URL] [--seed N] [--quiet]

Starts N simulated kiosks (default 5), each the real service with one simulated device of every kind, its own
journal and MQTT bridge, against one broker: an embedded one (aedes, loopback) unless --mqtt mqtt://host:port is
given. Simulated customers insert notes and coins and ask for change over MQTT (each request sent twice, paid once).
A consumer prints takings, payouts, cash in the payout stores and alerts per kiosk. After S seconds (default: until
Ctrl-C) it waits for every bridge to forward its journal and prints the totals. Exit code 0 only when the consumer's
totals equal the sum of the kiosks' journals, 1 otherwise.`,
  async run(args, io: CliIo) {
    const { values } = parseArgs({
      args,
      options: {
        kiosks: { type: 'string', default: '5' },
        seconds: { type: 'string' },
        mqtt: { type: 'string' },
        seed: { type: 'string', default: '1' },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const count = Number(values.kiosks);
    if (!Number.isInteger(count) || count < 1 || count > 500) throw new UsageError('--kiosks must be 1..500');
    const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be a positive number');
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
    const random = prng(seed);
    const root = mkdtempSync(join(tmpdir(), 'kioskbus-fleet-'));
    let broker: EmbeddedBroker | undefined;
    const kiosks: Kiosk[] = [];
    const consumer = new FleetConsumer();
    let client: MqttClient | undefined;
    try {
      let url = values.mqtt;
      if (url === undefined) {
        broker = await startEmbeddedBroker();
        url = broker.url;
        io.stderr.write(`embedded broker (aedes) on ${url}\n`);
      }
      await consumer.connect(url);
      client = await mqtt.connectAsync(url, { reconnectPeriod: 500 });
      for (let i = 0; i < count; i++) kiosks.push(await startKiosk(i, url, root));
      io.stderr.write(`${count} kiosks running${seconds === undefined ? ' (Ctrl-C to stop)' : ` for ${seconds} s`}\n`);
      const stopAt = seconds === undefined ? Infinity : Date.now() + seconds * 1000;
      let lastPrint = 0;
      while (Date.now() < stopAt && !io.signal.aborted) {
        const clientNow = client;
        await Promise.all(kiosks.map((k) => (random() < 0.5 ? customer(k, clientNow, random) : Promise.resolve())));
        if (!values.quiet && Date.now() - lastPrint >= 1000) {
          lastPrint = Date.now();
          io.stdout.write(`\n${table(consumer, kiosks)}\n`);
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      // let payouts and notes in flight finish, then wait until every journal is forwarded and received
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const settled = await until(
        () =>
          kiosks.every((k) => {
            const last = k.service.journal.lastSeq;
            const view = consumer.view(k.id);
            return k.bridge.cursor >= last && view.lastSeq >= last && view.missing.size === 0;
          }),
        30_000,
        io.signal,
      );
      io.stdout.write(`\n${table(consumer, kiosks)}\n\n`);
      let ok = settled;
      let credits = 0;
      let paid = 0;
      for (const k of kiosks) {
        const journal = journalTotals(k);
        const view = consumer.view(k.id);
        credits += journal.credits;
        paid += journal.paid;
        const match = (view.takings.EUR ?? 0) === journal.credits && (view.paidOut.EUR ?? 0) === journal.paid;
        if (!match) {
          ok = false;
          io.stdout.write(
            `${k.id}: consumer saw ${euros(view.takings.EUR)} in / ${euros(view.paidOut.EUR)} out, journal has ` +
              `${euros(journal.credits)} / ${euros(journal.paid)}\n`,
          );
        }
      }
      const customers = kiosks.reduce((n, k) => n + k.customers, 0);
      io.stdout.write(
        `totals: ${customers} customers, ${euros(credits)} EUR taken, ${euros(paid)} EUR paid out as change; ` +
          `consumer ${ok ? 'equals' : 'DIFFERS FROM'} the kiosks' journals\n`,
      );
      return ok ? ExitCode.Ok : ExitCode.Failure;
    } finally {
      await Promise.allSettled(kiosks.map((k) => k.bridge.stop()));
      await Promise.allSettled(kiosks.map((k) => k.service.close(2000)));
      await client?.endAsync().catch(() => undefined);
      await consumer.close().catch(() => undefined);
      await broker?.close();
      rmSync(root, { recursive: true, force: true });
    }
  },
};
