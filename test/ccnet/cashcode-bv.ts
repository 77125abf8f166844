/**
 * Loads the npm CCNET client `cashcode-bv@0.0.2` (the interop test and the wire benchmark drive it).
 *
 * The client calls the serialport <= 9 constructor (`new SerialPort(path, options)`) but declares
 * `serialport: latest` (13, whose module exports `{ SerialPort }` and takes one options object). Instead of
 * building serialport 9's native binding it is handed a small adapter class over serialport 13, injected into the
 * CommonJS cache only while the client's module loads. `require('cashcode-bv')` fails (Source/index.js requires a
 * `./CCTalk` folder that the package lacks), so the client is loaded from `Source/CCNet/BillValidator.js`.
 */
import type { EventEmitter } from 'node:events';
import Module, { createRequire } from 'node:module';
import { SerialPort } from 'serialport';

/** serialport <= 9 API shape over serialport 13: `new SerialPort(path, options)`. */
class LegacySerialPort extends SerialPort {
  constructor(path: string, options: { baudRate?: number; autoOpen?: boolean } = {}) {
    super({ path, baudRate: options.baudRate ?? 9600, autoOpen: options.autoOpen ?? true });
  }
}

/** What kioskbus uses of the client. */
export interface CashcodeBvClient extends EventEmitter {
  info: { model: string; serial: string; asset: string };
  billTable: { amount: number; code: string }[];
  serial: EventEmitter;
  connect(): Promise<boolean>;
  begin(): Promise<void>;
  stack(): Promise<void>;
  close(): Promise<boolean>;
  statusTimerStop(): void;
}

export type CashcodeBvClientClass = new (port: string, debug?: boolean) => CashcodeBvClient;

let loaded: CashcodeBvClientClass | undefined;

/** The client's BillValidator class (loaded once). */
export function loadCashcodeBv(): CashcodeBvClientClass {
  if (loaded) return loaded;
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
    loaded = require(clientPath) as CashcodeBvClientClass;
    return loaded;
  } finally {
    if (previous) cache[serialportPath] = previous;
    else Reflect.deleteProperty(cache, serialportPath);
  }
}
