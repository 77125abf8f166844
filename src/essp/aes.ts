/**
 * AES-128 in ECB mode on whole 16-byte blocks, written from FIPS-197 with 32-bit lookup tables.
 *
 * Why not `node:crypto`: an eSSP packet is one or two blocks, and a native `Cipher.update()` costs a crossing into
 * C++ and a fresh Buffer per call, which was a fifth of the host's CPU per encrypted round trip. Here a block is a
 * few dozen table reads, the output goes straight into the caller's array, and nothing is allocated per packet.
 *
 * Table lookups depend on key and data, so a program sharing the CPU cache could in principle time them; on a
 * kiosk that program could already read the key from memory, and the line (9600 baud) leaks nothing of the kind.
 * Tested block for block against `node:crypto` (test/essp/aes.test.ts).
 */

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
/** Encryption round tables: SubBytes + MixColumns for each of the four rows (TE1..TE3 are rotations of TE0). */
const TE0 = new Uint32Array(256);
const TE1 = new Uint32Array(256);
const TE2 = new Uint32Array(256);
const TE3 = new Uint32Array(256);
/** Decryption round tables: InvSubBytes + InvMixColumns. */
const TD0 = new Uint32Array(256);
const TD1 = new Uint32Array(256);
const TD2 = new Uint32Array(256);
const TD3 = new Uint32Array(256);

/** Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
function xtime(a: number): number {
  return ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff;
}

function mul(a: number, b: number): number {
  let product = 0;
  for (let x = a, y = b; y !== 0; y >>>= 1, x = xtime(x)) if (y & 1) product ^= x;
  return product;
}

function rotr8(word: number): number {
  return ((word >>> 8) | (word << 24)) >>> 0;
}

(function buildTables(): void {
  // Walk the multiplicative group with generator 3 (p) and its inverse (q = p^-1): S(p) = affine(q).
  let p = 1;
  let q = 1;
  do {
    p = p ^ xtime(p);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const rot = (n: number): number => ((q << n) | (q >>> (8 - n))) & 0xff;
    const s = q ^ rot(1) ^ rot(2) ^ rot(3) ^ rot(4) ^ 0x63;
    SBOX[p] = s;
    INV_SBOX[s] = p;
  } while (p !== 1);
  SBOX[0] = 0x63;
  INV_SBOX[0x63] = 0;
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x] ?? 0;
    const te = ((xtime(s) << 24) | (s << 16) | (s << 8) | (xtime(s) ^ s)) >>> 0;
    TE0[x] = te;
    TE1[x] = rotr8(te);
    TE2[x] = rotr8(rotr8(te));
    TE3[x] = rotr8(rotr8(rotr8(te)));
    const i = INV_SBOX[x] ?? 0;
    const td = ((mul(i, 14) << 24) | (mul(i, 9) << 16) | (mul(i, 13) << 8) | mul(i, 11)) >>> 0;
    TD0[x] = td;
    TD1[x] = rotr8(td);
    TD2[x] = rotr8(rotr8(td));
    TD3[x] = rotr8(rotr8(rotr8(td)));
  }
})();

function subWord(w: number): number {
  return (
    (((SBOX[w >>> 24] ?? 0) << 24) |
      ((SBOX[(w >>> 16) & 0xff] ?? 0) << 16) |
      ((SBOX[(w >>> 8) & 0xff] ?? 0) << 8) |
      (SBOX[w & 0xff] ?? 0)) >>>
    0
  );
}

function readWord(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0
  );
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
}

/** One AES-128 key, expanded once: encrypts and decrypts whole blocks in place or into another array. */
export class Aes128 {
  /** Encryption round keys (44 words). */
  private readonly ek = new Uint32Array(44);
  /** Decryption round keys for the equivalent inverse cipher (44 words, last round first). */
  private readonly dk = new Uint32Array(44);

