/**
 * Interop: the npm CCNET client `cashcode-bv@0.0.2` drives our bill-validator simulator through a socat
 * pseudo-terminal (reset, identification, bill table, enable, poll with a bill in escrow, stack).
 *
 * The client calls the serialport <= 9 constructor (`new SerialPort(path, options)`) but declares
 * `serialport: latest` (13, whose module exports `{ SerialPort }` and takes one options object). Instead of
 * building serialport 9's native binding we hand it a small adapter class over serialport 13, injected
 * into the CommonJS cache only while the client's module loads.
 *
 * Bugs of the client itself, worked around here (not in the simulator):
 * - `require('cashcode-bv')` fails: Source/index.js requires a `./CCTalk` folder that the package lacks, so the
 *   client is loaded from `cashcode-bv/Source/CCNet/BillValidator.js`;
 * - its 'close' listener calls `this.onSerialPortClose()` with `this` bound to the port (TypeError on close):
 *   the listener is removed before closing;
 * - its bill table ignores the D7 decimal flag (fine for the simulator's EUR table, wrong for fractional values);
 * - its parser waits for exactly LNG bytes and never resynchronises (our simulator sends one frame per answer).
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { hasSocat, PtyBridgeTransport } from '../../src/transport/pty.js';

/** serialport <= 9 API shape over serialport 13: `new SerialPort(path, options)`. */
class LegacySerialPort extends SerialPort {
  constructor(path: string, options: { baudRate?: number; autoOpen?: boolean } = {}) {
    super({ path, baudRate: options.baudRate ?? 9600, autoOpen: options.autoOpen ?? true });
  }
}

interface LegacyClient extends EventEmitter {
  info: { model: string; serial: string; asset: string };
  billTable: { amount: number; code: string }[];
  serial: EventEmitter;
  connect(): Promise<boolean>;
  begin(): Promise<void>;
  stack(): Promise<void>;
  close(): Promise<boolean>;
  statusTimerStop(): void;
}

type LegacyClientClass = new (port: string, debug?: boolean) => LegacyClient;

function loadClient(): LegacyClientClass {
  const require = createRequire(import.meta.url);
  const clientPath = require.resolve('cashcode-bv/Source/CCNet/BillValidator.js');
  const serialportPath = createRequire(clientPath).resolve('serialport');
  // Module internals are untyped: a cache entry is a Module whose exports replace the real package
  const cache = require.cache;
  const previous = cache[serialportPath];
  const fake = new Module(serialportPath);
  fake.exports = LegacySerialPort;
  fake.loaded = true;
  cache[serialportPath] = fake;
  try {
    return require(clientPath) as LegacyClientClass;
  } finally {
    if (previous) cache[serialportPath] = previous;
    else Reflect.deleteProperty(cache, serialportPath);
  }
}

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
    const Client = loadClient();
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
