import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, type KioskbusError } from '../../src/core/errors.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillToBill, BillValidator } from '../../src/ccnet/devices/bill.js';
import { CoinChanger } from '../../src/ccnet/devices/coin-changer.js';
import type { UncertainOutcome } from '../../src/ccnet/devices/device-common.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { CoinSimulator } from '../../src/ccnet/simulator/coin.js';
import type { SimFaults } from '../../src/ccnet/simulator/base.js';
import { coinRig, settle, useFakeTimersPerTest } from './helpers.js';

interface EventSource {
  readonly faults: SimFaults;
  readonly stateBytes: Uint8Array;
  on(event: 'command' | 'resend', listener: (name: string) => void): unknown;
}

/**
 * Arms line faults on the POLL answers that carry an event: the first one loses our ACK (the device repeats it),
 * the next `lostAnswers` POLL answers are lost on the way back (the host resends POLL).
 */
function loseAckThenAnswers(sim: EventSource, isEvent: (code: number) => boolean, lostAnswers: number): void {
  let stage = 0;
  const onPoll = (name: string): void => {
    if (name !== 'POLL' || !isEvent(sim.stateBytes[0] ?? 0)) return;
    if (stage === 0) {
      sim.faults.loseAcks = 1;
      stage = 1;
    } else if (stage === 1) {
      sim.faults.dropReplies = lostAnswers;
      stage = 2;
    }
  };
  // the repeat of an unacknowledged answer comes from the simulator's resend cache
  sim.on('command', onPoll);
  sim.on('resend', onPoll);
}

