import { describe, expect, it, vi } from 'vitest';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { CoinChanger, type CoinEvent } from '../../src/ccnet/devices/coin-changer.js';
import { CoinSimulator, type CoinSimulatorOptions } from '../../src/ccnet/simulator/coin.js';
import { coinStateCode, decodeCoinState, type CoinState } from '../../src/ccnet/states.js';
import { decodeTubeStatus } from '../../src/ccnet/commands.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

async function setup(options: CoinSimulatorOptions = {}) {
  const [host, device] = createMemoryPair();
  const sim = new CoinSimulator(options);
  sim.attach(device);
  const cc = new CoinChanger(new CcnetBus(host));
  const coins: (CoinEvent & { route: string })[] = [];
  cc.on('coin', (c) => coins.push(c));
  await settle(cc.initialize(), 2000);
  return { sim, cc, coins };
}

describe('coin changer host against the simulator', () => {
  useFakeTimersPerTest();

  it('initialises: identification (19 ASCII bytes) and coin table with fractional values', async () => {
    const { cc } = await setup();
    expect(cc.identification).toEqual({ model: 'CC-01', serialNumber: '1234567', version: '0102', country: 'EUR' });
    expect(cc.coinTable.map((w) => `${w.text}=${w.value?.amount}`)).toEqual([
      '0.05=5',
      '0.1=10',
      '0.2=20',
      '0.5=50',
      '1=100',
      '2=200',
    ]);
    expect(cc.state?.name).toBe('UNIT_DISABLED');
  });

  it('coins go to tubes until full, then to the cash box; each credited once', async () => {
    const { cc, sim, coins } = await setup({ tubes: { 3: { count: 0, capacity: 1 } } });
    await settle(cc.enable());
    // the changer misses our ACK of each coin answer twice, so it shows every coin three times
    const isCoin = (code: number): boolean => code >= 0x40 && code < 0x60;
    let armed = false;
    sim.on('coin', () => {
      armed = true;
    });
    sim.on('command', (name) => {
      if (armed && name === 'POLL' && isCoin(sim.stateBytes[0] ?? 0)) {
        armed = false;
        sim.faults.loseAcks = 2;
      }
    });
    let coinAnswers = 0; // coin answers the host received, repeats included
    cc.bus.link.on('frame', (direction, raw) => {
      if (direction === 'rx' && raw.length > 4 && isCoin(raw[3] ?? 0)) coinAnswers += 1;
    });
    cc.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertCoin(3);
    await vi.advanceTimersByTimeAsync(2000);
    sim.insertCoin(3);
    await vi.advanceTimersByTimeAsync(2000);
    sim.insertCoin(4);
    await vi.advanceTimersByTimeAsync(2000);
    cc.stop();
    expect(coinAnswers).toBe(9);
    expect(coins.map((c) => [c.coinType, c.route, c.value?.amount])).toEqual([
      [3, 'tube', 50],
      [3, 'cashbox', 50],
      [4, 'cashbox', 100],
    ]);
    expect(sim.acceptedCoins).toEqual([3, 3, 4]);
    const tubes = await settle(cc.tubeStatus());
    expect(tubes.full).toEqual([3]);
    expect(tubes.counts[3]).toBe(1);
    expect(tubes.layout).toBe('3+24');
  });

  it('rejects disabled coins; dispense pays out of a tube; manual dispense event', async () => {
    const { cc, sim } = await setup({ tubes: { 1: { count: 10, capacity: 50 } } });
    const rejected: number[] = [];
    const manual: number[][] = [];
    cc.on('rejected', (c) => rejected.push(c.coinType));
    cc.on('manualDispense', (c) => manual.push([c.coinType, c.count, c.tubeCount ?? -1]));
    await settle(cc.enableCoinTypes([0, 1, 2], [1]));
    cc.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertCoin(5);
    await vi.advanceTimersByTimeAsync(1000);
    await settle(cc.dispense(1, 3), 1000);
    expect(sim.manualDispense(1, 2)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    cc.stop();
    expect(rejected).toEqual([5]);
    expect(sim.paidOutCoins).toEqual([1, 1, 1]);
    expect(manual).toEqual([[1, 2, 5]]);
    await expect(settle(cc.dispense(1, 50))).rejects.toThrow(/ILLEGAL COMMAND/);
  });

  it('GET STATUS (09H) returns enables and tube routing', async () => {
    const { cc } = await setup();
    await settle(cc.enableCoinTypes([0, 4, 17]));
    const st = await settle(cc.getStatus());
    expect(st.enabled).toEqual([0, 4, 17]);
    expect(st.routing).toEqual([0, 1, 2, 3]);
  });

  it('faults are sent as the spec lists them: a coin jam is 13H held, not ACCEPTING', async () => {
    const { cc, sim } = await setup();
    const faults: CoinState[] = [];
    const codes = new Set<number>();
    cc.on('fault', (s) => faults.push(s));
    cc.on('state', (s) => codes.add(s.code));
    cc.start();
    await settle(cc.enable());
    // a coin passes through 13H briefly: no fault
    sim.insertCoin(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(faults).toEqual([]);
    sim.setFault('COIN_JAM');
    await vi.advanceTimersByTimeAsync(3000);
    sim.clearFault();
    sim.pushState('DOUBLE_ARRIVAL');
    await vi.advanceTimersByTimeAsync(500);
    cc.stop();
    expect(faults.map((f) => [f.name, f.ambiguous ?? false, f.raw[0]])).toEqual([
      ['ACCEPTING_OR_FAULT', true, 0x13],
      ['DOUBLE_ARRIVAL', false, 0x18],
    ]);
    expect(faults[0]?.candidates).toContain('COIN_JAM');
    // only codes of the spec's POLL table went over the wire
    const spec = new Set([0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x19]);
    expect([...codes].filter((c) => c < 0x40 && !spec.has(c))).toEqual([]);
    for (const name of [
      'COIN_JAM',
      'TUBE_JAM',
      'COIN_ROUTING_ERROR',
      'DEFECTIVE_TUBE_SENSOR',
      'GENERIC_ACCEPTOR_ERROR',
    ]) {
      expect(coinStateCode(name)).toBe(0x13);
    }
    expect(coinStateCode('CHANGER_BUSY')).toBe(0x14);
    expect(decodeCoinState(Uint8Array.of(0x14))).toMatchObject({
      name: 'UNIT_DISABLED',
      ambiguous: true,
      candidates: ['UNIT_DISABLED', 'CHANGER_BUSY'],
    });
    expect(decodeCoinState(Uint8Array.of(0x1d)).name).toBe('UNKNOWN');
    expect(decodeCoinState(Uint8Array.of(0xa3, 7))).toMatchObject({
      name: 'MANUAL_DISPENSE',
      coinType: 3,
      dispensed: 2,
    });
  });

  it('TUBE STATUS is parsed by length (27 = 3 + 24, 18 = MDB-style 2 + 16)', () => {
    const mdb = Uint8Array.from([0x00, 0x02, 5, 9, ...new Array<number>(14).fill(0)]);
    expect(decodeTubeStatus(mdb)).toMatchObject({
      layout: '2+16',
      full: [1],
      counts: [5, 9, ...new Array<number>(14).fill(0)],
    });
    const spec = Uint8Array.from([0, 0, 0x01, 0, ...new Array<number>(23).fill(0)]);
    expect(decodeTubeStatus(spec)).toMatchObject({ layout: '3+24', full: [0], bad: [0] });
  });
});
