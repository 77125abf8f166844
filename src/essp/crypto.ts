/**
 * eSSP encryption: Diffie-Hellman key negotiation with host-chosen primes, the 128-bit AES key, and the encrypted
 * packet `STEX(0x7E) | AES-128-ECB(eLEN | eCOUNT u32 LE | eDATA | packing | eCRC LE)`.
 *
 * DH is done with BigInt arithmetic: node's `crypto.createDiffieHellman` refuses the small primes the devices use
 * ("modulus too small" on OpenSSL 3). Key material never goes into an error message or a log line.
 */
import { randomBytes } from 'node:crypto';
import { u64le } from '../core/bytes.js';
import { CRC16_SSP } from '../core/crc.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { Aes128 } from './aes.js';

/** First DATA byte of an encrypted packet. */
export const SSP_STEX = 0x7e;
/** The standard fixed (first) half of the key: bytes `67 45 23 01 67 45 23 01` in the AES key. */
export const DEFAULT_FIXED_KEY = 0x0123456701234567n;
/** Largest eDATA: the outer LEN (1 + 16k) must fit in 255, so 15 blocks = 240 bytes minus 7 bytes of overhead. */
export const SSP_MAX_ENCRYPTED_DATA = 233;
/** The vendor SDK keeps primes and the host random below 2^31 (`MAX_PRIME_NUMBER`). */
export const SSP_DH_BITS = 31;

const U64_MAX = (1n << 64n) - 1n;

export type RandomBytes = (n: number) => Uint8Array;

/** Crypto-random bytes served from a pool refilled 4 KiB at a time (one syscall per ~300 packets, not per packet). */
const pool = new Uint8Array(4096);
let poolPos = pool.length;
const defaultRandom: RandomBytes = (n) => {
  if (n > pool.length) return new Uint8Array(randomBytes(n));
  if (poolPos + n > pool.length) {
    pool.set(randomBytes(pool.length));
    poolPos = 0;
  }
  const out = pool.slice(poolPos, poolPos + n);
  poolPos += n;
  return out;
};

/**
 * Parses a fixed key: a bigint, or the hex text of the 64-bit value as written (`'0123456701234567'`, the form the
 * older JavaScript library takes; `0x` prefix allowed). The value goes into the AES key little-endian.
 */
export function parseFixedKey(key: string | bigint): bigint {
  if (typeof key === 'bigint') {
    if (key < 0n || key > U64_MAX) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'fixed key must be a 64-bit unsigned value');
    }
    return key;
  }
  const text = key.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,16}$/i.test(text)) {
    // The text is a secret: say what is wrong without repeating it.
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `fixed key must be 1 to 16 hex digits (got ${key.length} characters, not shown)`,
    );
  }
  return BigInt(`0x${text}`);
}

