/**
 * The topic layout of the MQTT fleet bridge (docs/MQTT.md), zigbee2mqtt-style, under `<prefix>/<kiosk>/`:
 *
 * | topic                               | direction | QoS / retain   | payload                                   |
 * | ----------------------------------- | --------- | -------------- | ----------------------------------------- |
 * | `bridge/state`                      | out       | 1 / retained   | birth `{state:"online",bdSeq,ts}`; also the Will `{state:"offline",bdSeq}` |
 * | `bridge/info`                       | out       | 1 / retained   | version, devices, uptime, heartbeat, journal cursor |
 * | `bridge/request/<op>` → `bridge/response/<op>` | in / out | 1 / no | `{transaction, ts, ...}` → `{transaction, ok, result or error}` |
 * | `<device>/state`                    | out       | 1 / retained   | the device's state, levels and alerts     |
 * | `<device>/availability`             | out       | 1 / retained   | `online` / `offline`                      |
 * | `<device>/event`                    | out       | 1 / no         | a journal record with its `seq`           |
 * | `<device>/alert/<code>`             | out       | 1 / retained   | the alert; an empty retained message clears it |
 * | `<device>/request/<op>` → `<device>/response/<op>` | in / out | 1 / no | as for the bridge |
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';

/** Ids that can stand in a topic level: no `/`, `+`, `#`, spaces or empty strings. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function checkTopicId(what: string, id: string): string {
  if (!ID.test(id)) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `${what} '${id}' cannot be used in an MQTT topic: use 1-64 letters, digits, '_' or '-'`,
    );
  }
  return id;
}

/** A topic prefix: one or more id levels joined by '/'. */
export function checkPrefix(prefix: string): string {
  const levels = prefix.split('/');
  for (const level of levels) checkTopicId('the topic prefix level', level);
  return prefix;
}

export type BridgeOperation = 'enable_all' | 'disable_all' | 'rebirth' | 'health_check';
export type DeviceOperation = 'enable' | 'disable' | 'payout' | 'reset_counts';

export const BRIDGE_OPERATIONS: readonly BridgeOperation[] = ['enable_all', 'disable_all', 'rebirth', 'health_check'];
export const DEVICE_OPERATIONS: readonly DeviceOperation[] = ['enable', 'disable', 'payout', 'reset_counts'];

/** Where a request arrived: the bridge itself or one device, and the operation's name as written in the topic. */
export type RequestTarget =
  { kind: 'bridge'; operation: string } | { kind: 'device'; device: string; operation: string };

export class Topics {
  readonly base: string;

  constructor(prefix: string, kiosk: string) {
    this.base = `${checkPrefix(prefix)}/${checkTopicId('the kiosk id', kiosk)}`;
  }

  get bridgeState(): string {
    return `${this.base}/bridge/state`;
  }

  get bridgeInfo(): string {
    return `${this.base}/bridge/info`;
  }

  deviceState(device: string): string {
    return `${this.base}/${device}/state`;
  }

  availability(device: string): string {
    return `${this.base}/${device}/availability`;
  }

  event(device: string): string {
    return `${this.base}/${device}/event`;
  }

  alert(device: string, code: string): string {
    return `${this.base}/${device}/alert/${code}`;
  }

  /** The subscriptions that bring requests in. */
  get requestFilters(): string[] {
    return [`${this.base}/bridge/request/+`, `${this.base}/+/request/+`];
  }

  response(target: RequestTarget): string {
    const who = target.kind === 'bridge' ? 'bridge' : target.device;
    return `${this.base}/${who}/response/${target.operation}`;
  }

  /** The target of a request topic, or undefined when the topic is not one of ours. */
  parseRequest(topic: string): RequestTarget | undefined {
    if (!topic.startsWith(`${this.base}/`)) return undefined;
    const levels = topic.slice(this.base.length + 1).split('/');
    if (levels.length !== 3 || levels[1] !== 'request') return undefined;
    const [who = '', , operation = ''] = levels;
    if (!ID.test(who) || !ID.test(operation)) return undefined;
    return who === 'bridge' ? { kind: 'bridge', operation } : { kind: 'device', device: who, operation };
  }
}
