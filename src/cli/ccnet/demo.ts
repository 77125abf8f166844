/**
 * `kioskbus demo` section: a Bill-to-Bill session against the simulator over an in-memory link — bills in
 * (escrow, stack), change paid out of the recycling cassettes. Uses short but spec-valid timings
 * (t-free 10 ms, poll every 20 ms) so it finishes in about a second.
 */
import { formatMoney, type Money } from '../../core/money.js';
import type { DemoSection } from '../types.js';
import { createMemoryPair } from '../../transport/memory.js';
import { CcnetBus } from '../../ccnet/bus.js';
import type { DenominationWord } from '../../ccnet/codec.js';
import type { CassetteStatus } from '../../ccnet/commands.js';
import { BillToBill, type BillCredit } from '../../ccnet/devices/bill.js';
import { BillSimulator } from '../../ccnet/simulator/bill.js';

function cassettes(list: CassetteStatus[], table: DenominationWord[]): string {
  const name = (t: CassetteStatus['type']): string =>
    typeof t === 'number' ? (table.find((w) => w.type === t)?.text ?? `type ${t}`) + ' EUR' : t;
  return list.map((c) => `#${c.cassette} ${name(c.type)} × ${c.count}`).join(', ');
}

function waitFor<T>(register: (resolve: (value: T) => void) => void, what: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`demo: no ${what} within ${ms} ms`));
    }, ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

export const ccnetDemo: DemoSection = {
  title: 'ccnet: Bill-to-Bill unit — bills in through escrow, change out of the recycling cassettes',
  async run(say, signal) {
    const [host, device] = createMemoryPair();
    const sim = new BillSimulator({
      kind: 'b2b',
      cassettes: [
        { type: 1, count: 5, capacity: 100, present: true },
        { type: 2, count: 5, capacity: 100, present: true },
        { type: 'ESCROW', count: 0, capacity: 20, present: true },
      ],
    });
    const detach = sim.attach(device);
    const bus = new CcnetBus(host, { tFreeMs: 10 });
    const b2b = new BillToBill(bus, { pollIntervalMs: 20 });
    try {
      const { identification, billTable } = await b2b.initialize();
      say(`${identification.partNumber} serial ${identification.serialNumber} at address 01 (${host.description})`);
      say(`bill table: ${billTable.map((w) => `${w.text} ${w.currency}`).join(', ')}`);
      say(`cassettes: ${cassettes(await b2b.cassetteStatus(), billTable)}`);
      await b2b.enable({ escrow: [3] });
      b2b.start();
      let paid: Money = { amount: 0, currency: 'EUR' };
      const credit = (c: BillCredit): void => {
        if (c.value) paid = { amount: paid.amount + c.value.amount, currency: c.value.currency };
      };
      b2b.on('credit', credit);

      const escrow = waitFor<BillCredit>((r) => b2b.once('escrow', r), 'escrow');
      sim.insertBill(3);
      const held = await escrow;
      say(`customer inserts ${held.value ? formatMoney(held.value) : '?'}: in escrow, the kiosk decides to stack it`);
      const stacked = waitFor<BillCredit>((r) => b2b.once('credit', r), 'credit');
      await b2b.stack();
      const c1 = await stacked;
      say(`BILL_STACKED type ${c1.billType}: credit ${c1.value ? formatMoney(c1.value) : '?'}`);

      const next = waitFor<BillCredit>((r) => b2b.once('credit', r), 'credit');
      sim.insertBill(1);
      const c2 = await next;
      say(`customer inserts ${c2.value ? formatMoney(c2.value) : '?'}: stacked straight into its recycling cassette`);
      say(
        `paid ${formatMoney(paid)}; price 30.00 EUR → change ${formatMoney({ amount: paid.amount - 3000, currency: 'EUR' })}`,
      );

      await b2b.disable();
      await waitFor<unknown>((r) => {
        const check = (): void => {
          if (b2b.state?.name === 'UNIT_DISABLED') r(undefined);
          else setTimeout(check, 5);
        };
        check();
      }, 'UNIT_DISABLED');
      const plan = await b2b.planPayout({ amount: paid.amount - 3000, currency: 'EUR' });
      say(
        `dispensing ${plan.map((i) => `${i.count} × ${b2b.billTable.find((w) => w.type === i.billType)?.text ?? '?'} EUR`).join(' + ')} from the recycling cassettes`,
      );
      let progress = 0;
      b2b.on('dispensing', () => (progress += 1));
      const done = await b2b.dispenseAndWait(plan, 5000);
      say(
        `${done.name} after ${progress} progress report(s); cassettes now: ${cassettes(await b2b.cassetteStatus(), b2b.billTable)}`,
      );
      if (signal.aborted) return;
    } finally {
      b2b.stop();
      bus.close();
      detach();
    }
  },
};
