/**
 * `kioskbus.config.json`: the kiosk, its devices (kind, port, address, keys, what to accept, float routes) and alert
 * thresholds. `parseConfig` checks every field and names the field and the fix in its message; `simulatedConfig` is
 * the configuration `--simulate` runs: one simulated device of every kind.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { isCurrencyCode } from '../core/money.js';
import { DEVICE_KINDS, type DeviceKind } from './devices/types.js';

export interface AlertThresholds {
  /** Raise `cashbox_full` at this fill, in percent (default 90). */
  cashboxFullPct: number;
  /** Raise `cassette_low` when a payout denomination holds this many or fewer (default 3). */
  cassetteLowCount: number;
  /** Clear a level alert only this far (percent of capacity, or items for counts) past its threshold (default 5). */
  hysteresis: number;
}

export const DEFAULT_ALERTS: AlertThresholds = { cashboxFullPct: 90, cassetteLowCount: 3, hysteresis: 5 };

export interface DeviceConfig {
  id: string;
  kind: DeviceKind;
  /** Serial path, `serial://...` or `tcp://host:port`; `simulated` runs the built-in simulator. */
  port: string;
  /** Bus address (eSSP 0x00/0x10, CCNET 1..4); default per kind. */
  address?: number;
  /** eSSP fixed key, 16 hex digits. */
  fixedKey?: string;
  /** Values to accept (minor units); default all. */
  accept?: number[];
  /** Currency for devices that do not say (ControllerBox); default the kiosk's. */
  currency?: string;
  /** Start enabled (default true). */
  enabled?: boolean;
  alerts: AlertThresholds;
}

export interface ServiceConfig {
  kiosk: string;
  currency: string;
  devices: DeviceConfig[];
  /** The MQTT bridge's settings as written (checked by the bridge: src/service/mqtt/settings.ts). */
  mqtt?: unknown;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOP_FIELDS = ['kiosk', 'currency', 'alerts', 'devices', 'mqtt'];
const DEVICE_FIELDS = ['id', 'kind', 'port', 'address', 'fixedKey', 'accept', 'currency', 'enabled', 'alerts'];
const ALERT_FIELDS = Object.keys(DEFAULT_ALERTS);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly problems: string[] = [];

  fail(field: string, problem: string): void {
    this.problems.push(`${field}: ${problem}`);
  }

  unknownFields(where: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(`${where}${key}`, `unknown field; remove it (known: ${known.join(', ')})`);
    }
  }

  alerts(where: string, value: unknown, base: AlertThresholds): AlertThresholds {
    if (value === undefined) return base;
    if (!isObject(value)) {
      this.fail(where, 'must be an object like {"cashboxFullPct": 90, "cassetteLowCount": 3}');
      return base;
    }
    this.unknownFields(`${where}.`, value, ALERT_FIELDS);
    const out = { ...base };
    for (const key of ALERT_FIELDS as (keyof AlertThresholds)[]) {
      const v = value[key];
      if (v === undefined) continue;
      const max = key === 'cashboxFullPct' ? 100 : 1_000_000;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
        this.fail(`${where}.${key}`, `must be a whole number from 0 to ${String(max)}, got ${JSON.stringify(v)}`);
      } else {
        out[key] = v;
      }
    }
    return out;
  }
}

