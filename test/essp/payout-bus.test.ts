/**
 * Two payout devices on one cable: an NV200 + SMART Payout at 0x00 and a SMART Hopper at 0x10, each encrypted with
 * its own key, polled through one SspBus; one of them failing does not stall the other. Then randomized sessions
 * (seeded PRNG): money is conserved in both simulators at every step and every credit and every payout is
 * reported to the host exactly once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { SmartHopper } from '../../src/essp/devices/smart-hopper.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import { hopperOf, noteRecyclerOf } from '../../src/essp/simulator/payout/index.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';
import { settleStepsQuietly as settle } from '../helpers/settle.js';
import { only, prng, record } from './payout-harness.js';

interface Cable {
  host: MemoryTransport;
  end: MemoryTransport;
  payoutSim: SspSimulator;
  hopperSim: SspSimulator;
  bus: SspBus;
  payout: SmartPayout;
  hopper: SmartHopper;
  log: string[];
  close(): Promise<void>;
}

let cable: Cable | undefined;

async function twoDevices(seed = 1): Promise<Cable> {
  const random = prng(seed);
  const [host, end] = createMemoryPair();
  const payoutSim = new SspSimulator({
    device: 'smart-payout',
    random,
    payout: {
      levels: [
        { value: 500, count: 5 },
        { value: 1000, count: 5 },
        { value: 2000, count: 3 },
      ],
      timing: { itemMs: 300, cashboxMs: 200, takeNoteMs: 300 },
    },
  });
  const hopperSim = new SspSimulator({
    device: 'smart-hopper',
    random,
    fixedKey: 0xfedcba9876543210n,
    payout: {
      levels: [
        { value: 10, count: 30 },
        { value: 20, count: 20 },
        { value: 50, count: 20 },
        { value: 100, count: 10 },
        { value: 200, count: 10 },
      ],
    },
  });
  const detach = [payoutSim.attach(end), hopperSim.attach(end)];
  const bus = new SspBus(host, { timeoutMs: 300, retries: 3 });
  const payout = new SmartPayout(bus);
  const hopper = new SmartHopper(bus, { fixedKey: 'FEDCBA9876543210' });
  const log: string[] = [];
  record(payout, log, 'payout ');
  record(hopper, log, 'hopper ');
  const started = Promise.all([payout.start(), hopper.start()]);
  await vi.advanceTimersByTimeAsync(0);
  await started;
  return {
    host,
    end,
    payoutSim,
    hopperSim,
    bus,
    payout,
    hopper,
    log,
    async close() {
      await payout.close();
      await hopper.close();
      await bus.close();
      for (const d of detach) d();
      payoutSim.close();
      hopperSim.close();
      await end.close();
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  if (cable) await settle(cable.close());
  cable = undefined;
  vi.useRealTimers();
});

describe('two payout devices on one cable', () => {
  it('both start encrypted with their own keys and are polled in one session', async () => {
    cable = await twoDevices();
    const c = cable;
    expect(c.bus.isEncrypted(0x00)).toBe(true);
    expect(c.bus.isEncrypted(0x10)).toBe(true);
    expect(c.payoutSim.state.encrypted && c.hopperSim.state.encrypted).toBe(true);
    expect(c.payoutSim.stats.otherAddress).toBeGreaterThan(0); // each simulator ignored the other's frames
    c.payoutSim.insertNote(3);
    hopperOf(c.hopperSim).insertCoin(200);
    await vi.advanceTimersByTimeAsync(4000);
    await c.payout.payout(1500, 'EUR');
    await c.hopper.payout(70, 'EUR');
    await vi.advanceTimersByTimeAsync(4000);
    expect(only(c.log, 'payout credit', 'hopper coinCredit', 'payout dispensed', 'hopper dispensed').sort()).toEqual([
      'hopper coinCredit 200 EUR',
      'hopper dispensed 70 EUR of 70',
      'payout credit 2000 EUR',
      'payout dispensed 1500 EUR of 1500',
    ]);
  });

  it('a silent hopper goes offline without stalling the SMART Payout; it is set up again when it is back', async () => {
    cable = await twoDevices();
    const c = cable;
    c.hopperSim.powerCycle({ offMs: 20_000 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(c.log, 'hopper offline')).toEqual(['hopper offline']);
    // the SMART Payout keeps working meanwhile
    c.payoutSim.insertNote(2);
    await vi.advanceTimersByTimeAsync(4000);
    // the cable is shared: the payout command may wait for a probe of the silent hopper to time out
    const paying = c.payout.payout(1000, 'EUR');
    await vi.advanceTimersByTimeAsync(3000);
    await paying;
    expect(only(c.log, 'payout credit', 'payout dispensed')).toEqual([
      'payout credit 1000 EUR',
      'payout dispensed 1000 EUR of 1000',
    ]);
    expect(only(c.log, 'payout error', 'payout offline')).toEqual([]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(only(c.log, 'hopper online')).toEqual(['hopper online']);
    hopperOf(c.hopperSim).insertCoin(50);
    await vi.advanceTimersByTimeAsync(2000);
    expect(only(c.log, 'hopper coinCredit')).toEqual(['hopper coinCredit 50 EUR']);
  });
});

/** Sum of the first value of progress lines like "dispensed 1500 EUR of 1500" or "incompletePayout 2000/4000 EUR". */
function paidTotal(lines: readonly string[]): number {
  let sum = 0;
  for (const l of lines) {
    const m = /(?:dispensed|halted|timeout) (\d+) /.exec(l) ?? /incompletePayout (\d+)\//.exec(l);
    sum += Number(m?.[1] ?? 0);
  }
  return sum;
}

