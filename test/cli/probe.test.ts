/**
 * `kioskbus probe` against the real simulators served on TCP (127.0.0.1, port 0), through the real CLI entry.
 * Short timeouts keep every probe well under a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attachSimulators, type CcnetSimulator } from '../../src/ccnet/simulator/base.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { CardReaderSimulator } from '../../src/ccnet/simulator/card.js';
import { CoinSimulator } from '../../src/ccnet/simulator/coin.js';
import { runCli } from '../../src/cli/main.js';
import { probePort, type ProbedDevice } from '../../src/cli/probe.js';
import { crcVariant } from '../../src/controllerbox/frame.js';
import { ControllerBoxSimulator } from '../../src/controllerbox/simulator/simulator.js';
import { SspSimulator, type SspSimulatorOptions } from '../../src/essp/simulator/index.js';
import { hasSocat, PtyBridgeTransport } from '../../src/transport/pty.js';
import { serveTcp, SocketTransport, type TcpServerHandle } from '../../src/transport/tcp.js';
import type { Transport } from '../../src/transport/types.js';
import { memoryIo } from '../helpers/cli-io.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Serves `attach` on a fresh TCP port; every client gets its own simulators. */
async function serve(attach: (transport: Transport) => (() => void) | undefined): Promise<TcpServerHandle> {
  const server = await serveTcp({ host: '127.0.0.1', port: 0 }, (transport) => {
    const detach = attach(transport);
    transport.once('close', () => detach?.());
  });
  cleanups.push(() => server.close());
  return server;
}

function esspServer(...devices: SspSimulatorOptions[]): Promise<TcpServerHandle> {
  return serve((transport) => {
    const sims = devices.map((options) => new SspSimulator({ replyLatencyMs: 0, ...options }));
    const detachers = sims.map((sim) => sim.attach(transport));
    return () => {
      for (const d of detachers) d();
      for (const sim of sims) sim.close();
    };
  });
}

function ccnetServer(make: () => CcnetSimulator[]): Promise<TcpServerHandle> {
  return serve((transport) => attachSimulators(transport, make()));
}

function boxServer(options: ConstructorParameters<typeof ControllerBoxSimulator>[0] = {}): Promise<TcpServerHandle> {
  return serve((transport) => {
    const sim = new ControllerBoxSimulator(options);
    const detach = sim.attach(transport);
    return () => {
      detach();
      sim.close();
    };
  });
}

async function probe(args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  const io = memoryIo();
  const started = performance.now();
  const code = await runCli(['probe', ...args], io);
  return { code, out: io.out(), err: io.err(), ms: performance.now() - started };
}

function jsonLines(text: string): ProbedDevice[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbedDevice);
}

describe('kioskbus probe: eSSP', () => {
  it('finds an NV200 at 0x00 and reads unit type, firmware, channels and serial number in plain text', async () => {
    const server = await esspServer({ device: 'nv200' });
    const { code, out } = await probe([server.url, '--protocol', 'essp', '--timeout', '50']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      'essp 0x00: Validator (unit type 0x00), serial 2722470, firmware 4.30 (NV02004301498000), dataset EUR01610, ' +
        'country EUR, protocol 6, 7 channels: 5 10 20 50 100 200 500 EUR',
    );
  });

  it('finds a validator and a SMART Hopper on one line; the hopper needs encryption', async () => {
    const server = await esspServer({ device: 'nv200' }, { device: 'smart-hopper' });
    const { code, out } = await probe([server.url, '--protocol', 'essp', '--timeout', '50', '--json']);
    expect(code).toBe(0);
    const devices = jsonLines(out);
    expect(devices.map((d) => d.protocol === 'essp' && d.address)).toEqual([0x00, 0x10]);
    expect(devices[0]).toMatchObject({ unitType: 0, serialNumber: 2722470, encryptionRequired: false });
    const hopper = devices[1];
    expect(hopper).toMatchObject({ protocol: 'essp', address: 0x10, encryptionRequired: true, encrypted: false });
    expect(hopper).not.toHaveProperty('unitType');
    expect(hopper).not.toHaveProperty('serialNumber');
  });

  it('says "encryption required" for a payout device in text mode, and reads it with --fixed-key', async () => {
    const server = await esspServer({ device: 'smart-hopper' });
    const plain = await probe([server.url, '--protocol', 'essp', '--timeout', '50']);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('essp 0x10: eSSP device, encryption required');

    const keyed = await probe([server.url, '-p', 'essp', '--timeout', '50', '--fixed-key', '0123456701234567']);
    expect(keyed.code).toBe(0);
    expect(keyed.out).toBe(
      'essp 0x10: SMART Hopper (unit type 0x03), serial 3300123, firmware 6.09 (SH00036091234000), ' +
        'dataset EUR00610, country EUR, protocol 6, 6 channels: 0.05 0.10 0.20 0.50 1 2 EUR, read encrypted\n',
    );
  });

  it('a wrong fixed key is reported as a note, not a crash', async () => {
    const server = await esspServer({ device: 'smart-hopper' });
    const { code, out } = await probe([server.url, '-p', 'essp', '--timeout', '50', '--fixed-key', '1111']);
    expect(code).toBe(0);
    expect(out).toBe(
      'essp 0x10: eSSP device, encryption required (KEY_NOT_SET; --fixed-key reads it) ' +
        '[no reply to encrypted commands after the key exchange (wrong fixed key?)]\n',
    );
  });

  it('asks only the given addresses', async () => {
    const server = await esspServer({ device: 'nv9usb', address: 0x05 });
    const { code, out } = await probe([server.url, '-p', 'essp', '--timeout', '30', '--essp-addresses', '0,5']);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).toMatch(/^essp 0x05: Validator \(unit type 0x00\), serial \d+, firmware/);
  });
});

