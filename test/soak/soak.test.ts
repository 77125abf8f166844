import { describe, expect, it } from 'vitest';
import { emptyRow, failed, formatTable, HangWatch, Tally } from '../../soak/common.js';
import { PROTOCOLS } from '../../soak/protocols.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

describe('soak bookkeeping', () => {
  it('settles per key: more told than given is doubled, fewer is lost, the device part first', () => {
    const tally = new Tally();
    for (const k of [1, 1, 2, 3, 3, 3]) tally.given(k);
    for (const k of [1, 1, 1, 2, 3]) tally.reported(k);
    tally.powerCutDropped = 1;
    const row = emptyRow('p', 'notes');
    tally.settle(row);
    expect(row).toMatchObject({ items: 6, reported: 5, doubled: 1, lostPowerCut: 1, lostHost: 1 });
    expect(failed([row])).toBe(true);
    expect(failed([{ ...row, doubled: 0, lostHost: 0 }])).toBe(false);
  });

  it('counts a hang once per stall longer than the bound', async () => {
    const clock = new VirtualClock();
    let progress = 0;
    const watch = new HangWatch(clock, 1000, () => progress);
    for (let t = 0; t < 5000; t += 100) {
      if (t < 500 || (t > 3000 && t < 3200)) progress++;
      await clock.advance(100);
      watch.check();
    }
    expect(watch.hangs).toBe(2);
    expect(watch.longestStallMs).toBeGreaterThan(1000);
  });

  it('prints a Markdown table with every column', () => {
    const text = formatTable([{ ...emptyRow('essp', 'notes'), items: 12, reported: 12 }]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('lost (host)');
    expect(lines[2]).toMatch(/^\| essp +\| notes +\| 12 +\| 12 +\|/);
  });
});

describe('soak on a clean line', () => {
  it.each(['essp', 'ccnet', 'controllerbox'] as const)(
    '%s: every item the device took is reported once',
    async (name) => {
      const [row] = await PROTOCOLS[name]({ items: 4, fault: 0, seed: 3, powerCutEvery: 0, verbose: false });
      expect(row).toMatchObject({ items: 4, reported: 4, doubled: 0, lostHost: 0, lostPowerCut: 0, hangs: 0 });
    },
    60_000,
  );
});

describe('soak on a faulty line', () => {
  it('ccnet: the run ends even when a host halts in the middle of an exchange (its end needs virtual time)', async () => {
    // seed 1 at 1 % leaves an exchange in flight when the hosts halt: halting used to wait on a clock nobody ran
    const rows = await PROTOCOLS.ccnet({ items: 100, fault: 0.01, seed: 1, powerCutEvery: 50, verbose: false });
    for (const row of rows) expect(row).toMatchObject({ doubled: 0, lostHost: 0, hangs: 0 });
  }, 60_000);
});
