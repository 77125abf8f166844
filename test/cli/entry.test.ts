/**
 * The `kioskbus` command as a technician runs it: a spawned process (real argv, exit codes and signals) against
 * simulators served by the CLI itself on TCP and on a pty, and against ports where nothing answers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { runToEnd, spawnPerTest, type Spawned } from './spawn.js';

const start = spawnPerTest();

/** A TCP port that accepts connections and never answers; counts the connections still open. */
async function silentServer(): Promise<{ url: string; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.resume(); // read (and drop) what comes, so that the client's end is seen
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `tcp://127.0.0.1:${String(address.port)}`,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Starts `kioskbus simulate ...` on a free TCP port and returns its URL. */
async function simulator(args: readonly string[]): Promise<{ sim: Spawned; url: string }> {
  const sim = start(['simulate', ...args, '--tcp', '127.0.0.1:0']);
  const match = await sim.waitFor(/listening on (tcp:\/\/\S+)/);
  return { sim, url: match[1] ?? '' };
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the kioskbus command: errors and exit codes', { timeout: 120_000 }, () => {
  it('usage errors: one line and where the help is, exit 2; help lists the exit codes', async () => {
    const bad = await runToEnd(['watch', 'essp', 'tcp://127.0.0.1:1', '--address', '999']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      'kioskbus watch essp: --address must be 0..125 (or 0x00..0x7D), got "999"\nsee \'kioskbus watch essp --help\'\n',
    );
    const noProtocol = await runToEnd(['simulate']);
    expect(noProtocol.code).toBe(2);
    expect(noProtocol.err.split('\n')[0]).toBe(
      'kioskbus simulate: expected a protocol (essp, ccnet, controllerbox), got ""',
    );
    const help = await runToEnd(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/130 {2}interrupted/);
    expect(help.out).toMatch(/3 {4}nothing answered/);
  });

  it('invalid hex is exit 2 in every decode; piped output is JSON lines with a type', async () => {
    for (const protocol of ['essp', 'ccnet', 'controllerbox']) {
      const bad = await runToEnd(['decode', protocol, 'zz']);
      expect(bad.code, protocol).toBe(2);
      expect(bad.err, protocol).toMatch(new RegExp(`^kioskbus decode ${protocol}: the capture is not hex`));
      expect(bad.out, protocol).toBe('');
    }
    const essp = await runToEnd(['decode', 'essp', '7F8001071202', '0102']);
    expect(essp.code).toBe(0);
    const records = essp.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type?: string });
    expect(records.map((r) => r.type)).toEqual(['frame', 'garbage']);
  });

  it('serial errors in words', async () => {
    const missing = await runToEnd(['watch', 'essp', '/dev/kioskbus-no-such-port']);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(
      'kioskbus watch essp: cannot open /dev/kioskbus-no-such-port: no such port (kioskbus ports lists the ports)\n',
    );
    const notSerial = await runToEnd(['watch', 'ccnet', '/dev/null']);
    expect(notSerial.code).toBe(1);
    expect(notSerial.err).toBe('kioskbus watch ccnet: cannot open /dev/null: it is not a serial port\n');
  });

  it('a silent port: what was tried and the usual causes, exit 3, the connection closed', async () => {
    const server = await silentServer();
    try {
      const result = await runToEnd(['watch', 'essp', server.url]);
      expect(result.code).toBe(3);
      expect(result.err).toMatch(
        /^kioskbus watch essp: no answer from eSSP on tcp:\/\/\S+: tried SYNC to address 0x00/,
      );
      expect(result.err).toMatch(/Usual causes: the unit is in another protocol mode/);
      await until(() => server.open() === 0);
    } finally {
      await server.close();
    }
  });

  it('Ctrl-C ends a start-up against a silent port with 130 and closes the port', async () => {
    const server = await silentServer();
    try {
      for (const args of [
        ['watch', 'ccnet', server.url],
        ['watch', 'controllerbox', server.url],
      ]) {
        const p = start(args);
        await until(() => server.open() > 0);
        p.child.kill('SIGINT');
        expect(await p.exited, args.join(' ')).toBe(130);
        await until(() => server.open() === 0);
      }
    } finally {
      await server.close();
    }
  });
});

