/**
 * The card reader's MALFUNCTION, DELAYED and BUSY states (spec: card reader POLL answers 09H, 10H, 11H) from the
 * simulator to the host (issue 13): typed events, a vend whose result cannot come any more is `uncertain` (never
 * resent), a delayed vend still completes. Host and simulator over a memory pair, fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { CardReader } from '../../src/ccnet/devices/card-reader.js';
import type { UncertainOutcome } from '../../src/ccnet/devices/money.js';
import { CardReaderSimulator } from '../../src/ccnet/simulator/card.js';
import type { CardState } from '../../src/ccnet/states.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

const EUR = (amount: number) => ({ amount, currency: 'EUR' });

async function session(options: { vendPolls?: number } = {}) {
  const [host, device] = createMemoryPair();
  const sim = new CardReaderSimulator(options);
  sim.attach(device);
  const cr = new CardReader(new CcnetBus(host));
  const seen = { faults: [] as CardState[], delayed: 0, busy: 0, uncertain: [] as UncertainOutcome[] };
  cr.on('fault', (s) => seen.faults.push(s));
  cr.on('delayed', () => seen.delayed++);
  cr.on('busy', () => seen.busy++);
  cr.on('uncertain', (o) => seen.uncertain.push(o));
  await settle(cr.initialize(), 1000);
  await settle(cr.enable());
  await settle(cr.run(), 100);
  await settle(cr.beginSession());
  sim.tapCard({ storedValue: true, wallets: [{ currency: 'EUR', balance: 1000, decimals: 2 }] });
  await vi.advanceTimersByTimeAsync(500);
  expect(cr.state?.name).toBe('READY_FOR_TRANSACTION');
  await settle(cr.getFunds());
  return { sim, cr, seen };
}

describe('card reader MALFUNCTION, DELAYED and BUSY', () => {
  useFakeTimersPerTest();

  it('DELAYED while the reader dials the bank: `delayed` events, then the vend completes once', async () => {
    const { sim, cr, seen } = await session();
    sim.delayVend(5);
    const result = await settle(cr.vend(EUR(300)), 3000);
    expect(result).toBe('approved');
    expect(seen.delayed).toBe(1); // one state change into DELAYED (held for 5 POLLs)
    expect(sim.vends).toEqual([{ wallet: 0, amount: 300, result: 'approved' }]);
    expect(sim.executed.get('VEND_REQUEST')).toBe(1);
    expect(seen.uncertain).toEqual([]);
    cr.stop();
  });

  it('BUSY: a `busy` event, commands refused meanwhile, back to the state before', async () => {
    const { sim, cr, seen } = await session();
    sim.setBusy(1000);
    await vi.advanceTimersByTimeAsync(400);
    expect(seen.busy).toBe(1);
    expect(cr.state?.name).toBe('BUSY');
    await expect(settle(cr.getFunds())).rejects.toThrow(/ILLEGAL COMMAND/);
    await vi.advanceTimersByTimeAsync(1000);
    expect(cr.state?.name).toBe('READY_FOR_TRANSACTION');
    expect(await settle(cr.vend(EUR(100)), 2000)).toBe('approved');
    cr.stop();
  });

  it('a reader failure during a vend: `fault` with its kind, the vend is `uncertain`, never resent', async () => {
    const { sim, cr, seen } = await session({ vendPolls: 5 });
    const vend = cr.vend(EUR(250));
    await vi.advanceTimersByTimeAsync(300); // ACKed, VENDING shown
    sim.setMalfunction(0x81); // reader failure, sub-code 1, held until cleared
    await expect(settle(vend, 1000)).rejects.toMatchObject({ code: 'UNCERTAIN' });
    expect(seen.faults.map((s) => [s.errorKind, s.errorSubCode])).toEqual([['READER_FAILURE', 1]]);
    expect(seen.uncertain).toHaveLength(1);
    expect(seen.uncertain[0]).toMatchObject({
      command: 'VEND_REQUEST',
      evidence: 'executed',
      stateAfter: 'MALFUNCTION',
      statesSeen: ['VENDING', 'MALFUNCTION'],
    });
    await vi.advanceTimersByTimeAsync(3000);
    expect(sim.executed.get('VEND_REQUEST')).toBe(1); // not resent
    expect(seen.faults).toHaveLength(1); // held: one state change, one event
    expect(sim.vends).toEqual([{ wallet: 0, amount: 250, result: 'aborted' }]);
    cr.stop();
  });

  it('a card error (card pulled during the vend) is reported once and leaves the vend uncertain', async () => {
    const { sim, cr, seen } = await session({ vendPolls: 5 });
    const vend = cr.vend(EUR(250));
    await vi.advanceTimersByTimeAsync(300);
    sim.cardError(2);
    await expect(settle(vend, 1000)).rejects.toMatchObject({ code: 'UNCERTAIN' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.faults.map((s) => [s.errorKind, s.errorSubCode])).toEqual([['CARD_ERROR', 2]]);
    expect(cr.state?.name).toBe('IDLING');
    expect(seen.uncertain).toHaveLength(1);
    cr.stop();
  });

  it('a communications error outside a vend is a fault, not a doubt; a later vend works once cleared', async () => {
    const { sim, cr, seen } = await session();
    sim.setMalfunction(0x40);
    await vi.advanceTimersByTimeAsync(500);
    expect(seen.faults.map((s) => s.errorKind)).toEqual(['COMMUNICATIONS_ERROR']);
    expect(seen.uncertain).toEqual([]);
    sim.setMalfunction(undefined);
    await vi.advanceTimersByTimeAsync(500);
    expect(cr.state?.name).toBe('IDLING');
    cr.stop();
  });

  it('no result at all within the wait: the vend is uncertain, not resent', async () => {
    const { sim, cr, seen } = await session();
    sim.delayVend(1000);
    await expect(settle(cr.vend(EUR(100), { timeoutMs: 2000 }), 3000)).rejects.toMatchObject({ code: 'UNCERTAIN' });
    expect(seen.uncertain[0]).toMatchObject({ command: 'VEND_REQUEST', stateAfter: 'DELAYED' });
    expect(sim.executed.get('VEND_REQUEST')).toBe(1);
    cr.stop();
  });
});
