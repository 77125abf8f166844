/**
 * Every framer (eSSP, CCNET, ControllerBox) under fast-check: arbitrary bytes, one-bit flips, truncated and
 * over-long frames, random chunking. No exception, no frame that was not sent, every intact frame decoded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcnetFramer, encodeReply } from '../../src/ccnet/frame.js';
import { ControllerBoxFramer, crcVariant, encodeFrame as encodeBoxFrame } from '../../src/controllerbox/frame.js';
import { encodeFrame as encodeSspFrame, SspFramer } from '../../src/essp/frame.js';
import { bytesArb, chunk, cutsArb, hex, params } from './runs.js';

/** One framer behind one shape: encode a frame from a payload, feed chunks, read back raw frames. */
interface Framer {
  name: string;
  /** A valid frame for this payload (1..maxData bytes) and a small key (address or id). */
  encode(payload: Uint8Array, key: number): Uint8Array;
  maxData: number;
  /** Feeds the chunks to a fresh decoder; returns the raw frames in order. */
  decode(chunks: readonly Uint8Array[]): string[];
  /** Frame bytes the check does not cover (a flip there gives another valid frame). */
  uncovered?: readonly number[];
}

const COVERING = crcVariant({ coverage: 'id+len+data' });

const FRAMERS: Framer[] = [
  {
    name: 'eSSP',
    maxData: 255,
    encode: (payload, key) => encodeSspFrame({ address: key % 0x7e, seq: (key & 1) as 0 | 1, data: payload }),
    decode(chunks) {
      const out: string[] = [];
      const d = new SspFramer({ frame: (f) => out.push(hex(f.raw)), error: () => undefined });
      for (const c of chunks) d.push(c);
      return out;
    },
  },
  {
    name: 'CCNET',
    maxData: 200,
    encode: (payload, key) => encodeReply(1 + (key % 4), payload),
    decode(chunks) {
      const out: string[] = [];
      const d = new CcnetFramer({ frame: (f) => out.push(hex(f.raw)), error: () => undefined });
      for (const c of chunks) d.push(c);
      return out;
    },
  },
  {
    // the default CRC variant leaves PROTOCOL_ID out (issue 10, item 7): the message table has to judge the id
    name: 'ControllerBox (default CRC)',
    maxData: 255,
    uncovered: [1],
    encode: (payload, key) => encodeBoxFrame(key & 0xff, payload),
    decode(chunks) {
      const out: string[] = [];
      const d = new ControllerBoxFramer({ frame: (f) => out.push(hex(f.raw)), error: () => undefined });
      for (const c of chunks) d.push(c);
      d.flush();
      return out;
    },
  },
  {
    name: 'ControllerBox (CRC over id+len+data)',
    maxData: 255,
    encode: (payload, key) => encodeBoxFrame(key & 0xff, payload, COVERING),
    decode(chunks) {
      const out: string[] = [];
      const d = new ControllerBoxFramer({
        crc: COVERING,
        frame: (f) => out.push(hex(f.raw)),
        error: () => undefined,
      });
      for (const c of chunks) d.push(c);
      d.flush();
      return out;
    },
  },
];

const frameArb = (f: Framer): fc.Arbitrary<{ payload: Uint8Array; key: number }> =>
  fc.record({ payload: fc.uint8Array({ minLength: 1, maxLength: Math.min(f.maxData, 60) }), key: fc.nat(255) });

const flip = (b: Uint8Array, bit: number, skip: readonly number[] = []): Uint8Array => {
  const out = b.slice();
  let at = Math.floor(bit / 8) % out.length;
  while (skip.includes(at)) at = (at + 1) % out.length;
  out[at] = (out[at] ?? 0) ^ (1 << (bit % 8));
  return out;
};

describe.each(FRAMERS)('fuzz: $name framer', (f) => {
  it('arbitrary bytes in arbitrary chunks: no exception, and every frame it gives is a well-formed frame', () => {
    fc.assert(
      fc.property(bytesArb(400), cutsArb, (bytes, cuts) => {
        for (const raw of f.decode(chunk(bytes, cuts))) {
          // a frame found in noise is a whole frame with a good check: alone, it decodes to itself
          expect(f.decode([Buffer.from(raw, 'hex')])).toEqual([raw]);
        }
      }),
      params(),
    );
  });

  it('intact frames in any chunking are all decoded, in order', () => {
    fc.assert(
      fc.property(fc.array(frameArb(f), { minLength: 1, maxLength: 12 }), cutsArb, (frames, cuts) => {
        const encoded = frames.map((x) => f.encode(x.payload, x.key));
        const all = Buffer.concat(encoded);
        expect(f.decode(chunk(all, cuts))).toEqual(encoded.map(hex));
      }),
      params(),
    );
  });

  it('a one-bit flip is never decoded as another frame; the intact frames around it still are', () => {
    fc.assert(
      fc.property(frameArb(f), frameArb(f), fc.nat(10_000), cutsArb, (a, b, bit, cuts) => {
        const good = f.encode(a.payload, a.key);
        const bad = flip(f.encode(b.payload, b.key), bit, f.uncovered);
        const all = Buffer.concat([good, bad, good]);
        const got = f.decode(chunk(all, cuts));
        // CRC-16 finds every one-bit error: only the two intact copies come out
        expect(got).toEqual([hex(good), hex(good)]);
      }),
      params(),
    );
  });

  it('a truncated frame gives no frame and does not hide the intact frame after it', () => {
    fc.assert(
      fc.property(frameArb(f), frameArb(f), fc.double({ min: 0, max: 1, noNaN: true }), cutsArb, (a, b, at, cuts) => {
        const cutFrame = f.encode(a.payload, a.key);
        const cut = cutFrame.subarray(0, Math.max(1, Math.floor(at * (cutFrame.length - 1))));
        const good = f.encode(b.payload, b.key);
        const got = f.decode(chunk(Buffer.concat([cut, good]), cuts));
        expect(got).toEqual([hex(good)]);
      }),
      params(),
    );
  });

  it('an over-long frame (bytes added before its check) gives no frame; the next intact one comes out', () => {
    fc.assert(
      fc.property(frameArb(f), frameArb(f), fc.uint8Array({ minLength: 1, maxLength: 8 }), (a, b, extra) => {
        const long = f.encode(a.payload, a.key);
        const over = Buffer.concat([long.subarray(0, long.length - 3), extra, long.subarray(long.length - 3)]);
        const good = f.encode(b.payload, b.key);
        const got = f.decode([Buffer.concat([over, good])]);
        expect(got.at(-1)).toBe(hex(good));
        for (const raw of got.slice(0, -1)) expect(raw).not.toBe(hex(long));
      }),
      params(),
    );
  });
});
