/**
 * Alerts per device, raised and cleared with hysteresis so that a level near its threshold does not flap: cash box
 * full, cassette low, stacker out, jam, device offline, uncertain outcome pending. Pure: facts in, changes out.
 */
import type { AlertThresholds } from './config.js';
import type { DeviceSnapshot } from './devices/types.js';

export const ALERT_CODES = [
  'cashbox_full',
  'cassette_low',
  'stacker_out',
  'jam',
  'device_offline',
  'uncertain_pending',
  'journal_backlog',
] as const;
export type AlertCode = (typeof ALERT_CODES)[number];

export interface Alert {
  device: string;
  code: AlertCode;
  /** When it was raised (ms since the epoch). */
  since: number;
  /** What it is about (the denominations that are low, the fill, the count of uncertain payouts). */
  detail?: Record<string, unknown>;
}

export interface AlertChange {
  alert: Alert;
  active: boolean;
}

export interface AlertFacts {
  snapshot: DeviceSnapshot;
  /** Payouts of this device whose outcome is uncertain and not resolved. */
  uncertain: number;
  /** The device said its cash box is full (for devices that do not count). */
  cashboxFullReported: boolean;
}

interface DeviceMemory {
  active: Map<AlertCode, Alert>;
  /** Denominations (by "amount currency") seen above the low mark: only those can be low. */
  stocked: Set<string>;
}

export class AlertTracker {
  private readonly memory = new Map<string, DeviceMemory>();

  list(): Alert[] {
    return [...this.memory.values()].flatMap((m) => [...m.active.values()]);
  }

  of(device: string): Alert[] {
    return [...(this.memory.get(device)?.active.values() ?? [])];
  }

  /** Evaluates one device's facts; returns the alerts raised and cleared by them. */
  evaluate(facts: AlertFacts, limits: AlertThresholds, now: number): AlertChange[] {
    const s = facts.snapshot;
    let memory = this.memory.get(s.id);
    if (!memory) {
      memory = { active: new Map(), stocked: new Set() };
      this.memory.set(s.id, memory);
    }
    const changes: AlertChange[] = [];
    const set = (code: AlertCode, raise: boolean, clear: boolean, detail?: Record<string, unknown>): void => {
      const current = memory.active.get(code);
      if (!current && raise) {
        const alert: Alert = { device: s.id, code, since: now, ...(detail ? { detail } : {}) };
        memory.active.set(code, alert);
        changes.push({ alert, active: true });
      } else if (current && clear) {
        memory.active.delete(code);
        changes.push({ alert: current, active: false });
      } else if (current && detail) {
        current.detail = detail;
      }
    };
    const running = s.state !== 'starting' && s.state !== 'stopped';
    const offline = running && (s.state === 'offline' || s.state === 'failed');
    set('device_offline', offline, !offline, s.error !== undefined ? { reason: s.error } : undefined);
    set('jam', s.jammed, !s.jammed);
    const out = s.cashbox?.present === false;
    set('stacker_out', out, !out);

    const box = s.cashbox;
    if (box?.count !== undefined && box.capacity !== undefined && box.capacity > 0) {
      const pct = (100 * box.count) / box.capacity;
      const full = pct >= limits.cashboxFullPct || facts.cashboxFullReported;
      set('cashbox_full', full, !full && pct < limits.cashboxFullPct - limits.hysteresis, {
        count: box.count,
        capacity: box.capacity,
      });
    } else {
      set('cashbox_full', facts.cashboxFullReported, !facts.cashboxFullReported);
    }

    if (s.canPayout && s.levels) {
      const low: Record<string, unknown>[] = [];
      let recovered = true;
      for (const level of s.levels) {
        const key = `${String(level.value.amount)} ${level.value.currency}`;
        if (level.count > limits.cassetteLowCount + limits.hysteresis) memory.stocked.add(key);
        if (!memory.stocked.has(key)) continue;
        if (level.count <= limits.cassetteLowCount) low.push({ value: level.value, count: level.count });
        if (level.count <= limits.cassetteLowCount + limits.hysteresis) recovered = false;
      }
      set('cassette_low', low.length > 0, low.length === 0 && recovered, { low });
    }
    set('uncertain_pending', facts.uncertain > 0, facts.uncertain === 0, { count: facts.uncertain });
    return changes;
  }

  /**
   * Raises or clears an alert that no device snapshot decides (`journal_backlog`: the journal dropped records a
   * consumer had not read); returns the change, if any.
   */
  toggle(
    device: string,
    code: AlertCode,
    active: boolean,
    now: number,
    detail?: Record<string, unknown>,
  ): AlertChange | undefined {
    let memory = this.memory.get(device);
    if (!memory) {
      memory = { active: new Map(), stocked: new Set() };
      this.memory.set(device, memory);
    }
    const current = memory.active.get(code);
    if (active && !current) {
      const alert: Alert = { device, code, since: now, ...(detail ? { detail } : {}) };
      memory.active.set(code, alert);
      return { alert, active: true };
    }
    if (!active && current) {
      memory.active.delete(code);
      return { alert: current, active: false };
    }
    return undefined;
  }

  forget(device: string): void {
    this.memory.delete(device);
  }
}
