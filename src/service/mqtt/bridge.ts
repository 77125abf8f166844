/**
 * The MQTT fleet bridge: publishes one kiosk's devices, alerts and money journal to a broker the operator owns, and takes
 * requests from it. Topics: topics.ts; durable bdSeq and cursor: state-file.ts; what it reads: hub.ts.
 *
 * - **Birth and death**: every connect stores bdSeq + 1 first, registers a retained Will `{state:"offline", bdSeq}` and
 *   publishes a retained birth `{state:"online", bdSeq}`; a consumer ignores a death whose bdSeq is not the current
 *   birth's (a session takeover publishes the old Will after the new birth).
 * - **Money events from the journal**: records are published in order at QoS 1 from the persisted cursor; the cursor
 *   moves only on PUBACK, so a broker outage or a crash re-sends (consumers de-duplicate on kiosk + seq) and never skips.
 * - **Requests** carry a `transaction` and a `ts`; old ones are refused; the service journals payouts by transaction, so a
 *   redelivered payout returns the stored result.
 * - **Reconnects** are the bridge's own (back-off from `reconnectMinMs` to `reconnectMaxMs`): each one is a new CONNECT
 *   with a new bdSeq in its Will, which the client library's automatic reconnect could not do.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ErrorCode, isKioskbusError, KioskbusError, toKioskbusError } from '../../core/errors.js';
import type { FleetAlert, FleetHub, FleetRecord, HubChange } from './hub.js';
import { parseRequest, type BridgeResponse } from './requests.js';
import { BRIDGE_STATE_FILE, BridgeStateFile } from './state-file.js';
import { BRIDGE_OPERATIONS, DEVICE_OPERATIONS, Topics, type RequestTarget } from './topics.js';

export interface MqttBridgeOptions {
  /** `mqtt://user:pass@host:port` or `mqtts://...`. */
  url: string;
  kiosk: string;
  /** Topic prefix (default `kioskbus`). */
  prefix?: string;
  /** Folder for the bridge's state file (bdSeq, cursor). */
  dataDir: string;
  /** MQTT protocol version: 4 (3.1.1, default) or 5. */
  protocolVersion?: 4 | 5;
  /** TLS: CA, client certificate and key (PEM). */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Requests older than this are refused (default 60 000 ms). */
  maxRequestAgeMs?: number;
  /** How often `bridge/info` is published again (default 30 000 ms). */
  heartbeatMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Reported in `bridge/info`. */
  version?: string;
  /** Journal records per read (default 200). */
  batch?: number;
}

export interface MqttBridgeEvents {
  connected: [bdSeq: number];
  disconnected: [reason: string];
  /** Something went wrong in the background (the bridge goes on). */
  problem: [error: KioskbusError];
  /** Journal records up to this seq were acknowledged by the broker. */
  forwarded: [cursor: number];
}

const QOS1 = { qos: 1 } as const;
const RETAINED = { qos: 1, retain: true } as const;
/** How long `stop()` waits for the broker to take the clean death before it drops the connection. */
const STOP_WAIT_MS = 2000;

export class MqttBridge extends EventEmitter<MqttBridgeEvents> {
  readonly topics: Topics;
  private readonly state: BridgeStateFile;
  private readonly options: Required<Omit<MqttBridgeOptions, 'ca' | 'cert' | 'key'>> &
    Pick<MqttBridgeOptions, 'ca' | 'cert' | 'key'>;
  private client: MqttClient | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private unsubscribeHub: (() => void) | undefined;
  private pumping = false;
  private pumpAgain = false;
  private readonly startedAt = Date.now();
  /** Retained alert topics we published, to clear them when the alert ends. */
  private readonly publishedAlerts = new Set<string>();
  private readonly lastState = new Map<string, string>();

  constructor(
    private readonly hub: FleetHub,
    options: MqttBridgeOptions,
  ) {
    super();
    this.options = {
      prefix: 'kioskbus',
      protocolVersion: 4,
      maxRequestAgeMs: 60_000,
      heartbeatMs: 30_000,
      reconnectMinMs: 500,
      reconnectMaxMs: 10_000,
      version: '0.0.0',
      batch: 200,
      ...options,
    };
    this.topics = new Topics(this.options.prefix, options.kiosk);
    this.state = new BridgeStateFile(join(options.dataDir, BRIDGE_STATE_FILE));
    this.backoffMs = this.options.reconnectMinMs;
  }

  /** Read through methods: the flags change while a connect or a batch is awaited. */
  private isRunning(): boolean {
    return this.running;
  }

