import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/core/bytes.js';
import { CRC16_ARC, CRC16_CATALOGUE, CRC16_KERMIT, CRC16_SSP, CRC16_XMODEM, Crc16 } from '../../src/core/crc.js';
import { prng } from '../helpers/prng.js';

const CHECK = new TextEncoder().encode('123456789');

/** Bit-by-bit reference, independent of the table code. */
function slowCrc(spec: Crc16['spec'], data: Uint8Array): number {
  let crc = spec.init;
  for (const byte of data) {
    for (let bit = 0; bit < 8; bit++) {
      const inBit = spec.reflected ? (byte >> bit) & 1 : (byte >> (7 - bit)) & 1;
      const top = (crc >> 15) & 1;
      crc = (crc << 1) & 0xffff;
      if (top ^ inBit) crc ^= spec.poly;
    }
  }
  if (spec.reflected) {
    let r = 0;
    for (let i = 0; i < 16; i++) if (crc & (1 << i)) r |= 1 << (15 - i);
    crc = r;
  }
  return (crc ^ spec.xorout) & 0xffff;
}

describe('CRC-16 catalogue', () => {
  it.each([
    [CRC16_SSP, 0xaee7],
    [CRC16_KERMIT, 0x2189],
    [CRC16_ARC, 0xbb3d],
    [CRC16_XMODEM, 0x31c3],
  ])('%s has its catalogue check value', (crc, check) => {
    expect(crc.compute(CHECK)).toBe(check);
    expect(crc.spec.check).toBe(check);
  });

  it('matches a bit-by-bit reference on random data', () => {
    const random = prng(12345);
    const data = new Uint8Array(300).map(() => Math.floor(random() * 256));
    for (const crc of CRC16_CATALOGUE) {
      for (const len of [0, 1, 2, 17, 300]) {
        expect(crc.compute(data.subarray(0, len)), `${crc.name} len ${len}`).toBe(
          slowCrc(crc.spec, data.subarray(0, len)),
        );
      }
    }
  });

  it('matches the reference for every length and alignment around the four-byte steps', () => {
    const data = new Uint8Array(64).map((_, i) => (i * 167 + 13) & 0xff);
    for (const crc of CRC16_CATALOGUE) {
      for (let from = 0; from < 4; from++) {
        for (let to = from; to <= from + 40; to++) {
          expect(crc.compute(data, from, to), `${crc.name} [${from}, ${to})`).toBe(
            slowCrc(crc.spec, data.subarray(from, to)),
          );
        }
      }
      // split anywhere: feeding the register in two parts gives the same result
      for (let at = 0; at <= 23; at++) {
        const head = crc.update(crc.spec.init, data, 0, at);
        expect(crc.finish(crc.update(head, data, at, 23)), `${crc.name} split at ${at}`).toBe(crc.compute(data, 0, 23));
      }
    }
  });

  it('computes over a sub-range and incrementally', () => {
    const data = parseHex('00 11 22 33 44 55');
    expect(CRC16_KERMIT.compute(data, 1, 4)).toBe(CRC16_KERMIT.compute(parseHex('11 22 33')));
    const partial = CRC16_SSP.update(CRC16_SSP.spec.init, data, 0, 3);
    expect(CRC16_SSP.finish(CRC16_SSP.update(partial, data, 3))).toBe(CRC16_SSP.compute(data));
  });

  // eSSP frames from the ITL manuals (research/essp.md §4.1): CRC over SEQ..DATA, low byte first.
  it.each([
    '7F 80 01 11 65 82',
    '7F 80 01 F0 23 80',
    '7F 00 01 07 11 88',
    '7F 80 04 F0 EE 01 EB B9 48',
    '7F 80 09 4A C5 05 8F 3A 00 00 00 00 B2 73',
  ])('eSSP vector %s', (hex) => {
    const frame = parseHex(hex);
    const crc = CRC16_SSP.compute(frame, 1, frame.length - 2);
    expect([crc & 0xff, crc >> 8]).toEqual([...frame.subarray(frame.length - 2)]);
  });

  // CCNET frames (research/ccnet-controllerbox.md §4): CRC over SYNC..DATA, LSB first.
  it.each(['02 03 06 33 DA 81', '02 03 06 30 41 B3', '02 03 06 00 C2 82', '02 03 07 81 03 CF 18', '02 01 06 00 7A 37'])(
    'CCNET vector %s',
    (hex) => {
      const frame = parseHex(hex);
      const crc = CRC16_KERMIT.compute(frame, 0, frame.length - 2);
      expect([crc & 0xff, crc >> 8]).toEqual([...frame.subarray(frame.length - 2)]);
    },
  );

  // ControllerBox (research §5.3): Play Audio idx 1, data-only coverage.
  it('ControllerBox vectors', () => {
    expect(CRC16_ARC.compute(parseHex('01'))).toBe(0xc0c1);
    expect(CRC16_XMODEM.compute(parseHex('01'))).toBe(0x1021);
    expect(CRC16_ARC.compute(parseHex('13 01 01'))).toBe(0x9531);
    expect(CRC16_XMODEM.compute(parseHex('78 13 01 01'))).toBe(0xfe95);
  });
});
