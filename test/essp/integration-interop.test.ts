/**
 * Interop: the older JavaScript library `encrypted-smiley-secure-protocol@0.0.11` (the seed library, CJS, serialport 9)
 * drives our simulator over a socat pseudo-terminal, plain and encrypted. Its own Diffie-Hellman fails on OpenSSL 3
 * ("modulus too small"), so the keys are set by hand as research/ecosystem.md §3 describes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { modPow } from '../../src/essp/crypto.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { hasSocat, PtyBridgeTransport } from '../../src/transport/pty.js';

const require = createRequire(import.meta.url);

/** The parts of the seed library's API this test uses (it ships no types). */
interface SeedResult {
  success: boolean;
  status: string;
  command: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the seed library returns untyped objects
  info: any;
}
interface SeedSsp {
  keys: {
    generatorKey: bigint | null;
    modulusKey: bigint | null;
    hostRandom: bigint | null;
    hostIntKey: bigint | null;
  };
  count: number;
  open(path: string, options?: Record<string, unknown>): Promise<void>;
  close(): void;
  exec(command: string, args?: number[] | Buffer): Promise<SeedResult>;
  command(command: string, args?: unknown): Promise<SeedResult>;
}
type SeedSspClass = new (options: Record<string, unknown>) => SeedSsp;

function loadSeed(): { SSP: SeedSspClass; int64LE: (n: bigint) => Buffer } | string {
  try {
    const SSP = require('encrypted-smiley-secure-protocol') as SeedSspClass;
    const utils = require('encrypted-smiley-secure-protocol/src/utils') as { int64LE: (n: bigint) => Buffer };
    return { SSP, int64LE: utils.int64LE };
  } catch (error) {
    return `encrypted-smiley-secure-protocol cannot be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const seed = loadSeed();
const skipReason = !hasSocat() ? 'socat is not installed' : typeof seed === 'string' ? seed : undefined;
if (skipReason) console.log(`skipping the seed-library interop test: ${skipReason}`);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startPtySimulator(): Promise<{ path: string; sim: SspSimulator }> {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-interop-'));
  const path = join(dir, 'ttyNV9');
  const sim = new SspSimulator({
    device: 'nv9usb',
    replyLatencyMs: 5,
    timing: { readMs: 100, creditMs: 100, stackMs: 200, rejectMs: 200 },
  });
  const pty = new PtyBridgeTransport({ path });
  await pty.open();
  const detach = sim.attach(pty);
  cleanups.push(async () => {
    detach();
    sim.close();
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, sim };
}

async function openSeed(path: string): Promise<SeedSsp> {
  if (typeof seed === 'string') throw new Error(seed);
  const ssp = new seed.SSP({ id: 0, timeout: 1000 });
  await ssp.open(path);
  cleanups.push(() => {
    ssp.close();
  });
  return ssp;
}

/** Polls until a CREDIT_NOTE shows up (or `max` polls); returns every event name seen. */
async function pollForCredit(ssp: SeedSsp, max = 20): Promise<{ names: string[]; credits: number[] }> {
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
    const { path, sim } = await startPtySimulator();
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
    if (typeof seed === 'string') throw new Error(seed);
    const { path, sim } = await startPtySimulator();
    const ssp = await openSeed(path);
    expect((await ssp.exec('SYNC')).status).toBe('OK');
    // its createDiffieHellman(16) throws on OpenSSL 3: small primes by hand, exchanged with its own exec()
    const g = 48271n;
    const p = 65521n;
    const r = 1009n;
    ssp.keys.generatorKey = g;
    ssp.keys.modulusKey = p;
    ssp.keys.hostRandom = r;
    ssp.keys.hostIntKey = modPow(g, r, p);
    expect((await ssp.exec('SET_GENERATOR', seed.int64LE(g))).status).toBe('OK');
    expect((await ssp.exec('SET_MODULUS', seed.int64LE(p))).status).toBe('OK');
    expect((await ssp.exec('REQUEST_KEY_EXCHANGE', seed.int64LE(ssp.keys.hostIntKey))).status).toBe('OK');
    ssp.count = 0;
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