  private morePumping(): boolean {
    return this.pumpAgain;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  get bdSeq(): number {
    return this.state.bdSeq;
  }

  /** Highest journal seq the broker acknowledged. */
  get cursor(): number {
    return this.state.cursor;
  }

  /** Starts connecting (and reconnecting); resolves after the first attempt, connected or not. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribeHub = this.hub.subscribe((change) => {
      this.onHubChange(change);
    });
    this.heartbeat = setInterval(() => {
      void this.publishInfo();
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
    await this.connect();
  }

  /** Publishes a clean death, disconnects and stops reconnecting. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    this.unsubscribeHub?.();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // a clean death and a clean disconnect, but never waiting on a broker that went away meanwhile
    const clean = (async () => {
      if (client.connected) {
        await client.publishAsync(this.topics.bridgeState, this.death('offline'), RETAINED).catch(() => undefined);
      }
      await client.endAsync().catch(() => undefined);
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) =>
        (timer = setTimeout(() => {
          resolve('late');
        }, STOP_WAIT_MS)),
    );
    if ((await Promise.race([clean, late])) === 'late') await client.endAsync(true).catch(() => undefined);
    clearTimeout(timer);
  }

  private death(state: string): string {
    return JSON.stringify({ state, bdSeq: this.state.bdSeq, ts: Date.now() });
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const bdSeq = this.state.nextBdSeq();
    const options: IClientOptions = {
      clientId: `kioskbus-${this.options.kiosk}`,
      clean: true,
      reconnectPeriod: 0, // our own reconnects: each CONNECT needs a new bdSeq in its Will
      connectTimeout: 10_000,
      protocolVersion: this.options.protocolVersion,
      will: {
        topic: this.topics.bridgeState,
        payload: Buffer.from(JSON.stringify({ state: 'offline', bdSeq })),
        qos: 1,
        retain: true,
      },
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
      ...(this.options.cert !== undefined ? { cert: this.options.cert } : {}),
      ...(this.options.key !== undefined ? { key: this.options.key } : {}),
    };
    let client: MqttClient;
    try {
      // allowRetries false: a broker that drops the connection before CONNACK rejects instead of hanging for ever
      client = await mqtt.connectAsync(this.options.url, options, false);
    } catch (error) {
      this.report(error, 'cannot connect to the broker');
      this.scheduleReconnect();
      return;
    }
    if (!this.isRunning()) {
      await client.endAsync(true).catch(() => undefined);
      return;
    }
    this.client = client;
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('message');
      client.end(true);
      this.emit('disconnected', 'connection closed');
      this.scheduleReconnect();
    });
    client.on('error', (error) => {
      this.report(error, 'broker connection error');
    });
    client.on('message', (topic, payload, packet) => {
      void this.onMessage(client, topic, payload, packet.retain);
    });
    try {
      await this.birth(client);
    } catch (error) {
      this.report(error, 'publishing the birth failed');
      client.end(true);
      return;
    }
    this.backoffMs = this.options.reconnectMinMs;
    this.emit('connected', bdSeq);
    this.pump();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    clearTimeout(this.reconnectTimer);
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => {
      void this.connect();
    }, wait);
  }

  /** Birth, info, every device's state and availability, alerts, then the request subscriptions. */
  private async birth(client: MqttClient): Promise<void> {
    await client.publishAsync(
      this.topics.bridgeState,
      JSON.stringify({ state: 'online', bdSeq: this.state.bdSeq, ts: Date.now() }),
      RETAINED,
    );
    await this.publishInfo(client);
    this.lastState.clear();
    for (const device of this.hub.devices()) await this.publishDevice(client, device.id);
    // retained alerts of an earlier run arrive on this subscription; the ones no longer active are cleared
    await client.subscribeAsync(`${this.topics.base}/+/alert/+`, QOS1);
    await this.publishAlerts(client);
    await client.subscribeAsync(this.topics.requestFilters, QOS1);
  }

  private async publishInfo(client = this.client): Promise<void> {
    if (!client?.connected) return;
    const info = {
      kiosk: this.options.kiosk,
      version: this.options.version,
      bdSeq: this.state.bdSeq,
      uptimeMs: Date.now() - this.startedAt,
      heartbeat: Date.now(),
      devices: this.hub.devices().map((d) => ({ id: d.id, protocol: d.protocol, kind: d.kind })),
      journal: { lastSeq: this.hub.lastSeq(), forwarded: this.state.cursor },
    };
    await client.publishAsync(this.topics.bridgeInfo, JSON.stringify(info), RETAINED).catch((error: unknown) => {
      this.report(error, 'publishing bridge/info failed');
    });
  }

  private async publishDevice(client: MqttClient, id: string): Promise<void> {
    const device = this.hub.devices().find((d) => d.id === id);
    if (!device) return;
    const payload = JSON.stringify(device);
    if (this.lastState.get(id) === payload) return;
    this.lastState.set(id, payload);
    await client.publishAsync(this.topics.deviceState(id), payload, RETAINED);
    await client.publishAsync(this.topics.availability(id), device.online ? 'online' : 'offline', RETAINED);
  }

  private alertTopic(alert: FleetAlert): string {
    return this.topics.alert(alert.device, alert.code);
  }

  private async publishAlerts(client: MqttClient): Promise<void> {
    const active = new Map(this.hub.alerts().map((a) => [this.alertTopic(a), a]));
    for (const [topic, alert] of active) {
      if (this.publishedAlerts.has(topic)) continue;
      this.publishedAlerts.add(topic);
      await client.publishAsync(topic, JSON.stringify(alert), RETAINED);
    }
    for (const topic of [...this.publishedAlerts]) {
      if (active.has(topic)) continue;
      this.publishedAlerts.delete(topic);
      await client.publishAsync(topic, '', RETAINED); // an empty retained message clears it
    }
  }

  private onHubChange(change: HubChange): void {
    const client = this.client;
    if (!client?.connected) return;
    if (change.kind === 'journal') {
      this.pump();
      return;
    }
    const work = change.kind === 'device' ? this.publishDevice(client, change.device) : this.publishAlerts(client);
    work.catch((error: unknown) => {
      this.report(error, `publishing a ${change.kind} change failed`);
    });
  }

  /** Forwards journal records after the cursor, in order, one PUBACK at a time; runs until caught up. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          for (;;) {
            const client = this.client;
            if (!client?.connected) return;
            const records = await this.hub.journalSince(this.state.cursor, this.options.batch);
            if (records.length === 0) break;
            let last = this.state.cursor;
            for (const record of records) {
              await client.publishAsync(this.eventTopic(record), JSON.stringify(record), QOS1);
              last = record.seq;
            }
            this.state.advance(last);
            this.emit('forwarded', last);
          }
        } while (this.morePumping());
      } catch (error) {
        // the connection dropped mid-batch: the cursor stayed at the last PUBACKed batch; the next connect resends
        this.report(error, 'forwarding journal records failed');
      } finally {
        this.pumping = false;
      }
    })();
  }

  private eventTopic(record: FleetRecord): string {
    return record.device === undefined ? `${this.topics.base}/bridge/event` : this.topics.event(record.device);
  }

  private async onMessage(client: MqttClient, topic: string, payload: Buffer, retained: boolean): Promise<void> {
    if (topic.includes('/alert/')) {
      // a retained alert of an earlier run that is not active any more: clear it
      if (retained && payload.length > 0 && !this.publishedAlerts.has(topic)) {
        await client.publishAsync(topic, '', RETAINED).catch(() => undefined);
      }
      return;
    }
    const target = this.topics.parseRequest(topic);
    if (!target) return;
    const parsed = parseRequest(payload, Date.now(), this.options.maxRequestAgeMs);
    let response: BridgeResponse;
    if (!parsed.ok) {
      response = { transaction: parsed.transaction, ok: false, error: parsed.error };
    } else {
      const { transaction, args } = parsed.request;
      try {
        const result = await this.runRequest(client, target, args, transaction);
        response = { transaction, ok: true, result };
      } catch (error) {
        const e = toKioskbusError(error, ErrorCode.DeviceError);
        response = { transaction, ok: false, error: { code: e.code, message: e.message } };
      }
    }
    await client.publishAsync(this.topics.response(target), JSON.stringify(response), QOS1).catch((error: unknown) => {
      this.report(error, 'publishing a response failed');
    });
  }

  private async runRequest(
    client: MqttClient,
    target: RequestTarget,
    args: Record<string, unknown>,
    transaction: string,
  ): Promise<unknown> {
    if (target.kind === 'bridge') {
      const op = BRIDGE_OPERATIONS.find((o) => o === target.operation);
      switch (op) {
        case 'rebirth':
          await this.birth(client);
          return { bdSeq: this.state.bdSeq };
        case 'health_check':
          return {
            connected: true,
            uptimeMs: Date.now() - this.startedAt,
            journal: { lastSeq: this.hub.lastSeq(), forwarded: this.state.cursor },
          };
        case 'enable_all':
        case 'disable_all':
          return this.hub.run(op, undefined, args, transaction);
        default:
          throw unknownOperation(target.operation, BRIDGE_OPERATIONS);
      }
    }
    const op = DEVICE_OPERATIONS.find((o) => o === target.operation);
    if (op === undefined) throw unknownOperation(target.operation, DEVICE_OPERATIONS);
    if (!this.hub.devices().some((d) => d.id === target.device)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `no device '${target.device}' on kiosk ${this.options.kiosk}`);
    }
    return this.hub.run(op, target.device, args, transaction);
  }

  private report(error: unknown, what: string): void {
    const e = isKioskbusError(error)
      ? error
      : new KioskbusError(
          ErrorCode.TransportError,
          `${what}: ${error instanceof Error ? error.message : String(error)}`,
        );
    this.emit('problem', e);
  }
}

function unknownOperation(name: string, known: readonly string[]): KioskbusError {
  return new KioskbusError(ErrorCode.UnknownCommand, `unknown operation '${name}': one of ${known.join(', ')}`);
}
