/**
 * The older JavaScript eSSP library `encrypted-smiley-secure-protocol@0.0.11` (the seed library: CommonJS, untyped,
 * serialport 9) as the interop test, the compat side-by-side tests and the wire bench drive it: the part of its API
 * they use, loading it, and its key exchange done by hand.
 *
 * Its own Diffie-Hellman fails on OpenSSL 3 (`createDiffieHellman(16)`: "modulus too small"), so the key exchange is
 * done with its own `exec()` and small primes set by hand, the same three commands it sends (research/ecosystem.md §3).
 */
import { createRequire } from 'node:module';
import { modPow } from '../../src/essp/crypto.js';

/** What its methods resolve with. */
export interface OlderResult {
  success: boolean;
  status: string;
  command: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the older library returns untyped objects
  info: any;
}

/** The parts of its `SSP` class the tests and the bench use. */
export interface OlderSsp {
  keys: {
    generatorKey: bigint | null;
    modulusKey: bigint | null;
    hostRandom: bigint | null;
    hostIntKey: bigint | null;
  };
  count: number;
  open(path: string, options?: Record<string, unknown>): Promise<void>;
  close(): void;
  exec(command: string, args?: number[] | Buffer): Promise<OlderResult>;
  command(command: string, args?: unknown): Promise<OlderResult>;
  enable(): Promise<OlderResult>;
  poll(status?: boolean): Promise<unknown>;
  on(event: string, listener: (info: { name?: string; channel?: number }) => void): void;
}

export type OlderSspClass = new (options: Record<string, unknown>) => OlderSsp;

export interface OlderLibrary {
  SSP: OlderSspClass;
  /** Its own u64 little-endian encoder (`src/utils`), as it encodes the key exchange values. */
  int64LE: (n: bigint) => Buffer;
}

const require = createRequire(import.meta.url);
let loaded: OlderLibrary | string | undefined;

/** The library, or why it cannot be loaded (not installed); loaded once. */
export function loadOlderLibrary(): OlderLibrary | string {
  loaded ??= load();
  return loaded;
}

function load(): OlderLibrary | string {
  try {
    const SSP = require('encrypted-smiley-secure-protocol') as OlderSspClass;
    const utils = require('encrypted-smiley-secure-protocol/src/utils') as { int64LE: (n: bigint) => Buffer };
    return { SSP, int64LE: utils.int64LE };
  } catch (error) {
    return `encrypted-smiley-secure-protocol cannot be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The library; throws why it cannot be loaded. */
export function olderLibrary(): OlderLibrary {
  const library = loadOlderLibrary();
  if (typeof library === 'string') throw new Error(library);
  return library;
}

/**
 * Negotiates a key as its `initEncryption()` would, with small primes set by hand: SET_GENERATOR, SET_MODULUS,
 * REQUEST_KEY_EXCHANGE through its own `exec()` (throws if one is not answered OK); from then on it encrypts every
 * command, starting at eCOUNT 0.
 */
export async function olderKeyExchange(ssp: OlderSsp): Promise<void> {
  const { int64LE } = olderLibrary();
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
    if (result.status !== 'OK') throw new Error(`older library ${command}: ${result.status}`);
  }
  ssp.count = 0;
}
