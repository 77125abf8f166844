/**
 * The eSSP payout soak (SMART Payout, SMART Hopper): on a clean line every pay-in and payout is reported exactly as
 * the simulator's books have it; on a faulty line with power cuts (a fixed seed) nothing is doubled, nothing hangs and
 * the host loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { soakEsspPayout } from '../../soak/essp-payout.js';

describe('eSSP payout soak', () => {
  it.each(['smart-payout', 'smart-hopper'] as const)(
    '%s on a clean line: every pay-in and payout reported once, with what the device paid',
    async (kind) => {
      const [payIns, payouts] = await soakEsspPayout(
        { items: 6, fault: 0, seed: 5, powerCutEvery: 0, verbose: false },
        kind,
      );
      expect(payIns).toMatchObject({ items: 4, reported: 4, doubled: 0, lostHost: 0, lostPowerCut: 0, hangs: 0 });
      expect(payouts).toMatchObject({ items: 2, reported: 2, doubled: 0, lostHost: 0, uncertain: 0 });
    },
    60_000,
  );

  it('SMART Hopper at 1 % with a power cut in the middle of a payout: no double, no hang, no host loss', async () => {
    const rows = await soakEsspPayout(
      { items: 12, fault: 0.01, seed: 21, powerCutEvery: 3, verbose: false },
      'smart-hopper',
    );
    for (const row of rows) expect(row).toMatchObject({ doubled: 0, hangs: 0, lostHost: 0 });
    expect(rows[1]?.items).toBeGreaterThan(0);
  }, 120_000);
});
