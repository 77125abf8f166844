/**
 * Host and simulator on a noisy line (seeded FaultTransport, both directions): no credit is invented or doubled, every
 * bill the box delivered is credited exactly once, and each card is confirmed or reported uncertain.
 */
import { describe, expect, it, vi } from 'vitest';
import { FaultTransport } from '../../src/transport/faults.js';
import { UncertainOutcomeError } from '../../src/controllerbox/host.js';
import { firsts, useBoxRigs } from './rig.js';

const rig = useBoxRigs();

const NOTES = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000];

describe('ControllerBox on a line with 1 % byte faults', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: bills credited once each, never invented; dispenses confirmed or uncertain`, async () => {
      const faults = { corrupt: 0.01, drop: 0.002, insert: 0.002, split: 0.2 };
      const r = rig(
        { timeoutMs: 200, dispenseConfirmMs: 2000 },
        { statusIntervalMs: 700, tcds: 2, cardsPerTcd: 200 },
        (t) => new FaultTransport(t, { seed, toDevice: faults, toHost: faults }),
      );
      const { host, sim, seen } = r;
      await host.setStatusPolling(true).catch(() => undefined);
      let confirmed = 0;
      let uncertain = 0;
      let refused = 0;
      let executed = 0;
      sim.on('command', (c) => {
        if (c.name === 'DISPENSE_CARD' && c.result === 0) executed++;
      });
      for (let i = 0; i < 60; i++) {
        await sim.acceptBill(NOTES[i % NOTES.length] ?? 10_000);
        if (i % 3 === 0) {
          const done = host.dispenseCard(i % 2).then(
            () => confirmed++,
            (e: unknown) => (e instanceof UncertainOutcomeError ? uncertain++ : refused++),
          );
          await vi.advanceTimersByTimeAsync(2500);
          await done;
        } else {
          await vi.advanceTimersByTimeAsync(2500); // a bill takes seconds
        }
      }
      await vi.advanceTimersByTimeAsync(5000);
      expect(sim.state.cardsOut).toBe(executed);
      const credited = firsts(seen, 'billAccepted').map((e) => e.value.amount);
      const accepted = sim.state.bills;
      // never more than the box accepted, of each value
      for (const note of NOTES) {
        expect(credited.filter((v) => v === note).length).toBeLessThanOrEqual(
          accepted.filter((v) => v === note).length,
        );
      }
      // lost only what the box itself gave up on
      expect(credited.length).toBeGreaterThanOrEqual(accepted.length - sim.state.outbox.lostEvents);
      // each card that left was confirmed by a success or its event, reported uncertain, or reported as a card nobody
      // here asked for (the box read a DISPENSE_CARD out of a damaged answer frame: its CRC does not cover the id)
      expect(confirmed + uncertain + refused).toBe(20);
      const unrequested = firsts(seen, 'cardEvent').filter((e) => e.requested === false).length;
      expect(sim.state.cardsOut).toBeLessThanOrEqual(confirmed + uncertain + unrequested + sim.state.outbox.lostEvents);
      expect(sim.state.cardsOut).toBeGreaterThanOrEqual(confirmed);
      expect(firsts(seen, 'cardEvent').length).toBeLessThanOrEqual(sim.state.cardsOut);
    });
  }
});
