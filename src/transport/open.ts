import { ErrorCode, KioskbusError } from '../core/errors.js';
import { SerialTransport, type Parity, type SerialOptions } from './serial.js';
import { TcpTransport } from './tcp.js';
import type { Transport } from './types.js';

/** Line settings a protocol uses by default (eSSP: 9600 8N2; CCNET: 9600 8N1). */
export type SerialDefaults = Omit<SerialOptions, 'path'>;

function parseNumberParam(url: URL, name: string, allowed?: readonly number[]): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || (allowed && !allowed.includes(value))) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `${name}=${raw} is not valid${allowed ? ` (one of ${allowed.join(', ')})` : ''}`,
    );
  }
  return value;
}

/**
 * Builds (does not open) a transport from a URL or path:
 * - `/dev/ttyUSB0`, `COM3`: a serial port with the protocol's defaults;
 * - `serial:///dev/ttyUSB0?baudRate=9600&dataBits=8&stopBits=2&parity=none`;
 * - `tcp://host:port`: a TCP byte stream (serial server, simulator).
 */
export function createTransport(target: string, defaults: SerialDefaults = {}): Transport {
  if (target.trim() === '') throw new KioskbusError(ErrorCode.InvalidArgument, 'no port given');
  if (target.startsWith('tcp://')) {
    const url = new URL(target);
    const port = Number(url.port);
    if (!url.hostname || !Number.isInteger(port) || port <= 0) {
      throw new KioskbusError(ErrorCode.UnsupportedUrl, `expected tcp://host:port, got "${target}"`);
    }
    return new TcpTransport({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
  }
  if (target.startsWith('serial://')) {
    const url = new URL(target);
    const path = decodeURIComponent(url.pathname);
    if (!path) throw new KioskbusError(ErrorCode.UnsupportedUrl, `no device path in "${target}"`);
    const options: SerialOptions = { ...defaults, path };
    const known = new Set(['baudRate', 'dataBits', 'stopBits', 'parity']);
    for (const key of url.searchParams.keys()) {
      if (!known.has(key)) {
        throw new KioskbusError(
          ErrorCode.InvalidArgument,
          `unknown serial option "${key}" (known: ${[...known].join(', ')})`,
        );
      }
    }
    const baudRate = parseNumberParam(url, 'baudRate');
    if (baudRate !== undefined) options.baudRate = baudRate;
    const dataBits = parseNumberParam(url, 'dataBits', [5, 6, 7, 8]);
    if (dataBits !== undefined) options.dataBits = dataBits as 5 | 6 | 7 | 8;
    const stopBits = parseNumberParam(url, 'stopBits', [1, 1.5, 2]);
    if (stopBits !== undefined) options.stopBits = stopBits as 1 | 1.5 | 2;
    const parity = url.searchParams.get('parity');
    if (parity !== null) {
      if (!['none', 'even', 'odd', 'mark', 'space'].includes(parity)) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `parity=${parity} is not valid`);
      }
      options.parity = parity as Parity;
    }
    return new SerialTransport(options);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new KioskbusError(
      ErrorCode.UnsupportedUrl,
      `unsupported transport "${target}" (use a path, serial:// or tcp://)`,
    );
  }
  return new SerialTransport({ ...defaults, path: target });
}

/** `createTransport` and open it. */
export async function openTransport(target: string, defaults: SerialDefaults = {}): Promise<Transport> {
  const transport = createTransport(target, defaults);
  await transport.open();
  return transport;
}
