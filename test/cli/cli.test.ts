import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { serveUntilAborted } from '../../src/cli/serve.js';
import { listSerialPorts } from '../../src/transport/serial.js';
import { TcpTransport } from '../../src/transport/tcp.js';
import { memoryIo } from '../helpers/cli-io.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('kioskbus CLI', () => {
  it('prints help listing the commands', async () => {
    const io = memoryIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: kioskbus <command>');
    expect(io.out()).toMatch(/ports\s+list serial ports/);
    expect(io.out()).toMatch(/demo\s+run the demo/);
  });

  it('prints help for each command', async () => {
    for (const args of [
      ['ports', '--help'],
      ['help', 'demo'],
      ['demo', '-h'],
    ]) {
      const io = memoryIo();
      expect(await runCli(args, io)).toBe(0);
      expect(io.out()).toMatch(/^kioskbus (ports|demo)/);
    }
  });

  it('prints the version of package.json', async () => {
    const io = memoryIo();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out().trim()).toBe(pkg.version);
  });

  it('rejects unknown commands and options with exit code 2', async () => {
    const io = memoryIo();
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(io.err()).toContain('unknown command "frobnicate"');
    const io2 = memoryIo();
    expect(await runCli(['ports', '--bogus'], io2)).toBe(2);
    expect(io2.err()).toContain('kioskbus ports:');
  });

  it('lists the serial ports of this machine: one JSON line each, or one text line each', async () => {
    const ports = await listSerialPorts();
    const json = memoryIo();
    expect(await runCli(['ports', '--json'], json)).toBe(0);
    expect(json.lines()).toEqual(ports.map((p) => JSON.parse(JSON.stringify(p)) as unknown));
    const text = memoryIo();
    expect(await runCli(['ports'], text)).toBe(0);
    if (ports.length === 0) expect(text.out()).toBe('no serial ports found\n');
    else
      expect(
        text
          .out()
          .trim()
          .split('\n')
          .map((l) => l.split(' ')[0]),
      ).toEqual(ports.map((p) => p.path));
  });

  it('serves a device on TCP until aborted', async () => {
    const io = memoryIo();
    const served = serveUntilAborted(
      { tcp: '127.0.0.1:0' },
      (t) => {
        const onData = (c: Uint8Array): void => void t.write(c);
        t.on('data', onData);
        return () => t.off('data', onData);
      },
      io,
      'echo',
    );
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      await new Promise((r) => setTimeout(r, 5));
      url = /listening on (tcp:\/\/\S+)/.exec(io.out())?.[1];
    }
    if (!url) throw new Error(`server did not start: ${io.out()}`);
    const parsed = new URL(url);
    const client = new TcpTransport({ host: parsed.hostname, port: Number(parsed.port) });
    await client.open();
    const echoed = new Promise<Uint8Array>((resolve) => client.once('data', resolve));
    await client.write(Uint8Array.of(1, 2, 3));
    expect([...(await echoed)]).toEqual([1, 2, 3]);
    await client.close();
    io.abort();
    expect(await served).toBe(0);
  });

  it('insists on exactly one of --tcp and --pty', async () => {
    const io = memoryIo();
    await expect(serveUntilAborted({}, () => () => undefined, io, 'x')).rejects.toThrow(/exactly one/);
    await expect(serveUntilAborted({ tcp: '1', pty: '/tmp/x' }, () => () => undefined, io, 'x')).rejects.toThrow(
      /exactly one/,
    );
  });
});

describe('kioskbus demo', () => {
  it('runs every section against the simulators and exits 0', async () => {
    const io = memoryIo();
    expect(await runCli(['demo'], io)).toBe(0);
    expect(io.out()).toContain('demo finished');
    expect(io.out()).not.toContain('FAILED');
  });
});
