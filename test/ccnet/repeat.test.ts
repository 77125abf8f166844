import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { CoinChanger } from '../../src/ccnet/devices/coin-changer.js';
import { ACK, PeripheralSimulator, type SimAnswer } from '../../src/ccnet/simulator/base.js';
import { COIN_COMMANDS } from '../../src/ccnet/commands.js';
import { coinStateCode } from '../../src/ccnet/states.js';
import { settle } from './helpers.js';

/**
 * A coin changer that queues its coin events (as MDB-style changers do) and shows each one until a POLL
 * reply carrying it is ACKed: two coins of one type to the cash box give the same bytes twice in a row,
 * with no state in between.
 */
class QueueingChanger extends PeripheralSimulator {
  readonly events: Uint8Array[] = [];

  constructor() {
    super(0x02, 'coin-changer');
  }

  coinToCashbox(coinType: number): void {
    this.events.push(Uint8Array.of(0x40 | coinType, 0));
  }

  protected isPoll(p: Uint8Array): boolean {
    return p.length === 1 && p[0] === COIN_COMMANDS.poll.code;
  }

  protected acked(key: string, reply: Uint8Array): void {
    if (key === 'poll' && this.events[0] === reply) this.events.shift();
  }

  protected handle(key: string): SimAnswer {
    if (key === 'poll') return { data: this.events[0] ?? Uint8Array.of(coinStateCode('IDLING')) };
    if (key === 'tubeStatus') {
      return { data: COIN_COMMANDS.tubeStatus.encodeReply({ full: [], counts: [], bad: [], layout: '3+24' }) };
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
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('two identical coin events on a clean line, POLLs a second apart: two coins', async () => {
    const { sim, cc, coins } = setup();
    sim.coinToCashbox(2);
    sim.coinToCashbox(2);
    await settle(cc.poll());
    await vi.advanceTimersByTimeAsync(1000);
    await settle(cc.poll());
    await settle(cc.poll());
    expect(coins).toEqual([2, 2]);
    expect(sim.events).toHaveLength(0);
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
    expect(sim.events).toHaveLength(0);
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