/** Checks a parsed configuration. Throws INVALID_ARGUMENT listing every problem, each with its field and fix. */
export function parseConfig(raw: unknown, source = 'kioskbus.config.json'): ServiceConfig {
  const c = new Checker();
  if (!isObject(raw)) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${source}: must be a JSON object with "kiosk" and "devices"`);
  }
  c.unknownFields('', raw, TOP_FIELDS);
  const kiosk = raw.kiosk ?? 'kiosk';
  if (typeof kiosk !== 'string' || !ID.test(kiosk)) {
    c.fail('kiosk', 'must be a name of letters, digits, "-" or "_" (e.g. "lobby-1")');
  }
  const currency = raw.currency ?? 'EUR';
  if (typeof currency !== 'string' || !isCurrencyCode(currency)) {
    c.fail('currency', 'must be a three-letter ISO 4217 code in capitals, e.g. "EUR"');
  }
  const alerts = c.alerts('alerts', raw.alerts, DEFAULT_ALERTS);
  const devices: DeviceConfig[] = [];
  if (!Array.isArray(raw.devices) || raw.devices.length === 0) {
    c.fail('devices', 'must be a non-empty list, e.g. [{"id": "nv200-0", "kind": "nv200", "port": "/dev/ttyUSB0"}]');
  } else {
    const seen = new Set<string>();
    raw.devices.forEach((entry: unknown, i) => {
      const at = `devices[${String(i)}]`;
      if (!isObject(entry)) {
        c.fail(at, 'must be an object with "id", "kind" and "port"');
        return;
      }
      c.unknownFields(`${at}.`, entry, DEVICE_FIELDS);
      const { id, kind, port, address, fixedKey, accept, enabled } = entry;
      if (typeof id !== 'string' || !ID.test(id)) {
        c.fail(`${at}.id`, 'must be a name of letters, digits, "-" or "_" (e.g. "nv200-0"), not a port path');
      } else if (seen.has(id)) {
        c.fail(`${at}.id`, `"${id}" is used twice; give each device its own id`);
      } else {
        seen.add(id);
      }
      if (typeof kind !== 'string' || !(DEVICE_KINDS as readonly string[]).includes(kind)) {
        c.fail(`${at}.kind`, `${JSON.stringify(kind)} is not a device kind; use one of ${DEVICE_KINDS.join(', ')}`);
      }
      if (typeof port !== 'string' || port.trim() === '') {
        c.fail(
          `${at}.port`,
          'must name the port: "/dev/ttyUSB0", "serial:///dev/ttyS1?baudRate=9600", "tcp://host:port" or "simulated"',
        );
      }
      if (
        address !== undefined &&
        (typeof address !== 'number' || !Number.isInteger(address) || address < 0 || address > 255)
      ) {
        c.fail(`${at}.address`, 'must be a whole number 0..255 (eSSP: 0 validators, 16 SMART Hopper; CCNET: 1..4)');
      }
      if (fixedKey !== undefined && (typeof fixedKey !== 'string' || !/^[0-9a-fA-F]{16}$/.test(fixedKey))) {
        c.fail(`${at}.fixedKey`, 'must be 16 hex digits, e.g. "0123456701234567"');
      }
      if (
        accept !== undefined &&
        (!Array.isArray(accept) || !accept.every((v) => Number.isSafeInteger(v) && (v as number) > 0))
      ) {
        c.fail(`${at}.accept`, 'must be a list of values in minor units, e.g. [500, 1000, 2000]');
      }
      if (enabled !== undefined && typeof enabled !== 'boolean') c.fail(`${at}.enabled`, 'must be true or false');
      const devCurrency = entry.currency;
      if (devCurrency !== undefined && (typeof devCurrency !== 'string' || !isCurrencyCode(devCurrency))) {
        c.fail(`${at}.currency`, 'must be a three-letter ISO 4217 code in capitals, e.g. "VND"');
      }
      const device: DeviceConfig = {
        id: String(id),
        kind: kind as DeviceKind,
        port: String(port),
        alerts: c.alerts(`${at}.alerts`, entry.alerts, alerts),
      };
      if (typeof address === 'number') device.address = address;
      if (typeof fixedKey === 'string') device.fixedKey = fixedKey;
      if (Array.isArray(accept)) device.accept = accept as number[];
      if (typeof devCurrency === 'string') device.currency = devCurrency;
      if (typeof enabled === 'boolean') device.enabled = enabled;
      devices.push(device);
    });
  }
  if (c.problems.length > 0) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `${source} has ${String(c.problems.length)} problem(s):\n  ${c.problems.join('\n  ')}`,
      { problems: c.problems },
    );
  }
  return {
    kiosk: kiosk as string,
    currency: currency as string,
    devices,
    ...(raw.mqtt !== undefined ? { mqtt: raw.mqtt } : {}),
  };
}

/** Reads and checks a configuration file. */
export function loadConfig(path: string): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `cannot read ${path}: ${(error as Error).message}; give --config FILE or --simulate`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, path);
}

/** `--simulate`: one simulated device of every kind. */
export function simulatedConfig(): ServiceConfig {
  const ids: Record<DeviceKind, string> = {
    nv200: 'nv200-0',
    'smart-payout': 'payout-0',
    'smart-hopper': 'hopper-0',
    'bill-validator': 'ccnet-bv-0',
    'bill-to-bill': 'b2b-0',
    'coin-changer': 'coins-0',
    'card-reader': 'card-0',
    controllerbox: 'box-0',
  };
  return {
    kiosk: 'simulated',
    currency: 'EUR',
    devices: DEVICE_KINDS.map((kind) => ({
      id: ids[kind],
      kind,
      port: 'simulated',
      ...(kind === 'controllerbox' ? { currency: 'VND' } : {}),
      alerts: DEFAULT_ALERTS,
    })),
  };
}
