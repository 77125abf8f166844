import { describe, expect, it } from 'vitest';
import * as ccnet from '../../src/ccnet/index.js';
import { concatBytes, parseHex, toHex } from '../../src/core/bytes.js';
import { CcnetDecoder, type CcnetDecodeProblem } from '../../src/ccnet/frame-adapter.js';
import { encodeReply } from '../../src/ccnet/frame.js';

/** The deprecated adapter over CcnetFramer keeps its former shape: `push` returns frames, `onProblem` gets problems. */
describe('CcnetDecoder (deprecated adapter)', () => {
  const a = parseHex('02 03 06 33 DA 81');
  const c = parseHex('02 03 07 81 03 CF 18');

  it('is still exported from kioskbus/ccnet', () => {
    expect(ccnet.CcnetDecoder).toBe(CcnetDecoder);
  });

  it('push returns the frames each chunk completed', () => {
    const d = new CcnetDecoder();
    const all = concatBytes([a, c]);
    expect(d.push(all.subarray(0, 8))).toHaveLength(1);
    expect(d.pending).toBe(2);
    expect(d.push(all.subarray(8)).map((f) => toHex(f.raw))).toEqual([toHex(c)]);
    expect(d.stats.frames).toBe(2);
  });

  it('onProblem gets garbage, bad CRC and impossible lengths with their raw bytes', () => {
    const problems: CcnetDecodeProblem[] = [];
    const d = new CcnetDecoder({ onProblem: (p) => problems.push(p) });
    const bad = c.slice();
    bad[4] = (bad[4] ?? 0) ^ 0x01;
    const frames = d.push(concatBytes([parseHex('aa 55'), bad, a, parseHex('02 03 04 11 22'), c]));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(a), toHex(c)]);
    expect(problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['garbage', 'crc', 'length']));
    expect(problems.find((p) => p.kind === 'crc')?.raw).toEqual(bad);
  });

  it('maxFrameLength is passed on (a wide frame longer than it is refused)', () => {
    const wide = encodeReply(3, new Uint8Array(300));
    expect(new CcnetDecoder().push(wide)).toHaveLength(1);
    const problems: string[] = [];
    const d = new CcnetDecoder({ maxFrameLength: 280, onProblem: (p) => problems.push(p.kind) });
    expect(d.push(concatBytes([wide, a])).map((f) => toHex(f.raw))).toEqual([toHex(a)]);
    expect(problems.length).toBeGreaterThan(0);
  });

  it('reset() drops a partial frame', () => {
    const d = new CcnetDecoder();
    d.push(a.subarray(0, 4));
    expect(d.pending).toBe(4);
    d.reset();
    expect(d.pending).toBe(0);
    expect(d.push(a)).toHaveLength(1);
  });

  it('frames of bytes pushed from inside onProblem come back from the running push, in stream order', () => {
    const frames = Array.from({ length: 300 }, (_, i) => encodeReply(3, Uint8Array.of(i & 0xff, i >> 8, 0x55)));
    const stream = concatBytes(frames.flatMap((f) => [f, Uint8Array.of(0xaa)]));
    for (const size of [5, 61, 512, 1000]) {
      const got: string[] = [];
      let at = 0;
      let problems = 0;
      const feed = (): void => {
        const chunk = stream.subarray(at, at + size);
        at += size;
        for (const f of d.push(chunk)) got.push(toHex(f.raw));
      };
      const d: CcnetDecoder = new CcnetDecoder({
        onProblem: () => {
          if (++problems % 10 === 0 && at < stream.length) feed();
        },
      });
      while (at < stream.length) feed();
      expect(got, `chunks of ${size}`).toEqual(frames.map((f) => toHex(f)));
    }
  });
});
