import { describe, expect, it } from 'vitest';
import { FleetConsumer } from '../../src/service/mqtt/consumer.js';

const credit = (seq: number, amount: number): string =>
  JSON.stringify({ seq, ts: 1, type: 'credit', device: 'nv200-0', amount, currency: 'EUR' });

describe('FleetConsumer', () => {
  it('pairs births and deaths by bdSeq: a stale Will after a takeover does not mark the kiosk offline', () => {
    const fleet = new FleetConsumer();
    fleet.handle('kioskbus/k1/bridge/state', JSON.stringify({ state: 'online', bdSeq: 3 }));
    fleet.handle('kioskbus/k1/bridge/state', JSON.stringify({ state: 'online', bdSeq: 4 }));
    fleet.handle('kioskbus/k1/bridge/state', JSON.stringify({ state: 'offline', bdSeq: 3 }));
    expect(fleet.view('k1').online).toBe(true);
    fleet.handle('kioskbus/k1/bridge/state', JSON.stringify({ state: 'offline', bdSeq: 4 }));
    expect(fleet.view('k1').online).toBe(false);
  });

  it('counts each (kiosk, seq) once, notices gaps and fills them when the records come late', () => {
    const fleet = new FleetConsumer();
    fleet.handle('kioskbus/k1/nv200-0/event', credit(1, 500));
    fleet.handle('kioskbus/k1/nv200-0/event', credit(1, 500));
    fleet.handle('kioskbus/k1/nv200-0/event', credit(4, 1000));
    fleet.handle('kioskbus/k2/nv200-0/event', credit(1, 200));
    expect(fleet.view('k1')).toMatchObject({ events: 2, duplicates: 1, lastSeq: 4, takings: { EUR: 1500 } });
    expect([...fleet.view('k1').missing]).toEqual([2, 3]);
    fleet.handle('kioskbus/k1/nv200-0/event', credit(2, 100));
    fleet.handle('kioskbus/k1/nv200-0/event', credit(3, 100));
    expect([...fleet.view('k1').missing]).toEqual([]);
    expect(fleet.view('k1').takings).toEqual({ EUR: 1700 });
    expect(fleet.view('k2').takings).toEqual({ EUR: 200 });
  });

  it('keeps device availability, state and active alerts; an empty retained alert clears it', () => {
    const fleet = new FleetConsumer();
    fleet.handle('kioskbus/k1/nv200-0/availability', 'online');
    fleet.handle('kioskbus/k1/nv200-0/state', JSON.stringify({ id: 'nv200-0', state: 'ready' }));
    fleet.handle('kioskbus/k1/nv200-0/alert/cashbox_full', JSON.stringify({ code: 'cashbox_full', since: 5 }));
    expect(fleet.view('k1').devices['nv200-0']).toEqual({
      availability: 'online',
      state: { id: 'nv200-0', state: 'ready' },
    });
    expect(Object.keys(fleet.view('k1').alerts)).toEqual(['nv200-0/cashbox_full']);
    fleet.handle('kioskbus/k1/nv200-0/alert/cashbox_full', '');
    expect(fleet.view('k1').alerts).toEqual({});
  });

  it('ignores garbage and topics of other prefixes without throwing', () => {
    const fleet = new FleetConsumer();
    fleet.handle('other/k1/nv200-0/event', credit(1, 500));
    fleet.handle('kioskbus/k1/nv200-0/event', '{not json');
    fleet.handle('kioskbus/k1/nv200-0/event', JSON.stringify({ seq: 'x' }));
    fleet.handle('kioskbus/k1', 'short');
    expect(fleet.view('k1').events).toBe(0);
    expect(fleet.kiosks.has('other')).toBe(false);
  });
});
