/**
 * An EVENT_ACK that reached the device but whose answer was lost: the next reply that starts with the same ack-type
 * events is either the device repeating them (the EVENT_ACK did not arrive) or new identical events (it did). The
 * host cannot tell; it does not report them again as credits, and it says so with one `repeatInDoubt` (found by the
 * payout soak: a second coin of the same value was dropped without a word). Real host and simulator over the seeded
 * fault transport, fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import { SmartHopper } from '../../src/essp/devices/smart-hopper.js';
import { hopperOf } from '../../src/essp/simulator/payout/index.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';
import { faultyRig } from './payout-harness.js';

const closer = useFakeTimeAndCloser();

describe('eSSP EVENT_ACK whose answer was lost', () => {
  it('a new identical credit at the head of the next reply is reported as repeatInDoubt, once', async () => {
    const rigged = await faultyRig(
      { device: 'smart-hopper', payout: { levels: [{ value: 100, count: 10 }] } },
      (bus) => new SmartHopper(bus),
      { seed: 6 },
    );
    closer.onClose(() => rigged.close());
    const { sim, line, device: hopper } = rigged;
    const log: string[] = [];
    hopper.on('coinCredit', (c) => log.push(`coinCredit ${String(c.value)}`));
    hopper.on('repeatInDoubt', (d) => log.push(`repeatInDoubt ${d.events.map((e) => e.name).join(',')}`));
    hopper.on('error', () => undefined);
    let armed = true;
    sim.on('command', (c) => {
      // the device acts on the EVENT_ACK of the first coin; every answer to it is lost
      if (armed && c.name === 'EVENT_ACK') {
        armed = false;
        line.goDark(25_000, 'toHost');
        // a second coin of the same value while the host hears nothing: its COIN_CREDIT waits in the device
        setTimeout(() => hopperOf(sim).insertCoin(100), 1000);
      }
    });
    hopperOf(sim).insertCoin(100);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(hopper.state).toBe('ready');
    expect(log).toEqual(['coinCredit 100', 'repeatInDoubt COIN_CREDIT']);
  });
});
