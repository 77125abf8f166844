import { describe, expect, it, vi } from 'vitest';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { CoinChanger } from '../../src/ccnet/devices/coin-changer.js';
import { CoinSimulator } from '../../src/ccnet/simulator/coin.js';
import { encodeCommand } from '../../src/ccnet/frame.js';
import { ACK, PeripheralSimulator, type SimAnswer } from '../../src/ccnet/simulator/base.js';
import { COIN_COMMANDS } from '../../src/ccnet/commands.js';
import { coinStateCode } from '../../src/ccnet/states.js';
import { coinRig, framesIn, noisyLine, settle, useFakeTimersPerTest } from './helpers.js';
import { prng } from '../helpers/prng.js';

/**
 * A coin changer that queues its coin events (as MDB-style changers do) and shows each one until a POLL
 * reply carrying it is ACKed: two coins of one type to the cash box give the same bytes twice in a row,
 * with no state in between.
 */
class QueueingChanger extends PeripheralSimulator {
  constructor() {
    super(0x02, 'coin-changer');
    this.current = Uint8Array.of(coinStateCode('IDLING'));
  }

  /** Coin events not yet ACKed. */
  get queued(): number {
    return this.steps.length;
  }

  coinToCashbox(coinType: number): void {
    this.steps.push({ bytes: Uint8Array.of(0x40 | coinType, 0) });
  }

  protected handle(key: string): SimAnswer {
    if (key === 'POLL') return { data: this.pollData() };
    if (key === 'TUBE_STATUS') {
      return { data: COIN_COMMANDS.TUBE_STATUS.encodeReply({ full: [], counts: [], bad: [], layout: '3+24' }) };
    }
    return ACK;
  }
}

function setup() {
  const [host, device] = createMemoryPair();
  const sim = new QueueingChanger();
  sim.attach(device);
  const cc = new CoinChanger(new CcnetBus(host));
  const coins: number[] = [];
  cc.on('coin', (c) => coins.push(c.coinType));
  return { sim, cc, coins };
}

describe('CCNET repeated POLL answers: neither a swallowed nor a doubled credit', () => {
  useFakeTimersPerTest();

  it('two identical coin events on a clean line, POLLs a second apart: two coins', async () => {
    const { sim, cc, coins } = setup();
    sim.coinToCashbox(2);
    sim.coinToCashbox(2);
    await settle(cc.poll());
    await vi.advanceTimersByTimeAsync(1000);
    await settle(cc.poll());
    await settle(cc.poll());
    expect(coins).toEqual([2, 2]);
    expect(sim.queued).toBe(0);
    expect(cc.state?.name).toBe('IDLING');
  });

  it('the device missed our ACK: its repeat at the next POLL is one coin', async () => {
    const { sim, cc, coins } = setup();
    sim.coinToCashbox(2);
    sim.faults.loseAcks = 1;
    await settle(cc.poll(), 100);
    await vi.advanceTimersByTimeAsync(100);
    const again = await settle(cc.poll(), 100);
    expect(again.name).toBe('COIN_TO_CASHBOX'); // the device really repeated it
    await settle(cc.poll());
    expect(coins).toEqual([2]);
    expect(sim.queued).toBe(0);
  });

  it('the device missed our ACK and the line was noisy since: a late repeat is still one coin', async () => {
    const { sim, cc, coins } = setup();
    sim.coinToCashbox(2);
    sim.faults.loseAcks = 1;
    await settle(cc.poll(), 100);
    await vi.advanceTimersByTimeAsync(3000);
    sim.faults.corruptReplies = 1; // another exchange on the port needs a NAK and a resend
    await settle(cc.tubeStatus());
    const again = await settle(cc.poll(), 100);
    expect(again.name).toBe('COIN_TO_CASHBOX');
    expect(coins).toEqual([2]);
  });

  it('a steady state answered again after a long gap is not a new event', async () => {
    const { cc } = setup();
    const states: string[] = [];
    cc.on('state', (s) => states.push(s.name));
    await settle(cc.poll());
    await vi.advanceTimersByTimeAsync(5000);
    await settle(cc.poll());
    expect(states).toEqual(['IDLING']);
  });
});

