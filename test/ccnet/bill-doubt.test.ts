/**
 * A bill in motion when the line goes dead and the device is reset (the spec's RESET to a silent device) or powered
 * up (issue 10, finding 3 of docs/RELIABILITY.md): the host reports the credit when the device can still tell it
 * (credit recovery), and `billInDoubt` when it cannot, never nothing. Host and simulator on the fault transport,
 * fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import { CcnetBus } from '../../src/ccnet/bus.js';
import type { BillInDoubt } from '../../src/ccnet/devices/bill-doubt.js';
import { BillValidator } from '../../src/ccnet/devices/bill.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

async function setUp() {
  const [hostEnd, device] = createMemoryPair();
  const faults = new FaultTransport(hostEnd, { seed: 5 });
  const sim = new BillSimulator();
  sim.attach(device);
  /** The validator's state each time ENABLE BILL TYPES reached it. */
  const enabledIn: string[] = [];
  sim.on('command', (name) => {
    if (name === 'ENABLE_BILL_TYPES') enabledIn.push(sim.stateCode.toString(16));
  });
  const bus = new CcnetBus(faults);
  const bv = new BillValidator(bus);
  const credits: number[] = [];
  const doubts: BillInDoubt[] = [];
  const states: string[] = [];
  bv.on('credit', (c) => credits.push(c.billType));
  bv.on('billInDoubt', (d) => doubts.push(d));
  bv.on('state', (s) => states.push(s.name));
  await settle(bv.initialize(), 2000);
  await settle(bv.enable());
  await settle(bv.run(), 100);
  /** Advances until the host saw `name` (bounded). */
  const until = async (name: string): Promise<void> => {
    for (let i = 0; i < 50 && bv.state?.name !== name; i++) await vi.advanceTimersByTimeAsync(20);
    expect(bv.state?.name).toBe(name);
  };
  return { faults, sim, bv, credits, doubts, states, enabledIn, until };
}

describe('CCNET: a bill in motion across a RESET or a power-up', () => {
  useFakeTimersPerTest();

  it('a STACKED sent on a dead line, then wiped by the RESET the spec asks for: billInDoubt, no credit, no guess', async () => {
    const { faults, sim, bv, credits, doubts, enabledIn, until } = await setUp();
    sim.insertBill(4);
    await until('STACKING');
    // the device hears everything, the host nothing: its STACKED goes out and is lost, never acknowledged
    faults.goDark(20_000, 'toHost');
    await vi.advanceTimersByTimeAsync(40_000);
    expect(sim.stackedBills).toEqual([4]);
    expect(sim.executed.get('RESET')).toBeGreaterThanOrEqual(2); // the start-up and at least one while silent
    expect(credits).toEqual([]);
    expect(doubts).toHaveLength(1);
    expect(doubts[0]).toMatchObject({ after: 'reset', lastState: { name: 'STACKING' } });
    // set up again: after the host's RESET, ENABLE only once the validator left INITIALIZE
    expect(enabledIn.length).toBeGreaterThanOrEqual(2);
    expect(enabledIn).not.toContain('13');
    expect(sim.stateCode).toBe(0x14);
    expect(sim.insertBill(1)).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(credits).toEqual([1]);
    expect(doubts).toHaveLength(1);
    bv.stop();
  });

  it('a STACKED never sent when the RESET came: the validator reports it once initialised (credit recovery)', async () => {
    const { faults, sim, bv, credits, doubts, until } = await setUp();
    sim.insertBill(2);
    await until('ACCEPTING');
    // the host's ACKs never come, so the validator repeats ACCEPTING and never gets to send STACKING/STACKED
    faults.goDark(20_000, 'toHost');
    await vi.advanceTimersByTimeAsync(40_000);
    expect(sim.executed.get('RESET')).toBeGreaterThanOrEqual(2);
    expect(sim.stackedBills).toEqual([2]);
    expect(credits).toEqual([2]);
    expect(doubts).toEqual([]);
    bv.stop();
  });

  it('a STACKED sent but lost just before a power cut: billInDoubt after the power-up, no credit', async () => {
    const { faults, sim, bv, credits, doubts, until } = await setUp();
    sim.insertBill(5);
    await until('STACKING');
    faults.goDark(1500, 'toHost');
    await vi.advanceTimersByTimeAsync(500); // STACKED sent (lost) at least once
    sim.powerCycle(500);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sim.stackedBills).toEqual([5]);
    expect(credits).toEqual([]);
    expect(doubts).toMatchObject([{ after: 'power-up', lastState: { name: 'STACKING' } }]);
    expect(sim.stateCode).toBe(0x14);
    bv.stop();
  });

  it('a set-up tried again after a lost answer keeps telling a repeated STACKED from a new one (no double credit)', async () => {
    const { sim, bv, credits } = await setUp();
    let armed = false;
    sim.on('command', (name) => {
      if (name === 'POLL' && sim.stateCode === 0x81) {
        sim.faults.loseAcks = 1; // the validator misses our ACK of the recovered STACKED and shows it again
        armed = true;
      } else if (name === 'ENABLE_BILL_TYPES' && armed) {
        armed = false;
        sim.faults.dropReplies = 3; // and the re-enable goes unanswered: the host sets the validator up again
      }
    });
    sim.insertBill(3);
    sim.powerCycle(300); // STACKED never sent: 12H, then STACKED once initialised
    await vi.advanceTimersByTimeAsync(8000);
    expect(sim.stackedBills).toEqual([3]);
    expect(credits).toEqual([3]);
    expect(sim.stateCode).toBe(0x14);
    bv.stop();
  });

  it('a clean bill and a clean outage report no doubt', async () => {
    const { faults, sim, bv, credits, doubts } = await setUp();
    sim.insertBill(0);
    await vi.advanceTimersByTimeAsync(2000);
    faults.goDark(12_000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sim.insertBill(3)).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(credits).toEqual([0, 3]);
    expect(doubts).toEqual([]);
    bv.stop();
  });
});
