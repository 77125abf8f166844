import { describe, expect, it } from 'vitest';
import { concatBytes, parseHex, toHex } from '../../src/core/bytes.js';
import { CRC16_KERMIT } from '../../src/core/crc.js';
import {
  CcnetFramer,
  encodeAck,
  encodeCommand,
  encodeFrame,
  encodeNak,
  encodeReply,
  type CcnetFrame,
} from '../../src/ccnet/frame.js';
import { collectingFramer, framesIn } from './helpers.js';
import { VECTORS } from './vectors.js';

function decodeAll(chunks: Uint8Array[]): CcnetFrame[] {
  const d = collectingFramer();
  for (const c of chunks) d.framer.push(c);
  return d.frames;
}

describe('CCNET frame vectors (research §4)', () => {
  for (const v of VECTORS) {
    it(`${v.meaning}: decodes and re-encodes byte-identical`, () => {
      const bytes = parseHex(v.hex);
      const frames = decodeAll([bytes]);
      expect(frames).toHaveLength(1);
      const f = frames[0];
      if (!f) throw new Error('no frame');
      expect(f.address).toBe(bytes[1]);
      expect(f.wide).toBe(0);
      expect(toHex(f.payload)).toBe(toHex(bytes.subarray(3, bytes.length - 2)));
      expect(toHex(encodeFrame(f.address, f.payload))).toBe(toHex(bytes));
      // the whole frame including its CRC has residue 0
      expect(CRC16_KERMIT.compute(bytes)).toBe(0);
    });
  }

  it('builds commands, ACK and NAK like the vectors', () => {
    expect(toHex(encodeCommand(3, 0x33))).toBe('02 03 06 33 da 81');
    expect(toHex(encodeCommand(3, 0x34, parseHex('FF FF FF 00 00 00')))).toBe('02 03 0c 34 ff ff ff 00 00 00 b5 c1');
    expect(toHex(encodeAck(1))).toBe('02 01 06 00 7a 37');
    expect(toHex(encodeAck(3))).toBe('02 03 06 00 c2 82');
    const nak = encodeNak(3);
    expect(toHex(nak.subarray(0, 4))).toBe('02 03 06 ff');
    expect(CRC16_KERMIT.compute(nak)).toBe(0);
  });
});

describe('CcnetFramer streaming', () => {
  const a = parseHex('02 03 06 33 DA 81');
  const b = parseHex(VECTORS[21]?.hex ?? '');
  const c = parseHex('02 03 07 81 03 CF 18');

  it('decodes frames split byte by byte', () => {
    const all = concatBytes([a, b, c]);
    const frames = decodeAll(Array.from(all, (x) => Uint8Array.of(x)));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(a), toHex(b), toHex(c)]);
  });

  it('decodes frames split at every position', () => {
    const all = concatBytes([a, b, c]);
    for (let cut = 1; cut < all.length; cut++) {
      const frames = decodeAll([all.subarray(0, cut), all.subarray(cut)]);
      expect(frames).toHaveLength(3);
    }
  });

  it('decodes several frames in one chunk', () => {
    const d = collectingFramer();
    expect(d.push(concatBytes([a, c, a, b]))).toHaveLength(4);
    expect(d.framer.stats.frames).toBe(4);
  });

  it('skips garbage between frames and counts it', () => {
    const d = collectingFramer();
    const frames = d.push(concatBytes([parseHex('ff 00 13 37'), a, parseHex('aa 55'), c]));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(a), toHex(c)]);
    expect(d.framer.stats.garbageBytes).toBe(6);
    expect(d.framer.stats.crcErrors).toBe(0);
    expect(d.errors.map((e) => [e.kind, toHex(e.raw)])).toEqual([
      ['garbage', 'ff 00 13 37'],
      ['garbage', 'aa 55'],
    ]);
  });

  it('drops a frame with a bad CRC and keeps the good one after it', () => {
    const bad = b.slice();
    bad[10] = (bad[10] ?? 0) ^ 0x40;
    const d = collectingFramer();
    const frames = d.push(concatBytes([bad, c]));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(c)]);
    expect(d.framer.stats.crcErrors).toBe(1);
    expect(d.errors.map((e) => e.kind)).toContain('crc');
  });

  it('a stray SYNC with a long length does not stall the good frame after it', () => {
    const d = collectingFramer();
    // 02 03 F0 would claim 240 bytes; the POLL after it must still come out
    const frames = d.push(concatBytes([parseHex('02 03 f0'), a]));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(a)]);
  });

  it('a stray SYNC split across chunks does not stall either', () => {
    const d = collectingFramer();
    expect(d.push(parseHex('02 03 f0 11'))).toHaveLength(0);
    const frames = [...d.push(a.subarray(0, 3)), ...d.push(a.subarray(3))];
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(a)]);
  });

  it('rejects impossible lengths (LNG 1..5) as bad frames', () => {
    const d = collectingFramer();
    const frames = d.push(concatBytes([parseHex('02 03 04 11 22'), a]));
    expect(frames).toHaveLength(1);
    expect(d.framer.stats.badFrames).toBe(1);
  });

  it('bytes pushed from inside the error sink never disturb the frames still to come in the current pass', () => {
    // The stream (frames with a garbage byte after each) is fed partly from inside the error sink (the next chunk, so
    // the order stays that of the stream), in chunks of sizes around the receive buffer's capacity.
    const frames = Array.from({ length: 300 }, (_, i) => encodeReply(3, Uint8Array.of(i & 0xff, i >> 8, 0x55)));
    const stream = concatBytes(frames.flatMap((f) => [f, Uint8Array.of(0xaa)]));
    for (const size of [5, 61, 500, 512, 520, 1000]) {
      const got: string[] = [];
      const kinds = new Set<string>();
      let at = 0;
      let problems = 0;
      const feed = (): void => {
        const chunk = stream.subarray(at, at + size);
        at += size;
        d.push(chunk);
      };
      const d: CcnetFramer = new CcnetFramer({
        frame: (f) => {
          got.push(toHex(f.raw));
        },
        error: (p) => {
          kinds.add(p.kind);
          if (++problems % 10 === 0 && at < stream.length) feed();
        },
      });
      while (at < stream.length) feed();
      expect([...kinds], `chunks of ${size}`).toEqual(['garbage']);
      expect(got, `chunks of ${size}`).toEqual(frames.map((f) => toHex(f)));
    }
  });

  it('every intact frame comes out in order whatever the chunk size, with stray SYNC headers in between', () => {
    // Stray headers that announce long ordinary or wide frames make the decoder wait and look ahead; small chunks
    // exercise the path that appends without a full pass while nothing can complete.
    const strays = ['02 03 f0', '02 03 00 ff f0', '02 03 00 00', '02 0a', '02', '02 03 09 02 03'].map(parseHex);
    const parts: Uint8Array[] = [];
    const intact: string[] = [];
    for (let i = 0; i < 150; i++) {
      const frame = encodeReply(
        1 + (i % 4),
        Uint8Array.from({ length: 1 + ((i * 7) % 40) }, (_, j) => (i + j * 5) & 0xff),
      );
      parts.push(frame);
      intact.push(toHex(frame));
      if (i % 3 === 0) parts.push(strays[i % strays.length] ?? new Uint8Array(0));
    }
    const stream = concatBytes(parts);
    for (const size of [1, 2, 3, 5, 8, 13, 64, stream.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      expect(
        decodeAll(chunks).map((f) => toHex(f.raw)),
        `chunks of ${size}`,
      ).toEqual(intact);
    }
  });

  it('reset() drops a partial frame', () => {
    const d = collectingFramer();
    d.push(a.subarray(0, 4));
    expect(d.framer.pending).toBe(4);
    d.framer.reset();
    expect(d.framer.pending).toBe(0);
    expect(d.push(a)).toHaveLength(1);
  });
});