describe('CCNET coin changer on a noisy line: identical coins, each credited once', () => {
  useFakeTimersPerTest();

  it('thirty coins of one type to the cash box (identical answers), bit flips both ways', async () => {
    const rnd = prng(7);
    const line = noisyLine(rnd);
    // tube of type 2 full: every coin goes to the cash box, so every coin answer has the same bytes
    const sim = new CoinSimulator({ tubes: { 2: { count: 5, capacity: 5 } } });
    sim.attach(line.device);
    const bus = new CcnetBus(line.host);
    const cc = new CoinChanger(bus, { pollIntervalMs: 100 });
    const coins: string[] = [];
    cc.on('coin', (c) => coins.push(`${c.coinType}:${c.route}`));
    await settle(cc.initialize(), 3000);
    await settle(cc.enable());
    cc.start();
    line.on = true;
    for (let i = 0; i < 30; i++) {
      for (let k = 0; k < 50 && !sim.insertCoin(2); k++) await vi.advanceTimersByTimeAsync(100);
      await vi.advanceTimersByTimeAsync(300 + Math.floor(rnd() * 700));
    }
    line.on = false;
    await vi.advanceTimersByTimeAsync(3000);
    cc.stop();
    expect(sim.acceptedCoins.length).toBeGreaterThan(20);
    expect(coins).toEqual(sim.acceptedCoins.map(() => '2:cashbox'));
    expect(bus.link.lineTrouble).toBeGreaterThan(0);
  });
});

describe('CCNET simulator: a resend is answered from the cache, a new identical command runs', () => {
  useFakeTimersPerTest();

  async function pollUntilIdle(cc: CoinChanger): Promise<void> {
    for (let i = 0; i < 10 && (await settle(cc.poll())).name !== 'IDLING'; i++);
    expect(cc.state?.name).toBe('IDLING');
  }

  it('a GET STATUS whose reply was not ACKed is a resend: answered from the cache', async () => {
    const { sim, cc } = await coinRig();
    const resends: string[] = [];
    sim.on('resend', (name) => resends.push(name));
    sim.faults.dropReplies = 1;
    await settle(cc.getStatus());
    expect(resends).toEqual(['GET_STATUS']);
    expect(sim.executed.get('GET_STATUS')).toBe(1);
  });

  it('a new identical DISPENSE right after the first (ACKed, payout still busy) runs: never from the cache', async () => {
    const { sim, cc } = await coinRig();
    const resends: string[] = [];
    sim.on('resend', (name) => resends.push(name));
    await settle(cc.dispense(1, 1), 30);
    // the changer is still paying out: a real unit refuses the new command; it is never acknowledged unpaid
    // (sent on the bus directly: the host itself never sends it, see the next test)
    const again = cc.bus.execute(cc.address, COIN_COMMANDS.DISPENSE, { coinType: 1, count: 1 });
    await expect(settle(again, 30)).rejects.toThrow(/ILLEGAL COMMAND/);
    expect(resends).toEqual([]);
    expect(sim.executed.get('DISPENSE')).toBe(2);
    expect(sim.paidOutCoins).toEqual([1]);
  });

  it('the host sends no DISPENSE while the previous one has not been seen to finish: it waits, then DEVICE_BUSY', async () => {
    const { sim, cc } = await coinRig();
    await settle(cc.dispense(1, 1), 30);
    // nobody polls: the host cannot see the payout end, so the second one waits (bounded) and is never sent
    const second = cc.dispense(1, 1);
    await expect(settle(second, 6000)).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    expect(sim.executed.get('DISPENSE')).toBe(1);
    // a waiting DISPENSE goes out as soon as a POLL shows the changer idle
    const third = cc.dispense(1, 1);
    await pollUntilIdle(cc);
    await settle(third, 100);
    expect(sim.executed.get('DISPENSE')).toBe(2);
    expect(sim.paidOutCoins).toEqual([1, 1]);
  });

  it('two identical DISPENSEs, the second right after the first finished: both pay', async () => {
    const { sim, cc } = await coinRig();
    await settle(cc.dispense(1, 1));
    await pollUntilIdle(cc);
    await settle(cc.dispense(1, 1), 100);
    expect(sim.paidOutCoins).toEqual([1, 1]);
  });

  it('an identical command after a state change (nothing sent in between) runs again', () => {
    const sim = new CoinSimulator();
    const send = (command: number) => {
      const [frame] = framesIn(encodeCommand(0x02, command));
      if (!frame) throw new Error('no frame');
      return sim.receive(frame);
    };
    const getStatus = COIN_COMMANDS.GET_STATUS.code;
    send(getStatus);
    send(getStatus); // no ACK from us: a resend (same command, same state)
    expect(sim.executed.get(COIN_COMMANDS.GET_STATUS.name)).toBe(1);
    sim.setFault('COIN_JAM');
    send(getStatus); // same bytes, but the device is in another state now: a new command
    expect(sim.executed.get(COIN_COMMANDS.GET_STATUS.name)).toBe(2);
  });
});
