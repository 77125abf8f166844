/**
 * Interop: the npm CCNET client `cashcode-bv@0.0.2` drives our bill-validator simulator through a socat
 * pseudo-terminal (reset, identification, bill table, enable, poll with a bill in escrow, stack).
 *
 * The client is loaded by `./cashcode-bv.ts` (serialport 13 behind its serialport 9 constructor).
 *
 * Bugs of the client itself, worked around here (not in the simulator):
 * - its 'close' listener calls `this.onSerialPortClose()` with `this` bound to the port (TypeError on close):
 *   the listener is removed before closing;
 * - its bill table ignores the D7 decimal flag (fine for the simulator's EUR table, wrong for fractional values);
 * - its parser waits for exactly LNG bytes and never resynchronises (our simulator sends one frame per answer).
 */
import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { hasSocat, PtyBridgeTransport } from '../../src/transport/pty.js';
import { loadCashcodeBv } from './cashcode-bv.js';

const socat = hasSocat();
if (!socat) process.stdout.write('interop test skipped: socat is not installed (apt-get install socat)\n');

function once<T>(emitter: EventEmitter, event: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no "${event}" within ${ms} ms`));
    }, ms);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.skipIf(!socat)('interop: npm cashcode-bv@0.0.2 against the bill-validator simulator on a pty', () => {
  let dir = '';
  let pty: PtyBridgeTransport;
  const sim = new BillSimulator();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kioskbus-ccnet-'));
    pty = new PtyBridgeTransport({ path: join(dir, 'ttyCCNET') });
    await pty.open();
    sim.attach(pty);
  });

  afterAll(async () => {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reset, identification, bill table, enable, escrow, stack', async () => {
    const Client = loadCashcodeBv();
    const client = new Client(join(dir, 'ttyCCNET'));
    try {
      await client.connect();
      expect(client.info).toEqual({ model: 'SM-EU3245', serial: '07KI41AS7482', asset: '75ed8dc8033f7b' });
      expect(client.billTable.slice(0, 7).map((b) => `${b.amount} ${b.code}`)).toEqual([
        '5 EUR',
        '10 EUR',
        '20 EUR',
        '50 EUR',
        '100 EUR',
        '200 EUR',
        '500 EUR',
      ]);
      const idle = once(client, 'idling', 5000);
      await client.begin(); // ENABLE BILL TYPES FF FF FF FF FF FF: all types, all with escrow
      await idle;
      expect(sim.enabled).toBe(0xffffff);
      const escrow = once<{ amount: number; code: string }>(client, 'escrow', 5000);
      sim.insertBill(3);
      expect(await escrow).toMatchObject({ amount: 50, code: 'EUR' });
      const stacked = once<{ amount: number; code: string }>(client, 'stacked', 5000);
      await client.stack();
      expect(await stacked).toMatchObject({ amount: 50, code: 'EUR' });
      expect(sim.stackedBills).toEqual([3]);
    } finally {
      client.statusTimerStop();
      client.serial.removeAllListeners('close'); // client bug: its close listener throws
      await client.close();
    }
  });
});
