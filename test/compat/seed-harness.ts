/**
 * Runs the older eSSP library (`encrypted-smiley-secure-protocol@0.0.11`, CommonJS, serialport 9) and
 * `kioskbus/compat/essp` side by side, each against its own kioskbus eSSP simulator of the same device and options
 * over a socat pseudo-terminal, so that both receive the same device answer for the same request. Every request the
 * simulators receive is recorded, so a test can tell "same request, same answer" from a documented difference in
 * what the two libraries send.
 */
import SSP, { type SspCompatInfo } from '../../src/compat/essp.js';
import { toHex } from '../../src/core/bytes.js';
import { decodeFrames } from '../../src/essp/frame.js';
import type { SspEvent } from '../../src/essp/events.js';
import type { EventQueue } from '../../src/essp/simulator/event-queue.js';
import type { SspSimulator, SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import { hasSocat } from '../../src/transport/pty.js';
import { startPtySimulator, type PtySimulator } from '../helpers/essp-pty.js';
import { loadOlderLibrary, olderKeyExchange } from '../helpers/older-essp.js';

/** The result objects both libraries resolve with. */
export interface AnyResult {
  success: boolean;
  status: string;
  command: string;
  info: SspCompatInfo;
}

const seed = loadOlderLibrary();
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

function side({ sim, received }: PtySimulator, run: Side['run']): Side {
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
  const a = await startPtySimulator(options);
  const b = await startPtySimulator(options);
  const old = new seed.SSP({ id: a.sim.address, timeout: 2000 });
  await old.open(a.path);
  const compat = new SSP({ id: b.sim.address, timeout: 2000 });
  await compat.open(b.path);
  if (encrypted) {
    await old.command('SYNC');
    await olderKeyExchange(old);
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
