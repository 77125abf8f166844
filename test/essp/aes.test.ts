/** The table AES-128 of src/essp/aes.ts against FIPS-197's example and against node:crypto, block for block. */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aes128 } from '../../src/essp/aes.js';

function nodeEcb(key: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const cipher = decrypt ? createDecipheriv('aes-128-ecb', key, null) : createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(cipher.update(data));
}

const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('Aes128', () => {
  it('gives the FIPS-197 appendix C.1 cipher text and back', () => {
    const aes = new Aes128(fromHex('000102030405060708090a0b0c0d0e0f'));
    const block = fromHex('00112233445566778899aabbccddeeff');
    const out = new Uint8Array(16);
    aes.encrypt(block, 0, out, 0, 16);
    expect(Buffer.from(out).toString('hex')).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    aes.decrypt(out, 0, out, 0, 16);
    expect(out).toEqual(block);
  });

  it('matches node:crypto for any key and 1 to 15 blocks, at any offsets, in place or not', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc
          .integer({ min: 1, max: 15 })
          .chain((blocks) => fc.uint8Array({ minLength: blocks * 16, maxLength: blocks * 16 })),
        fc.integer({ min: 0, max: 7 }),
        (key, data, at) => {
          const aes = new Aes128(key);
          const buffer = new Uint8Array(at + data.length + 3);
          buffer.set(data, at);
          aes.encrypt(buffer, at, buffer, at, data.length);
          const encrypted = buffer.slice(at, at + data.length);
          expect(encrypted).toEqual(nodeEcb(key, data, false));
          const back = new Uint8Array(data.length + 1);
          aes.decrypt(buffer, at, back, 1, data.length);
          expect(back.subarray(1)).toEqual(data);
          expect(back.subarray(1)).toEqual(nodeEcb(key, encrypted, true));
        },
      ),
      { numRuns: 300 },
    );
  });
});
