import { describe, expect, it, vi } from 'vitest';
import { createMemoryPair } from '../../src/transport/memory.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillValidator, type BillCredit } from '../../src/ccnet/devices/bill.js';
import { CoinChanger } from '../../src/ccnet/devices/coin-changer.js';
import { CardReader } from '../../src/ccnet/devices/card-reader.js';
import { CcnetFramer } from '../../src/ccnet/frame.js';
import { BillSimulator, type BillSimulatorOptions } from '../../src/ccnet/simulator/bill.js';
import { CoinSimulator } from '../../src/ccnet/simulator/coin.js';
import { CardReaderSimulator } from '../../src/ccnet/simulator/card.js';
import type { DeviceState } from '../../src/core/device-loop.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

/** Host ↔ simulator over a memory pair with the fault transport on the host's end. */
function line() {
  const [hostEnd, device] = createMemoryPair();
  const faults = new FaultTransport(hostEnd, { seed: 3 });
  return { faults, device };
}

/** Names of the commands the device received, in order (ACK/NAK left out). */
function commandLog(device: ReturnType<typeof createMemoryPair>[1]): string[] {
  const names: string[] = [];
  const framer = new CcnetFramer({
    frame: (f) => {
      const code = f.payload[0] ?? 0;
      if (f.payload.length === 1 && (code === 0x00 || code === 0xff)) return;
      names.push(
        ({ 0x30: 'RESET', 0x33: 'POLL', 0x34: 'ENABLE', 0x37: 'IDENT', 0x41: 'TABLE' } as Record<number, string>)[
          code
        ] ?? code.toString(16),
      );
    },
  });
  device.on('data', (chunk) => {
    framer.push(chunk);
  });
  return names;
}

function watch(emitter: {
  on(event: 'offline' | 'online', l: () => void): unknown;
  on(event: 'problem', l: (e: Error) => void): unknown;
  on(event: 'lifecycle', l: (to: DeviceState) => void): unknown;
}) {
  const seen = { offline: 0, online: 0, problems: [] as string[], lifecycle: [] as DeviceState[] };
  emitter.on('offline', () => seen.offline++);
  emitter.on('online', () => seen.online++);
  emitter.on('problem', (e) => seen.problems.push(e.message));
  emitter.on('lifecycle', (to) => seen.lifecycle.push(to));
  return seen;
}

async function billValidator(options: BillSimulatorOptions = {}, escrow = false) {
  const { faults, device } = line();
  const sim = new BillSimulator(options);
  sim.attach(device);
  const commands = commandLog(device);
  const bus = new CcnetBus(faults);
  const bv = new BillValidator(bus);
  const credits: BillCredit[] = [];
  const atPowerUp: string[] = [];
  bv.on('credit', (c) => credits.push(c));
  bv.on('billAtPowerUp', (b) => atPowerUp.push(b.where));
  const seen = watch(bv);
  await settle(bv.initialize(), 2000);
  await settle(bv.enable({ escrow }));
  await settle(bv.run(), 100);
  return { faults, sim, bus, bv, credits, atPowerUp, seen, commands };
}