/** The 16-byte AES key: the fixed key as u64 LE, then the negotiated key as u64 LE. */
export function buildAesKey(fixedKey: bigint, negotiated: bigint): Uint8Array {
  const key = new Uint8Array(16);
  key.set(u64le(fixedKey), 0);
  key.set(u64le(negotiated), 8);
  return key;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 16) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP AES key must be 16 bytes, got ${key.length}`);
  }
}

interface CipherEntry {
  /** The key bytes the cipher was expanded from (to notice a caller changing the array in place). */
  bytes: Uint8Array;
  aes: Aes128;
}

/**
 * Expanded keys per key object: expanding costs more than a packet. ECB keeps no state between blocks, so one
 * expanded key serves every packet. Keyed by the array object (weakly), never by its value.
 */
const ciphers = new WeakMap<Uint8Array, CipherEntry>();

function cipherFor(key: Uint8Array): Aes128 {
  checkKey(key);
  let entry = ciphers.get(key);
  if (!entry || !sameBytes(entry.bytes, key)) {
    entry = { bytes: key.slice(), aes: new Aes128(key) };
    ciphers.set(key, entry);
  }
  return entry.aes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Encrypts `data` (command code + args, or a reply) with packet counter `count`. Packing bytes come from `random`
 * (crypto random by default) so that the packet is a whole number of AES blocks.
 * Returns the DATA of the outer frame: `0x7E` followed by the cipher text.
 */
export function encryptPacket(
  key: Uint8Array,
  count: number,
  data: Uint8Array,
  random: RandomBytes = defaultRandom,
): Uint8Array {
  const aes = cipherFor(key);
  if (data.length > SSP_MAX_ENCRYPTED_DATA) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `eSSP encrypted data must be at most ${SSP_MAX_ENCRYPTED_DATA} bytes, got ${data.length}`,
    );
  }
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP packet counter out of range: ${count}`);
  }
  const total = Math.ceil((7 + data.length) / 16) * 16;
  // Built in place behind the STEX byte, then encrypted in place: the returned array is the only allocation.
  const out = new Uint8Array(1 + total);
  out[0] = SSP_STEX;
  out[1] = data.length;
  out[2] = count & 0xff;
  out[3] = (count >>> 8) & 0xff;
  out[4] = (count >>> 16) & 0xff;
  out[5] = count >>> 24;
  out.set(data, 6);
  const packing = total - 7 - data.length;
  if (packing > 0) {
    const pad = random(packing);
    if (pad.length !== packing) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `random() returned ${pad.length} bytes, ${packing} wanted`);
    }
    out.set(pad, 6 + data.length);
  }
  const crc = CRC16_SSP.compute(out, 1, total - 1);
  out[total - 1] = crc & 0xff;
  out[total] = crc >>> 8;
  aes.encrypt(out, 1, out, 1, total);
  return out;
}

/** The plain content of an encrypted packet (what {@link decryptPacket} returns). */
export interface DecryptedPacket {
  /** eCOUNT. */
  count: number;
  /** eDATA (command code + args, or generic reply code + payload). */
  data: Uint8Array;
}

/**
 * Decrypts the DATA of an encrypted frame (starting with 0x7E). Throws `DECRYPT_FAILED` on a bad length, a bad eLEN
 * or an inner CRC mismatch (which is also what a wrong key looks like). The caller checks eCOUNT.
 */
export function decryptPacket(key: Uint8Array, packet: Uint8Array): DecryptedPacket {
  const aes = cipherFor(key);
  if (packet[0] !== SSP_STEX || packet.length < 17 || (packet.length - 1) % 16 !== 0) {
    throw new KioskbusError(
      ErrorCode.DecryptFailed,
      `not an encrypted eSSP packet: need 0x7E and a multiple of 16 bytes, got ${packet.length} bytes`,
      { raw: packet },
    );
  }
  const total = packet.length - 1;
  const plain = new Uint8Array(total);
  aes.decrypt(packet, 1, plain, 0, total);
  const crc = CRC16_SSP.compute(plain, 0, total - 2);
  if ((crc & 0xff) !== plain[total - 2] || crc >>> 8 !== plain[total - 1]) {
    // Only the cipher text goes into the error: never the key or the failed plain text.
    throw new KioskbusError(
      ErrorCode.DecryptFailed,
      'eSSP encrypted packet failed its inner CRC (wrong key or corrupted packet)',
      { raw: packet },
    );
  }
  const eLen = plain[0] ?? 0;
  if (7 + eLen > total) {
    throw new KioskbusError(ErrorCode.DecryptFailed, `eSSP encrypted packet eLEN ${eLen} exceeds the packet`, {
      raw: packet,
    });
  }
  const count = ((plain[1] ?? 0) | ((plain[2] ?? 0) << 8) | ((plain[3] ?? 0) << 16) | ((plain[4] ?? 0) << 24)) >>> 0;
  return { count, data: plain.subarray(5, 5 + eLen) };
}

// ---------------------------------------------------------------------------------------------------------------
// Diffie-Hellman

/** `base ** exponent mod modulus` by square and multiply. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 0n) throw new KioskbusError(ErrorCode.InvalidArgument, 'modPow: modulus must be positive');
  if (exponent < 0n) throw new KioskbusError(ErrorCode.InvalidArgument, 'modPow: exponent must not be negative');
  if (modulus === 1n) return 0n;
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    e >>= 1n;
    b = (b * b) % modulus;
  }
  return result;
}

/** Witnesses that make Miller-Rabin exact below 3.3e24 (all 64-bit values). */
const MR_BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];

