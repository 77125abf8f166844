import { describe, expect, it } from 'vitest';
import { ByteAccumulator, copyBytes } from '../../src/core/accumulator.js';
import { ByteReader, concatBytes, parseHex, toHex, u16le, u32le, u64le } from '../../src/core/bytes.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../src/core/errors.js';

describe('hex helpers', () => {
  it.each(['7F 80 01', '7f8001', '7F8001', ' 7f 80  01 ', '0x7F,0x80,0x01', '7f:80:01', '7f-80-01', '0x7f 0x80 0x1'])(
    'parses %j',
    (text) => {
      expect([...parseHex(text)]).toEqual([0x7f, 0x80, 0x01]);
    },
  );

  it('parses empty text to no bytes', () => {
    expect(parseHex('  ').length).toBe(0);
  });

  it.each(['7g', '7f8', 'hello'])('rejects %j with a typed error', (text) => {
    expect(() => parseHex(text)).toThrow(KioskbusError);
    try {
      parseHex(text);
    } catch (error) {
      expect(isKioskbusError(error, ErrorCode.InvalidArgument)).toBe(true);
    }
  });

  it('formats bytes', () => {
    expect(toHex(Uint8Array.of(0x7f, 0x00, 0xab))).toBe('7f 00 ab');
    expect(toHex(Uint8Array.of(1, 2), '')).toBe('0102');
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it('encodes little-endian integers', () => {
    expect([...u16le(0x1234)]).toEqual([0x34, 0x12]);
    expect([...u32le(0xdeadbeef)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(toHex(u64le(982451653n))).toBe('c5 05 8f 3a 00 00 00 00');
    expect(toHex(u64le(0x0123456701234567n))).toBe('67 45 23 01 67 45 23 01');
  });

  it('concatenates', () => {
    expect([...concatBytes([Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)])]).toEqual([1, 2, 3]);
  });
});

describe('ByteReader', () => {
  it('reads integers and text in order', () => {
    const r = new ByteReader(parseHex('01 34 12 12 34 78 56 34 12 00 1C 96 2C 45 55 52 c5 05 8f 3a 00 00 00 00 ff'));
    expect(r.u8()).toBe(1);
    expect(r.u16le()).toBe(0x1234);
    expect(r.u16be()).toBe(0x1234);
    expect(r.u32le()).toBe(0x12345678);
    expect(r.u32be()).toBe(1873452);
    expect(r.ascii(3)).toBe('EUR');
    expect(r.u64le()).toBe(982451653n);
    expect(r.remaining).toBe(1);
    expect([...r.rest()]).toEqual([0xff]);
    expect(r.remaining).toBe(0);
  });

  it('throws SHORT_DATA naming the field when data runs out', () => {
    const r = new ByteReader(Uint8Array.of(1, 2, 3));
    r.u8();
    expect(() => r.u32le('channel value')).toThrow(/channel value: need 4 byte\(s\) at offset 1, only 2 left/);
    try {
      r.u32le('x');
    } catch (error) {
      expect(isKioskbusError(error, ErrorCode.ShortData)).toBe(true);
    }
  });
});

describe('ByteAccumulator', () => {
  it('keeps unconsumed bytes across appends that force growth and compaction', () => {
    const acc = new ByteAccumulator(4);
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 200; round++) {
      const chunk = Uint8Array.from({ length: (round % 7) + 1 }, () => next++ & 0xff);
      acc.append(chunk);
      expected.push(...chunk);
      const take = round % 3;
      acc.consume(take);
      expected.splice(0, take);
      expect(acc.length).toBe(expected.length);
    }
    expect([...acc.copy()]).toEqual(expected);
    expect(acc.at(0)).toBe(expected[0]);
    expect(acc.at(expected.length)).toBeUndefined();
  });

  it('keeps bytes in order for chunks copied by loop and by set()', () => {
    const acc = new ByteAccumulator(8);
    const expected: number[] = [];
    let next = 0;
    for (const size of [1, 8, 9, 3, 30, 2, 100, 7, 17]) {
      const chunk = Uint8Array.from({ length: size }, () => next++ & 0xff);
      acc.append(chunk);
      expected.push(...chunk);
      acc.consume(2);
      expected.splice(0, 2);
    }
    expect([...acc.copy()]).toEqual(expected);
  });

  it('finds bytes relative to the unconsumed start', () => {
    const acc = new ByteAccumulator();
    acc.append(Uint8Array.of(0x7f, 1, 2, 0x7f, 3));
    acc.consume(1);
    expect(acc.indexOf(0x7f)).toBe(2);
    expect(acc.indexOf(0x7f, 3)).toBe(-1);
    expect([...acc.view(1, 3)]).toEqual([2, 0x7f]);
    acc.clear();
    expect(acc.length).toBe(0);
  });
});

describe('copyBytes', () => {
  it('copies any size without aliasing the source or other copies', () => {
    const src = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
    const copies: { from: number; copy: Uint8Array }[] = [];
    let from = 3;
    for (const size of [0, 1, 16, 17, 64, 65, 120, 250, 2048, 2049, 4000, 120, 300]) {
      const to = Math.min(from + size, src.length);
      copies.push({ from, copy: copyBytes(src, from, to) });
      from = (from + 997) % 1000;
    }
    const snapshot = copies.map(({ copy }) => [...copy]);
    for (const [i, { from, copy }] of copies.entries()) {
      expect([...copy]).toEqual([...src.subarray(from, from + copy.length)]);
      copy.fill(i + 1); // writing one copy touches nothing else
      expect([...src.subarray(from, from + copy.length)]).toEqual(snapshot[i]);
    }
    const intact = (): boolean => copies.every(({ copy }, i) => copy.every((b) => b === i + 1));
    expect(intact()).toBe(true);
    src.fill(0); // nor does changing the source afterwards
    expect(intact()).toBe(true);
  });
});