  /** `key` must be 16 bytes (the caller checks; a shorter array reads as zeros). */
  constructor(key: Uint8Array) {
    const ek = this.ek;
    for (let i = 0; i < 4; i++) ek[i] = readWord(key, 4 * i);
    let rcon = 1;
    for (let i = 4; i < 44; i++) {
      let t = ek[i - 1] ?? 0;
      if (i % 4 === 0) {
        t = (subWord(((t << 8) | (t >>> 24)) >>> 0) ^ (rcon << 24)) >>> 0;
        rcon = xtime(rcon);
      }
      ek[i] = ((ek[i - 4] ?? 0) ^ t) >>> 0;
    }
    const dk = this.dk;
    for (let round = 0; round <= 10; round++) {
      for (let c = 0; c < 4; c++) {
        const w = ek[4 * (10 - round) + c] ?? 0;
        // Inner rounds take InvMixColumns of the key (TD of S(x) is InvMixColumns of x alone).
        dk[4 * round + c] =
          round === 0 || round === 10
            ? w
            : ((TD0[SBOX[w >>> 24] ?? 0] ?? 0) ^
                (TD1[SBOX[(w >>> 16) & 0xff] ?? 0] ?? 0) ^
                (TD2[SBOX[(w >>> 8) & 0xff] ?? 0] ?? 0) ^
                (TD3[SBOX[w & 0xff] ?? 0] ?? 0)) >>>
              0;
      }
    }
  }

  // encrypt() and decrypt() are written out apart on purpose: one loop parameterised by direction (tables and the
  // direction of ShiftRows) measured about 50 % slower per block, and these two are the hot path of every packet.

  /** Encrypts `length` bytes (a multiple of 16) of `src` from `srcAt` into `dst` at `dstAt` (may be the same array). */
  encrypt(src: Uint8Array, srcAt: number, dst: Uint8Array, dstAt: number, length: number): void {
    const k = this.ek;
    for (let off = 0; off < length; off += 16) {
      let s0 = (readWord(src, srcAt + off) ^ (k[0] ?? 0)) >>> 0;
      let s1 = (readWord(src, srcAt + off + 4) ^ (k[1] ?? 0)) >>> 0;
      let s2 = (readWord(src, srcAt + off + 8) ^ (k[2] ?? 0)) >>> 0;
      let s3 = (readWord(src, srcAt + off + 12) ^ (k[3] ?? 0)) >>> 0;
      let r = 4;
      for (let round = 1; round < 10; round++, r += 4) {
        const t0 =
          (TE0[s0 >>> 24] ?? 0) ^
          (TE1[(s1 >>> 16) & 0xff] ?? 0) ^
          (TE2[(s2 >>> 8) & 0xff] ?? 0) ^
          (TE3[s3 & 0xff] ?? 0) ^
          (k[r] ?? 0);
        const t1 =
          (TE0[s1 >>> 24] ?? 0) ^
          (TE1[(s2 >>> 16) & 0xff] ?? 0) ^
          (TE2[(s3 >>> 8) & 0xff] ?? 0) ^
          (TE3[s0 & 0xff] ?? 0) ^
          (k[r + 1] ?? 0);
        const t2 =
          (TE0[s2 >>> 24] ?? 0) ^
          (TE1[(s3 >>> 16) & 0xff] ?? 0) ^
          (TE2[(s0 >>> 8) & 0xff] ?? 0) ^
          (TE3[s1 & 0xff] ?? 0) ^
          (k[r + 2] ?? 0);
        const t3 =
          (TE0[s3 >>> 24] ?? 0) ^
          (TE1[(s0 >>> 16) & 0xff] ?? 0) ^
          (TE2[(s1 >>> 8) & 0xff] ?? 0) ^
          (TE3[s2 & 0xff] ?? 0) ^
          (k[r + 3] ?? 0);
        s0 = t0 >>> 0;
        s1 = t1 >>> 0;
        s2 = t2 >>> 0;
        s3 = t3 >>> 0;
      }
      const at = dstAt + off;
      writeWord(dst, at, lastRound(SBOX, s0, s1, s2, s3) ^ (k[40] ?? 0));
      writeWord(dst, at + 4, lastRound(SBOX, s1, s2, s3, s0) ^ (k[41] ?? 0));
      writeWord(dst, at + 8, lastRound(SBOX, s2, s3, s0, s1) ^ (k[42] ?? 0));
      writeWord(dst, at + 12, lastRound(SBOX, s3, s0, s1, s2) ^ (k[43] ?? 0));
    }
  }

