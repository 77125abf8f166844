/** Payout script lines (CLI stdin) and the simulate CLI's payout device names. */
import { afterEach, describe, expect, it } from 'vitest';
import { hopperOf, noteRecyclerOf, planChange } from '../../src/essp/simulator/payout/index.js';
import { runPayoutScriptLine } from '../../src/essp/simulator/payout/script.js';
import { parseSimulateArgs, SIMULATE_USAGE } from '../../src/cli/essp/simulate.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';

let sim: SspSimulator | undefined;
afterEach(() => {
  sim?.close();
});

describe('payout script lines', () => {
  it('drive a SMART Hopper: coins, levels, books; unknown lines fall through', () => {
    sim = new SspSimulator({ device: 'smart-hopper', payout: { levels: [{ value: 100, count: 2 }] } });
    // the simulator starts disabled until the host sends ENABLE
    expect(runPayoutScriptLine(sim, 'coin 100')).toBe('coin refused: disabled');
    expect(runPayoutScriptLine(sim, 'levels')).toContain('1.00 EUR x 2');
    expect(runPayoutScriptLine(sim, 'books')).toContain('"initial":200');
    expect(runPayoutScriptLine(sim, 'insert 1')).toBeUndefined();
    expect(runPayoutScriptLine(sim, 'take')).toBe('no note in the bezel');
    expect(() => runPayoutScriptLine(sim as SspSimulator, 'coin abc')).toThrow(/minor units/);
    expect(hopperOf(sim).accounting().balanced).toBe(true);
  });

  it('note devices have no coin mech; validators have no payout commands', () => {
    sim = new SspSimulator({ device: 'smart-payout' });
    expect(() => runPayoutScriptLine(sim as SspSimulator, 'coin 100')).toThrow(/no coin mech/);
    expect(runPayoutScriptLine(sim, 'out-of-service on')).toBe('payout out of service');
    expect(noteRecyclerOf(sim).outOfService).toBe(true);
    sim.close();
    sim = new SspSimulator({ device: 'nv200' });
    expect(runPayoutScriptLine(sim, 'take')).toBeUndefined();
  });
});

describe('simulate CLI', () => {
  it('accepts the payout devices', () => {
    for (const device of ['smart-payout', 'smart-hopper', 'nv11', 'nv4000', 'smart-system']) {
      expect(parseSimulateArgs(['--device', device]).device).toBe(device);
      expect(SIMULATE_USAGE).toContain(device);
    }
    expect(SIMULATE_USAGE).toContain('payout-jam');
    expect(parseSimulateArgs(['--device', 'smart-hopper', '--levels', '100x10, 200x5']).payout).toEqual({
      levels: [
        { value: 100, count: 10 },
        { value: 200, count: 5 },
      ],
    });
    expect(() => parseSimulateArgs(['--device', 'smart-hopper', '--levels', '100'])).toThrow(/VALUExCOUNT/);
  });
});

describe('change making', () => {
  it('pays exactly with limited stock, with the fewest items, or says it cannot', () => {
    expect(
      planChange(
        [
          { value: 50, count: 1 },
          { value: 20, count: 3 },
        ],
        60,
      ),
    ).toEqual([0, 3]);
    expect(
      planChange(
        [
          { value: 200, count: 5 },
          { value: 100, count: 5 },
          { value: 50, count: 5 },
        ],
        350,
      ),
    ).toEqual([1, 1, 1]);
    expect(planChange([{ value: 20, count: 3 }], 50)).toBeUndefined();
    expect(planChange([{ value: 20, count: 2 }], 60)).toBeUndefined();
    expect(planChange([{ value: 5, count: 0 }], 0)).toEqual([0]);
  });
});
