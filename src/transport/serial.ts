import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OpenOptions, SerialPortStream } from '@serialport/stream';
import { ErrorCode, KioskbusError, toKioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { Transport, TransportEventMap } from './types.js';

const log = createLogger('transport:serial');

/** A serialport binding: the native one, or `MockBinding` from `@serialport/binding-mock` in tests. */
export type SerialBinding = OpenOptions['binding'];

/**
 * The native binding of this platform, loaded on first use: `serialport`'s stream and native module are loaded
 * only by a program that opens or lists a real port (a service on TCP or simulators starts without them).
 */
async function defaultBinding(): Promise<SerialBinding> {
  const { autoDetect } = await import('@serialport/bindings-cpp');
  return autoDetect();
}

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';

export interface SerialOptions {
  path: string;
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: Parity;
  /**
   * Modem lines to set after opening. Pseudo-terminals refuse modem-line ioctls, so failures here are
   * reported as `error` events and never stop the port from working.
   */
  modemLines?: { dtr?: boolean; rts?: boolean };
  /** A serialport binding (tests pass `MockBinding`); default: the platform's native binding. */
  binding?: SerialBinding;
}

/** A local serial port through serialport 13. */
export class SerialTransport extends EventEmitter<TransportEventMap> implements Transport {
  private port: SerialPortStream | undefined;
  private closing = false;

  constructor(readonly options: SerialOptions) {
    super();
  }

  get description(): string {
    return `serial:${this.options.path}@${this.options.baudRate ?? 9600}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.closing = false;
    const o = this.options;
    const { SerialPortStream } = await import('@serialport/stream');
    const binding = o.binding ?? (await defaultBinding());
    return new Promise((resolve, reject) => {
      const port = new SerialPortStream({
        binding,
        path: o.path,
        baudRate: o.baudRate ?? 9600,
        dataBits: o.dataBits ?? 8,
        stopBits: o.stopBits ?? 1,
        parity: o.parity ?? 'none',
        autoOpen: false,
      });
      port.open((error) => {
        if (error) {
          reject(toKioskbusError(error, ErrorCode.TransportError, { path: o.path }));
          return;
        }
        this.attach(port);
        log('opened %s', this.description);
        if (o.modemLines) {
          port.set(o.modemLines, (lineError) => {
            if (lineError) {
              this.emit(
                'error',
                toKioskbusError(lineError, ErrorCode.TransportError, { path: o.path, what: 'modem lines' }),
              );
            }
          });
        }
        this.emit('open');
        resolve();
      });
    });
  }

  private attach(port: SerialPortStream): void {
    this.port = port;
    port.on('data', (chunk: Buffer) => {
      this.emit('data', chunk);
    });
    port.on('error', (error: Error) => {
      this.emit('error', toKioskbusError(error, ErrorCode.TransportError, { path: this.options.path }));
    });
    port.on('close', (error: (Error & { disconnected?: boolean }) | null) => {
      if (this.port !== port) return;
      this.port = undefined;
      if (!this.closing || error?.disconnected) {
        log('%s disconnected', this.description);
        this.emit(
          'disconnected',
          new KioskbusError(
            ErrorCode.Disconnected,
            `${this.options.path} disconnected${error ? `: ${error.message}` : ''}`,
            { path: this.options.path },
            { cause: error },
          ),
        );
      }
      this.emit('close');
    });
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) {
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, `${this.description} is not open`, { raw: data }));
    }
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data.buffer, data.byteOffset, data.length), (error) => {
        if (error) reject(toKioskbusError(error, ErrorCode.TransportError, { raw: data }));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      port.close(() => {
        resolve();
      });
    });
  }
}

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** Serial ports of this machine, with USB vendor/product ids where the OS knows them. */
export async function listSerialPorts(binding?: SerialBinding): Promise<SerialPortInfo[]> {
  let ports: Awaited<ReturnType<SerialBinding['list']>>;
  try {
    ports = await (binding ?? (await defaultBinding())).list();
  } catch (error) {
    // serialport's Linux lister runs `udevadm`; containers and minimal systems often lack it
    if (process.platform === 'linux') return listFromSysfs();
    throw toKioskbusError(error, ErrorCode.TransportError, { what: 'listing serial ports' });
  }
  return ports.map((p) => {
    const info: SerialPortInfo = { path: p.path };
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    if (p.vendorId) info.vendorId = p.vendorId;
    if (p.productId) info.productId = p.productId;
    return info;
  });
}

function readSysfs(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Linux fallback: the tty devices backed by real hardware, with USB ids read from sysfs. */
function listFromSysfs(): SerialPortInfo[] {
  const root = '/sys/class/tty';
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: SerialPortInfo[] = [];
  for (const name of names.sort()) {
    const device = `${root}/${name}/device`;
    if (!existsSync(device)) continue;
    // serial8250 placeholders (ttyS*) without a real UART report port type 0
    if (name.startsWith('ttyS') && readSysfs(`${root}/${name}/type`) === '0') continue;
    const info: SerialPortInfo = { path: `/dev/${name}` };
    let dir = realpathSync(device);
    for (let depth = 0; depth < 4 && dir !== '/'; depth++) {
      const vendorId = readSysfs(`${dir}/idVendor`);
      if (vendorId) {
        info.vendorId = vendorId;
        const productId = readSysfs(`${dir}/idProduct`);
        const manufacturer = readSysfs(`${dir}/manufacturer`);
        const serialNumber = readSysfs(`${dir}/serial`);
        if (productId) info.productId = productId;
        if (manufacturer) info.manufacturer = manufacturer;
        if (serialNumber) info.serialNumber = serialNumber;
        break;
      }
      dir = dirname(dir);
    }
    out.push(info);
  }
  return out;
}
