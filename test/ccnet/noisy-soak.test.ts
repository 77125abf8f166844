import { describe, expect, it, vi } from 'vitest';
import { createMemoryPair } from '../../src/transport/memory.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillValidator } from '../../src/ccnet/devices/bill.js';
import { CoinChanger } from '../../src/ccnet/devices/coin-changer.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { CoinSimulator } from '../../src/ccnet/simulator/coin.js';
import { prng } from '../helpers/prng.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

/** Counts of each value in a list. */
function tally(list: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const x of list) out.set(x, (out.get(x) ?? 0) + 1);
  return out;
}

describe('CCNET on a noisy line with outages and power cuts (short soak, virtual time)', () => {
  useFakeTimersPerTest();

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: bills and coins are never credited twice; every loss has a documented cause`, async () => {
      const rnd = prng(seed);
      const [hostEnd, device] = createMemoryPair({ latencyMs: 2 });
      const faults = new FaultTransport(hostEnd, { seed });
      const billSim = new BillSimulator();
      const coinSim = new CoinSimulator({ tubes: { 1: { count: 0, capacity: 3 } } });
      billSim.attach(device);
      coinSim.attach(device);
      const bus = new CcnetBus(faults);
      const bv = new BillValidator(bus);
      const cc = new CoinChanger(bus);
      const credits: number[] = [];
      const coins: number[] = [];
      let billsAtPowerUp = 0;
      bv.on('credit', (c) => credits.push(c.billType));
      bv.on('billAtPowerUp', () => billsAtPowerUp++);
      cc.on('coin', (c) => coins.push(c.coinType));
      await settle(Promise.all([bv.initialize(), cc.initialize()]), 3000);
      await settle(Promise.all([bv.enable(), cc.enable()]));
      await settle(Promise.all([bv.run(), cc.run()]), 100);
      const noise = { corrupt: 0.003, drop: 0.002 };
      faults.setFaults('toDevice', noise);
      faults.setFaults('toHost', noise);
      let powerCuts = 0;
      for (let i = 0; i < 60; i++) {
        billSim.insertBill(Math.floor(rnd() * 4));
        coinSim.insertCoin(Math.floor(rnd() * 3));
        const r = rnd();
        if (r < 0.05) faults.goDark(500 + Math.floor(rnd() * 7000));
        else if (r < 0.08) {
          billSim.powerCycle(200 + Math.floor(rnd() * 3000));
          powerCuts++;
        }
        await vi.advanceTimersByTimeAsync(1500 + Math.floor(rnd() * 1500));
      }
      faults.setFaults('toDevice', {});
      faults.setFaults('toHost', {});
      await vi.advanceTimersByTimeAsync(15_000);
      bv.stop();
      cc.stop();
      // never more credits of a type than bills of that type really stacked (no double)
      const stacked = tally(billSim.stackedBills);
      for (const [type, n] of tally(credits)) expect(n).toBeLessThanOrEqual(stacked.get(type) ?? 0);
      const accepted = tally(coinSim.acceptedCoins);
      for (const [type, n] of tally(coins)) expect(n).toBeLessThanOrEqual(accepted.get(type) ?? 0);
      // losses only where a power cut took an event the device never re-reports
      expect(billSim.stackedBills.length - credits.length).toBeLessThanOrEqual(powerCuts);
      expect(coins.length).toBe(coinSim.acceptedCoins.length);
      expect(billSim.stackedBills.length).toBeGreaterThan(20);
      expect(billsAtPowerUp).toBeLessThanOrEqual(powerCuts);
      expect(bv.loop.state).toBe('closed');
    });
  }
});
