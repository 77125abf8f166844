import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { createTransport } from '../../src/transport/open.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { serveTcp, TcpTransport } from '../../src/transport/tcp.js';
import type { Transport } from '../../src/transport/types.js';

function collect(t: Transport): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  t.on('data', (c) => chunks.push(c));
  return chunks;
}

describe('in-memory pair', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers writes to the other end, in order, as copies', async () => {
    const [a, b] = createMemoryPair();
    const got = collect(b);
    const back = collect(a);
    const bytes = Uint8Array.of(1, 2, 3);
    await a.write(bytes);
    bytes[0] = 99;
    await a.write(Uint8Array.of(4));
    await b.write(Uint8Array.of(5));
    await Promise.resolve();
    expect(got.map((c) => [...c])).toEqual([[1, 2, 3], [4]]);
    expect(back.map((c) => [...c])).toEqual([[5]]);
  });

  it('applies latency on the injected clock', async () => {
    vi.useFakeTimers();
    const [a, b] = createMemoryPair({ latencyMs: 10 });
    const got = collect(b);
    await a.write(Uint8Array.of(7));
    await vi.advanceTimersByTimeAsync(9);
    expect(got).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(got).toHaveLength(1);
  });

  it('refuses writes when closed and reports a pulled cable as disconnected', async () => {
    const [a, b] = createMemoryPair();
    const events: string[] = [];
    a.on('disconnected', (e) => events.push(`disconnected ${e.code}`));
    a.on('close', () => events.push('close'));
    a.disconnect();
    expect(events).toEqual(['disconnected DISCONNECTED', 'close']);
    expect(a.isOpen).toBe(false);
    await expect(a.write(Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NotOpen });
    await a.open();
    expect(a.isOpen).toBe(true);
    const got = collect(b);
    await a.write(Uint8Array.of(2));
    await Promise.resolve();
    expect(got).toHaveLength(1);
    await b.close();
    await a.write(Uint8Array.of(3));
    await Promise.resolve();
    expect(got).toHaveLength(1);
  });
});

describe('TCP', () => {
  it('carries bytes both ways between a client and a served device, one client at a time', async () => {
    const served: Transport[] = [];
    const server = await serveTcp({ port: 0 }, (device) => {
      served.push(device);
      device.on('data', (chunk) => void device.write(Uint8Array.from(chunk, (x) => x ^ 0xff)));
    });
    const client = new TcpTransport({ host: server.host, port: server.port });
    await client.open();
    expect(client.isOpen).toBe(true);
    expect(client.description).toBe(server.url);
    const reply = once(client, 'data');
    await client.write(Uint8Array.of(0x00, 0x7f, 0xff));
    const [chunk] = (await reply) as [Uint8Array];
    expect([...chunk]).toEqual([0xff, 0x80, 0x00]);

    // a second client is refused while the first is connected
    const second = new TcpTransport({ host: server.host, port: server.port });
    await second.open();
    await once(second, 'disconnected');
    expect(served).toHaveLength(1);

    // the server going away is a typed disconnect on the client
    const gone = once(client, 'disconnected');
    await server.close();
    const [error] = (await gone) as [{ code: string }];
    expect(error.code).toBe(ErrorCode.Disconnected);
    await expect(client.write(Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NotOpen });
  });

  it('fails to connect with a typed error', async () => {
    const server = await serveTcp({ port: 0 }, () => undefined);
    const port = server.port;
    await server.close();
    const client = new TcpTransport({ host: '127.0.0.1', port });
    await expect(client.open()).rejects.toMatchObject({ code: ErrorCode.TransportError });
  });
});

describe('createTransport', () => {
  it('builds serial transports from paths and serial:// URLs with protocol defaults', () => {
    const plain = createTransport('/dev/ttyUSB0', { baudRate: 9600, stopBits: 2 });
    if (!(plain instanceof SerialTransport)) throw new Error('expected a serial transport');
    expect(plain.options).toMatchObject({ path: '/dev/ttyUSB0', baudRate: 9600, stopBits: 2 });
    const url = createTransport('serial:///dev/ttyACM1?baudRate=19200&stopBits=1&parity=even&dataBits=7', {
      baudRate: 9600,
      stopBits: 2,
    });
    if (!(url instanceof SerialTransport)) throw new Error('expected a serial transport');
    expect(url.options).toEqual({
      path: '/dev/ttyACM1',
      baudRate: 19200,
      stopBits: 1,
      parity: 'even',
      dataBits: 7,
    });
    expect(createTransport('COM3')).toBeInstanceOf(SerialTransport);
  });

  it('builds TCP transports', () => {
    const t = createTransport('tcp://127.0.0.1:4000');
    expect(t).toBeInstanceOf(TcpTransport);
    expect(t.description).toBe('tcp://127.0.0.1:4000');
  });

  it.each([
    ['', ErrorCode.InvalidArgument],
    ['tcp://host', ErrorCode.UnsupportedUrl],
    ['udp://1.2.3.4:5', ErrorCode.UnsupportedUrl],
    ['serial:///dev/ttyS0?stopbits=2', ErrorCode.InvalidArgument],
    ['serial:///dev/ttyS0?stopBits=3', ErrorCode.InvalidArgument],
    ['serial:///dev/ttyS0?parity=weird', ErrorCode.InvalidArgument],
  ])('rejects %j with %s', (target, code) => {
    expect(() => createTransport(target)).toThrow(expect.objectContaining({ code }) as Error);
  });
});
