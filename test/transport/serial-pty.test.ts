import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortMock } from 'serialport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { hasSocat, PtyBridgeTransport } from '../../src/transport/pty.js';
import { SerialTransport, type SerialBinding } from '../../src/transport/serial.js';

const MockBinding = SerialPortMock.binding;
type MockPortBinding = Awaited<ReturnType<typeof MockBinding.open>>;

/** The mock binding, with a handle on each port it opens (the OS side of the line). */
function recordingBinding(): { binding: SerialBinding; ports: MockPortBinding[] } {
  const ports: MockPortBinding[] = [];
  const binding = {
    ...MockBinding,
    list: () => MockBinding.list(),
    open: async (options: Parameters<typeof MockBinding.open>[0]) => {
      const port = await MockBinding.open(options);
      ports.push(port);
      return port;
    },
  } as unknown as SerialBinding; // the mock's types are narrower than the union of platform bindings
  return { binding, ports };
}

describe('serial transport on the serialport mock binding', () => {
  afterEach(() => {
    MockBinding.reset();
  });

  it('opens with the line settings, writes bytes and receives data', async () => {
    MockBinding.createPort('/dev/KIOSKMOCK', { echo: false, record: true });
    const { binding, ports } = recordingBinding();
    const transport = new SerialTransport({ path: '/dev/KIOSKMOCK', baudRate: 9600, stopBits: 2, binding });
    const opened = once(transport, 'open');
    await transport.open();
    await opened;
    expect(transport.isOpen).toBe(true);
    expect(transport.description).toBe('serial:/dev/KIOSKMOCK@9600');
    const port = ports[0];
    if (!port) throw new Error('binding did not open a port');
    expect(port.openOptions).toMatchObject({ baudRate: 9600, stopBits: 2, dataBits: 8, parity: 'none' });

    await transport.write(Uint8Array.of(0x7f, 0x80, 0x01, 0x11, 0x65, 0x82));
    expect([...port.recording]).toEqual([0x7f, 0x80, 0x01, 0x11, 0x65, 0x82]);

    const received = once(transport, 'data');
    port.emitData(Buffer.from([0x7f, 0x80, 0x01, 0xf0, 0x23, 0x80]));
    const [chunk] = (await received) as [Uint8Array];
    expect([...chunk]).toEqual([0x7f, 0x80, 0x01, 0xf0, 0x23, 0x80]);

    const closed = once(transport, 'close');
    await transport.close();
    await closed;
    expect(transport.isOpen).toBe(false);
  });

  it('reports a missing device with a typed error', async () => {
    const transport = new SerialTransport({ path: '/dev/NOPE', binding: MockBinding });
    await expect(transport.open()).rejects.toMatchObject({ code: ErrorCode.TransportError });
    await expect(transport.write(Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NotOpen });
  });
});

const socat = hasSocat();
if (!socat) console.warn('skipping pty tests: socat is not installed (apt-get install socat)');

describe.skipIf(!socat)('pty bridge with socat and the real serialport binding', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-pty-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a device on a pty path that a serial port opens; closing kills socat and removes the link', async () => {
    const path = join(dir, 'ttyA');
    const device = new PtyBridgeTransport({ path });
    await device.open();
    expect(existsSync(path)).toBe(true);
    expect(device.pid).toBeGreaterThan(0);
    device.on('data', (chunk) => void device.write(Uint8Array.from(chunk).reverse()));

    const host = new SerialTransport({ path, baudRate: 9600, stopBits: 2, modemLines: { dtr: true } });
    const lineErrors: string[] = [];
    host.on('error', (e) => lineErrors.push(e.code));
    await host.open();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const chunks: number[] = [];
    const done = new Promise<void>((resolve) => {
      host.on('data', (c) => {
        chunks.push(...c);
        if (chunks.length >= 256) resolve();
      });
    });
    await host.write(all);
    await done;
    // every byte value passes unchanged (raw mode: no CR/LF or XON/XOFF mangling)
    expect(chunks.length).toBe(256);
    expect(new Set(chunks).size).toBe(256);
    // ptys refuse modem-line ioctls: reported as an error event, the port keeps working
    await new Promise((r) => setTimeout(r, 50));
    expect(lineErrors).toContain(ErrorCode.TransportError);

    // socat going away looks like a pulled USB cable to the serial side
    const disconnected = once(host, 'disconnected');
    await device.close();
    expect(existsSync(path)).toBe(false);
    const [error] = (await disconnected) as [{ code: string }];
    expect(error.code).toBe(ErrorCode.Disconnected);
    expect(host.isOpen).toBe(false);

    // and the transport reopens once the device is back
    const again = new PtyBridgeTransport({ path });
    await again.open();
    await host.open();
    expect(host.isOpen).toBe(true);
    await host.close();
    await again.close();
  });

  it('refuses a path that already exists and reports a missing socat clearly', async () => {
    const path = join(dir, 'ttyB');
    const first = new PtyBridgeTransport({ path });
    await first.open();
    await expect(new PtyBridgeTransport({ path }).open()).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await first.close();
    await expect(
      new PtyBridgeTransport({ path: join(dir, 'ttyC'), socat: 'socat-not-installed-here' }).open(),
    ).rejects.toMatchObject({ code: ErrorCode.SocatMissing });
  });
});
