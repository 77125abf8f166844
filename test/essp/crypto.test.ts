import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseHex, toHex } from '../../src/core/bytes.js';
import { CRC16_SSP } from '../../src/core/crc.js';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import {
  buildAesKey,
  decryptPacket,
  DEFAULT_FIXED_KEY,
  encryptPacket,
  HostKeyExchange,
  isProbablePrime,
  modPow,
  parseFixedKey,
  randomPrime,
  slaveKeyExchange,
  SSP_MAX_ENCRYPTED_DATA,
} from '../../src/essp/crypto.js';
import { decodeFrames, encodeFrame } from '../../src/essp/frame.js';
import { prngBytes as seededRandom } from '../helpers/prng.js';

const zeros = (n: number): Uint8Array => new Uint8Array(n);

describe('eSSP AES key', () => {
  it('puts the default fixed key first, little-endian', () => {
    expect(toHex(buildAesKey(DEFAULT_FIXED_KEY, 0x0de5fa5en), '')).toBe('67452301674523015efae50d00000000');
  });

  it("accepts the older library's string form of the fixed key", () => {
    expect(parseFixedKey('0123456701234567')).toBe(DEFAULT_FIXED_KEY);
    expect(parseFixedKey('0x0123456701234567')).toBe(DEFAULT_FIXED_KEY);
    expect(parseFixedKey(5n)).toBe(5n);
  });

  it('rejects a malformed fixed key without echoing it', () => {
    const secret = '0123456789abcdefXY';
    try {
      parseFixedKey(secret);
      expect.unreachable();
    } catch (error) {
      expect(isKioskbusError(error, ErrorCode.InvalidArgument)).toBe(true);
      expect(String(error)).not.toContain('0123456789abcdef');
    }
    expect(() => parseFixedKey(-1n)).toThrow(/64-bit/);
    expect(() => parseFixedKey(1n << 64n)).toThrow(/64-bit/);
  });
});

describe('eSSP encrypted packets', () => {
  it('reproduces the ssp-rs known-key vector byte for byte', () => {
    // HOST_PROTOCOL_VERSION 6, count 0, zero packing, key 67452301674523015EFAE50D00000000
    const key = parseHex('67452301674523015EFAE50D00000000');
    const packet = encryptPacket(key, 0, Uint8Array.of(0x06, 0x06), zeros);
    const frame = encodeFrame({ address: 0, seq: 1, data: packet });
    expect(toHex(frame)).toBe(toHex(parseHex('7F 80 11 7E 86 01 F3 A7 85 EC 6F 4B 3D 0F F0 FE D4 8D 16 64 2A 23')));
    const plain = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(packet.subarray(1));
    expect(toHex(plain)).toBe(toHex(parseHex('02 00000000 06 06 00 00 00 00 00 00 00 D5 22')));
  });

  it('decrypts the real device capture (serial number reply, eCOUNT 1)', () => {
    const key = parseHex('67452301674523019565000000000000');
    const { frames } = decodeFrames(parseHex('7F 00 11 7E 70 2F FE 1D 41 19 44 AD DA D1 DF D6 77 F5 33 CC 63 1D'));
    const data = frames[0]?.frame.data;
    if (!data) throw new Error('frame not decoded');
    const packet = decryptPacket(key, data);
    expect(packet.count).toBe(1);
    expect(toHex(packet.data)).toBe('f0 00 4a 78 b4');
  });

  it('round-trips every length up to the maximum, with random packing', () => {
    const key = buildAesKey(DEFAULT_FIXED_KEY, 123456789n);
    for (let len = 0; len <= SSP_MAX_ENCRYPTED_DATA; len++) {
      const data = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len) & 0xff);
      const packet = encryptPacket(key, len * 1000, data);
      expect((packet.length - 1) % 16).toBe(0);
      expect(packet.length).toBe(1 + Math.ceil((7 + len) / 16) * 16);
      expect(packet.length).toBeLessThanOrEqual(255);
      const back = decryptPacket(key, packet);
      expect(back.count).toBe(len * 1000);
      expect(toHex(back.data)).toBe(toHex(data));
    }
    expect(() => encryptPacket(key, 0, zeros(SSP_MAX_ENCRYPTED_DATA + 1))).toThrow(/at most 233/);
  });

  it('writes the inner CRC low byte first over eLEN..packing', () => {
    const key = buildAesKey(DEFAULT_FIXED_KEY, 42n);
    const packet = encryptPacket(key, 7, Uint8Array.of(0x07), zeros);
    const plain = new Uint8Array(
      createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(packet.subarray(1)),
    );
    const crc = CRC16_SSP.compute(plain, 0, 14);
    expect(plain[14]).toBe(crc & 0xff);
    expect(plain[15]).toBe(crc >>> 8);
    expect(toHex(plain.subarray(0, 6))).toBe('01 07 00 00 00 07');
  });

  it('a wrong key fails with DECRYPT_FAILED and the error never shows key material', () => {
    const key = buildAesKey(DEFAULT_FIXED_KEY, 0x1234567n);
    const wrong = buildAesKey(DEFAULT_FIXED_KEY, 0x7654321n);
    const packet = encryptPacket(key, 3, Uint8Array.of(0xf0, 0xee, 0x01));
    try {
      decryptPacket(wrong, packet);
      expect.unreachable();
    } catch (error) {
      expect(isKioskbusError(error, ErrorCode.DecryptFailed)).toBe(true);
      const text = `${String(error)} ${JSON.stringify((error as Error).message)} ${toHex((error as { context: { raw: Uint8Array } }).context.raw)}`;
      for (const k of [key, wrong]) {
        expect(text).not.toContain(toHex(k));
        expect(text).not.toContain(toHex(k, ''));
        expect(text).not.toContain(toHex(k.subarray(8), ''));
        expect(text).not.toContain(toHex(k.subarray(8)));
      }
    }
  });

  it('rejects a packet that is not 0x7E plus whole blocks', () => {
    const key = buildAesKey(DEFAULT_FIXED_KEY, 1n);
    expect(() => decryptPacket(key, Uint8Array.of(0x7e, 1, 2))).toThrow(/DECRYPT_FAILED/);
    expect(() => decryptPacket(key, new Uint8Array(17))).toThrow(/DECRYPT_FAILED/);
    const good = encryptPacket(key, 0, Uint8Array.of(1));
    const flipped = good.slice();
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    expect(() => decryptPacket(key, flipped)).toThrow(/inner CRC/);
  });

  it('notices a key array changed in place (cipher cache)', () => {
    const key = buildAesKey(DEFAULT_FIXED_KEY, 1n);
    const first = encryptPacket(key, 0, Uint8Array.of(7), zeros);
    key.set(buildAesKey(DEFAULT_FIXED_KEY, 2n));
    const second = encryptPacket(key, 0, Uint8Array.of(7), zeros);
    expect(toHex(second)).not.toBe(toHex(first));
    expect(toHex(second)).toBe(toHex(encryptPacket(buildAesKey(DEFAULT_FIXED_KEY, 2n), 0, Uint8Array.of(7), zeros)));
    expect(decryptPacket(key, second).data).toEqual(Uint8Array.of(7));
  });

  it('rejects a key of the wrong size', () => {
    expect(() => encryptPacket(zeros(8), 0, Uint8Array.of(1))).toThrow(/16 bytes/);
  });
});