describe('kioskbus probe: CCNET', () => {
  it('prints the identification of each peripheral', async () => {
    const server = await ccnetServer(() => [
      new BillSimulator(),
      new CoinSimulator(),
      new CardReaderSimulator(),
      new BillSimulator({ kind: 'b2b' }),
    ]);
    const { code, out } = await probe([server.url, '--protocol', 'ccnet', '--timeout', '50']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('ccnet 0x01: b2b, part B2B-300-EU, serial 21KB00012345, asset 75ed8dc8033f7b');
    expect(lines[1]).toMatch(/^ccnet 0x02: coin-changer, model \S+, serial \S+, version \S+, country \S+$/);
    expect(lines[2]).toBe('ccnet 0x03: bill-validator, part SM-EU3245, serial 07KI41AS7482, asset 75ed8dc8033f7b');
    expect(lines[3]).toMatch(/^ccnet 0x04: card-reader, part \S+/);
  });

  it('JSON: the bill validator alone, never RESET or POLL', async () => {
    const bill = new BillSimulator();
    const server = await ccnetServer(() => [bill]);
    const { code, out } = await probe([server.url, '--protocol', 'ccnet', '--timeout', '50', '--json']);
    expect(code).toBe(0);
    expect(jsonLines(out)).toEqual([
      {
        protocol: 'ccnet',
        address: 3,
        deviceClass: 'bill-validator',
        identification: { partNumber: 'SM-EU3245', serialNumber: '07KI41AS7482', assetNumber: '75ed8dc8033f7b' },
        notes: [],
      },
    ]);
    expect([...bill.executed.keys()]).toEqual(['IDENTIFICATION']);
  });
});

describe('kioskbus probe: ControllerBox', () => {
  it('prints the versions and the detected CRC variant (default variant)', async () => {
    const server = await boxServer();
    const { code, out } = await probe([server.url, '--protocol', 'controllerbox', '--timeout', '50']);
    expect(code).toBe(0);
    expect(out).toBe('controllerbox: ControllerBox, firmware 1.4.2, board 2.0.1, CRC arc/data/be (detected)\n');
  });

  it('detects another CRC variant', async () => {
    const server = await boxServer({
      crc: crcVariant({ algorithm: 'xmodem', coverage: 'id+len+data', order: 'le' }),
      firmware: { major: 3, minor: 1, patch: 0 },
    });
    const { code, out } = await probe([server.url, '--protocol', 'controllerbox', '--timeout', '50', '--json']);
    expect(code).toBe(0);
    expect(jsonLines(out)).toEqual([
      { protocol: 'controllerbox', firmware: '3.1.0', board: '2.0.1', crc: 'xmodem/id+len+data/le', notes: [] },
    ]);
  });
});

describe('kioskbus probe: nothing there, bad ports', () => {
  it('an empty server (accepts, never answers): "no device answered" per protocol, quickly, exit 3', async () => {
    const server = await serve(() => undefined);
    const { code, out, ms } = await probe([server.url, '--timeout', '20']);
    expect(code).toBe(3);
    expect(out).toBe(
      'essp: no device answered (addresses 0x00, 0x10, 0x40, 0x41)\n' +
        'ccnet: no device answered (addresses 0x01, 0x02, 0x03, 0x04)\n' +
        'controllerbox: no device answered (REQUEST_VERSION)\n',
    );
    expect(ms).toBeLessThan(5000); // a bound against hanging, not a speed assertion
  });

  it('--json keeps stdout for devices; the empty protocols are noted on stderr', async () => {
    const server = await serve(() => undefined);
    const { code, out, err } = await probe([server.url, '--timeout', '20', '--json', '--protocol', 'ccnet']);
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err).toBe('ccnet: no device answered (addresses 0x01, 0x02, 0x03, 0x04)\n');
  });

  it('all protocols against an eSSP simulator: the device once, the other protocols empty', async () => {
    const server = await esspServer({ device: 'bv20' });
    const { code, out } = await probe([server.url, '--timeout', '30']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^essp 0x00: Validator \(unit type 0x00\), serial \d+/);
    expect(lines.slice(1)).toEqual([
      'ccnet: no device answered (addresses 0x01, 0x02, 0x03, 0x04)',
      'controllerbox: no device answered (REQUEST_VERSION)',
    ]);
  });

  it('a bad URL exits 2; a refused connection and a missing serial port exit 1 with a message', async () => {
    const bad = await probe(['ftp://example.org/x']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/kioskbus probe: unsupported transport "ftp:\/\/example.org\/x"/);

    const server = await serve(() => undefined);
    const port = server.port;
    await server.close();
    const refused = await probe([`tcp://127.0.0.1:${port}`, '--timeout', '20']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(new RegExp(`kioskbus probe: cannot open tcp://127.0.0.1:${port}`));

    const missing = await probe(['/dev/kioskbus-no-such-port', '--timeout', '20']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('kioskbus probe: cannot open /dev/kioskbus-no-such-port');
    expect(missing.err).toBe(
      'kioskbus probe: cannot open /dev/kioskbus-no-such-port: no such port (kioskbus ports lists the ports)\n',
    );
  });

  it('a connection dropped at once is tried once more; a port that keeps dropping it fails with exit 1', async () => {
    // a TCP serial server that refuses the first `drops` connections (as if still busy with the previous one)
    const dropping = async (drops: number): Promise<string> => {
      let seen = 0;
      const sockets = new Set<Socket>();
      const server = createServer((socket) => {
        seen++;
        if (seen <= drops) {
          socket.destroy();
          return;
        }
        sockets.add(socket);
        const transport = new SocketTransport(socket);
        const sim = new ControllerBoxSimulator();
        const detach = sim.attach(transport);
        transport.once('close', () => {
          detach();
          sim.close();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => {
              resolve();
            });
          }),
      );
      const address = server.address();
      return `tcp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    };
    const once = await probe([await dropping(1), '-p', 'controllerbox', '--timeout', '50']);
    expect(once.code).toBe(0);
    expect(once.out).toBe('controllerbox: ControllerBox, firmware 1.4.2, board 2.0.1, CRC arc/data/be (detected)\n');

    const always = await probe([await dropping(Infinity), '-p', 'controllerbox', '--timeout', '50']);
    expect(always.code).toBe(1);
    expect(always.err).toMatch(
      /^kioskbus probe: controllerbox probe of tcp:\/\/127\.0\.0\.1:\d+ failed: .*(closed|not open)/,
    );
  });

  it('bad options exit 2 with the usage', async () => {
    for (const args of [[], ['tcp://127.0.0.1:1', '--timeout', 'soon'], ['x', '--protocol', 'mdb'], ['x', 'y']]) {
      const result = await probe(args);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/^kioskbus probe: .*\nsee 'kioskbus probe --help'\n$/);
    }
    const key = await probe(['x', '--fixed-key', 'not-a-secret-key']);
    expect(key.code).toBe(2);
    expect(key.err).not.toContain('not-a-secret-key');
  });

  it('Ctrl-C (the CLI signal) stops a probe with exit 130', async () => {
    const server = await serve(() => undefined);
    const io = memoryIo();
    const running = runCli(['probe', server.url, '--timeout', '1000'], io);
    setTimeout(() => {
      io.abort();
    }, 30);
    expect(await running).toBe(130);
    expect(io.err()).toBe('');
  });

  it('probePort can be cancelled and leaves nothing open', async () => {
    let connected = 0;
    let left = 0;
    const server = await serve((transport) => {
      connected++;
      transport.once('close', () => left++);
      return undefined;
    });
    const controller = new AbortController();
    const running = probePort(server.url, { timeoutMs: 1000, signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 30);
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    // the probe's connection is closed: the server sees every client it had leave
    for (let i = 0; i < 100 && left < connected; i++) await new Promise((r) => setTimeout(r, 10));
    expect(connected).toBeGreaterThan(0);
    expect(left).toBe(connected);
  });
});

describe.skipIf(!hasSocat())('kioskbus probe on a serial port path (socat pty)', () => {
  it("opens the path with each protocol's settings and finds the eSSP device and the ControllerBox", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kioskbus-probe-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const path = join(dir, 'ttyProbe');
    const pty = new PtyBridgeTransport({ path });
    await pty.open();
    cleanups.push(() => pty.close());
    // an eSSP validator and a ControllerBox behind one pty: each answers only its own protocol's frames
    const validator = new SspSimulator({ device: 'nv9usb', replyLatencyMs: 0 });
    const box = new ControllerBoxSimulator();
    const detach = [validator.attach(pty), box.attach(pty)];
    cleanups.push(() => {
      for (const d of detach) d();
      validator.close();
      box.close();
    });
    const { code, out } = await probe([path, '--timeout', '100', '--essp-addresses', '0']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^essp 0x00: Validator \(unit type 0x00\), serial \d+, firmware /);
    expect(lines[1]).toBe('ccnet: no device answered (addresses 0x01, 0x02, 0x03, 0x04)');
    expect(lines[2]).toBe('controllerbox: ControllerBox, firmware 1.4.2, board 2.0.1, CRC arc/data/be (detected)');
  });
});