/** Miller-Rabin with fixed bases: exact for every 64-bit value, probabilistic beyond. */
export function isProbablePrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const p of MR_BASES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of MR_BASES) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

function randomBigInt(bits: number, random: RandomBytes): bigint {
  const bytes = random(Math.ceil(bits / 8));
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v & ((1n << BigInt(bits)) - 1n);
}

/** A random prime with exactly `bits` bits (top bit set), below 2^31 by default as the vendor SDK does. */
export function randomPrime(bits = SSP_DH_BITS, random: RandomBytes = defaultRandom): bigint {
  if (!Number.isInteger(bits) || bits < 8 || bits > 64) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `randomPrime: bits must be 8..64, got ${bits}`);
  }
  const top = 1n << BigInt(bits - 1);
  const limit = 1n << BigInt(bits);
  for (;;) {
    let candidate = randomBigInt(bits, random) | top | 1n;
    while (candidate < limit) {
      if (isProbablePrime(candidate)) return candidate;
      candidate += 2n;
    }
  }
}

/**
 * The host's half of the key exchange. Send `generator` (SET_GENERATOR 0x4A), `modulus` (SET_MODULUS 0x4B) and
 * `hostInterKey` (REQUEST_KEY_EXCHANGE 0x4C), each as u64 LE; the device answers with its intermediate key, from
 * which `computeKey` derives the negotiated (second) half of the AES key.
 *
 * The generator is chosen larger than the modulus, as G973 §4.2.1 asks (the vendor C SDK's comment says the same
 * but its swap does the opposite; devices accept both). A generator congruent to 0 or 1 mod the modulus would give a
 * constant key, so such pairs are never produced.
 */
export class HostKeyExchange {
  /** Host intermediate key `generator ** hostRandom mod modulus`. */
  readonly hostInterKey: bigint;

  constructor(
    readonly generator: bigint,
    readonly modulus: bigint,
    readonly hostRandom: bigint,
  ) {
    if (!isProbablePrime(generator) || !isProbablePrime(modulus)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'key exchange: generator and modulus must be prime');
    }
    if (generator % modulus <= 1n) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'key exchange: generator mod modulus must be at least 2');
    }
    if (hostRandom < 1n || hostRandom > U64_MAX) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'key exchange: host random out of range');
    }
    this.hostInterKey = modPow(generator, hostRandom, modulus);
  }

  /** Fresh primes below 2^31 (generator > modulus) and a fresh host random. */
  static create(random: RandomBytes = defaultRandom, bits = SSP_DH_BITS): HostKeyExchange {
    for (;;) {
      let g = randomPrime(bits, random);
      let m = randomPrime(bits, random);
      if (g === m) continue;
      if (g < m) [g, m] = [m, g];
      if (g % m <= 1n) continue;
      const r = randomBigInt(bits, random);
      if (r < 2n) continue;
      return new HostKeyExchange(g, m, r);
    }
  }

  /** The negotiated key from the device's intermediate key. Throws KEY_EXCHANGE_FAILED on a degenerate value. */
  computeKey(slaveInterKey: bigint): bigint {
    if (slaveInterKey < 0n || slaveInterKey > U64_MAX || slaveInterKey % this.modulus <= 1n) {
      throw new KioskbusError(ErrorCode.KeyExchangeFailed, 'device sent a degenerate intermediate key');
    }
    return modPow(slaveInterKey, this.hostRandom, this.modulus);
  }
}

/** The device's half (for simulators): returns the slave intermediate key to send back and the negotiated key. */
export function slaveKeyExchange(
  generator: bigint,
  modulus: bigint,
  hostInterKey: bigint,
  slaveRandom?: bigint,
): { slaveInterKey: bigint; key: bigint } {
  if (modulus < 3n) throw new KioskbusError(ErrorCode.InvalidArgument, 'key exchange: modulus too small');
  let r = slaveRandom;
  while (r === undefined || r < 2n) r = randomBigInt(SSP_DH_BITS, defaultRandom);
  return { slaveInterKey: modPow(generator, r, modulus), key: modPow(hostInterKey, r, modulus) };
}
