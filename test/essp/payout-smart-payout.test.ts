/**
 * SMART Payout (NV200 + payout) host facade against the simulator: payout with progress and the note held in the
 * bezel, typed refusals, test mode, halt, jam and recovery, time-out, power loss mid-payout (INCOMPLETE_PAYOUT with
 * exact amounts), pay-in by route, float, empty, smart empty, routes, limits, refill mode, counters.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import { SmartPayout, type SmartPayoutOptions } from '../../src/essp/devices/smart-payout.js';
import { noteRecyclerOf } from '../../src/essp/simulator/payout/index.js';
import type { PayoutSimOptions } from '../../src/essp/simulator/payout/types.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { errorCode, only, rig, type Rig } from './payout-harness.js';

const TIMING = { itemMs: 400, cashboxMs: 300, takeNoteMs: 500, jamRecoveryMs: 600 };
const LEVELS = [
  { value: 500, count: 4 },
  { value: 1000, count: 3 },
  { value: 2000, count: 2 },
];

let r: Rig<SmartPayout>;

async function start(
  payout: PayoutSimOptions = {},
  options: SmartPayoutOptions = {},
  sim: { protocolVersion?: number; maxProtocolVersion?: number } = {},
): Promise<void> {
  r = await rig(
    [{ device: 'smart-payout', payout: { levels: LEVELS, timing: TIMING, ...payout }, ...sim }],
    (bus) => new SmartPayout(bus, options),
  );
}

const level = async (value: number): Promise<number> =>
  (await r.device.levels()).find((l) => l.value === value)?.level ?? -1;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await r.close();
  vi.useRealTimers();
});

describe('SMART Payout start-up', () => {
  it('answers KEY_NOT_SET until a key is negotiated, then runs encrypted at protocol 8', async () => {
    const [host, end] = createMemoryPair();
    const sim = new SspSimulator({ device: 'smart-payout' });
    const detach = sim.attach(end);
    const bus = new SspBus(host);
    await bus.sync(0);
    const reply = bus.exchange(0, Uint8Array.of(0x05));
    await vi.advanceTimersByTimeAsync(0);
    expect((await reply)[0]).toBe(0xfa);
    detach();
    sim.close();
    await bus.close();
    await end.close();

    await start();
    expect(r.device.protocolVersion).toBe(8);
    expect(r.device.setup?.unitType).toBe(0x06);
    expect(r.bus.isEncrypted(0)).toBe(true);
    expect(noteRecyclerOf(r.sim).payoutEnabled).toBe(true);
    expect(await r.device.levels()).toEqual([
      { level: 4, value: 500, currency: 'EUR' },
      { level: 3, value: 1000, currency: 'EUR' },
      { level: 2, value: 2000, currency: 'EUR' },
      { level: 0, value: 5000, currency: 'EUR' },
      { level: 0, value: 10000, currency: 'EUR' },
      { level: 0, value: 20000, currency: 'EUR' },
      { level: 0, value: 50000, currency: 'EUR' },
    ]);
  });
});

describe('SMART Payout payout', () => {
  it('pays with progress, holds each note in the bezel until taken, then reports dispensed', async () => {
    await start();
    await r.device.payout(3500, 'EUR');
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(r.log, 'dispens', 'noteHeld')).toEqual([
      'dispensing 0 EUR of 3500',
      'dispensing 2000 EUR of 3500',
      'noteHeldInBezel 2000 EUR',
      'dispensing 3000 EUR of 3500',
      'noteHeldInBezel 1000 EUR',
      'dispensing 3500 EUR of 3500',
      'noteHeldInBezel 500 EUR',
      'dispensed 3500 EUR of 3500',
    ]);
    expect(await level(2000)).toBe(1);
    expect(await level(1000)).toBe(2);
    expect(await level(500)).toBe(3);
    const books = noteRecyclerOf(r.sim).accounting();
    expect(books.balanced).toBe(true);
    expect(books.currencies[0]).toMatchObject({ initial: 9000, paidOut: 3500, stored: 5500, inTransit: 0 });
  });

  it('waits for the customer when notes are not taken by themselves', async () => {
    await start({ timing: { ...TIMING, takeNoteMs: undefined } });
    await r.device.payout(1000, 'EUR');
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'dispensed')).toEqual([]);
    expect(noteRecyclerOf(r.sim).accounting().currencies[0]?.inTransit).toBe(1000);
    expect(await errorCode(r.device.payout(500, 'EUR'))).toBe(ErrorCode.DeviceBusy);
    expect(noteRecyclerOf(r.sim).takeNote()).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(only(r.log, 'dispensed')).toEqual(['dispensed 1000 EUR of 1000']);
  });

  it('finds exact change the greedy rule misses (60 from 50/20/20/20)', async () => {
    await start({
      levels: [
        { value: 5000, count: 1 },
        { value: 2000, count: 3 },
      ],
      timing: { ...TIMING, takeNoteMs: 10 },
    });
    await r.device.payout(6000, 'EUR');
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'dispensed')).toEqual(['dispensed 6000 EUR of 6000']);
    expect(await level(5000)).toBe(1);
    expect(await level(2000)).toBe(0);
  });

  it('refuses with typed errors: not enough value, cannot pay exact, busy, disabled', async () => {
    await start();
    expect(await errorCode(r.device.payout(100000, 'EUR'))).toBe(ErrorCode.NotEnoughValue);
    expect(await errorCode(r.device.payout(1234, 'EUR'))).toBe(ErrorCode.CannotPayExact);
    await r.device.payout(500, 'EUR');
    expect(await errorCode(r.device.payout(500, 'EUR'))).toBe(ErrorCode.DeviceBusy);
    await vi.advanceTimersByTimeAsync(3000);
    await r.device.disablePayout();
    expect(await errorCode(r.device.payout(500, 'EUR'))).toBe(ErrorCode.DeviceDisabled);
    await r.device.enablePayout({ requireFullStartup: true, optimiseForPayinSpeed: true });
    expect(noteRecyclerOf(r.sim).payoutOptions).toEqual({ bit0: true, bit1: true });
    await r.device.disable();
    expect(await errorCode(r.device.payout(500, 'EUR'))).toBe(ErrorCode.DeviceDisabled);
  });

  it('test mode answers can pay / cannot pay exact without moving money', async () => {
    await start();
    const before = noteRecyclerOf(r.sim).accounting();
    expect(await r.device.payout(1500, 'EUR', { test: true })).toEqual({ ok: true });
    const refused = await r.device.canPay(1234, 'EUR');
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.reason).toBe('cannot-pay-exact');
      expect(refused.error.code).toBe(ErrorCode.CannotPayExact);
    }
    expect((await r.device.canPay(999999)).ok).toBe(false);
    expect(await r.device.payoutByDenomination([{ count: 20, value: 500 }], { test: true })).toMatchObject({
      ok: false,
      reason: 'not-enough-value',
    });
    expect(await r.device.float(1000, { test: true })).toEqual({ ok: true });
    await vi.advanceTimersByTimeAsync(2000);
    expect(noteRecyclerOf(r.sim).accounting()).toEqual(before);
    expect(only(r.log, 'dispens', 'float')).toEqual([]);
  });

  it('halt stops after the note in motion; halted carries the value paid', async () => {
    await start();
    await r.device.payout(5000, 'EUR');
    await vi.advanceTimersByTimeAsync(500);
    await r.device.halt();
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'halted', 'dispensed')).toEqual(['halted 2000 EUR of 5000']);
    expect(noteRecyclerOf(r.sim).accounting()).toMatchObject({ balanced: true });
    expect(await level(2000)).toBe(1);
  });

  it('a jam stops the payout (JAMMED, ERROR_DURING_PAYOUT); after recovery it completes', async () => {
    await start();
    await r.device.payout(3000, 'EUR');
    await vi.advanceTimersByTimeAsync(1200);
    expect(noteRecyclerOf(r.sim).jam()).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(noteRecyclerOf(r.sim).clearJam()).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(r.log, 'payoutJammed', 'errorDuringPayout', 'jamRecovery', 'dispensed')).toEqual([
      'errorDuringPayout 1 note jammed in transport',
      'payoutJammed 2000 EUR of 3000',
      'jamRecovery',
      'dispensed 3000 EUR of 3000',
    ]);
    expect(noteRecyclerOf(r.sim).accounting().balanced).toBe(true);
  });

  it('a stalled payout ends with TIME_OUT and the value paid; the note in motion stays stored', async () => {
    await start();
    await r.device.payout(3000, 'EUR');
    await vi.advanceTimersByTimeAsync(1200);
    expect(noteRecyclerOf(r.sim).timeOut()).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(only(r.log, 'timeout', 'errorDuringPayout')).toEqual([
      'errorDuringPayout 3 payout stalled (unable to seek note in payout)',
      'timeout 2000 EUR of 3000',
    ]);
    expect(await level(1000)).toBe(3);
  });

  it('power lost mid-payout: INCOMPLETE_PAYOUT with exact paid and requested after the restart', async () => {
    await start();
    await r.device.payout(4000, 'EUR'); // 2000 + 2000
    await vi.advanceTimersByTimeAsync(1100); // first note in the bezel, second not yet moving
    noteRecyclerOf(r.sim).takeNote();
    await vi.advanceTimersByTimeAsync(100); // the second note is moving
    r.sim.powerCycle();
    await vi.advanceTimersByTimeAsync(8000);
    expect(only(r.log, 'incompletePayout', 'dispensed', 'reinitialising')).toEqual([
      // the restarted device lost its key: the next poll gets KEY_NOT_SET and the host starts over
      'reinitialising key-not-set',
      'incompletePayout 2000/4000 EUR',
    ]);
    const books = noteRecyclerOf(r.sim).accounting();
    expect(books.balanced).toBe(true);
    expect(books.currencies[0]).toMatchObject({ paidOut: 2000, inTransit: 0 });
    expect(await level(2000)).toBe(1);
  });

  it('payoutOutcome resolves with how the payout ended: complete, halted, or incomplete after a power cut', async () => {
    await start();
    await r.device.payout(1500, 'EUR');
    const complete = r.device.payoutOutcome();
    await vi.advanceTimersByTimeAsync(4000);
    expect(await complete).toEqual({ status: 'dispensed', paid: 1500, requested: 1500, currency: 'EUR' });

    await r.device.payout(2500, 'EUR');
    const halted = r.device.payoutOutcome();
    await vi.advanceTimersByTimeAsync(300);
    await r.device.halt();
    await vi.advanceTimersByTimeAsync(3000);
    expect(await halted).toEqual({ status: 'halted', paid: 2000, requested: 2500, currency: 'EUR' });

    await r.device.payout(1500, 'EUR');
    const cut = r.device.payoutOutcome();
    await vi.advanceTimersByTimeAsync(1100);
    r.sim.powerCycle();
    await vi.advanceTimersByTimeAsync(8000);
    expect(await cut).toEqual({ status: 'incomplete', paid: 1000, requested: 1500, currency: 'EUR' });

    const aborted = new AbortController();
    const never = r.device.payoutOutcome(aborted.signal);
    aborted.abort(new Error('gave up'));
    await expect(never).rejects.toThrow('gave up');
  });

  it('a note in the bezel at power loss counts as paid', async () => {
    await start({ timing: { ...TIMING, takeNoteMs: undefined } });
    await r.device.payout(3000, 'EUR');
    await vi.advanceTimersByTimeAsync(600);
    r.sim.powerCycle();
    await vi.advanceTimersByTimeAsync(8000);
    expect(only(r.log, 'incompletePayout')).toEqual(['incompletePayout 2000/3000 EUR']);
    expect(noteRecyclerOf(r.sim).accounting().currencies[0]).toMatchObject({ paidOut: 2000, inTransit: 0 });
  });
});

describe('SMART Payout pay-in and routes', () => {
  it('stores notes routed to the payout (NOTE_STORED_IN_PAYOUT), stacks the others; one credit each', async () => {
    await start({}, { routes: [{ value: 5000, route: 'cashbox' }] });
    expect(await r.device.getRoute(5000)).toBe('cashbox');
    expect(await r.device.getRoute(1000)).toBe('payout');
    r.sim.insertNote(2); // 10 EUR -> payout
    await vi.advanceTimersByTimeAsync(4000);
    r.sim.insertNote(4); // 50 EUR -> cashbox
    await vi.advanceTimersByTimeAsync(4000);
    expect(only(r.log, 'credit', 'noteStored', 'stacked')).toEqual([
      'credit 1000 EUR',
      'noteStored',
      'credit 5000 EUR',
      'stacked',
    ]);
    expect(await level(1000)).toBe(4);
    await r.device.setRoute(5000, 'payout');
    expect(await r.device.getRoute(5000)).toBe('payout');
    const books = noteRecyclerOf(r.sim).accounting();
    expect(books.balanced).toBe(true);
    expect(books.currencies[0]).toMatchObject({ paidIn: 6000, cashbox: 5000 });
    const counters = await r.device.counters();
    expect(counters).toMatchObject({ stacked: 1, stored: 1, dispensed: 0 });
  });

  it('cashbox payout limit sends notes over the level to the cashbox; minimum payout; refill mode', async () => {
    await start();
    await r.device.setCashboxPayoutLimit([{ value: 1000, level: 3 }]);
    r.sim.insertNote(2);
    await vi.advanceTimersByTimeAsync(4000);
    expect(only(r.log, 'stacked', 'noteStored')).toEqual(['stacked']);
    expect(await r.device.minimumPayout()).toBe(500);
    expect(await r.device.refillMode()).toBe(false);
    await r.device.setRefillMode(true);
    expect(await r.device.refillMode()).toBe(true);
    expect(await r.device.serialNumber()).toBe(2722471);
    expect(await r.device.serialNumber(1)).toBe(5522001);
  });

  it('a power cut while a note is stacking finishes it at power-up, reported as noteAtPowerUp, not as credit', async () => {
    await start();
    r.sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(900); // read, escrow, accepted: stacking, not credited yet
    expect(r.sim.state.validator.note?.phase).toBe('stacking');
    r.sim.powerCycle();
    await vi.advanceTimersByTimeAsync(6000);
    expect(only(r.log, 'credit', 'noteAtPowerUp')).toEqual(['noteAtPowerUp store 500 EUR']);
    expect(await level(500)).toBe(5);
    expect(noteRecyclerOf(r.sim).accounting().balanced).toBe(true);
  });
});

describe('SMART Payout power-up notes and POLL_WITH_ACK', () => {
  it('a note stacking to the cashbox at a power cut: NOTE_PAID_INTO_STACKER_AT_POWER-UP, not a credit', async () => {
    await start({}, { routes: [{ value: 5000, route: 'cashbox' }] });
    r.sim.insertNote(4);
    await vi.advanceTimersByTimeAsync(900);
    expect(r.sim.state.validator.note?.phase).toBe('stacking');
    r.sim.powerCycle();
    await vi.advanceTimersByTimeAsync(6000);
    expect(only(r.log, 'credit', 'noteAtPowerUp')).toEqual(['noteAtPowerUp cashbox 5000 EUR']);
    expect(r.sim.state.validator.cashbox.notes).toBe(1);
    expect(noteRecyclerOf(r.sim).accounting().currencies[0]).toMatchObject({ paidIn: 5000, cashbox: 5000 });
  });

  it('DISPENSED repeats until EVENT_ACK and is reported once', async () => {
    await start({ timing: { ...TIMING, takeNoteMs: 10 } });
    const acks: string[] = [];
    r.sim.on('command', (c) => {
      if (c.name === 'EVENT_ACK') acks.push(`ack ${String(c.reply)}`);
    });
    await r.device.payout(500, 'EUR');
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'dispensed')).toEqual(['dispensed 500 EUR of 500']);
    expect(acks).toEqual([`ack ${String(0xf0)}`]);
    expect(r.sim.state.awaitingAck).toEqual([]);
  });
});

describe('SMART Payout float and empty', () => {
  it('float keeps the amount and moves the rest to the cashbox (keeping the minimum payout possible)', async () => {
    await start();
    await r.device.float(3000, { minPayout: 500 });
    await vi.advanceTimersByTimeAsync(4000);
    expect(only(r.log, 'floated')).toEqual(['floated 6000 EUR of 3000']);
    expect(noteRecyclerOf(r.sim).storedValue()).toBe(3000);
    expect(await r.device.minimumPayout()).toBe(500);
    const data = await r.device.cashboxPayoutOperationData();
    expect(data.items.reduce((s, i) => s + i.count * i.value, 0)).toBe(6000);
    expect(r.sim.state.validator.cashbox.notes).toBe(data.items.reduce((s, i) => s + i.count, 0));
  });

  it('float by denomination keeps the given quantities', async () => {
    await start();
    await r.device.floatByDenomination([{ count: 1, value: 500 }]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(await level(500)).toBe(1);
    expect(only(r.log, 'floated')).toEqual(['floated 1500 EUR']);
  });

  it('payout by denomination pays the given quantities', async () => {
    await start({ timing: { ...TIMING, takeNoteMs: 10 } });
    await r.device.payoutByDenomination([
      { count: 2, value: 500 },
      { count: 1, value: 1000 },
    ]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'dispensed')).toEqual(['dispensed 2000 EUR of 2000']);
    expect(await level(500)).toBe(2);
    expect(await errorCode(r.device.payoutByDenomination([{ count: 5, value: 2000 }]))).toBe(ErrorCode.NotEnoughValue);
    expect(await errorCode(r.device.payoutByDenomination([{ count: 3, value: 2000 }]))).toBe(ErrorCode.CannotPayExact);
  });

  it('empty all moves everything to the cashbox (EMPTYING, EMPTIED)', async () => {
    await start();
    await r.device.emptyAll();
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(r.log, 'empt')).toEqual(['emptying', 'emptied']);
    expect(noteRecyclerOf(r.sim).storedValue()).toBe(0);
    expect(r.sim.state.validator.cashbox.notes).toBe(9);
    expect((await r.device.counters()).transferredToStack).toBe(9);
  });

  it('smart empty counts the value (SMART_EMPTYING, SMART_EMPTIED) and reports it per denomination', async () => {
    await start();
    await r.device.smartEmpty();
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(r.log, 'smartEmptied')).toEqual(['smartEmptied 9000 EUR']);
    expect(only(r.log, 'smartEmptying').length).toBeGreaterThan(1);
    const data = await r.device.cashboxPayoutOperationData();
    expect(data.items.filter((i) => i.count > 0)).toEqual([
      { count: 4, value: 500, currency: 'EUR' },
      { count: 3, value: 1000, currency: 'EUR' },
      { count: 2, value: 2000, currency: 'EUR' },
    ]);
    expect(noteRecyclerOf(r.sim).accounting()).toMatchObject({ balanced: true });
  });

  it('payout out of service: event, payouts refused, notes to the cashbox', async () => {
    await start();
    noteRecyclerOf(r.sim).setOutOfService(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(only(r.log, 'payoutOutOfService')).toEqual(['payoutOutOfService']);
    expect(await errorCode(r.device.payout(500, 'EUR'))).toBe(ErrorCode.DeviceDisabled);
  });
});

describe('SMART Payout store full, counters, re-initialisation', () => {
  it('a full store reports DEVICE_FULL once and sends further notes to the cashbox', async () => {
    await start({ capacity: 9 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(only(r.log, 'deviceFull')).toEqual(['deviceFull']);
    r.sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(only(r.log, 'credit', 'stacked', 'noteStored', 'deviceFull')).toEqual([
      'deviceFull',
      'credit 500 EUR',
      'stacked',
    ]);
  });

  it('counters count stored, dispensed and transferred notes; reset clears them', async () => {
    await start({ timing: { ...TIMING, takeNoteMs: 10 } });
    await r.device.payout(1000, 'EUR');
    await vi.advanceTimersByTimeAsync(2000);
    r.sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(await r.device.counters()).toMatchObject({ stored: 1, dispensed: 1, transferredToStack: 0 });
    await r.device.resetCounters();
    expect(await r.device.counters()).toMatchObject({ stored: 0, dispensed: 0, stacked: 0 });
  });

  it('reinitialise runs the set-up again: routes and payout enable are sent again', async () => {
    await start({}, { routes: [{ value: 500, route: 'cashbox' }] });
    await r.device.setRoute(500, 'payout');
    await r.device.disablePayout();
    const again = r.device.reinitialise();
    await vi.advanceTimersByTimeAsync(0);
    await again;
    expect(await r.device.getRoute(500)).toBe('cashbox');
    expect(noteRecyclerOf(r.sim).payoutEnabled).toBe(true);
    expect(r.device.isRunning).toBe(true);
  });

  it('validator control goes through: accepted values, escrow hold and reject', async () => {
    await start({}, { holdInEscrow: true });
    await r.device.setAcceptedValues([500, 1000]);
    expect(r.sim.state.validator.inhibits.slice(0, 3)).toEqual([true, true, false]);
    r.sim.insertNote(2);
    await vi.advanceTimersByTimeAsync(1500);
    expect(r.device.escrow?.value).toBe(1000);
    r.device.hold(); // already held (holdInEscrow): HOLD goes on instead of POLL
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.device.escrow?.value).toBe(1000);
    await r.device.reject();
    await vi.advanceTimersByTimeAsync(2000);
    expect((await r.device.lastRejectReason()).code).toBe(0x08);
    expect(only(r.log, 'credit')).toEqual([]);
    r.sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(1500);
    expect(r.device.escrow?.value).toBe(500);
    r.device.accept();
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'credit', 'noteStored')).toEqual(['credit 500 EUR', 'noteStored']);
    expect(r.device.channels.map((c) => c.value)).toEqual([500, 1000, 2000, 5000, 10000, 20000, 50000]);
  });
});

describe('SMART Payout at protocol 5 (single-value event forms)', () => {
  it('pays and reports values in the unit currency', async () => {
    await start({ timing: { ...TIMING, takeNoteMs: 10 } }, { protocolVersion: 5 });
    expect(r.device.protocolVersion).toBe(5);
    await r.device.payout(1500);
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'dispensed')).toEqual(['dispensed 1500 EUR of 1500']);
    expect(only(r.log, 'noteHeld')).toEqual([]); // NOTE_HELD_IN_BEZEL needs protocol 8
  });
});
