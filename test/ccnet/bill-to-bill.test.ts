import { describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { ErrorCode, type KioskbusError } from '../../src/core/errors.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillToBill, type BillCredit } from '../../src/ccnet/devices/bill.js';
import { CcnetFramer } from '../../src/ccnet/frame.js';
import { BillSimulator, type BillSimulatorOptions } from '../../src/ccnet/simulator/bill.js';
import type { BillState } from '../../src/ccnet/states.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

async function setup(options: BillSimulatorOptions = {}, dispenseFormat: 'mask' | 'pairs' = 'mask') {
  const [host, device] = createMemoryPair();
  const sim = new BillSimulator({ kind: 'b2b', ...options });
  sim.attach(device);
  const bus = new CcnetBus(host);
  const b2b = new BillToBill(bus, { dispenseFormat });
  const sent: Uint8Array[] = [];
  const framer = new CcnetFramer({
    frame: (f) => {
      sent.push(f.payload);
    },
  });
  host.onWrite = (b) => {
    framer.push(b);
  };
  const credits: BillCredit[] = [];
  const completed: string[] = [];
  const dispensing: boolean[] = [];
  b2b.on('credit', (c) => credits.push(c));
  b2b.on('completed', (s) => completed.push(s.name));
  b2b.on('dispensing', (d) => dispensing.push(d.atBezel));
  await settle(b2b.initialize(), 2000);
  return { sim, bus, b2b, sent, credits, completed, dispensing };
}

describe('Bill-to-Bill host against the simulator', () => {
  useFakeTimersPerTest();

  it('talks on address 01; GET STATUS has 9 bytes with routing', async () => {
    const { b2b, sent } = await setup();
    expect(b2b.address).toBe(1);
    const status = await settle(b2b.getStatus());
    expect(status.routing).toEqual([1, 2]);
    expect(toHex(sent[0] ?? new Uint8Array(0))).toBe('30');
  });

  it('routes bills to recycling cassettes of their type and the rest to the drop cassette', async () => {
    const { b2b, sim, credits } = await setup();
    await settle(b2b.enable());
    b2b.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.insertBill(1);
    await vi.advanceTimersByTimeAsync(2000);
    sim.insertBill(3);
    await vi.advanceTimersByTimeAsync(2000);
    b2b.stop();
    expect(credits.map((c) => c.value?.amount)).toEqual([1000, 5000]);
    const cassettes = await settle(b2b.cassetteStatus());
    expect(cassettes.map((c) => [c.cassette, c.present, c.type, c.count])).toEqual([
      [1, true, 1, 1],
      [2, true, 2, 0],
      [3, true, 'ESCROW', 0],
    ]);
    expect(sim.dropCount).toBe(1);
  });

  it('a second dispenseAndWait right after the first waits for its own DISPENSED', async () => {
    const { b2b, sim } = await setup({
      cassettes: [
        { type: 1, count: 10, capacity: 100, present: true },
        { type: 2, count: 5, capacity: 100, present: true },
      ],
    });
    let dispensedSeen = 0;
    b2b.on('completed', (s) => {
      if (s.name === 'DISPENSED') dispensedSeen += 1;
    });
    b2b.start();
    await vi.advanceTimersByTimeAsync(300);
    const items = [{ billType: 1, count: 2 }];
    // the second starts while the device still shows the first DISPENSED
    const second = b2b
      .dispenseAndWait(items)
      .then(() => b2b.dispenseAndWait(items))
      .then(() => dispensedSeen);
    await vi.advanceTimersByTimeAsync(6000);
    b2b.stop();
    expect(await second).toBe(2);
    expect(sim.cassettes[0]?.count).toBe(6);
  });

  it('dispenses (rev 2.3.1 mask format) with progress to completion', async () => {
    const { b2b, sim, sent, completed, dispensing } = await setup({
      cassettes: [
        { type: 1, count: 10, capacity: 100, present: true },
        { type: 2, count: 5, capacity: 100, present: true },
      ],
    });
    b2b.start();
    await vi.advanceTimersByTimeAsync(300);
    const done = b2b.dispenseAndWait([
      { billType: 2, count: 1 },
      { billType: 1, count: 3 },
    ]);
    await vi.advanceTimersByTimeAsync(3000);
    const final = await done;
    b2b.stop();
    expect(final.name).toBe('DISPENSED');
    expect(completed).toEqual(['DISPENSED']);
    expect(dispensing).toEqual([false, true]);
    expect(sim.cassettes.map((c) => c.count)).toEqual([7, 4]);
    expect(sent.map((p) => toHex(p)).find((h) => h.startsWith('3c'))).toBe('3c 00 00 06 03 01');
  });

  it('dispenses in the newer type/count pair format when the profile says so', async () => {
    const { b2b, sim, sent } = await setup(
      { dispenseFormat: 'pairs', cassettes: [{ type: 2, count: 5, capacity: 100, present: true }] },
      'pairs',
    );
    await settle(b2b.dispense([{ billType: 2, count: 3 }]));
    expect(sent.map((p) => toHex(p)).find((h) => h.startsWith('3c'))).toBe('3c 02 03');
    expect(sim.dispensedBills).toEqual([2, 2, 2]);
  });

  it('a DISPENSE whose answer was lost is not resent: uncertain, the device shows it ran, paid once', async () => {
    const { b2b, sim } = await setup({ cassettes: [{ type: 1, count: 10, capacity: 100, present: true }] });
    sim.faults.dropReplies = 1;
    const err = (await settle(b2b.dispense([{ billType: 1, count: 2 }])).catch((e: unknown) => e)) as KioskbusError;
    expect(err.code).toBe(ErrorCode.Uncertain);
    expect(err.context.evidence).toBe('executed');
    expect(b2b.bus.link.counters.resent).toBe(0);
    expect(sim.dispensedBills).toEqual([1, 1]);
    expect(sim.cassettes[0]?.count).toBe(8);
  });

  it('plans a payout from the cassettes and the bill table', async () => {
    const { b2b } = await setup({
      cassettes: [
        { type: 1, count: 2, capacity: 100, present: true },
        { type: 2, count: 1, capacity: 100, present: true },
      ],
    });
    expect(await settle(b2b.planPayout({ amount: 4000, currency: 'EUR' }))).toEqual([
      { billType: 2, count: 1 },
      { billType: 1, count: 2 },
    ]);
    await expect(settle(b2b.planPayout({ amount: 5500, currency: 'EUR' }))).rejects.toThrow(/exactly/);
  });

  it('unload, recycling cassette status and unload, set cassette type', async () => {
    const { b2b, sim, completed } = await setup({
      cassettes: [
        { type: 1, count: 4, capacity: 100, present: true },
        { type: 2, count: 0, capacity: 100, present: true },
        { type: 'ESCROW', count: 3, capacity: 20, present: true },
      ],
    });
    b2b.start();
    await vi.advanceTimersByTimeAsync(300);
    await settle(b2b.unload({ cassette: 1, count: 4 }), 1500);
    expect(sim.cassettes[0]?.count).toBe(0);
    expect(await settle(b2b.recyclingCassetteStatus())).toEqual({ full: false, count: 3, bad: false });
    await settle(b2b.recyclingCassetteUnload(true, 2), 1500);
    expect(sim.cassettes[2]?.count).toBe(1);
    await settle(b2b.recyclingCassetteUnload(false), 1500);
    await settle(b2b.setCassetteType({ cassette: 2, type: 3 }), 1500);
    b2b.stop();
    expect(sim.cassettes[1]?.type).toBe(3);
    expect(completed).toEqual([
      'UNLOADED',
      'CUSTOM_BILLS_RETURNED',
      'RECYCLING_CASSETTE_UNLOADED',
      'CASSETTE_TYPE_SET',
    ]);
    const status = await settle(b2b.cassetteStatus());
    expect(status[1]?.type).toBe(3);
  });

  it('reports B2B jams with their location', async () => {
    const { b2b, sim } = await setup();
    const faults: BillState[] = [];
    b2b.on('fault', (s) => faults.push(s));
    b2b.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.setFault('JAMMED', 0x75);
    await vi.advanceTimersByTimeAsync(500);
    b2b.stop();
    expect(faults.map((f) => `${f.name}/${f.subName}`)).toEqual(['JAMMED/DISPENSER']);
  });

  it('decodes the long identification of newer firmware', async () => {
    const { b2b } = await setup({ extendedIdentification: true });
    expect(b2b.identification?.extended?.dispenserVersion).toBe('D01.03');
    expect(b2b.identification?.extended?.validatorVersion).toBe('SM-EU3245-V1.21');
    expect(b2b.identification?.serialNumber).toBe('21KB00012345');
  });

  it('DISPENSE while idling is refused naming the state', async () => {
    const { b2b } = await setup({ cassettes: [{ type: 1, count: 10, capacity: 100, present: true }] });
    await settle(b2b.enable());
    await settle(b2b.poll());
    await expect(settle(b2b.dispense([{ billType: 1, count: 1 }]))).rejects.toThrow(/ILLEGAL COMMAND in state IDLING/);
  });
});
