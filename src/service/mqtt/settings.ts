/**
 * The MQTT settings of `kioskbus serve`: from the config file's `mqtt` object and the `--mqtt URL` flag, checked with
 * messages that name the field and the fix. TLS files are read here, once, so a wrong path fails at start, not at the
 * first reconnect.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import { checkPrefix, checkTopicId } from './topics.js';

export interface MqttSettings {
  url: string;
  prefix: string;
  protocolVersion: 4 | 5;
  maxRequestAgeMs: number;
  heartbeatMs: number;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const KEYS = ['url', 'prefix', 'protocolVersion', 'maxRequestAgeMs', 'heartbeatMs', 'ca', 'cert', 'key'];

function bad(field: string, message: string): KioskbusError {
  return new KioskbusError(ErrorCode.InvalidArgument, `mqtt.${field}: ${message}`);
}

function readPem(field: string, path: unknown): Buffer | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path === '') throw bad(field, 'give the path of a PEM file');
  try {
    return readFileSync(path);
  } catch (error) {
    throw bad(field, `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Checks an MQTT URL: mqtt:// or mqtts:// (tcp/ssl/ws/wss too), with a host. */
export function checkMqttUrl(url: string, field = 'url'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad(field, `"${url}" is not a URL; write mqtt://user:pass@host:1883 or mqtts://host:8883`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw bad(field, `"${url}" is not an MQTT URL; write mqtt://user:pass@host:1883 or mqtts://host:8883`);
  }
  return url;
}

/**
 * Reads the `mqtt` object of a configuration (undefined: no bridge) with `--mqtt URL` taking the place of its url.
 * `kiosk` is checked too: it becomes a topic level.
 */
export function parseMqttSettings(raw: unknown, kiosk: string, urlFlag?: string): MqttSettings | undefined {
  if (raw === undefined && urlFlag === undefined) return undefined;
  const object = (raw ?? {}) as Record<string, unknown>;
  if (typeof object !== 'object' || Array.isArray(object)) {
    throw new KioskbusError(ErrorCode.InvalidArgument, 'mqtt: must be an object such as {"url": "mqtt://host:1883"}');
  }
  for (const key of Object.keys(object)) {
    if (!KEYS.includes(key)) throw bad(key, `unknown setting; known: ${KEYS.join(', ')}`);
  }
  checkTopicId('the kiosk id', kiosk);
  const url = urlFlag ?? object.url;
  if (typeof url !== 'string') throw bad('url', 'give the broker as "mqtt://user:pass@host:1883" (or --mqtt URL)');
  const prefix = object.prefix ?? 'kioskbus';
  if (typeof prefix !== 'string') throw bad('prefix', 'a topic prefix such as "kioskbus" or "fleet/site-3"');
  const protocolVersion = object.protocolVersion ?? 4;
  if (protocolVersion !== 4 && protocolVersion !== 5) throw bad('protocolVersion', '4 (MQTT 3.1.1, default) or 5');
  const maxRequestAgeMs = object.maxRequestAgeMs ?? 60_000;
  if (typeof maxRequestAgeMs !== 'number' || !Number.isInteger(maxRequestAgeMs) || maxRequestAgeMs < 1000) {
    throw bad('maxRequestAgeMs', 'a whole number of milliseconds, at least 1000 (default 60000)');
  }
  const heartbeatMs = object.heartbeatMs ?? 30_000;
  if (typeof heartbeatMs !== 'number' || !Number.isInteger(heartbeatMs) || heartbeatMs < 1000) {
    throw bad('heartbeatMs', 'a whole number of milliseconds, at least 1000 (default 30000)');
  }
  const ca = readPem('ca', object.ca);
  const cert = readPem('cert', object.cert);
  const key = readPem('key', object.key);
  if ((cert === undefined) !== (key === undefined)) throw bad('cert', 'a client certificate needs its key (and back)');
  return {
    url: checkMqttUrl(url),
    prefix: checkPrefix(prefix),
    protocolVersion,
    maxRequestAgeMs,
    heartbeatMs,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}