describe('CCNET double credit: repeat or new decided from whether our ACK can have been lost', () => {
  useFakeTimersPerTest();

  it('coin changer: one lost ACK plus lost POLL answers (resent POLL) is one coin', async () => {
    // 8 ms each way: about the wire time of a short frame at 9600 baud
    const [host, device] = createMemoryPair({ latencyMs: 8 });
    const sim = new CoinSimulator({ tubes: { 2: { count: 5, capacity: 5 } } });
    sim.attach(device);
    const cc = new CoinChanger(new CcnetBus(host));
    const coins: number[] = [];
    cc.on('coin', (c) => coins.push(c.coinType));
    await settle(cc.initialize(), 2000);
    await settle(cc.enable());
    await settle(cc.run(), 100);
    loseAckThenAnswers(sim, (code) => code >= 0x40 && code < 0x60, 2);
    sim.insertCoin(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(cc.bus.link.counters.timeouts).toBe(2);
    expect(sim.acceptedCoins).toEqual([2]);
    expect(coins).toEqual([2]);
    cc.stop();
  });

  it('bill validator with responseTimeoutMs 400: one lost ACK plus two lost POLL answers is one credit', async () => {
    const [host, device] = createMemoryPair({ latencyMs: 8 });
    const sim = new BillSimulator();
    sim.attach(device);
    const bv = new BillValidator(new CcnetBus(host, { responseTimeoutMs: 400 }));
    const credits: number[] = [];
    bv.on('credit', (c) => credits.push(c.billType));
    await settle(bv.initialize(), 2000);
    await settle(bv.enable());
    await settle(bv.run(), 100);
    loseAckThenAnswers(sim, (code) => code === 0x81, 2);
    sim.insertBill(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(bv.bus.link.counters.timeouts).toBe(2);
    expect(sim.stackedBills).toEqual([1]);
    expect(credits).toEqual([1]);
    bv.stop();
  });

  it('the repeat window follows the link timing, not a fixed poll interval + 100 ms', () => {
    const [host] = createMemoryPair();
    const cc = new CoinChanger(new CcnetBus(host, { responseTimeoutMs: 400 }), { pollIntervalMs: 150 });
    const window = (cc as unknown as { repeats: { windowMs: number } }).repeats.windowMs;
    expect(window).toBeGreaterThanOrEqual(150 + 400 + 20);
  });
});

describe('CCNET money-moving commands are never resent blindly: UNCERTAIN with what is known', () => {
  useFakeTimersPerTest();

  async function b2bRig() {
    const [hostEnd, device] = createMemoryPair();
    const faults = new FaultTransport(hostEnd, { seed: 5 });
    const sim = new BillSimulator({
      kind: 'b2b',
      cassettes: [
        { type: 1, count: 10, capacity: 100, present: true },
        { type: 2, count: 5, capacity: 100, present: true },
      ],
    });
    sim.attach(device);
    const b2b = new BillToBill(new CcnetBus(faults));
    const uncertain: UncertainOutcome[] = [];
    b2b.on('uncertain', (o) => uncertain.push(o));
    await settle(b2b.initialize(), 2000);
    return { faults, sim, b2b, uncertain };
  }

  it('a DISPENSE that never reached the device: UNCERTAIN, no sign of it, cassette counts in the facts, nothing paid', async () => {
    const { faults, sim, b2b, uncertain } = await b2bRig();
    faults.goDark(50, 'toDevice');
    const err = (await settle(b2b.dispense([{ billType: 1, count: 3 }]), 1000).catch(
      (e: unknown) => e,
    )) as KioskbusError;
    expect(err.code).toBe(ErrorCode.Uncertain);
    expect(err.message).toContain('try 1: no answer');
    expect(err.context).toMatchObject({ command: 'DISPENSE', evidence: 'no-sign', stateAfter: 'UNIT_DISABLED' });
    expect(uncertain).toHaveLength(1);
    expect(uncertain[0]?.tries).toHaveLength(1);
    const cassettes = uncertain[0]?.facts.cassettes as { count: number }[];
    expect(cassettes[0]?.count).toBe(10);
    expect(sim.dispensedBills).toEqual([]);
    expect(sim.executed.get('DISPENSE')).toBeUndefined();
  });

  it('a DISPENSE whose ACK was damaged: not resent, UNCERTAIN, the device shows DISPENSING, paid once', async () => {
    const { sim, b2b, uncertain } = await b2bRig();
    sim.faults.corruptReplies = 1;
    const err = (await settle(b2b.dispense([{ billType: 2, count: 2 }]), 1000).catch(
      (e: unknown) => e,
    )) as KioskbusError;
    expect(err.code).toBe(ErrorCode.Uncertain);
    expect(err.message).toContain('try 1: damaged answer');
    expect(uncertain[0]?.evidence).toBe('executed');
    expect(uncertain[0]?.statesSeen).toContain('DISPENSING');
    expect(sim.executed.get('DISPENSE')).toBe(1);
    expect(sim.dispensedBills).toEqual([2, 2]);
  });

  it('an UNLOAD to a device that lost its power: UNCERTAIN, no answer to the check either', async () => {
    const { sim, b2b } = await b2bRig();
    sim.powerCycle(60_000);
    const err = (await settle(b2b.unload({ cassette: 1, count: 2 }), 3000).catch((e: unknown) => e)) as KioskbusError;
    expect(err.code).toBe(ErrorCode.Uncertain);
    expect(err.context.evidence).toBe('no-answer');
    expect(sim.cassettes[0]?.count).toBe(10);
  });

  it('a coin DISPENSE whose answer was lost: UNCERTAIN with the tube counts, paid once', async () => {
    const { sim, cc } = await coinRig();
    sim.faults.dropReplies = 1;
    const err = (await settle(cc.dispense(1, 2), 1000).catch((e: unknown) => e)) as KioskbusError;
    expect(err.code).toBe(ErrorCode.Uncertain);
    expect(err.context.evidence).toBe('executed');
    expect((err.context.facts as { tubes: { counts: number[] } }).tubes.counts[1]).toBe(8);
    expect(sim.paidOutCoins).toEqual([1, 1]);
  });

  it('a refused DISPENSE (ILLEGAL COMMAND) is a plain refusal, not uncertain', async () => {
    const { b2b } = await b2bRig();
    await settle(b2b.enable());
    await expect(settle(b2b.dispense([{ billType: 1, count: 1 }]))).rejects.toMatchObject({
      code: ErrorCode.IllegalCommand,
    });
  });
});
