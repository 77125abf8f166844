/**
 * Test helpers for the MQTT bridge: an in-memory hub with a journal, an embedded aedes broker on a free loopback port,
 * a real Debian mosquitto started on a free port (when installed), the brokers a test runs on, a consumer that
 * records what it receives, and the real service bridged to a broker.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ErrorCode, KioskbusError } from '../../src/core/errors.js';
import { FileJournal, type FileJournalOptions } from '../../src/journal/file-journal.js';
import { DeviceBuilder } from '../../src/service/build.js';
import type { ServiceConfig } from '../../src/service/config.js';
import { KioskService } from '../../src/service/kiosk.js';
import { attachMqtt } from '../../src/service/mqtt/attach.js';
import type { FleetAlert, FleetDevice, FleetHub, FleetRecord, HubChange } from '../../src/service/mqtt/hub.js';
import type { Cleanup } from '../helpers/cleanups.js';

export class MemoryHub implements FleetHub {
  readonly records: FleetRecord[] = [];
  readonly runs: {
    operation: string;
    device: string | undefined;
    args: Record<string, unknown>;
    transaction: string;
  }[] = [];
  devicesList: FleetDevice[] = [
    { id: 'nv200-0', protocol: 'essp', kind: 'validator', state: 'ready', online: true, enabled: true },
    { id: 'hopper-0', protocol: 'essp', kind: 'smart-hopper', state: 'ready', online: true, enabled: true },
  ];
  alertList: FleetAlert[] = [];
  /** Stored payout outcomes by transaction: a repeat returns the stored one and pays nothing. */
  private readonly payouts = new Map<string, unknown>();
  paid = 0;
  private readonly listeners = new Set<(change: HubChange) => void>();

  devices(): FleetDevice[] {
    return this.devicesList;
  }

  alerts(): FleetAlert[] {
    return this.alertList;
  }

  journalSince(after: number, limit: number): Promise<FleetRecord[]> {
    return Promise.resolve(this.records.filter((r) => r.seq > after).slice(0, limit));
  }

  lastSeq(): number {
    return this.records.at(-1)?.seq ?? 0;
  }

  subscribe(listener: (change: HubChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(record: { type: string; device?: string; [key: string]: unknown }): FleetRecord {
    const full: FleetRecord = { ...record, type: record.type, seq: this.lastSeq() + 1, ts: Date.now() };
    this.records.push(full);
    this.changed({ kind: 'journal', seq: full.seq });
    return full;
  }

  changed(change: HubChange): void {
    for (const listener of this.listeners) listener(change);
  }

  run(
    operation: string,
    device: string | undefined,
    args: Record<string, unknown>,
    transaction: string,
  ): Promise<unknown> {
    this.runs.push({ operation, device, args, transaction });
    if (operation === 'payout') {
      const stored = this.payouts.get(transaction);
      if (stored !== undefined) return Promise.resolve({ ...(stored as object), replayed: true });
      if (typeof args.amount !== 'number') {
        return Promise.reject(new KioskbusError(ErrorCode.InvalidArgument, 'amount must be a number'));
      }
      this.paid += args.amount;
      const outcome = { outcome: 'paid', amount: args.amount, currency: args.currency };
      this.payouts.set(transaction, outcome);
      return Promise.resolve(outcome);
    }
    return Promise.resolve({ done: operation });
  }
}

export interface Broker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

/** An in-process aedes broker (MQTT 3.1.1) on a loopback port. */
export async function startAedes(port = 0): Promise<Broker> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    close: async () => {
      await new Promise<void>((resolve) => {
        broker.close(() => {
          resolve();
        });
      });
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/**
 * A loopback TCP relay to a broker that the test opens and closes: while closed, new connections are dropped at once
 * (the broker looks down to whoever connects through it), so a test can decide when a bridge gets back in.
 */
export async function gate(targetPort: number): Promise<{ url: string; open: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { open: true };
  const server = createServer((socket) => {
    if (!state.open) {
      socket.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    socket.pipe(upstream).pipe(socket);
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    get open() {
      return state.open;
    },
    set open(value: boolean) {
      state.open = value;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

export function mosquittoAvailable(): boolean {
  return spawnSync('mosquitto', ['-h']).error === undefined;
}

/** The brokers a bridge test runs on: the embedded one, and a real mosquitto where it is installed. */
export const BROKERS: { name: string; start: () => Promise<Broker> }[] = [
  { name: 'the embedded broker (aedes)', start: () => startAedes() },
  ...(mosquittoAvailable() ? [{ name: 'mosquitto', start: () => startMosquitto() }] : []),
];

/** Debian mosquitto on a loopback port from test/fixtures/mosquitto.conf (queue limits raised). */
export async function startMosquitto(port?: number): Promise<Broker & { process: ChildProcess }> {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  const template = readFileSync(new URL('../fixtures/mosquitto.conf', import.meta.url), 'utf8');
  writeFileSync(conf, template.replace('listener PORT', `listener ${chosen}`));
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${chosen}`;
  for (let i = 0; i < 100; i++) {
    try {
      const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
      await probe.endAsync();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    port: chosen,
    process: child,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A consumer subscribed to everything under `filter`, recording messages. */
export async function consumer(url: string, filter: string): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, clean: true });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

/** Polls `check` on real time (a broker is a real process) until it holds, at most `ms`. */
export async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kioskbus-bridge-'));
}

/**
 * The real service on `config` (simulated devices, fast) with a file journal in a temp folder, bridged to the broker
 * at `url` (MQTT 3.1.1 under `kioskbus`); what it started is pushed to `cleanups`.
 */
export async function serviceOnMqtt(
  config: ServiceConfig,
  url: string,
  cleanups: Cleanup[],
  journalOptions: Omit<FileJournalOptions, 'dir'> = {},
): Promise<{ service: KioskService; journal: FileJournal; mqtt: Awaited<ReturnType<typeof attachMqtt>> }> {
  const dir = tempDir();
  const journal = new FileJournal({ dir, ...journalOptions });
  const service = new KioskService(config, await new DeviceBuilder({ fastSimulators: true }).build(config), journal);
  cleanups.push(() => service.close(1000));
  await service.start();
  const settings = {
    url,
    prefix: 'kioskbus',
    protocolVersion: 4 as const,
    maxRequestAgeMs: 60_000,
    heartbeatMs: 30_000,
  };
  const mqtt = await attachMqtt(service, { settings, dataDir: dir });
  cleanups.push(() => mqtt.close());
  return { service, journal, mqtt };
}
