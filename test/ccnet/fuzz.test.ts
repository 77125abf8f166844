import { describe, expect, it, vi } from 'vitest';
import { concatBytes, toHex } from '../../src/core/bytes.js';
import { CRC16_KERMIT } from '../../src/core/crc.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillValidator } from '../../src/ccnet/devices/bill.js';
import { CcnetFramer, encodeCommand, encodeReply } from '../../src/ccnet/frame.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { prng } from '../helpers/prng.js';
import { noisyLine, useFakeTimersPerTest } from './helpers.js';

describe('fuzz: CCNET decoder', () => {
  it('random bytes in random chunks: no throw, every frame it returns has a good CRC', () => {
    const rnd = prng(1);
    let frames = 0;
    const d = new CcnetFramer({
      frame: (f) => {
        frames += 1;
        expect(CRC16_KERMIT.compute(f.raw)).toBe(0);
      },
    });
    for (let round = 0; round < 800; round++) {
      const chunk = new Uint8Array(1 + Math.floor(rnd() * 120));
      for (let i = 0; i < chunk.length; i++) chunk[i] = rnd() < 0.1 ? 0x02 : Math.floor(rnd() * 256);
      d.push(chunk);
    }
    expect(d.stats.garbageBytes + d.stats.crcErrors + d.stats.badFrames).toBeGreaterThan(20_000);
    expect(frames).toBeLessThan(20);
  });

  it('good frames with bit flips and garbage between: every intact frame comes out, no damaged one', () => {
    const rnd = prng(2);
    const parts: Uint8Array[] = [];
    const intact: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const data = new Uint8Array(1 + Math.floor(rnd() * 40)).map(() => Math.floor(rnd() * 256));
      const frame = rnd() < 0.5 ? encodeReply(1 + Math.floor(rnd() * 4), data) : encodeCommand(3, 0x34, data);
      if (rnd() < 0.15) {
        const bad = frame.slice();
        const at = Math.floor(rnd() * bad.length);
        bad[at] = (bad[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
        parts.push(bad);
      } else {
        parts.push(frame);
        intact.push(toHex(frame));
      }
      if (rnd() < 0.1) parts.push(new Uint8Array(1 + Math.floor(rnd() * 5)).map(() => Math.floor(rnd() * 256)));
    }
    const all = concatBytes(parts);
    const got: string[] = [];
    const d = new CcnetFramer({
      frame: (f) => {
        got.push(toHex(f.raw));
      },
    });
    for (let i = 0; i < all.length;) {
      const n = 1 + Math.floor(rnd() * 64);
      d.push(all.subarray(i, i + n));
      i += n;
    }
    for (const h of got)
      expect(CRC16_KERMIT.compute(Uint8Array.from(h.split(' ').map((x) => parseInt(x, 16))))).toBe(0);
    // every intact frame is found (in order); anything extra would have to pass a CRC by chance
    let j = 0;
    for (const h of got) if (h === intact[j]) j += 1;
    expect(j).toBe(intact.length);
    expect(got.length - intact.length).toBeLessThanOrEqual(2);
    expect(d.stats.crcErrors).toBeGreaterThan(300);
  });
});

describe('fuzz: host on a noisy line', () => {
  useFakeTimersPerTest();

  it('bit flips in both directions and stray garbage: no crash, no false or doubled credit', async () => {
    const rnd = prng(3);
    const line = noisyLine(rnd, { flipRate: 0.08, strayRate: 0.03 });
    const sim = new BillSimulator({ escrowTimeoutMs: 60_000 });
    sim.attach(line.device);
    const bus = new CcnetBus(line.host);
    const bv = new BillValidator(bus, { pollIntervalMs: 100 });
    const credits: number[] = [];
    const problems: string[] = [];
    bv.on('credit', (c) => credits.push(c.billType));
    bv.on('problem', (e) => problems.push(e.code));
    const init = bv.initialize();
    await vi.advanceTimersByTimeAsync(3000);
    await init;
    const enable = bv.enable();
    await vi.advanceTimersByTimeAsync(200);
    await enable;
    bv.start();
    line.on = true;
    for (let i = 0; i < 25; i++) {
      for (let k = 0; k < 50 && !sim.insertBill(i % 7); k++) await vi.advanceTimersByTimeAsync(100);
      await vi.advanceTimersByTimeAsync(1500);
    }
    line.on = false;
    await vi.advanceTimersByTimeAsync(5000);
    bv.stop();
    expect(sim.stackedBills.length).toBeGreaterThan(15);
    expect(credits).toEqual(sim.stackedBills);
    expect(bus.link.framer.stats.crcErrors).toBeGreaterThan(0);
  });
});
