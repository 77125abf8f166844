/**
 * A fleet consumer: what a central application does with the bridge's topics. It follows every kiosk under a prefix,
 * pairs births and deaths by bdSeq (a death whose bdSeq is not the current birth's is stale and ignored), de-duplicates
 * money events on (kiosk, seq), notices gaps in seq, and keeps takings per kiosk and currency, device availability and
 * active alerts. The fleet demo prints it as a table; an operator's dashboard would do the same.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface KioskView {
  kiosk: string;
  online: boolean;
  bdSeq: number;
  /** Credits per currency, minor units. */
  takings: Record<string, number>;
  /** Paid out per currency, minor units. */
  paidOut: Record<string, number>;
  /** Events counted (after de-duplication). */
  events: number;
  /** Repeated (kiosk, seq) seen and dropped. */
  duplicates: number;
  /** The highest seq seen; seqs below it that never came are gaps. */
  lastSeq: number;
  /** Seqs skipped over (not seen yet). */
  missing: Set<number>;
  devices: Record<string, { availability: string; state?: Record<string, unknown> }>;
  alerts: Record<string, unknown>;
}

export interface FleetConsumerEvents {
  /** A money event seen for the first time. */
  event: [kiosk: string, record: Record<string, unknown>];
  /** A kiosk's birth or current death. */
  availability: [kiosk: string, online: boolean];
}

interface MoneyRecord {
  seq: number;
  type: string;
  amount?: number;
  currency?: string;
  paid?: { amount?: number; currency?: string };
  [key: string]: unknown;
}

export class FleetConsumer extends EventEmitter<FleetConsumerEvents> {
  readonly kiosks = new Map<string, KioskView>();
  private client: MqttClient | undefined;
  private readonly seen = new Map<string, Set<number>>();

  constructor(readonly prefix = 'kioskbus') {
    super();
  }

  async connect(url: string, options: IClientOptions = {}): Promise<void> {
    this.client = await mqtt.connectAsync(url, { reconnectPeriod: 500, ...options });
    this.client.on('message', (topic, payload) => {
      this.handle(topic, payload.toString('utf8'));
    });
    await this.client.subscribeAsync(`${this.prefix}/#`, { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client?.endAsync();
    this.client = undefined;
  }

  view(kiosk: string): KioskView {
    let view = this.kiosks.get(kiosk);
    if (!view) {
      view = {
        kiosk,
        online: false,
        bdSeq: -1,
        takings: {},
        paidOut: {},
        events: 0,
        duplicates: 0,
        lastSeq: 0,
        missing: new Set(),
        devices: {},
        alerts: {},
      };
      this.kiosks.set(kiosk, view);
    }
    return view;
  }

  /** Handles one message (public so that it can be fed from a capture or a test). */
  handle(topic: string, payload: string): void {
    if (!topic.startsWith(`${this.prefix}/`)) return;
    const levels = topic.slice(this.prefix.length + 1).split('/');
    const [kiosk, who, what, code] = levels;
    if (kiosk === undefined || who === undefined || what === undefined) return;
    const view = this.view(kiosk);
    if (who === 'bridge' && what === 'state') {
      this.bridgeState(view, payload);
      return;
    }
    if (who === 'bridge') {
      if (what === 'event') this.moneyEvent(view, payload); // records without a device (acknowledgements)
      return;
    }
    const device = (view.devices[who] ??= { availability: 'unknown' });
    switch (what) {
      case 'availability':
        device.availability = payload;
        return;
      case 'state': {
        const state = parse(payload);
        if (state) device.state = state;
        return;
      }
      case 'alert':
        if (code === undefined) return;
        if (payload === '') Reflect.deleteProperty(view.alerts, `${who}/${code}`);
        else view.alerts[`${who}/${code}`] = parse(payload);
        return;
      case 'event':
        this.moneyEvent(view, payload);
        return;
      default:
    }
  }

  private bridgeState(view: KioskView, payload: string): void {
    const state = parse(payload) as { state?: string; bdSeq?: number } | undefined;
    if (state?.bdSeq === undefined) return;
    if (state.state === 'online') {
      view.bdSeq = state.bdSeq;
      view.online = true;
      this.emit('availability', view.kiosk, true);
    } else if (state.bdSeq === view.bdSeq || view.bdSeq === -1) {
      // a death counts only when it belongs to the current birth (a takeover publishes the old Will late)
      view.online = false;
      this.emit('availability', view.kiosk, false);
    }
  }

  private moneyEvent(view: KioskView, payload: string): void {
    const record = parse(payload) as MoneyRecord | undefined;
    if (record === undefined || !Number.isSafeInteger(record.seq)) return;
    let seen = this.seen.get(view.kiosk);
    if (!seen) {
      seen = new Set();
      this.seen.set(view.kiosk, seen);
    }
    if (seen.has(record.seq)) {
      view.duplicates++;
      return;
    }
    seen.add(record.seq);
    view.missing.delete(record.seq);
    for (let s = view.lastSeq + 1; s < record.seq; s++) if (!seen.has(s)) view.missing.add(s);
    view.lastSeq = Math.max(view.lastSeq, record.seq);
    view.events++;
    if (record.type === 'credit' && typeof record.amount === 'number' && typeof record.currency === 'string') {
      view.takings[record.currency] = (view.takings[record.currency] ?? 0) + record.amount;
    }
    if (record.type === 'payout_result') {
      const amount = record.paid?.amount ?? record.amount;
      const currency = record.paid?.currency ?? record.currency;
      if (typeof amount === 'number' && typeof currency === 'string') {
        view.paidOut[currency] = (view.paidOut[currency] ?? 0) + amount;
      }
    }
    this.emit('event', view.kiosk, record);
  }
}

function parse(payload: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
