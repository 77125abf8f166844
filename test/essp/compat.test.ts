import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SSP from '../../src/compat/essp.js';
import { SspSimulator } from '../../src/essp/simulator/index.js';
import { serveTcp, type TcpServerHandle } from '../../src/transport/tcp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Setup {
  sim: SspSimulator;
  server: TcpServerHandle;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startSimulator(): Promise<Setup> {
  const sim = new SspSimulator({ device: 'nv9usb', serialNumber: 1873452 });
  const server = await serveTcp({ host: '127.0.0.1', port: 0 }, (transport) => {
    sim.attach(transport);
  });
  cleanups.push(async () => {
    await server.close();
    sim.close();
  });
  return { sim, server };
}

/** The compat layer with `options`, opened on `server` (closed after the test); with `sync`, SYNC and protocol 6 sent. */
async function openCompat(
  server: TcpServerHandle,
  options: ConstructorParameters<typeof SSP>[0],
  sync = true,
): Promise<SSP> {
  const eSSP = new SSP(options);
  cleanups.push(() => eSSP.close());
  await eSSP.open(server.url);
  if (sync) {
    await eSSP.command('SYNC');
    await eSSP.command('HOST_PROTOCOL_VERSION', { version: 6 });
  }
  return eSSP;
}

function waitFor<T>(emitter: SSP, name: string): Promise<T> {
  return new Promise((resolve) =>
    emitter.once(name, (info: T) => {
      resolve(info);
    }),
  );
}

