/**
 * Puts a running service on MQTT: the bridge over the service (and, for development, an embedded broker first).
 * `kioskbus serve --mqtt URL` / `--embedded-broker` and the config's `mqtt` object end up here.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { KioskService } from '../kiosk.js';
import { MqttBridge } from './bridge.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { kioskHub } from './kiosk-hub.js';
import type { MqttSettings } from './settings.js';

/** The bridge's name as a journal consumer (its cursor is the journal's retention floor). */
export const JOURNAL_CONSUMER = 'mqtt';

export interface ServiceBridge {
  bridge: MqttBridge;
  /** The embedded broker, when one was started. */
  broker: EmbeddedBroker | undefined;
  url: string;
  close(): Promise<void>;
}

export interface AttachOptions {
  /** The checked settings; undefined with `embedded`: the embedded broker with the defaults. */
  settings: MqttSettings | undefined;
  /** Start an in-process broker (aedes, loopback) and connect to it. */
  embedded?: boolean;
  dataDir: string;
  version?: string;
}

export async function attachMqtt(service: KioskService, options: AttachOptions): Promise<ServiceBridge> {
  let broker: EmbeddedBroker | undefined;
  let url = options.settings?.url;
  if (options.embedded === true) {
    broker = await startEmbeddedBroker();
    url = broker.url;
  }
  if (url === undefined) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      'MQTT needs a broker: give --mqtt URL, mqtt.url or --embedded-broker',
    );
  }
  const s = options.settings;
  const bridge = new MqttBridge(kioskHub(service), {
    url,
    kiosk: service.kiosk,
    dataDir: options.dataDir,
    ...(s ? { prefix: s.prefix, protocolVersion: s.protocolVersion } : {}),
    ...(s ? { maxRequestAgeMs: s.maxRequestAgeMs, heartbeatMs: s.heartbeatMs } : {}),
    ...(s?.ca ? { ca: s.ca } : {}),
    ...(s?.cert ? { cert: s.cert } : {}),
    ...(s?.key ? { key: s.key } : {}),
    ...(options.version !== undefined ? { version: options.version } : {}),
  });
  // the bridge's cursor is a retention floor: compaction keeps what the broker has not acknowledged yet
  let droppedThrough: number | undefined;
  const consumer = service.journal.retain(JOURNAL_CONSUMER, bridge.cursor, (overflow) => {
    droppedThrough = overflow.droppedThrough;
    service.journalBacklog(true, {
      consumer: JOURNAL_CONSUMER,
      cursor: consumer.cursor,
      droppedThrough: overflow.droppedThrough,
      capBytes: overflow.capBytes,
    });
  });
  bridge.on('forwarded', (cursor) => {
    consumer.advance(cursor);
    if (droppedThrough !== undefined && cursor > droppedThrough) {
      droppedThrough = undefined;
      service.journalBacklog(false);
    }
  });
  await bridge.start();
  return {
    bridge,
    broker,
    url,
    close: async () => {
      await bridge.stop();
      consumer.release();
      await broker?.close();
    },
  };
}