describe('eSSP Diffie-Hellman', () => {
  it('modPow agrees with plain exponentiation', () => {
    expect(modPow(4n, 13n, 497n)).toBe(445n);
    expect(modPow(2n, 0n, 7n)).toBe(1n);
    let naive = 1n;
    for (let i = 0; i < 1000; i++) naive = (naive * 982451653n) % 1287821n;
    expect(modPow(982451653n, 1000n, 1287821n)).toBe(naive);
    expect(modPow(-3n, 3n, 7n)).toBe(1n); // -27 mod 7
    expect(modPow(3n, 200n, 1000000007n)).toBe(3n ** 200n % 1000000007n);
  });

  it('Miller-Rabin is right on primes, composites and Carmichael numbers', () => {
    for (const p of [2n, 3n, 5n, 982451653n, 1287821n, 2147483647n, 18446744073709551557n]) {
      expect(isProbablePrime(p)).toBe(true);
    }
    for (const c of [0n, 1n, 4n, 561n, 41041n, 3215031751n, 2147483649n, 18446744073709551615n, 3825123056546413051n]) {
      expect(isProbablePrime(c)).toBe(false);
    }
  });

  it('randomPrime stays below 2^31 by default', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 20; i++) {
      const p = randomPrime(undefined, random);
      expect(p < 1n << 31n).toBe(true);
      expect(p >= 1n << 30n).toBe(true);
      expect(isProbablePrime(p)).toBe(true);
    }
  });

  it('host and slave agree on the key; generator > modulus; all values fit u64', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const host = HostKeyExchange.create(seededRandom(seed));
      expect(host.generator > host.modulus).toBe(true);
      expect(host.generator % host.modulus > 1n).toBe(true);
      expect(host.hostRandom < 1n << 31n).toBe(true);
      const slave = slaveKeyExchange(host.generator, host.modulus, host.hostInterKey, BigInt(seed * 7919));
      expect(host.computeKey(slave.slaveInterKey)).toBe(slave.key);
    }
  });

  it('uses the manual example numbers as u64 LE arguments', () => {
    // SET_GENERATOR 982451653 → 7F 80 09 4A C5 05 8F 3A 00 00 00 00 B2 73 (research §4.1)
    const host = new HostKeyExchange(982451653n, 1287821n, 12345n);
    expect(host.hostInterKey).toBe(modPow(982451653n, 12345n, 1287821n));
    expect(() => new HostKeyExchange(10n, 7n, 5n)).toThrow(/prime/);
    expect(() => host.computeKey(1n)).toThrow(/degenerate/);
    expect(() => host.computeKey(1287821n)).toThrow(/degenerate/);
  });
});