function creditTotal(lines: readonly string[]): number {
  return lines.reduce((s, l) => s + Number(/(?:credit|coinCredit) (\d+)/i.exec(l)?.[1] ?? 0), 0);
}

describe('randomized sessions', () => {
  for (const seed of [7, 42, 1234, 2024, 99]) {
    it(`seed ${String(seed)}: money is conserved and credits and payouts are reported exactly once`, async () => {
      cable = await twoDevices(seed);
      const c = cable;
      const rnd = prng(seed * 31 + 1);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
      const payoutBooks = noteRecyclerOf(c.payoutSim);
      const hopperBooks = hopperOf(c.hopperSim);
      for (let step = 0; step < 40; step++) {
        const action = rnd();
        if (action < 0.3) {
          c.payoutSim.insertNote(pick([1, 2, 3, 4]));
        } else if (action < 0.5) {
          hopperBooks.insertCoin(pick([10, 20, 50, 100, 200]));
        } else if (action < 0.65) {
          await settle(c.payout.payout(pick([500, 1500, 2500, 3000, 1234]), 'EUR'));
        } else if (action < 0.8) {
          await settle(c.hopper.payout(pick([30, 70, 150, 260, 5]), 'EUR'));
        } else if (action < 0.85) {
          await settle(c.payout.halt());
        } else {
          // a power cut: only while no credit is in flight (an unreported credit dies with the power on any device)
          const quiet = (s: SspSimulator): boolean =>
            s.state.validator.note === undefined &&
            !s.state.pendingEvents.some((e) => e.name === 'CREDIT_NOTE' || e.name === 'COIN_CREDIT') &&
            s.state.awaitingAck.length === 0;
          const sim = pick([c.payoutSim, c.hopperSim]);
          if (quiet(sim)) {
            // often in the middle of a payout
            if (rnd() < 0.7) {
              const device = sim === c.payoutSim ? c.payout : c.hopper;
              await settle(device.payout(sim === c.payoutSim ? 2500 : 150, 'EUR'));
              await vi.advanceTimersByTimeAsync(Math.floor(rnd() * 1200));
            }
            if (quiet(sim)) sim.powerCycle();
          }
        }
        await vi.advanceTimersByTimeAsync(Math.floor(rnd() * 1500));
        expect(payoutBooks.accounting().balanced).toBe(true);
        expect(hopperBooks.accounting().balanced).toBe(true);
      }
      await vi.advanceTimersByTimeAsync(30_000); // everything settles
      const p = payoutBooks.accounting().currencies[0];
      const h = hopperBooks.accounting().currencies[0];
      expect(p?.inTransit).toBe(0);
      expect(h?.inTransit).toBe(0);
      expect(creditTotal(only(c.log, 'payout credit'))).toBe(p?.paidIn);
      expect(creditTotal(only(c.log, 'hopper coinCredit'))).toBe(h?.paidIn);
      expect(paidTotal(only(c.log, 'payout dispensed', 'payout halted', 'payout incompletePayout'))).toBe(p?.paidOut);
      expect(paidTotal(only(c.log, 'hopper dispensed', 'hopper halted', 'hopper incompletePayout'))).toBe(h?.paidOut);
      expect(only(c.log, 'payout error', 'hopper error')).toEqual([]);
      // the session did something: credits on both devices and payouts
      expect(only(c.log, 'payout credit').length).toBeGreaterThan(0);
      expect(only(c.log, 'hopper coinCredit').length).toBeGreaterThan(0);
      expect(only(c.log, 'payout dispensed', 'hopper dispensed').length).toBeGreaterThan(0);
    });
  }
});