describe('kioskbus/compat/essp against the simulator (in process, over TCP)', () => {
  it('the seed flow, commands with seed shapes and results, events with seed names', async () => {
    const { sim, server } = await startSimulator();
    const eSSP = new SSP({ id: 0, timeout: 3000, fixedKey: '0123456701234567' });
    cleanups.push(() => eSSP.close());
    const opened = waitFor<undefined>(eSSP, 'OPEN');
    await eSSP.open(server.url);
    await opened;

    expect(await eSSP.command('SYNC')).toEqual({ success: true, status: 'OK', command: 'SYNC', info: {} });
    expect((await eSSP.command('HOST_PROTOCOL_VERSION', { version: 6 })).status).toBe('OK');
    expect((await eSSP.initEncryption()).success).toBe(true);
    const serial = await eSSP.command('GET_SERIAL_NUMBER');
    expect(serial).toMatchObject({
      success: true,
      status: 'OK',
      command: 'GET_SERIAL_NUMBER',
      info: { serial_number: 1873452 },
    });
    const setup = await eSSP.command('SETUP_REQUEST');
    expect(setup.info).toMatchObject({ unit_type: 'Banknote validator', protocol_version: 6 });
    expect(Array.isArray((setup.info as Record<string, unknown>).expanded_channel_value)).toBe(true);
    expect((await eSSP.command('SET_CHANNEL_INHIBITS', { channels: [1, 1, 1, 0, 0, 0, 0, 0] })).status).toBe('OK');

    // every command after key exchange was encrypted (encryptAllCommand defaults to true)
    const encrypted: boolean[] = [];
    sim.on('command', (c) => encrypted.push(c.encrypted));

    const enabled = await eSSP.enable();
    expect(enabled.status).toBe('OK');

    const read = waitFor<Record<string, unknown>>(eSSP, 'READ_NOTE');
    const credit = waitFor<Record<string, unknown>>(eSSP, 'CREDIT_NOTE');
    const stacked = waitFor<Record<string, unknown>>(eSSP, 'NOTE_STACKED');
    expect(sim.insertNote(2)).toEqual({ taken: true });
    expect(await read).toMatchObject({ name: 'READ_NOTE', code: 0xef });
    expect(await credit).toMatchObject({ name: 'CREDIT_NOTE', code: 0xee, channel: 2 });
    await stacked;

    const rejected = waitFor<Record<string, unknown>>(eSSP, 'NOTE_REJECTED');
    expect(sim.insertNote(1, { rejectCode: 0x02 })).toEqual({ taken: true });
    expect(await rejected).toMatchObject({ name: 'NOTE_REJECTED' });
    const last = await eSSP.command('LAST_REJECT_CODE');
    expect(last).toMatchObject({ success: true, status: 'OK', info: { code: 2, name: 'AVERAGE_FAIL' } });

    expect(encrypted.length).toBeGreaterThan(0);
    expect(encrypted.every(Boolean)).toBe(true);

    const disabled = waitFor<undefined>(eSSP, 'DISABLED');
    expect((await eSSP.disable()).status).toBe('OK');
    await disabled;
    expect(eSSP.polling).toBe(false);
  }, 20_000);

  it('encryptAllCommand: false really means false; refusals resolve with success false; bad args reject', async () => {
    const { sim, server } = await startSimulator();
    const eSSP = await openCompat(server, { encryptAllCommand: false, timeout: 2000 });
    await eSSP.initEncryption();
    const seen: { name: string; encrypted: boolean }[] = [];
    sim.on('command', (c) => seen.push({ name: c.name, encrypted: c.encrypted }));
    expect((await eSSP.command('GET_SERIAL_NUMBER')).success).toBe(true);
    expect(seen.at(-1)).toMatchObject({ encrypted: false });

    // a payout command on a plain validator: the device does not know it
    const payout = await eSSP.command('PAYOUT_AMOUNT', { amount: 500, country_code: 'EUR', test: false });
    expect(payout.success).toBe(false);
    expect(payout.command).toBe('PAYOUT_AMOUNT');
    expect(seen.at(-1)).toMatchObject({ encrypted: true });

    await expect(eSSP.command('NOT_A_COMMAND')).rejects.toThrow(/unknown eSSP command/);
    await expect(eSSP.command('HOST_PROTOCOL_VERSION', { version: 'six' })).rejects.toThrow(/version/);
  }, 20_000);

  it('after a power cycle (KEY_NOT_SET) the key is dropped, SLAVE_RESET reaches the application, a new key is made', async () => {
    const { sim, server } = await startSimulator();
    const eSSP = await openCompat(server, { id: 0, timeout: 1000 });
    expect((await eSSP.initEncryption()).success).toBe(true);
    expect((await eSSP.command('SETUP_REQUEST')).success).toBe(true);
    expect((await eSSP.enable()).status).toBe('OK');
    const statuses: string[] = [];
    const reset = waitFor<Record<string, unknown>>(eSSP, 'SLAVE_RESET');
    const origCommand = eSSP.command.bind(eSSP);
    eSSP.command = async (name, args) => {
      const r = await origCommand(name, args);
      statuses.push(r.status);
      return r;
    };
    sim.powerCycle({ offMs: 200 });
    expect(await reset).toMatchObject({ name: 'SLAVE_RESET' });
    expect(statuses).toContain('KEY_NOT_SET');
    // the seed application's reaction to SLAVE_RESET: set the device up again, then a note is credited
    await vi.waitFor(() => {
      expect(sim.state.encrypted).toBe(true);
    });
    expect((await eSSP.command('SETUP_REQUEST')).success).toBe(true);
    expect((await eSSP.command('SET_CHANNEL_INHIBITS', { channels: [1, 1, 1, 1] })).status).toBe('OK');
    expect((await eSSP.enable()).status).toBe('OK');
    const credit = waitFor<Record<string, unknown>>(eSSP, 'CREDIT_NOTE');
    expect(sim.insertNote(2)).toEqual({ taken: true });
    expect(await credit).toMatchObject({ name: 'CREDIT_NOTE', channel: 2 });
  }, 20_000);

  it('a listener that throws is reported on error; the poll loop goes on and the credit still comes', async () => {
    const { sim, server } = await startSimulator();
    const eSSP = await openCompat(server, { id: 0, timeout: 1000 });
    await eSSP.command('SETUP_REQUEST');
    await eSSP.command('SET_CHANNEL_INHIBITS', { channels: [1, 1, 1, 1] });
    const errors: unknown[] = [];
    eSSP.on('error', (e: unknown) => errors.push(e));
    eSSP.on('READ_NOTE', () => {
      throw new Error('till offline');
    });
    const credit = waitFor<Record<string, unknown>>(eSSP, 'CREDIT_NOTE');
    expect((await eSSP.enable()).status).toBe('OK');
    expect(sim.insertNote(2)).toEqual({ taken: true });
    expect(await credit).toMatchObject({ name: 'CREDIT_NOTE', channel: 2 });
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(String(errors[0])).toContain('till offline');
  }, 20_000);

  it('no endless resend: a silent device resolves with TIMEOUT after `timeout` ms', async () => {
    // a TCP server that accepts and never answers
    const server = await serveTcp({ host: '127.0.0.1', port: 0 }, () => undefined);
    cleanups.push(() => server.close());
    const eSSP = await openCompat(server, { timeout: 300 }, false);
    const started = Date.now();
    expect(await eSSP.command('GET_SERIAL_NUMBER')).toEqual({
      success: false,
      status: 'TIMEOUT',
      command: 'GET_SERIAL_NUMBER',
      info: {},
    });
    expect(Date.now() - started).toBeLessThan(5000);
  }, 10_000);
});

describe('require("kioskbus/compat/essp") from CommonJS (after the build)', () => {
  it('runs the seed README example unchanged but for the require line and the port', async () => {
    if (!existsSync(`${root}dist/compat/essp-require.cjs`)) {
      // the package's own build (tsc emits even while other areas have type errors)
      spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], {
        cwd: root,
      });
    }
    expect(existsSync(`${root}dist/compat/essp-require.cjs`)).toBe(true);
    const { sim, server } = await startSimulator();
    const polls: boolean[] = [];
    sim.on('command', (c) => {
      if (c.name === 'POLL') polls.push(c.encrypted);
    });
    const child = spawn(process.execPath, [`${root}test/essp/fixtures/compat-readme.cjs`, server.url], { cwd: root });
    cleanups.push(async () => {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += String(c)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no "Device is active" in time; stdout: ${out} stderr: ${err}`));
      }, 15_000);
      child.stdout.on('data', (c) => {
        out += String(c);
        if (out.includes('Device is active')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(out).toContain('open\n');
    expect(out).toContain('SERIAL NUMBER: 1873452\n');
    // the poll loop runs, encrypted like every command after key exchange
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every(Boolean)).toBe(true);
    expect(err).toBe('');
  }, 90_000);
});