describe('the kioskbus command against its simulators', { timeout: 120_000 }, () => {
  it('watch essp runs a SMART Hopper as a payout device: levels, payout from stdin, Ctrl-C', async () => {
    const { url } = await simulator(['essp', '--device', 'smart-hopper', '--levels', '100x20,200x10', '--quiet']);
    const watch = start(['watch', 'essp', url]);
    await watch.waitFor(/"event":"levels"/);
    const ready = watch.lines().find((l) => l.event === 'ready');
    expect(ready).toMatchObject({ device: 'smart-hopper@16', address: 16, unitTypeName: 'SMART Hopper' });
    watch.send('payout 3.00 EUR');
    await watch.waitFor(/"event":"dispensed"/);
    expect(watch.out()).toContain('paying out 3.00 EUR');
    expect(watch.lines().find((l) => l.event === 'dispensed')).toMatchObject({ value: 300, currency: 'EUR' });
    watch.send('levels');
    await watch.waitFor(/levels: .*1\.00 EUR x /);
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(130);
  });

  it('watch essp reports a lost simulator once, then online when it is back; --once exits 1', async () => {
    // one simulator per watch: a one-client simulator would refuse the second watch
    const first = await simulator(['essp', '--quiet']);
    const port = /:(\d+)$/.exec(first.url)?.[1] ?? '';
    const other = await simulator(['essp', '--quiet']);
    const watch = start(['watch', 'essp', first.url]);
    const once = start(['watch', 'essp', other.url, '--once']);
    await watch.waitFor(/"event":"ready"/);
    await once.waitFor(/"event":"ready"/);
    first.sim.child.kill('SIGINT');
    other.sim.child.kill('SIGINT');
    expect(await first.sim.exited).toBe(130);
    await watch.waitFor(/"event":"offline"/);
    const again = start(['simulate', 'essp', '--quiet', '--tcp', `127.0.0.1:${port}`]);
    await again.waitFor(/listening/);
    await watch.waitFor(/"event":"online"/, 40_000);
    expect(watch.lines().filter((l) => l.event === 'offline')).toHaveLength(1);
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(130);
    // --once: the lost device ends the watch with exit 1, never 0
    expect(await once.exited).toBe(1);
  });

  it('a second client of a one-client simulator is told, and the simulator logs it', async () => {
    const { sim, url } = await simulator(['ccnet', '--device', 'coin-changer']);
    const [host, port] = url.replace('tcp://', '').split(':');
    const first = net.connect(Number(port), host);
    await new Promise<void>((resolve) =>
      first.once('connect', () => {
        resolve();
      }),
    );
    await sim.waitFor(/client connected/);
    const second = net.connect(Number(port), host);
    let told = '';
    second.on('data', (c: Buffer) => (told += c.toString()));
    await new Promise<void>((resolve) =>
      second.once('close', () => {
        resolve();
      }),
    );
    expect(told).toMatch(/busy: one client at a time/);
    await sim.waitFor(/refused a second client/);
    first.destroy();
  });

  it('simulate ccnet logs the commands it receives and answers help and state; --quiet stops the log', async () => {
    const { sim, url } = await simulator(['ccnet']);
    const probe = await runToEnd(['probe', url, '-p', 'ccnet', '--json']);
    expect(probe.code).toBe(0);
    await sim.waitFor(/\[CCNET bill-validator\] IDENTIFICATION/);
    sim.send('state');
    await sim.waitFor(/address 3; powered; state \w+/);
    sim.send('help');
    await sim.waitFor(/any device: {3}state/);
    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(130);
    const quiet = await simulator(['ccnet', '--quiet']);
    expect((await runToEnd(['probe', quiet.url, '-p', 'ccnet'])).code).toBe(0);
    expect(quiet.sim.err()).not.toMatch(/\[CCNET/);
  });

  it('watch controllerbox --once exits 1 when the box goes away (never silently 0)', async () => {
    const { sim, url } = await simulator(['controllerbox', '--quiet']);
    const watch = start(['watch', 'controllerbox', url, '--once']);
    await watch.waitFor(/"event":"version"/);
    sim.child.kill('SIGINT');
    expect(await watch.exited).toBe(1);
    expect(watch.err()).toMatch(/kioskbus watch controllerbox: .*(lost|closed|connect)/);
  });

  it.skipIf(!existsSync('/usr/bin/socat'))(
    'watch essp over a pty served by simulate essp (nv200 by default)',
    async () => {
      const path = `/tmp/kioskbus-entry-${String(process.pid)}`;
      const sim = start(['simulate', 'essp', '--pty', path, '--quiet']);
      await sim.waitFor(/nv200|NV200/);
      await sim.waitFor(/on pty/);
      const watch = start(['watch', 'essp', path, '--json']);
      await watch.waitFor(/"event":"ready"/);
      expect(watch.lines().find((l) => l.event === 'ready')).toMatchObject({ device: 'nv200@0', currency: 'EUR' });
      sim.send('insert 1');
      await watch.waitFor(/"event":"credit"/);
      watch.child.kill('SIGINT');
      expect(await watch.exited).toBe(130);
      sim.child.kill('SIGINT');
      expect(await sim.exited).toBe(130);
    },
  );
});

describe('the kioskbus command on a terminal', { timeout: 120_000 }, () => {
  it.skipIf(!existsSync('/usr/bin/script'))('decode prints readable lines on a TTY', () => {
    const text = execFileSync(
      '/usr/bin/script',
      ['-qec', `${process.execPath} --import tsx src/cli/main.ts decode essp 7F8001071202`, '/dev/null'],
      { cwd: new URL('../../', import.meta.url), encoding: 'utf8' },
    );
    expect(text).toMatch(/^frame frame=1 address=0 seq=1 crc=ok direction=host/m);
    expect(text).not.toContain('{"');
  });

  it('simulate --faults: a bad spec is a usage error; a good one serves a simulator a probe still finds', async () => {
    const bad = await runToEnd(['simulate', 'essp', '--faults', 'bogus=1', '--tcp', '127.0.0.1:0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^kioskbus simulate essp: fault spec "bogus=1": unknown fault/);
    const { url } = await simulator(['ccnet', '--quiet', '--faults', 'delay=0-5ms,seed=3']);
    expect((await runToEnd(['probe', url, '-p', 'ccnet'])).code).toBe(0);
  });

  it('help topics and shell completion', async () => {
    const essp = await runToEnd(['help', 'essp']);
    expect(essp.code).toBe(0);
    expect(essp.out).toMatch(/8N2/);
    expect(essp.out).toMatch(/0x10 SMART Hopper/);
    const unknown = await runToEnd(['help', 'mdb']);
    expect(unknown.code).toBe(2);
    const bash = await runToEnd(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.out).toContain('complete -F _kioskbus kioskbus');
    expect(bash.out).toMatch(/watch\) opts="[^"]*--once/);
    execFileSync('bash', ['-n'], { input: bash.out });
  });
});
