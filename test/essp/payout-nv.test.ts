/**
 * NV11 (note float, last in first out) and NV4000 (four recyclers and a cassette) host facades against the
 * simulator.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { Nv11, type Nv11Options } from '../../src/essp/devices/nv11.js';
import { Nv4000, NV4000_UNIT_TYPE } from '../../src/essp/devices/nv4000.js';
import type { PayoutDevice } from '../../src/essp/devices/payout-common.js';
import { noteRecyclerOf, nv11Of } from '../../src/essp/simulator/payout/index.js';
import type { PayoutSimOptions } from '../../src/essp/simulator/payout/types.js';
import { errorCode, only, rig, type Rig } from './payout-harness.js';

const TIMING = { itemMs: 400, cashboxMs: 300, takeNoteMs: 500 };

let r: Rig<PayoutDevice>;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await r.close();
  vi.useRealTimers();
});

async function nv11(payout: PayoutSimOptions = {}, options: Nv11Options = {}): Promise<Rig<Nv11>> {
  const rs = await rig([{ device: 'nv11', payout: { timing: TIMING, ...payout } }], (bus) => new Nv11(bus, options));
  r = rs;
  return rs;
}

describe('NV11 note float', () => {
  it('stores notes last in, first out; PAYOUT_NOTE pays the last one, STACK_NOTE stacks the next', async () => {
    const rs = await nv11({
      routes: [
        { value: 500, route: 'payout' },
        { value: 1000, route: 'payout' },
        { value: 2000, route: 'payout' },
      ],
    });
    expect(rs.device.setup?.unitType).toBe(0x07);
    for (const channel of [1, 2, 3]) {
      rs.sim.insertNote(channel);
      await vi.advanceTimersByTimeAsync(4000);
    }
    expect(only(rs.log, 'credit', 'noteStored')).toEqual([
      'credit 500 EUR',
      'noteStored 500 EUR',
      'credit 1000 EUR',
      'noteStored 1000 EUR',
      'credit 2000 EUR',
      'noteStored 2000 EUR',
    ]);
    expect(await rs.device.notePositions()).toEqual({ count: 3, values: [500, 1000, 2000] });
    await rs.device.payoutNote();
    await vi.advanceTimersByTimeAsync(3000);
    await rs.device.stackNote();
    await vi.advanceTimersByTimeAsync(3000);
    expect(only(rs.log, 'dispensed', 'noteHeld', 'noteTransferred')).toEqual([
      'noteHeldInBezel 2000 EUR',
      'dispensed 2000 EUR',
      'noteTransferredToStacker 1000 EUR',
    ]);
    expect(
      nv11Of(rs.sim)
        .notes()
        .map((n) => n.value),
    ).toEqual([500]);
    expect(nv11Of(rs.sim).accounting().balanced).toBe(true);
  });

  it('report by channel; the float empty answers F5 2; PAYOUT_AMOUNT is unknown to an NV11', async () => {
    const rs = await nv11({ levels: [{ value: 1000, count: 2 }] }, { reportBy: 'channel' });
    expect(await rs.device.notePositions()).toEqual({ count: 2, channels: [2, 2] });
    await rs.device.stackNote();
    await vi.advanceTimersByTimeAsync(1000);
    await rs.device.stackNote();
    await vi.advanceTimersByTimeAsync(1000);
    const error = await rs.device.payoutNote().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKioskbusError(error) && error.context.errorByte).toBe(2);
    expect(await errorCode(rs.device.payout(1000, 'EUR'))).toBe(ErrorCode.UnknownCommandAtDevice);
  });

  it('NO_HOLD_NOTE_ON_PAYOUT: the note is pushed out without waiting in the bezel', async () => {
    const rs = await nv11(
      { levels: [{ value: 1000, count: 1 }], timing: { ...TIMING, takeNoteMs: undefined } },
      { enablePayout: { noHoldNoteOnPayout: true, giveValueOnStored: true } },
    );
    expect(nv11Of(rs.sim).payoutOptions).toEqual({ bit0: true, bit1: true });
    await rs.device.payoutNote();
    await vi.advanceTimersByTimeAsync(2000);
    expect(only(rs.log, 'dispensed', 'noteHeld')).toEqual(['dispensed 1000 EUR']);
  });

  it('a note in the bezel at power loss: NOTE_DISPENSED_AT_POWER-UP and INCOMPLETE_PAYOUT', async () => {
    const rs = await nv11({ levels: [{ value: 1000, count: 1 }], timing: { ...TIMING, takeNoteMs: undefined } });
    await rs.device.payoutNote();
    await vi.advanceTimersByTimeAsync(1000);
    rs.sim.powerCycle();
    await vi.advanceTimersByTimeAsync(8000);
    expect(only(rs.log, 'noteAtPowerUp', 'incompletePayout')).toEqual([
      'noteAtPowerUp customer 1000 EUR',
      'incompletePayout 1000/1000 EUR',
    ]);
    expect(only(rs.log, 'credit')).toEqual([]);
  });
});

describe('NV4000', () => {
  it('unit type 0x12, recycler routes 0x11-0x14 and cassette, sub-device serial numbers, payout', async () => {
    const rs = await rig(
      [
        {
          device: 'nv4000',
          payout: {
            timing: { ...TIMING, takeNoteMs: 10 },
            levels: [
              { value: 1000, count: 5, recycler: 1 },
              { value: 2000, count: 5, recycler: 2 },
            ],
          },
        },
      ],
      (bus) => new Nv4000(bus, { routes: [{ value: 500, route: 'recycler3' }] }),
    );
    r = rs;
    expect(rs.device.setup?.unitType).toBe(NV4000_UNIT_TYPE);
    expect(rs.device.isNv4000).toBe(true);
    expect(await rs.device.getRoute(500)).toBe('recycler3');
    await rs.device.setRoute(50000, 'cassette');
    expect(await rs.device.getRoute(50000)).toBe('cassette');
    expect(await rs.device.subDeviceSerialNumbers()).toEqual({
      recycler1: 4000011,
      recycler2: 4000012,
      recycler3: 4000013,
      recycler4: 4000014,
      interface: 4000015,
    });
    rs.sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(noteRecyclerOf(rs.sim).containers.map((c) => c.length)).toEqual([5, 5, 1, 0]);
    await rs.device.payout(4500, 'EUR');
    await vi.advanceTimersByTimeAsync(4000);
    expect(only(rs.log, 'credit', 'noteStored', 'dispensed')).toEqual([
      'credit 500 EUR',
      'noteStored',
      'dispensed 4500 EUR of 4500',
    ]);
    expect(noteRecyclerOf(rs.sim).containers.map((c) => c.length)).toEqual([5, 3, 0, 0]);
    expect(noteRecyclerOf(rs.sim).accounting().balanced).toBe(true);
  });
});
