/**
 * Interop: the older JavaScript library `encrypted-smiley-secure-protocol@0.0.11` (the seed library, CJS, serialport 9)
 * drives our simulator over a socat pseudo-terminal, plain and encrypted. Its own Diffie-Hellman fails on OpenSSL 3
 * ("modulus too small"), so the keys are set by hand as research/ecosystem.md §3 describes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hasSocat } from '../../src/transport/pty.js';
import { startPtySimulator, type PtySimulator } from '../helpers/essp-pty.js';
import { loadOlderLibrary, olderKeyExchange, type OlderSsp } from '../helpers/older-essp.js';

const seed = loadOlderLibrary();
const skipReason = !hasSocat() ? 'socat is not installed' : typeof seed === 'string' ? seed : undefined;
if (skipReason) console.log(`skipping the seed-library interop test: ${skipReason}`);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startSimulator(): Promise<PtySimulator> {
  const started = await startPtySimulator(
    { device: 'nv9usb', timing: { readMs: 100, creditMs: 100, stackMs: 200, rejectMs: 200 } },
    'ttyNV9',
  );
  cleanups.push(() => started.stop());
  return started;
}

async function openSeed(path: string): Promise<OlderSsp> {
  if (typeof seed === 'string') throw new Error(seed);
  const ssp = new seed.SSP({ id: 0, timeout: 1000 });
  await ssp.open(path);
  cleanups.push(() => {
    ssp.close();
  });
  return ssp;
}

/** Polls until a CREDIT_NOTE shows up (or `max` polls); returns every event name seen. */
async function pollForCredit(ssp: OlderSsp, max = 20): Promise<{ names: string[]; credits: number[] }> {
  const names: string[] = [];
  const credits: number[] = [];
  for (let i = 0; i < max && credits.length === 0; i++) {
    const result = await ssp.exec('POLL');
    expect(result.success).toBe(true);
    const infos = (Array.isArray(result.info) ? result.info : [result.info]) as { name?: string; channel?: number }[];
    for (const info of infos) {
      if (!info.name) continue;
      names.push(info.name);
      if (info.name === 'CREDIT_NOTE') credits.push(info.channel ?? -1);
    }
  }
  return { names, credits };
}

describe.skipIf(skipReason !== undefined)('seed library encrypted-smiley-secure-protocol drives the simulator', () => {
  it('plain: SYNC (seq 0), SETUP_REQUEST, serial number, inhibits, enable, POLL with a credit', async () => {
    const { path, sim } = await startSimulator();
    const ssp = await openSeed(path);
    expect((await ssp.exec('SYNC')).status).toBe('OK');
    const setup = await ssp.exec('SETUP_REQUEST');
    expect(setup.status).toBe('OK');
    expect(setup.info).toMatchObject({ unit_type: 'Banknote validator', protocol_version: 6 });
    const serial = await ssp.exec('GET_SERIAL_NUMBER');
    expect(serial.info).toMatchObject({ serial_number: 1873452 });
    expect((await ssp.command('SET_CHANNEL_INHIBITS', { channels: [1, 1, 1, 1] })).status).toBe('OK');
    expect((await ssp.exec('ENABLE')).status).toBe('OK');
    expect(sim.insertNote(2).taken).toBe(true);
    const { names, credits } = await pollForCredit(ssp);
    expect(credits).toEqual([2]);
    expect(names).toContain('READ_NOTE');
    expect(names).toContain('NOTE_STACKING');
    expect(sim.stats.syncs).toBe(1);
  });

  it('encrypted: keys set by hand, every command encrypted, eCOUNT adopted from our replies', async () => {
    const { path, sim } = await startSimulator();
    const ssp = await openSeed(path);
    expect((await ssp.exec('SYNC')).status).toBe('OK');
    // its createDiffieHellman(16) throws on OpenSSL 3: small primes by hand, exchanged with its own exec()
    await olderKeyExchange(ssp);
    expect(sim.state.encrypted).toBe(true);
    const serial = await ssp.exec('GET_SERIAL_NUMBER');
    expect(serial.info).toMatchObject({ serial_number: 1873452 });
    expect(sim.state.count).toBe(1);
    expect((await ssp.exec('SETUP_REQUEST')).status).toBe('OK');
    expect((await ssp.command('SET_CHANNEL_INHIBITS', { channels: [1, 1, 1, 1] })).status).toBe('OK');
    expect((await ssp.exec('ENABLE')).status).toBe('OK');
    sim.insertNote(4);
    const { credits } = await pollForCredit(ssp);
    expect(credits).toEqual([4]);
    expect(sim.stats.decryptErrors + sim.stats.countErrors).toBe(0);
    expect(ssp.count).toBe(sim.state.count);
  });
});
