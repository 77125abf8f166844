/**
 * What the MQTT bridge needs from the service that owns the devices: snapshots of the devices and their alerts, the money
 * journal read by sequence number, a change feed, and a way to run an operation. The service implements it; tests and
 * the fleet demo can implement it too. Kept small on purpose: the bridge is a client of the service, not a second owner
 * of the devices.
 */

/** One device as the fleet sees it. `id` is a stable logical id (e.g. `nv200-0`), never a port path. */
export interface FleetDevice {
  id: string;
  protocol: string;
  kind: string;
  /** The life-cycle state (`ready`, `offline`, ...). */
  state: string;
  /** The device answers polls. */
  online: boolean;
  /** Anything else the service reports (enabled, levels, cash box, firmware ...). */
  [key: string]: unknown;
}

export interface FleetAlert {
  device: string;
  code: string;
  since: number;
  [key: string]: unknown;
}

/** A journal record; `seq` grows by one per record and is never reused. */
export interface FleetRecord {
  seq: number;
  ts: number;
  type: string;
  device?: string;
  [key: string]: unknown;
}

export type HubChange = { kind: 'device'; device: string } | { kind: 'alerts' } | { kind: 'journal'; seq: number };

export interface FleetHub {
  devices(): FleetDevice[];
  alerts(): FleetAlert[];
  /** Records with seq > `after`, oldest first, at most `limit`. */
  journalSince(after: number, limit: number): Promise<FleetRecord[]>;
  lastSeq(): number;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (change: HubChange) => void): () => void;
  /**
   * Runs an operation (`enable`, `disable`, `payout`, `reset_counts` on a device; `enable_all`, `disable_all` on the
   * kiosk). A payout is journalled by `transaction` before it runs: a repeated transaction returns the stored result.
   * Throws a KioskbusError when refused.
   */
  run(
    operation: string,
    device: string | undefined,
    args: Record<string, unknown>,
    transaction: string,
  ): Promise<unknown>;
}
