/**
 * Runs the older eSSP library (`encrypted-smiley-secure-protocol@0.0.11`, CommonJS, serialport 9) and
 * `kioskbus/compat/essp` side by side, each against its own kioskbus eSSP simulator of the same device and options
 * over a socat pseudo-terminal, so that both receive the same device answer for the same request. Every request the
 * simulators receive is recorded, so a test can tell "same request, same answer" from a documented difference in
 * what the two libraries send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SSP, { type SspCompatInfo } from '../../src/compat/essp.js';
import { toHex } from '../../src/core/bytes.js';
import { modPow } from '../../src/essp/crypto.js';
import { decodeFrames } from '../../src/essp/frame.js';
import type { SspEvent } from '../../src/essp/events.js';
import type { EventQueue } from '../../src/essp/simulator/event-queue.js';
import { SspSimulator, type SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import { hasSocat, PtyBridgeTransport } from '../../src/transport/pty.js';

const require = createRequire(import.meta.url);

/** The result objects both libraries resolve with. */
export interface AnyResult {
  success: boolean;
  status: string;
  command: string;
  info: SspCompatInfo;
}

interface SeedSsp {
  keys: {
    generatorKey: bigint | null;
    modulusKey: bigint | null;
    hostRandom: bigint | null;
    hostIntKey: bigint | null;
  };
  count: number;
  exec(command: string, args?: Buffer): Promise<AnyResult>;
  open(path: string, options?: Record<string, unknown>): Promise<void>;
  close(): void;
  command(command: string, args?: unknown): Promise<AnyResult>;
}
type SeedSspClass = new (options: Record<string, unknown>) => SeedSsp;

function loadSeed(): SeedSspClass | string {
  try {
    return require('encrypted-smiley-secure-protocol') as SeedSspClass;
  } catch (error) {
    return `encrypted-smiley-secure-protocol cannot be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function int64LE(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(n);
  return b;
}

/**
 * The older library's own key exchange fails on OpenSSL 3 ("modulus too small"): small primes by hand, sent with
 * its own exec(), as research/ecosystem.md §3 describes. Then it encrypts every command like after initEncryption().
 */
async function seedKeyExchange(ssp: SeedSsp): Promise<void> {
  const g = 48271n;
  const p = 65521n;
  const r = 1009n;
  ssp.keys.generatorKey = g;
  ssp.keys.modulusKey = p;
  ssp.keys.hostRandom = r;
  ssp.keys.hostIntKey = modPow(g, r, p);
  for (const [command, value] of [
    ['SET_GENERATOR', g],
    ['SET_MODULUS', p],
    ['REQUEST_KEY_EXCHANGE', ssp.keys.hostIntKey],
  ] as const) {
    const result = await ssp.exec(command, int64LE(value));
    if (!result.success) throw new Error(`older library ${command}: ${result.status}`);
  }
  ssp.count = 0;
}

const seed = loadSeed();
/** Why the side-by-side tests cannot run here (no socat, no older library), or undefined. */
export const seedSkipReason: string | undefined = !hasSocat()
  ? 'socat is not installed'
  : typeof seed === 'string'
    ? seed
    : undefined;

/** One library against one simulator. */
export interface Side {
  sim: SspSimulator;
  /** Hex of the last request (command code and arguments) the simulator received. */
  lastRequest(): string;
  run(command: string, args?: unknown): Promise<AnyResult>;
  /** Queues an event on the simulator; the next POLL reply carries it, encoded by the simulator's tables. */
  queue(event: SspEvent): void;
}

export interface Pair {
  seed: Side;
  compat: Side;
  close(): Promise<void>;
}

interface Started {
  sim: SspSimulator;
  path: string;
  received: Uint8Array[];
  stop(): Promise<void>;
}

async function startSim(options: SspSimulatorOptions): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-parity-'));
  const path = join(dir, 'tty');
  const sim = new SspSimulator({ replyLatencyMs: 5, ...options });
  const pty = new PtyBridgeTransport({ path });
  await pty.open();
  const detach = sim.attach(pty);
  const received: Uint8Array[] = [];
  pty.on('data', (chunk) => received.push(chunk.slice()));
  return {
    sim,
    path,
    received,
    async stop() {
      detach();
      sim.close();
      await pty.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function side({ sim, received }: Started, run: Side['run']): Side {
  // The simulator's own poll event queue: its POLL handler encodes what is queued with the eSSP event table.
  const events = (sim as unknown as { events: EventQueue }).events;
  return {
    sim,
    lastRequest() {
      const { frames } = decodeFrames(Buffer.concat(received));
      const last = frames.at(-1);
      return last ? toHex(last.frame.data, '') : '';
    },
    run,
    queue(event) {
      events.push({ name: event.name as never, event });
    },
  };
}

/**
 * Two simulators of the same device and options; the older library on one, the compat layer on the other. With
 * `encrypted`, both negotiate a key first (payout devices answer KEY_NOT_SET to most commands in plain).
 */
export async function startPair(options: SspSimulatorOptions, encrypted = false): Promise<Pair> {
  if (typeof seed === 'string') throw new Error(seed);
  const a = await startSim(options);
  const b = await startSim(options);
  const old = new seed({ id: a.sim.address, timeout: 2000 });
  await old.open(a.path);
  const compat = new SSP({ id: b.sim.address, timeout: 2000 });
  await compat.open(b.path);
  if (encrypted) {
    await old.command('SYNC');
    await seedKeyExchange(old);
    await compat.command('SYNC');
    const keyed = await compat.initEncryption();
    if (!keyed.success) throw new Error(`compat initEncryption: ${keyed.status}`);
  }
  return {
    seed: side(a, (command, args) => old.command(command, args)),
    compat: side(b, (command, args) => compat.command(command, args as Record<string, unknown> | undefined)),
    async close() {
      old.close();
      await compat.close();
      await a.stop();
      await b.stop();
    },
  };
}

/** Plain data (arrays, objects, strings, numbers) as both libraries' JSON would show it. */
export function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as unknown;
}