describe('CCNET power cuts shorter than the non-response time', () => {
  useFakeTimersPerTest();

  it('a bill validator back in POWER UP after 1 s is set up again by itself and takes bills', async () => {
    const { sim, bv, credits, seen, commands } = await billValidator({ initializePolls: 4 });
    await vi.advanceTimersByTimeAsync(500);
    sim.powerCycle(1000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sim.stateCode).toBe(0x14); // IDLING: enabled again
    expect(bv.loop.state).toBe('ready');
    expect(seen.offline).toBe(0); // 1 s of silence is not an outage
    // the set-up: RESET, POLLs while INITIALIZE, and only then ENABLE
    const tail = commands.slice(commands.lastIndexOf('RESET'));
    expect(tail.slice(0, 7)).toEqual(['RESET', 'POLL', 'POLL', 'POLL', 'POLL', 'POLL', 'ENABLE']);
    expect(sim.insertBill(1)).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(credits.map((c) => c.billType)).toEqual([1]);
    bv.stop();
  });

  it('a bill in escrow at the power cut: billAtPowerUp (validator), no credit, the bill is returned', async () => {
    const { sim, bv, credits, atPowerUp } = await billValidator({}, true);
    const escrow = new Promise((resolve) => bv.once('escrow', resolve));
    sim.insertBill(2);
    await settle(escrow, 1000);
    sim.powerCycle(500);
    await vi.advanceTimersByTimeAsync(3000);
    expect(atPowerUp).toEqual(['validator']);
    expect(credits).toEqual([]);
    expect(sim.returnedBills).toEqual([2]);
    expect(sim.stateCode).toBe(0x14);
    bv.stop();
  });

  it('a bill being stacked whose STACKED was never sent: billAtPowerUp (stacker), then one credit (credit recovery)', async () => {
    const { sim, bv, credits, atPowerUp } = await billValidator();
    await vi.advanceTimersByTimeAsync(50);
    sim.insertBill(3);
    sim.powerCycle(300);
    await vi.advanceTimersByTimeAsync(4000);
    expect(atPowerUp).toEqual(['stacker']);
    expect(credits.map((c) => c.billType)).toEqual([3]);
    expect(sim.stackedBills).toEqual([3]);
    bv.stop();
  });

  it('a coin changer and a card reader power-cycled for 2 s come back enabled', async () => {
    const { faults, device } = line();
    const coinSim = new CoinSimulator();
    const cardSim = new CardReaderSimulator();
    coinSim.attach(device);
    cardSim.attach(device);
    const bus = new CcnetBus(faults);
    const cc = new CoinChanger(bus);
    const cr = new CardReader(bus);
    const coins: number[] = [];
    cc.on('coin', (c) => coins.push(c.coinType));
    await settle(cc.initialize(), 2000);
    await settle(cc.enable());
    await settle(cr.initialize(), 2000);
    await settle(cr.enable());
    await settle(Promise.all([cc.run(), cr.run()]), 100);
    coinSim.powerCycle(2000);
    cardSim.powerCycle(2000);
    await vi.advanceTimersByTimeAsync(4000);
    expect(coinSim.enabled).not.toBe(0);
    expect(cardSim.enabledFlag).toBe(true);
    expect(coinSim.insertCoin(1)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(coins).toEqual([1]);
    cc.stop();
    cr.stop();
  });
});

describe('CCNET outages: offline once, what the device holds is taken before any RESET, online once', () => {
  useFakeTimersPerTest();

  it('coins accepted while the line was dark for 8 s are all reported, before any RESET', async () => {
    const { faults, device } = line();
    const sim = new CoinSimulator();
    sim.attach(device);
    const bus = new CcnetBus(faults);
    const cc = new CoinChanger(bus);
    const seen = watch(cc);
    const coins: number[] = [];
    cc.on('coin', (c) => coins.push(c.coinType));
    await settle(cc.initialize(), 2000);
    await settle(cc.enable());
    await settle(cc.run(), 100);
    faults.goDark(8000);
    for (const type of [0, 1, 2]) {
      await vi.advanceTimersByTimeAsync(1000);
      expect(sim.insertCoin(type)).toBe(true);
    }
    await vi.advanceTimersByTimeAsync(12_000);
    expect(coins).toEqual([0, 1, 2]);
    expect(sim.acceptedCoins).toEqual([0, 1, 2]);
    expect(seen.offline).toBe(1);
    expect(seen.online).toBe(1);
    expect(sim.executed.get('RESET')).toBe(1); // the first set-up only
    expect(cc.loop.state).toBe('ready');
    expect(sim.enabled).not.toBe(0);
    cc.stop();
  });

  it('a STACKED not yet acknowledged when the line went dark is reported when it comes back', async () => {
    const { faults, sim, bv, credits, seen } = await billValidator();
    await vi.advanceTimersByTimeAsync(50);
    faults.goDark(7000);
    sim.insertBill(4);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(credits.map((c) => c.billType)).toEqual([4]);
    expect(seen.offline).toBe(1);
    expect(seen.online).toBe(1);
    bv.stop();
  });

  it('a device that stays silent is sent RESET at least every 10 s after its POLL got no answer', async () => {
    const { sim, bv, seen, commands } = await billValidator();
    sim.powerCycle(40_000);
    const start = commands.length;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(seen.offline).toBe(1);
    const during = commands.slice(start);
    // RESET (with its own resends) only right after a POLL that went unanswered, at least every 10 s
    const runs = during.filter((c, i) => c === 'RESET' && during[i - 1] !== 'RESET');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    during.forEach((c, i) => {
      if (c === 'RESET' && during[i - 1] !== 'RESET') expect(during[i - 1]).toBe('POLL');
    });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(seen.online).toBe(1);
    expect(sim.stateCode).toBe(0x14);
    bv.stop();
  });
});

describe('CCNET lost port: one recovery contract', () => {
  useFakeTimersPerTest();

  it('an unplugged adapter: offline once, reopened after the replug, online once, set up again, no problem storm', async () => {
    const { faults, sim, bv, credits, seen } = await billValidator();
    await vi.advanceTimersByTimeAsync(300);
    faults.unplug(4000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(seen.offline).toBe(1);
    expect(seen.online).toBe(1);
    expect(seen.problems).toEqual([]);
    expect(faults.isOpen).toBe(true);
    expect(bv.loop.state).toBe('ready');
    expect(sim.insertBill(0)).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(credits.map((c) => c.billType)).toEqual([0]);
    bv.stop();
  });

  it('an application call while the device recovers waits (bounded) and fails NOT_READY, never a misleading error', async () => {
    const { faults, bv } = await billValidator();
    faults.unplug();
    await vi.advanceTimersByTimeAsync(6000);
    expect(bv.loop.state === 'offline' || bv.loop.state === 'reopening').toBe(true);
    await expect(settle(bv.disable(), 6000)).rejects.toMatchObject({ code: 'NOT_READY' });
    bv.stop();
  });
});

describe('CCNET start-up and shutdown', () => {
  useFakeTimersPerTest();

  it('run() without initialize(): RESET, POLL every 100 ms while INITIALIZE, identification and bill table', async () => {
    const [host, device] = createMemoryPair();
    const sim = new BillSimulator({ initializePolls: 5 });
    sim.attach(device);
    const times: number[] = [];
    const framer = new CcnetFramer({
      frame: (f) => {
        if (f.payload[0] === 0x33 && f.payload.length === 1) times.push(Date.now());
      },
    });
    device.on('data', (chunk) => {
      framer.push(chunk);
    });
    const bv = new BillValidator(new CcnetBus(host));
    await settle(bv.run(), 2000);
    expect(bv.identification?.partNumber).toBe('SM-EU3245');
    expect(bv.billTable.length).toBe(7);
    // fixed rate: one POLL every 100 ms while the validator initialises (memory link: no wire time)
    // (the first POLL waited t-free after the RESET's ACK, inside its 100 ms slot)
    const gaps = times.slice(2, 6).map((t, i) => t - (times[i + 1] ?? 0));
    expect(gaps).toEqual([100, 100, 100, 100]);
    bv.stop();
  });

  it('bus.close() closes its transport', async () => {
    const [host] = createMemoryPair();
    const bus = new CcnetBus(host);
    bus.close();
    await bus.closed;
    expect(host.isOpen).toBe(false);
  });
});
