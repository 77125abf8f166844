import { describe, expect, it, vi } from 'vitest';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillToBill, BillValidator } from '../../src/ccnet/devices/bill.js';
import { CardReader } from '../../src/ccnet/devices/card-reader.js';
import { CoinChanger } from '../../src/ccnet/devices/coin-changer.js';
import { CcnetFramer } from '../../src/ccnet/frame.js';
import { attachSimulators } from '../../src/ccnet/simulator/base.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { CardReaderSimulator } from '../../src/ccnet/simulator/card.js';
import { CoinSimulator } from '../../src/ccnet/simulator/coin.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

describe('one port, four peripherals', () => {
  useFakeTimersPerTest();

  it('B2B 01, coin changer 02, bill validator 03 and card reader 04 share a bus, one request in flight', async () => {
    const [host, device] = createMemoryPair();
    const sims = {
      b2b: new BillSimulator({ kind: 'b2b' }),
      coin: new CoinSimulator(),
      bv: new BillSimulator(),
      card: new CardReaderSimulator(),
    };
    attachSimulators(device, [sims.b2b, sims.coin, sims.bv, sims.card]);
    // every command on the wire must be answered before the next command starts
    const order: string[] = [];
    const framer = new CcnetFramer({
      frame: (f) => {
        if (f.payload.length !== 1 || (f.payload[0] !== 0 && f.payload[0] !== 0xff)) order.push(`tx${f.address}`);
      },
    });
    host.onWrite = (b) => {
      framer.push(b);
    };
    host.on('data', () => order.push('rx'));
    const bus = new CcnetBus(host);
    const b2b = new BillToBill(bus);
    const cc = new CoinChanger(bus);
    const bv = new BillValidator(bus);
    const cr = new CardReader(bus);
    await settle(Promise.all([b2b.initialize(), cc.initialize(), bv.initialize(), cr.initialize()]), 5000);
    expect([
      b2b.identification?.partNumber,
      cc.identification?.model,
      bv.identification?.partNumber,
      cr.identification?.partNumber,
    ]).toEqual(['B2B-300-EU', 'CC-01', 'SM-EU3245', 'CR-100-EU']);
    await settle(Promise.all([b2b.enable(), cc.enable(), bv.enable()]));
    const credits: string[] = [];
    b2b.on('credit', (c) => credits.push(`b2b ${c.value?.amount}`));
    bv.on('credit', (c) => credits.push(`bv ${c.value?.amount}`));
    cc.on('coin', (c) => credits.push(`coin ${c.value?.amount}`));
    for (const d of [b2b, cc, bv, cr]) d.start();
    await vi.advanceTimersByTimeAsync(500);
    sims.b2b.insertBill(2);
    sims.bv.insertBill(0);
    sims.coin.insertCoin(5);
    await vi.advanceTimersByTimeAsync(4000);
    for (const d of [b2b, cc, bv, cr]) d.stop();
    expect(credits.sort()).toEqual(['b2b 2000', 'bv 500', 'coin 200']);
    // strictly alternating: a command, its answer, (ACK), the next command
    for (let i = 1; i < order.length; i++) {
      if (order[i]?.startsWith('tx')) expect(order[i - 1]).toBe('rx');
    }
    expect(new Set(order.filter((o) => o.startsWith('tx')))).toEqual(new Set(['tx1', 'tx2', 'tx3', 'tx4']));
  });
});
