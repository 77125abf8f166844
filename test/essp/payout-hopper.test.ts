/**
 * SMART Hopper and SMART System host facades against the simulator: coin set-up layout, coin mech credits,
 * inhibits, denomination levels, hopper options, payout / float / smart empty with coins, CASHBOX_PAID, VALUE_ADDED.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { SmartHopper, type SmartHopperOptions } from '../../src/essp/devices/smart-hopper.js';
import { SmartSystem } from '../../src/essp/devices/smart-system.js';
import { hopperOf } from '../../src/essp/simulator/payout/index.js';
import type { PayoutSimOptions } from '../../src/essp/simulator/payout/types.js';
import { errorCode, only, rig, type Rig } from './payout-harness.js';

const LEVELS = [
  { value: 10, count: 20 },
  { value: 20, count: 10 },
  { value: 50, count: 10 },
  { value: 100, count: 5 },
  { value: 200, count: 5 },
];

let r: Rig<SmartHopper>;

async function start(payout: PayoutSimOptions = {}, options: SmartHopperOptions = {}): Promise<void> {
  r = await rig(
    [{ device: 'smart-hopper', payout: { levels: LEVELS, ...payout } }],
    (bus) => new SmartHopper(bus, options),
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await r.close();
  vi.useRealTimers();
});

describe('SMART Hopper', () => {
  it('a coinCredit listener that throws is reported, and the next coin of the same reply is still credited', async () => {
    await start();
    const errors: string[] = [];
    r.device.on('error', (e) => errors.push(e.code));
    r.device.once('coinCredit', () => {
      throw new Error('till offline');
    });
    const hopper = hopperOf(r.sim);
    // both coins go in between two polls: one reply carries both COIN_CREDIT events
    hopper.insertCoin(100);
    hopper.insertCoin(50);
    await vi.advanceTimersByTimeAsync(1000);
    expect(only(r.log, 'coinCredit')).toEqual(['coinCredit 100 EUR', 'coinCredit 50 EUR']);
    expect(errors).toEqual(['LISTENER_FAILED']);
  });

  it('starts at address 0x10 with the coin SETUP_REQUEST layout, encrypted, protocol 7', async () => {
    await start();
    expect(r.device.address).toBe(0x10);
    expect(r.device.protocolVersion).toBe(7);
    expect(r.device.setup).toMatchObject({ kind: 'coin', unitType: 0x03, currency: 'EUR' });
    expect(r.device.context.channels?.map((c) => c.value)).toEqual([5, 10, 20, 50, 100, 200]);
    expect(r.bus.isEncrypted(0x10)).toBe(true);
  });

  it('credits each coin of the coin mech once; coins routed to the cashbox give CASHBOX_PAID', async () => {
    await start({}, { routes: [{ value: 200, route: 'cashbox' }] });
    const hopper = hopperOf(r.sim);
    expect(hopper.insertCoin(100)).toEqual({ taken: true, to: 'store' });
    expect(hopper.insertCoin(200)).toEqual({ taken: true, to: 'cashbox' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(only(r.log, 'coinCredit', 'cashboxPaid')).toEqual([
      'coinCredit 100 EUR',
      'coinCredit 200 EUR',
      'cashboxPaid 200 EUR',
    ]);
    expect(await r.device.level(100)).toBe(6);
    expect(hopper.accounting()).toMatchObject({ balanced: true });
  });

  it('coin mech inhibits (per coin and global) stop coins; ATTACHED_COIN_MECH events', async () => {
    await start();
    const hopper = hopperOf(r.sim);
    await r.device.setCoinInhibited(50, true);
    expect(hopper.insertCoin(50)).toMatchObject({ taken: false, reason: 'coin inhibited' });
    await r.device.setCoinInhibited(50, false);
    expect(hopper.insertCoin(50).taken).toBe(true);
    await r.device.setCoinMechEnabled(false);
    expect(hopper.insertCoin(20)).toMatchObject({ taken: false });
    await r.device.setCoinMechEnabled(true);
    await r.device.setCoinMechOptions({ ccTalk: true });
    hopper.coinMechError(13);
    await vi.advanceTimersByTimeAsync(1000);
    expect(only(r.log, 'coinMech', 'coinCredit')).toEqual([
      'coinCredit 50 EUR',
      'coinMechDisabled',
      'coinMechEnabled',
      'coinMechError 13',
    ]);
    expect(hopper.coinMechErrors).toBe(true);
    hopper.coinMechJam();
    await vi.advanceTimersByTimeAsync(500);
    hopper.coinMechReturn();
    await vi.advanceTimersByTimeAsync(500);
    expect(only(r.log, 'coinMechJammed', 'coinMechReturnPressed')).toEqual(['coinMechJammed', 'coinMechReturnPressed']);
  });

  it('set denomination level adds coins; 0 clears; the books follow', async () => {
    await start();
    await r.device.setDenominationLevel(5, 40);
    expect(await r.device.level(5)).toBe(40);
    await r.device.setDenominationLevel(10, 0);
    expect(await r.device.level(10)).toBe(0);
    const books = hopperOf(r.sim).accounting();
    expect(books.balanced).toBe(true);
    expect(books.currencies[0]?.initial).toBe(200 + 200 + 500 + 500 + 1000 + 200 - 200);
  });

  it('hopper options: every REG0 bit by name; setHopperOptions keeps the other bits', async () => {
    await start();
    expect(await r.device.hopperOptions()).toEqual({
      payMode: false,
      levelCheck: true,
      motorSpeed: true,
      cashBoxPayActive: false,
      routeZeroLevelToCashbox: false,
      highEfficiencySplit: true,
      unknownToPayout: false,
      valueAddedEvent: false,
      reg1: 0,
    });
    await r.device.setHopperOptions({ payMode: true, valueAddedEvent: true });
    expect(hopperOf(r.sim).reg0).toBe(0b1010_0111);
  });

  it('pays coins with progress and refuses with typed errors', async () => {
    await start();
    await r.device.payout(370, 'EUR');
    expect(await errorCode(r.device.payout(10, 'EUR'))).toBe(ErrorCode.DeviceBusy);
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'dispensed')).toEqual(['dispensed 370 EUR of 370']);
    expect(only(r.log, 'dispensing').length).toBeGreaterThan(0);
    expect(await errorCode(r.device.payout(5, 'EUR'))).toBe(ErrorCode.CannotPayExact);
    expect(await errorCode(r.device.payout(100000, 'EUR'))).toBe(ErrorCode.NotEnoughValue);
    expect((await r.device.canPay(30)).ok).toBe(true);
    expect(hopperOf(r.sim).accounting().currencies[0]?.paidOut).toBe(370);
  });

  it('float keeps the amount; FLOATED reports what went to the cashbox; smart empty empties', async () => {
    await start();
    await r.device.float(500, { minPayout: 10 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(r.log, 'floated')).toEqual(['floated 1900 EUR of 500']);
    const floating = only(r.log, 'floating');
    const moved = floating.map((l) => Number(/floating (\d+)/.exec(l)?.[1]));
    expect(moved.length).toBeGreaterThan(2);
    expect(moved).toEqual([...moved].sort((a, b) => a - b)); // progress only grows
    expect(moved.every((v) => v < 1900)).toBe(true);
    expect(hopperOf(r.sim).storedValue()).toBe(500);
    await r.device.smartEmpty();
    await vi.advanceTimersByTimeAsync(5000);
    expect(only(r.log, 'smartEmptied')).toEqual(['smartEmptied 500 EUR']);
    const data = await r.device.cashboxPayoutOperationData();
    expect(data.items.reduce((s, i) => s + i.count * i.value, 0)).toBe(500);
    expect(hopperOf(r.sim).accounting()).toMatchObject({ balanced: true });
  });

  it('power lost during a float: INCOMPLETE_FLOAT with the value moved and the value to move', async () => {
    await start();
    await r.device.float(500);
    await vi.advanceTimersByTimeAsync(450); // a few coins have gone
    r.sim.powerCycle();
    await vi.advanceTimersByTimeAsync(8000);
    const line = only(r.log, 'incompleteFloat')[0] ?? '';
    const [paid, requested] = (/(\d+)\/(\d+)/.exec(line) ?? []).slice(1).map(Number);
    expect(requested).toBe(1900);
    expect(paid).toBeGreaterThan(0);
    expect(paid).toBeLessThan(1900);
    expect(hopperOf(r.sim).accounting().currencies[0]?.cashbox).toBe(paid);
  });
});

describe('SMART Hopper at protocol 5 and enable state', () => {
  it('uses the single-value forms: u16 coin values, routes, levels, payout, COIN_CREDIT without currency', async () => {
    await start({}, { protocolVersion: 5 });
    expect(r.device.protocolVersion).toBe(5);
    expect(r.device.setup).toMatchObject({ kind: 'coin', protocolVersion: 5 });
    await r.device.setRoute(200, 'cashbox');
    expect(await r.device.getRoute(200)).toBe('cashbox');
    await r.device.setDenominationLevel(5, 10);
    expect(await r.device.level(5)).toBe(10);
    hopperOf(r.sim).insertCoin(50);
    await r.device.payout(120);
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(r.log, 'coinCredit', 'dispensed')).toEqual(['coinCredit 50 EUR', 'dispensed 120 EUR of 120']);
  });

  it('reports disabled and enabled (DISABLED starts and stops)', async () => {
    const log: string[] = [];
    await start();
    r.device.on('disabled', () => log.push('disabled'));
    r.device.on('enabled', () => log.push('enabled'));
    await r.device.disable();
    await vi.advanceTimersByTimeAsync(600);
    await r.device.enable();
    await vi.advanceTimersByTimeAsync(600);
    expect(log).toEqual(['disabled', 'enabled']);
  });
});

describe('SMART System', () => {
  it('coin SETUP_REQUEST with unit type 0x09; the feeder gives PAY_IN_ACTIVE, credits and VALUE_ADDED', async () => {
    const rs = await rig([{ device: 'smart-system' }], (bus) => new SmartSystem(bus));
    r = rs;
    expect(rs.device.setup).toMatchObject({ kind: 'coin', unitType: 0x09 });
    expect((await rs.device.hopperOptions()).valueAddedEvent).toBe(true);
    hopperOf(rs.sim).feedCoins([100, 200, 50]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(rs.log, 'payInActive', 'coinCredit', 'valueAdded')).toEqual([
      'payInActive',
      'coinCredit 100 EUR',
      'coinCredit 200 EUR',
      'coinCredit 50 EUR',
      'valueAdded 350 EUR',
    ]);
  });
});
