import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, type KioskbusError } from '../../src/core/errors.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { CardReader } from '../../src/ccnet/devices/card-reader.js';
import { CardReaderSimulator, type CardSimulatorOptions } from '../../src/ccnet/simulator/card.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

async function setup(options: CardSimulatorOptions = {}) {
  const [host, device] = createMemoryPair();
  const sim = new CardReaderSimulator(options);
  sim.attach(device);
  const cr = new CardReader(new CcnetBus(host));
  const states: string[] = [];
  cr.on('state', (s) => states.push(s.name));
  await settle(cr.initialize(), 1000);
  return { sim, cr, states };
}

const CARD = {
  storedValue: true,
  wallets: [
    { currency: 'EUR', balance: 1250, decimals: 2 },
    { currency: 'USD', balance: 5, decimals: 0 },
  ],
};

describe('card reader host against the simulator', () => {
  useFakeTimersPerTest();

  it('initialises: INACTIVE, SETUP → DISABLED, identification; enable → IDLING', async () => {
    const { cr, sim } = await setup();
    expect(cr.setupReply).toMatchObject({ level: 1, fundRestoring: true, continuousPayment: false });
    expect(cr.identification?.partNumber).toBe('CR-100-EU');
    await settle(cr.enable());
    expect(sim.stateName).toBe(0x06);
    await settle(cr.disable());
    expect(sim.stateName).toBe(0x05);
    // the same command again right away would be taken as a resend; later it is refused (already disabled)
    await vi.advanceTimersByTimeAsync(1500);
    await expect(settle(cr.disable())).rejects.toThrow(/ILLEGAL COMMAND/);
  });

  it('a full vend session: begin, card, funds with wallets, vend approved, refund, complete', async () => {
    const { cr, sim } = await setup();
    await settle(cr.enable());
    cr.start();
    const ready = vi.fn();
    cr.on('cardReady', ready);
    await settle(cr.beginSession());
    sim.tapCard(CARD);
    await vi.advanceTimersByTimeAsync(500);
    expect(ready).toHaveBeenCalledTimes(1);
    const funds = await settle(cr.getFunds());
    expect(funds.storedValue).toBe(true);
    expect(funds.wallets.map((w) => [w.currency, w.balance?.amount])).toEqual([
      ['EUR', 1250],
      ['USD', 500],
    ]);
    const result = await settle(cr.vend({ amount: 350, currency: 'EUR' }), 2000);
    expect(result).toBe('approved');
    expect(sim.card?.wallets[0]?.balance).toBe(900);
    await settle(cr.refund({ amount: 100, currency: 'EUR' }), 2000);
    expect(sim.card?.wallets[0]?.balance).toBe(1000);
    const second = await settle(cr.vend({ amount: 300, currency: 'USD' }, { wallet: 1 }), 2000);
    expect(second).toBe('approved');
    expect(sim.card?.wallets[1]?.balance).toBe(2);
    await settle(cr.sessionComplete());
    await vi.advanceTimersByTimeAsync(500);
    cr.stop();
    expect(cr.state?.name).toBe('IDLING');
  });

  it('vend denied for insufficient funds or by the bank', async () => {
    const { cr, sim } = await setup();
    await settle(cr.enable());
    cr.start();
    await settle(cr.beginSession());
    sim.tapCard(CARD);
    await vi.advanceTimersByTimeAsync(300);
    await settle(cr.getFunds());
    expect(await settle(cr.vend({ amount: 5000, currency: 'EUR' }), 2000)).toBe('denied');
    sim.denyNext = true;
    expect(await settle(cr.vend({ amount: 100, currency: 'EUR' }), 2000)).toBe('denied');
    cr.stop();
    expect(sim.card?.wallets[0]?.balance).toBe(1250);
  });

  it('a VEND REQUEST whose answer was lost is not resent: uncertain; a retry with the same accumulated amount is drawn once', async () => {
    const { cr, sim } = await setup();
    await settle(cr.enable());
    await settle(cr.beginSession());
    sim.tapCard(CARD);
    await settle(cr.poll());
    await settle(cr.getFunds());
    sim.faults.dropReplies = 1;
    const err = (await settle(cr.vendRequest({ amount: 200, currency: 'EUR' })).catch(
      (e: unknown) => e,
    )) as KioskbusError;
    expect(err.code).toBe(ErrorCode.Uncertain);
    expect(err.context.evidence).toBe('executed');
    expect(cr.bus.link.counters.resent).toBe(0);
    cr.start();
    await vi.advanceTimersByTimeAsync(1000);
    cr.stop();
    expect(sim.vends).toEqual([{ wallet: 0, amount: 200, result: 'approved' }]);
    expect(sim.card?.wallets[0]?.balance).toBe(1050);
  });

  it('cancel while vending answers VEND DENIED; RESET is refused while vending', async () => {
    const { cr, sim } = await setup({ vendPolls: 5 });
    await settle(cr.enable());
    await settle(cr.beginSession());
    sim.tapCard(CARD);
    await settle(cr.poll());
    await settle(cr.getFunds());
    await settle(cr.vendRequest({ amount: 200, currency: 'EUR' }));
    await settle(cr.poll());
    expect(cr.state?.name).toBe('VENDING');
    const err = (await settle(cr.reset()).catch((e: unknown) => e)) as KioskbusError;
    expect(err.code).toBe(ErrorCode.IllegalCommand);
    expect(err.message).toContain('VENDING');
    expect(await settle(cr.cancel())).toBe('VEND_DENIED');
    expect(sim.card?.wallets[0]?.balance).toBe(1250);
  });

  it('MALFUNCTION reports error kind and sub-code', async () => {
    const { cr, sim } = await setup();
    const faults: string[] = [];
    cr.on('fault', (s) => faults.push(`${s.errorKind}/${s.errorSubCode}`));
    cr.start();
    await vi.advanceTimersByTimeAsync(300);
    sim.setMalfunction(0x83);
    await vi.advanceTimersByTimeAsync(500);
    cr.stop();
    expect(faults).toEqual(['READER_FAILURE/3']);
  });
});