describe('wide frames (LNG = 0)', () => {
  it('case 3 reply: length right after LNG', () => {
    const data = new Uint8Array(4356).map((_, i) => i & 0xff);
    const frame = encodeReply(3, data);
    expect(frame[2]).toBe(0);
    expect((frame[3] ?? 0) * 256 + (frame[4] ?? 0)).toBe(frame.length);
    expect(frame.length).toBe(4363);
    const out = decodeAll([frame.subarray(0, 1000), frame.subarray(1000)]);
    expect(out).toHaveLength(1);
    expect(out[0]?.wide).toBe(3);
    expect(toHex(out[0]?.payload ?? new Uint8Array(0))).toBe(toHex(data));
    expect(toHex(encodeFrame(3, out[0]?.payload ?? new Uint8Array(0), { wide: 3 }))).toBe(toHex(frame));
  });

  it('case 1 command: length after CMD', () => {
    const payload = concatBytes([Uint8Array.of(0x60), new Uint8Array(300).fill(7)]);
    const frame = encodeFrame(3, payload, { kind: 'command' });
    expect(frame[2]).toBe(0);
    expect(frame[3]).toBe(0x60);
    expect((frame[4] ?? 0) * 256 + (frame[5] ?? 0)).toBe(frame.length);
    const out = framesIn(frame);
    expect(out[0]?.wide).toBe(1);
    expect(toHex(out[0]?.payload ?? new Uint8Array(0))).toBe(toHex(payload));
  });

  it('case 2 command: length after CMD + SUBCMD (DOWNLOAD write)', () => {
    const frame = encodeCommand(3, 0x50, new Uint8Array(512 + 3).fill(0xa5), 0x02);
    expect(frame.subarray(0, 5)).toEqual(Uint8Array.of(2, 3, 0, 0x50, 0x02));
    expect((frame[5] ?? 0) * 256 + (frame[6] ?? 0)).toBe(frame.length);
    const out = framesIn(frame);
    expect(out[0]?.wide).toBe(2);
    expect(out[0]?.payload.subarray(0, 2)).toEqual(Uint8Array.of(0x50, 0x02));
    expect(out[0]?.payload.length).toBe(2 + 515);
  });

  it('a short payload can be forced into a wide frame and back', () => {
    const frame = encodeFrame(3, Uint8Array.of(1, 2, 3), { wide: 3 });
    expect(toHex(frame.subarray(0, 5))).toBe('02 03 00 00 0a');
    const out = framesIn(frame);
    expect(toHex(out[0]?.payload ?? new Uint8Array(0))).toBe('01 02 03');
  });
});