  /** Decrypts `length` bytes (a multiple of 16) of `src` from `srcAt` into `dst` at `dstAt` (may be the same array). */
  decrypt(src: Uint8Array, srcAt: number, dst: Uint8Array, dstAt: number, length: number): void {
    const k = this.dk;
    for (let off = 0; off < length; off += 16) {
      let s0 = (readWord(src, srcAt + off) ^ (k[0] ?? 0)) >>> 0;
      let s1 = (readWord(src, srcAt + off + 4) ^ (k[1] ?? 0)) >>> 0;
      let s2 = (readWord(src, srcAt + off + 8) ^ (k[2] ?? 0)) >>> 0;
      let s3 = (readWord(src, srcAt + off + 12) ^ (k[3] ?? 0)) >>> 0;
      let r = 4;
      for (let round = 1; round < 10; round++, r += 4) {
        const t0 =
          (TD0[s0 >>> 24] ?? 0) ^
          (TD1[(s3 >>> 16) & 0xff] ?? 0) ^
          (TD2[(s2 >>> 8) & 0xff] ?? 0) ^
          (TD3[s1 & 0xff] ?? 0) ^
          (k[r] ?? 0);
        const t1 =
          (TD0[s1 >>> 24] ?? 0) ^
          (TD1[(s0 >>> 16) & 0xff] ?? 0) ^
          (TD2[(s3 >>> 8) & 0xff] ?? 0) ^
          (TD3[s2 & 0xff] ?? 0) ^
          (k[r + 1] ?? 0);
        const t2 =
          (TD0[s2 >>> 24] ?? 0) ^
          (TD1[(s1 >>> 16) & 0xff] ?? 0) ^
          (TD2[(s0 >>> 8) & 0xff] ?? 0) ^
          (TD3[s3 & 0xff] ?? 0) ^
          (k[r + 2] ?? 0);
        const t3 =
          (TD0[s3 >>> 24] ?? 0) ^
          (TD1[(s2 >>> 16) & 0xff] ?? 0) ^
          (TD2[(s1 >>> 8) & 0xff] ?? 0) ^
          (TD3[s0 & 0xff] ?? 0) ^
          (k[r + 3] ?? 0);
        s0 = t0 >>> 0;
        s1 = t1 >>> 0;
        s2 = t2 >>> 0;
        s3 = t3 >>> 0;
      }
      const at = dstAt + off;
      writeWord(dst, at, lastRound(INV_SBOX, s0, s3, s2, s1) ^ (k[40] ?? 0));
      writeWord(dst, at + 4, lastRound(INV_SBOX, s1, s0, s3, s2) ^ (k[41] ?? 0));
      writeWord(dst, at + 8, lastRound(INV_SBOX, s2, s1, s0, s3) ^ (k[42] ?? 0));
      writeWord(dst, at + 12, lastRound(INV_SBOX, s3, s2, s1, s0) ^ (k[43] ?? 0));
    }
  }
}

/** The last round's column: a byte of each of four words through the (inverse) S-box, no MixColumns. */
function lastRound(box: Uint8Array, a: number, b: number, c: number, d: number): number {
  return (
    (((box[a >>> 24] ?? 0) << 24) |
      ((box[(b >>> 16) & 0xff] ?? 0) << 16) |
      ((box[(c >>> 8) & 0xff] ?? 0) << 8) |
      (box[d & 0xff] ?? 0)) >>>
    0
  );
}
