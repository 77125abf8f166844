import { describe, expect, it, vi } from 'vitest';
import { parseHex, toHex } from '../../src/core/bytes.js';
import { ErrorCode, KioskbusError } from '../../src/core/errors.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillValidator, type BillCredit, type EscrowInfo } from '../../src/ccnet/devices/bill.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import type { Statistics } from '../../src/ccnet/commands.js';
import type { BillState } from '../../src/ccnet/states.js';
import { framesIn, useFakeTimersPerTest } from './helpers.js';

async function setup(options: { escrowTimeoutMs?: number } = {}) {
  const [host, device] = createMemoryPair();
  const sim = new BillSimulator(options);
  sim.attach(device);
  const bus = new CcnetBus(host);
  const bv = new BillValidator(bus, { pollIntervalMs: 200 });
  const credits: BillCredit[] = [];
  const escrows: EscrowInfo[] = [];
  const states: string[] = [];
  const problems: KioskbusError[] = [];
  bv.on('credit', (c) => credits.push(c));
  bv.on('escrow', (e) => escrows.push(e));
  bv.on('state', (s) => states.push(s.name));
  bv.on('problem', (e) => problems.push(e));
  const init = bv.initialize();
  await vi.advanceTimersByTimeAsync(2000);
  await init;
  return { host, device, sim, bus, bv, credits, escrows, states, problems };
}

