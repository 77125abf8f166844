import { describe, expect, it } from 'vitest';
import { AlertTracker } from '../../src/service/alerts.js';
import { DEFAULT_ALERTS } from '../../src/service/config.js';
import type { DeviceSnapshot } from '../../src/service/devices/types.js';

function snap(change: Partial<DeviceSnapshot> = {}): DeviceSnapshot {
  return {
    id: 'payout-0',
    protocol: 'essp',
    kind: 'smart-payout',
    simulated: true,
    state: 'ready',
    online: true,
    enabled: true,
    jammed: false,
    canPayout: true,
    actions: [],
    ...change,
  };
}

const limits = { cashboxFullPct: 90, cassetteLowCount: 3, hysteresis: 5 };

/** What `alerts` raises (`code:on`) and clears (`code:off`) for `snapshot`. */
function changes(
  alerts: AlertTracker,
  snapshot: DeviceSnapshot,
  options: { limits?: typeof DEFAULT_ALERTS; uncertain?: number } = {},
): string[] {
  return alerts
    .evaluate({ snapshot, uncertain: options.uncertain ?? 0, cashboxFullReported: false }, options.limits ?? limits, 1)
    .map((c) => `${c.alert.code}:${c.active ? 'on' : 'off'}`);
}

describe('alerts', () => {
  it('raises cashbox_full at the threshold and clears it only below threshold - hysteresis', () => {
    const alerts = new AlertTracker();
    const at = (count: number): string[] => changes(alerts, snap({ cashbox: { present: true, count, capacity: 100 } }));
    expect(at(89)).toEqual([]);
    expect(at(90)).toEqual(['cashbox_full:on']);
    expect(at(89)).toEqual([]); // flapping around the threshold raises nothing new
    expect(at(90)).toEqual([]);
    expect(at(86)).toEqual([]);
    expect(at(84)).toEqual(['cashbox_full:off']);
  });

  it('raises cassette_low for a stocked denomination only, and clears it with hysteresis', () => {
    const alerts = new AlertTracker();
    const at = (tens: number, fifties = 0): string[] =>
      changes(
        alerts,
        snap({
          levels: [
            { value: { amount: 1000, currency: 'EUR' }, count: tens },
            { value: { amount: 5000, currency: 'EUR' }, count: fifties },
          ],
        }),
      );
    expect(at(10)).toEqual([]); // 50 EUR never stocked: not low
    expect(at(3)).toEqual(['cassette_low:on']);
    expect(at(5)).toEqual([]);
    expect(at(9)).toEqual(['cassette_low:off']);
  });

  it('raises and clears offline, jam, stacker out and uncertain_pending', () => {
    const alerts = new AlertTracker();
    const codes = (s: DeviceSnapshot, uncertain = 0): string[] =>
      changes(alerts, s, { limits: DEFAULT_ALERTS, uncertain });
    expect(codes(snap({ state: 'starting', online: false }))).toEqual([]);
    expect(codes(snap({ state: 'offline', online: false, jammed: true, cashbox: { present: false } }), 1)).toEqual([
      'device_offline:on',
      'jam:on',
      'stacker_out:on',
      'uncertain_pending:on',
    ]);
    expect(alerts.of('payout-0')).toHaveLength(4);
    expect(codes(snap({ cashbox: { present: true } }))).toEqual([
      'device_offline:off',
      'jam:off',
      'stacker_out:off',
      'uncertain_pending:off',
    ]);
    expect(alerts.list()).toEqual([]);
  });
});
