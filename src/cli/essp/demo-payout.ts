/**
 * `kioskbus demo`, eSSP payout part: change giving on one cable. An NV200 + SMART Payout (0x00) and a SMART Hopper
 * (0x10), both encrypted with their own keys, polled through one SspBus. A note and coins go in (credit), the price
 * is taken, and the change is paid: notes from the SMART Payout, the rest in coins from the SMART Hopper. Levels
 * before and after. The simulators run with short mechanical timings so the section finishes in a few seconds.
 */
import type { DemoSection } from '../types.js';
import { formatMoney } from '../../core/money.js';
import { createMemoryPair } from '../../transport/memory.js';
import { SspBus } from '../../essp/bus.js';
import type { PayoutDevice, PayoutOutcome } from '../../essp/devices/payout-common.js';
import { SmartHopper } from '../../essp/devices/smart-hopper.js';
import { SmartPayout } from '../../essp/devices/smart-payout.js';
import { hopperOf } from '../../essp/simulator/payout/index.js';
import { SspSimulator } from '../../essp/simulator/simulator.js';

const PRICE = 1370;

function eur(amount: number): string {
  return formatMoney({ amount, currency: 'EUR' });
}

async function describeLevels(device: PayoutDevice): Promise<string> {
  const levels = await device.levels();
  return levels
    .filter((l) => l.level > 0)
    .map((l) => `${String(l.level)}×${eur(l.value)}`)
    .join(' ');
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > ms) reject(new Error(`no ${what} within ${String(ms)} ms`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

export const esspPayoutDemo: DemoSection = {
  title: 'eSSP: change giving with a SMART Payout (0x00) and a SMART Hopper (0x10) on one cable',
  async run(say) {
    const [host, end] = createMemoryPair({ names: ['memory:demo-host', 'memory:demo-devices'] });
    const noteSim = new SspSimulator({
      device: 'smart-payout',
      replyLatencyMs: 1,
      timing: { readMs: 60, creditMs: 40, stackMs: 80, rejectMs: 60 },
      payout: {
        levels: [
          { value: 500, count: 4 },
          { value: 1000, count: 2 },
        ],
        timing: { itemMs: 120, cashboxMs: 80, takeNoteMs: 150 },
      },
    });
    const coinSim = new SspSimulator({
      device: 'smart-hopper',
      replyLatencyMs: 1,
      fixedKey: 0x1122334455667788n,
      payout: {
        levels: [
          { value: 10, count: 20 },
          { value: 20, count: 20 },
          { value: 50, count: 10 },
          { value: 100, count: 10 },
          { value: 200, count: 5 },
        ],
        timing: { itemMs: 30, cashboxMs: 20 },
      },
    });
    const detach = [noteSim.attach(end), coinSim.attach(end)];
    const bus = new SspBus(host, { timeoutMs: 500, retries: 3 });
    const payout = new SmartPayout(bus, { pollIntervalMs: 200 });
    const hopper = new SmartHopper(bus, { pollIntervalMs: 200, fixedKey: '1122334455667788' });
    let credit = 0;
    payout.on('credit', (note) => {
      credit += note.value;
      say(`note credit ${eur(note.value)} (total ${eur(credit)})`);
    });
    hopper.on('coinCredit', (coin) => {
      credit += coin.value;
      say(`coin credit ${eur(coin.value)} (total ${eur(credit)})`);
    });
    payout.on('noteHeldInBezel', (note) => {
      say(`SMART Payout: ${eur(note.value)} note in the bezel`);
    });
    try {
      await Promise.all([payout.start(), hopper.start()]);
      say(
        `both ready: SMART Payout protocol ${String(payout.protocolVersion)}, SMART Hopper protocol ` +
          `${String(hopper.protocolVersion)}, encrypted ${String(bus.isEncrypted(0x00) && bus.isEncrypted(0x10))}`,
      );
      say(`levels before: notes ${await describeLevels(payout)} | coins ${await describeLevels(hopper)}`);

      say(`price ${eur(PRICE)}: the customer pays a 20 EUR note and two 1 EUR coins`);
      noteSim.insertNote(3);
      hopperOf(coinSim).insertCoin(100);
      hopperOf(coinSim).insertCoin(100);
      await waitFor(() => credit >= 2200, 5000, 'credit of 22.00 EUR');

      const change = credit - PRICE;
      let notes = Math.floor(change / 500) * 500;
      while (notes > 0 && !(await payout.canPay(notes, 'EUR')).ok) notes -= 500;
      const coins = change - notes;
      say(`change ${eur(change)}: ${eur(notes)} in notes, ${eur(coins)} in coins`);
      const pay = async (device: PayoutDevice, amount: number): Promise<PayoutOutcome | undefined> => {
        if (amount === 0) return undefined;
        await device.payout(amount, 'EUR');
        return device.payoutOutcome(AbortSignal.timeout(8000));
      };
      const [n, c] = await Promise.all([pay(payout, notes), pay(hopper, coins)]);
      const paid = (n?.paid ?? 0) + (c?.paid ?? 0);
      say(`paid ${eur(paid)} (notes ${eur(n?.paid ?? 0)}, coins ${eur(c?.paid ?? 0)})`);
      if (paid !== change) throw new Error(`paid ${eur(paid)} instead of ${eur(change)}`);
      say(`levels after: notes ${await describeLevels(payout)} | coins ${await describeLevels(hopper)}`);
    } finally {
      await payout.close();
      await hopper.close();
      await bus.close();
      for (const d of detach) d();
      noteSim.close();
      coinSim.close();
      await end.close();
    }
  },
};