describe('bill validator host against the simulator', () => {
  useFakeTimersPerTest();

  it('initialises: RESET, INITIALIZE, UNIT_DISABLED, identification and bill table', async () => {
    const { bv, states } = await setup();
    expect(states).toEqual(['INITIALIZE', 'UNIT_DISABLED']);
    expect(bv.identification?.partNumber).toBe('SM-EU3245');
    expect(bv.identification?.serialNumber).toBe('07KI41AS7482');
    expect(bv.identification?.assetNumber).toBe('75ed8dc8033f7b');
    expect(bv.billTable.map((w) => `${w.type}:${w.text} ${w.currency}=${w.value?.amount}`)).toEqual([
      '0:5 EUR=500',
      '1:10 EUR=1000',
      '2:20 EUR=2000',
      '3:50 EUR=5000',
      '4:100 EUR=10000',
      '5:200 EUR=20000',
      '6:500 EUR=50000',
    ]);
  });

  it('a bill without escrow is credited exactly once with its value', async () => {
    const { bv, sim, credits, states } = await setup();
    await bv.enable();
    bv.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(sim.insertBill(3)).toBe(true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(credits.map((c) => c.value)).toEqual([{ amount: 5000, currency: 'EUR' }]);
    expect(sim.stackedBills).toEqual([3]);
    expect(states.slice(-4)).toEqual(['ACCEPTING', 'STACKING', 'BILL_STACKED', 'IDLING']);
    bv.stop();
  });

  it('escrow then stack; escrow then return', async () => {
    const { bv, sim, credits, escrows } = await setup();
    const returned: number[] = [];
    bv.on('returned', (r) => returned.push(r.billType));
    await bv.enable({ escrow: true });
    bv.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertBill(1);
    await vi.advanceTimersByTimeAsync(1500);
    expect(escrows.map((e) => e.billType)).toEqual([1]);
    expect(credits).toHaveLength(0);
    const stack = bv.stack();
    await vi.advanceTimersByTimeAsync(100);
    await stack;
    await vi.advanceTimersByTimeAsync(1500);
    expect(credits.map((c) => c.billType)).toEqual([1]);
    sim.insertBill(2);
    await vi.advanceTimersByTimeAsync(1500);
    const ret = bv.returnBill();
    await vi.advanceTimersByTimeAsync(100);
    await ret;
    await vi.advanceTimersByTimeAsync(1500);
    expect(returned).toEqual([2]);
    expect(credits).toHaveLength(1);
    expect(sim.stackedBills).toEqual([1]);
    bv.stop();
  });

  it('without HOLD the device returns the escrowed bill after 10 s; hold() keeps it', async () => {
    const { bv, sim, credits } = await setup();
    const returned: number[] = [];
    bv.on('returned', (r) => returned.push(r.billType));
    await bv.enable({ escrow: true });
    bv.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertBill(0);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(returned).toEqual([0]);

    sim.insertBill(4);
    await vi.advanceTimersByTimeAsync(1000);
    const hold = bv.hold();
    await vi.advanceTimersByTimeAsync(50);
    await hold;
    expect(bv.holding).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(returned).toEqual([0]);
    expect(bv.state?.name).toBe('HOLDING');
    expect(sim.executed.get('HOLD')).toBeGreaterThanOrEqual(6);
    const stack = bv.stack();
    await vi.advanceTimersByTimeAsync(50);
    await stack;
    await vi.advanceTimersByTimeAsync(1500);
    expect(bv.holding).toBe(false);
    expect(credits.map((c) => c.billType)).toEqual([4]);
    bv.stop();
  });

  it('a disabled type is rejected (INHIBIT)', async () => {
    const { bv, sim, credits } = await setup();
    const rejected: BillState[] = [];
    bv.on('rejected', (s) => rejected.push(s));
    await bv.enable({ types: [0, 1] });
    bv.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertBill(5);
    await vi.advanceTimersByTimeAsync(1500);
    expect(rejected.map((r) => r.subName)).toEqual(['INHIBIT']);
    expect(credits).toHaveLength(0);
    bv.stop();
  });

  it('repeated unacknowledged replies never double a credit', async () => {
    const { bus, bv, sim, credits } = await setup();
    // STACKED answers the host received (a repeat is a second one with nothing in between)
    let stackedAnswers = 0;
    bus.link.on('frame', (direction, raw) => {
      if (direction === 'rx' && raw.length > 4 && raw[3] === 0x81) stackedAnswers += 1;
    });
    // the device misses our ACK of each of the next 3 STACKED answers, so it shows the event 4 times
    let armed = false;
    sim.on('stacked', () => {
      armed = true;
    });
    sim.on('command', (name) => {
      if (armed && name === 'POLL' && sim.stateBytes[0] === 0x81) {
        armed = false;
        sim.faults.loseAcks = 3;
      }
    });
    await bv.enable();
    bv.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertBill(2);
    await vi.advanceTimersByTimeAsync(8000);
    sim.insertBill(2);
    sim.faults.dropReplies = 2;
    sim.faults.corruptReplies = 2;
    await vi.advanceTimersByTimeAsync(8000);
    expect(stackedAnswers).toBeGreaterThanOrEqual(6);
    expect(credits.map((c) => c.billType)).toEqual([2, 2]);
    expect(sim.stackedBills).toEqual([2, 2]);
    bv.stop();
  });

  it('STACK while idling is ILLEGAL COMMAND naming the state', async () => {
    const { bv } = await setup();
    await bv.enable();
    const poll = bv.poll();
    await vi.advanceTimersByTimeAsync(50);
    await poll;
    const p = bv.stack().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    const error = (await p) as KioskbusError;
    expect(error.code).toBe(ErrorCode.IllegalCommand);
    expect(error.message).toMatch(/STACK.*IDLING \(14H\)/);
  });

  it('IDENTIFICATION is refused while idling (valid only in power-up/init/failure/disabled)', async () => {
    const { bv } = await setup();
    await bv.enable();
    const poll = bv.poll();
    await vi.advanceTimersByTimeAsync(50);
    await poll;
    const p = bv.identify().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    expect(((await p) as KioskbusError).code).toBe(ErrorCode.IllegalCommand);
  });

  it('GET STATUS, SET SECURITY, ENABLE mask byte order on the wire', async () => {
    const { bv, host } = await setup();
    const sent: string[] = [];
    host.onWrite = (b) => sent.push(toHex(b));
    const run = async () => {
      await bv.enableBillTypes([0, 1, 2, 3, 4, 5, 6, 23], [2]);
      await bv.setSecurity([16, 3]);
      return bv.getStatus();
    };
    const p = run();
    await vi.advanceTimersByTimeAsync(200);
    const status = await p;
    expect(status.enabled).toEqual([0, 1, 2, 3, 4, 5, 6, 23]);
    expect(status.highSecurity).toEqual([3, 16]);
    expect(status.routing).toBeUndefined();
    const frames = sent.map((h) => framesIn(parseHex(h))[0]);
    expect(toHex(frames[0]?.payload ?? new Uint8Array(0))).toBe('34 80 00 7f 00 00 04');
    expect(frames.some((f) => toHex(f?.payload ?? new Uint8Array(0)) === '32 01 00 08')).toBe(true);
  });

  it('barcode coupon: parameters, escrow with barcode, coupon event (no credit)', async () => {
    const { bv, sim, credits, escrows } = await setup();
    const coupons: (string | undefined)[] = [];
    bv.on('coupon', (c) => coupons.push(c.barcode));
    const setp = bv.setBarcodeParameters({ format: 1, length: 12 });
    await vi.advanceTimersByTimeAsync(50);
    await setp;
    expect(sim.barcode).toEqual({ format: 1, length: 12 });
    await bv.enable({ types: [0, 1, 23], escrow: [23] });
    bv.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertCoupon('123456789012');
    await vi.advanceTimersByTimeAsync(1500);
    expect(escrows.map((e) => [e.billType, e.barcode])).toEqual([[23, '123456789012']]);
    const stack = bv.stack();
    await vi.advanceTimersByTimeAsync(50);
    await stack;
    await vi.advanceTimersByTimeAsync(1500);
    expect(coupons).toEqual(['123456789012']);
    expect(credits).toHaveLength(0);
    bv.stop();
  });

  it('GET CRC32, REQUEST STATISTICS (wide reply) and DOWNLOAD sub-commands', async () => {
    const { bv, sim } = await setup();
    const stats: Statistics = {
      country: 'EUR',
      denominationCount: 7,
      formatVersion: 1,
      resetAt: { year: 2002, month: 11, day: 5, hour: 13, minute: 7, second: 9 },
      serialNumber: '07KI41AS7482',
      sets10000: [
        {
          inserted: 1234,
          accepted: [100, 200],
          returnedOptical: [1],
          returnedMagnetic: [],
          returnedCapacitance: [],
          unrecognized: 7,
          returnedLength: 3,
          counters: [1, 2, 3],
        },
      ],
      sets500: [],
      sets50: [4, 5],
      denominations: [],
      currencyNames: ['Dollar', 'Peso'],
    };
    sim.statistics = stats;
    const run = async () => {
      const crc = await bv.getCrc32();
      const st = await bv.requestStatistics();
      await bv.download();
      const status = await bv.downloadStatus();
      const block = await bv.downloadBlockSize();
      const write = await bv.downloadWrite({ address: 0x001000, data: new Uint8Array(block).fill(0xaa) });
      const exit = await bv.downloadExit();
      return { crc, st, status, block, write, exit };
    };
    const p = run();
    await vi.advanceTimersByTimeAsync(1000);
    const r = await p;
    expect(r.crc).toBe(0x1a2b3c4d);
    expect(r.st.resetAt).toEqual(stats.resetAt);
    expect(r.st.sets10000[0]?.inserted).toBe(1234);
    expect(r.st.sets10000[0]?.accepted.slice(0, 3)).toEqual([100, 200, 0]);
    expect(r.st.sets10000[0]?.counters.slice(0, 3)).toEqual([1, 2, 3]);
    expect(r.st.sets50.slice(0, 3)).toEqual([4, 5, 0]);
    expect(r.st.currencyNames).toEqual(['Dollar', 'Peso']);
    expect([r.status, r.block, r.write, r.exit]).toEqual([0x00, 128, 0xe0, 0xe0]);
  });

  it('busy and fault states become events', async () => {
    const { bv, sim } = await setup();
    const busy: number[] = [];
    const faults: string[] = [];
    bv.on('busy', (ms) => busy.push(ms));
    bv.on('fault', (s) => faults.push(s.name));
    await bv.enable();
    bv.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.setBusy(300);
    await vi.advanceTimersByTimeAsync(1000);
    sim.removeDropCassette();
    await vi.advanceTimersByTimeAsync(500);
    sim.clearFault();
    sim.setFault('VALIDATOR_JAMMED');
    await vi.advanceTimersByTimeAsync(500);
    sim.setFault('FAILURE', 0x55);
    await vi.advanceTimersByTimeAsync(500);
    expect([100, 200, 300]).toContain(busy[0]);
    expect(faults).toEqual(['DROP_CASSETTE_OUT_OF_POSITION', 'VALIDATOR_JAMMED', 'FAILURE']);
    expect(bv.state?.subName).toBe('OPTIC_CANAL');
    bv.stop();
  });

  it('after the non-response time the host sends RESET at least every 10 s until the device answers', async () => {
    const { bv, sim, host } = await setup();
    const events: string[] = [];
    bv.on('offline', () => events.push('offline'));
    bv.on('online', () => events.push('online'));
    await bv.enable();
    bv.start();
    await vi.advanceTimersByTimeAsync(500);
    const resets: number[] = [];
    host.onWrite = (b) => {
      if (b[3] === 0x30 && b[2] === 6) resets.push(Date.now());
    };
    sim.faults.dropReplies = 1_000_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(events).toEqual(['offline']);
    expect(resets.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < resets.length; i++) {
      expect((resets[i] ?? 0) - (resets[i - 1] ?? 0)).toBeLessThanOrEqual(10_000);
    }
    sim.faults.dropReplies = 0;
    await vi.advanceTimersByTimeAsync(8000);
    expect(events).toEqual(['offline', 'online']);
    // re-initialised: bill types enabled again
    expect(sim.enabled).not.toBe(0);
    bv.stop();
  });
});
