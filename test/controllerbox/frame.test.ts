import { describe, expect, it } from 'vitest';
import { parseHex, toHex } from '../../src/core/bytes.js';
import { CRC16_ARC, CRC16_XMODEM } from '../../src/core/crc.js';
import {
  ALL_CRC_VARIANTS,
  ControllerBoxFramer,
  crcVariantName,
  DEFAULT_CRC_VARIANT,
  encodeFrame,
  frameCrc,
  parseCrcSetting,
  type ControllerBoxFrame,
  type CrcSetting,
  type CrcVariant,
  type FrameError,
} from '../../src/controllerbox/frame.js';

function collect(crc: CrcSetting = DEFAULT_CRC_VARIANT, maxDataLength?: number) {
  const frames: ControllerBoxFrame[] = [];
  const errors: FrameError[] = [];
  const detected: CrcVariant[] = [];
  const framer = new ControllerBoxFramer({
    crc,
    ...(maxDataLength === undefined ? {} : { maxDataLength }),
    frame: (f) => frames.push(f),
    error: (e) => errors.push(e),
    onCrcDetected: (v) => detected.push(v),
  });
  return { framer, frames, errors, detected };
}

const v = (name: string): CrcVariant => parseCrcSetting(name) as CrcVariant;

/** Research note §5.3: frames re-verified with independent CRC code. */
const VECTORS: [variant: string, frame: string][] = [
  // Reset request (id 01, no data)
  ['arc/data/be', '78 01 00 00 00 79'],
  ['xmodem/data/be', '78 01 00 00 00 79'],
  ['arc/id+len+data/be', '78 01 00 90 01 79'],
  ['arc/id+len+data/le', '78 01 00 01 90 79'],
  ['xmodem/id+len+data/be', '78 01 00 33 31 79'],
  ['arc/start..data/be', '78 01 00 89 81 79'],
  ['arc/start..data/le', '78 01 00 81 89 79'],
  ['xmodem/start..data/be', '78 01 00 42 98 79'],
  // Reset response SUCCESS
  ['arc/data/be', '78 01 01 00 00 00 79'],
  ['arc/id+len+data/be', '78 01 01 00 50 50 79'],
  ['xmodem/id+len+data/be', '78 01 01 00 04 01 79'],
  ['arc/start..data/be', '78 01 01 00 F0 48 79'],
  ['xmodem/start..data/be', '78 01 01 00 C3 B7 79'],
  // Play Audio index 1
  ['arc/data/be', '78 13 01 01 C0 C1 79'],
  ['xmodem/data/be', '78 13 01 01 10 21 79'],
  ['arc/id+len+data/be', '78 13 01 01 95 31 79'],
  ['xmodem/id+len+data/be', '78 13 01 01 39 23 79'],
  ['arc/start..data/be', '78 13 01 01 35 29 79'],
  ['xmodem/start..data/be', '78 13 01 01 FE 95 79'],
  ['xmodem/start..data/le', '78 13 01 01 95 FE 79'],
];

/** Setting polling=1 (03 01): CRC values of §5.3 for data / id+len+data / start..data. */
const SETTING_CRCS: [string, number][] = [
  ['arc/data/be', 0xc0c1],
  ['arc/id+len+data/be', 0x5030],
  ['arc/start..data/be', 0xf028],
  ['xmodem/data/be', 0x1021],
  ['xmodem/id+len+data/be', 0x7a40],
  ['xmodem/start..data/be', 0xbdf6],
];

describe('ControllerBox CRC variants', () => {
  it('uses the catalogue check values of CRC-16/ARC and CRC-16/XMODEM', () => {
    const check = new TextEncoder().encode('123456789');
    expect(CRC16_ARC.compute(check)).toBe(0xbb3d);
    expect(CRC16_XMODEM.compute(check)).toBe(0x31c3);
  });

  it.each(VECTORS)('encodes the research test vector %s: %s', (variant, frame) => {
    const bytes = parseHex(frame);
    const id = bytes[1] ?? 0;
    const data = bytes.subarray(3, bytes.length - 3);
    expect(toHex(encodeFrame(id, data, v(variant)))).toBe(toHex(bytes));
  });

  it.each(VECTORS)('decodes the research test vector %s: %s', (variant, frame) => {
    const { framer, frames, errors } = collect(v(variant));
    framer.push(parseHex(frame));
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    expect(toHex(frames[0]?.raw ?? new Uint8Array())).toBe(toHex(parseHex(frame)));
  });

  it.each(SETTING_CRCS)('computes the Setting polling=1 CRC under %s', (variant, crc) => {
    const frame = encodeFrame(0x03, Uint8Array.of(1), v(variant));
    expect(frameCrc(v(variant), frame, 0, 1)).toBe(crc);
    expect(((frame[4] ?? 0) << 8) | (frame[5] ?? 0)).toBe(crc);
  });

  it('round-trips random frames under all 12 variants, and rejects them under a different one', () => {
    expect(ALL_CRC_VARIANTS).toHaveLength(12);
    const data = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 0xff);
    for (const variant of ALL_CRC_VARIANTS) {
      const frame = encodeFrame(0x50, data, variant);
      const ok = collect(variant);
      ok.framer.push(frame);
      expect(ok.frames.map((f) => toHex(f.data))).toEqual([toHex(data)]);
      for (const other of ALL_CRC_VARIANTS.filter((o) => o !== variant)) {
        const bad = collect(other);
        bad.framer.push(frame);
        expect(bad.frames, `${crcVariantName(variant)} read as ${crcVariantName(other)}`).toHaveLength(0);
        expect(bad.framer.stats.crcErrors).toBe(1);
      }
    }
  });

  it('parses CRC settings from text', () => {
    expect(parseCrcSetting('auto')).toBe('auto');
    expect(parseCrcSetting('xmodem')).toEqual({ algorithm: 'xmodem', coverage: 'data', order: 'be' });
    expect(parseCrcSetting('arc', { coverage: 'start..data', order: 'le' })).toEqual({
      algorithm: 'arc',
      coverage: 'start..data',
      order: 'le',
    });
    expect(parseCrcSetting('XMODEM/id+len+data/le')).toEqual({
      algorithm: 'xmodem',
      coverage: 'id+len+data',
      order: 'le',
    });
    expect(() => parseCrcSetting('modbus')).toThrow(/unknown CRC "modbus"/);
    expect(() => parseCrcSetting('arc/all')).toThrow(/coverage "all"/);
    expect(() => parseCrcSetting('arc/data/middle')).toThrow(/byte order "middle"/);
    expect(() => parseCrcSetting('auto', { order: 'le' })).toThrow(/auto/);
  });

  it('refuses to encode impossible frames', () => {
    expect(() => encodeFrame(256, new Uint8Array(0))).toThrow(/protocol id/);
    expect(() => encodeFrame(1, new Uint8Array(256))).toThrow(/at most 255/);
  });
});

/** A frame whose DATA and CRC both contain the start and stop bytes, found by search (no stuffing). */
function hazardousFrame(variant: CrcVariant): Uint8Array {
  for (let n = 0; n < 65536; n++) {
    const data = Uint8Array.of(0x78, 0x79, 0x78, n >> 8, n & 0xff, 0x79);
    const frame = encodeFrame(0x51, data, variant);
    const crc = frame.subarray(9, 11);
    if (crc.includes(0x78) || crc.includes(0x79)) return frame;
  }
  throw new Error('no frame found');
}

describe('ControllerBoxFramer', () => {
  const frameA = encodeFrame(0x13, Uint8Array.of(0x01));
  const frameB = encodeFrame(0x51, Uint8Array.of(0, 0, 0x27, 0x10, 0));
  const frameC = encodeFrame(0x50, parseHex('04 de ad be ef 00 00 c3 50 18 05 11 00'));

  it('decodes frames whose DATA and CRC contain 0x78 and 0x79 (every variant)', () => {
    for (const variant of ALL_CRC_VARIANTS) {
      const frame = hazardousFrame(variant);
      const { framer, frames, errors } = collect(variant);
      framer.push(frame);
      framer.push(frame.subarray(0, 5));
      framer.push(frame.subarray(5));
      expect(errors).toEqual([]);
      expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(frame), toHex(frame)]);
      expect(toHex(frames[0]?.data ?? new Uint8Array())).toBe(toHex(frame.subarray(3, 9)));
    }
  });

  it('decodes frames split byte by byte and several frames in one chunk', () => {
    const all = Uint8Array.from([...frameA, ...frameB, ...frameC]);
    const byByte = collect();
    for (const b of all) byByte.framer.push(Uint8Array.of(b));
    const oneChunk = collect();
    oneChunk.framer.push(all);
    for (const { frames, errors, framer } of [byByte, oneChunk]) {
      expect(errors).toEqual([]);
      expect(frames.map((f) => f.id)).toEqual([0x13, 0x51, 0x50]);
      expect(framer.stats).toEqual({ frames: 3, crcErrors: 0, badFrames: 0, garbageBytes: 0 });
      expect(framer.pending).toBe(0);
    }
  });

  it('decodes at every split point of a three-frame stream', () => {
    const all = Uint8Array.from([...frameA, ...frameB, ...frameC]);
    for (let cut = 1; cut < all.length; cut++) {
      const { framer, frames } = collect();
      framer.push(all.subarray(0, cut));
      framer.push(all.subarray(cut));
      expect(frames.map((f) => f.id)).toEqual([0x13, 0x51, 0x50]);
    }
  });

  it('skips garbage between frames (including stray stop bytes) and reports it', () => {
    const { framer, frames, errors } = collect();
    framer.push(Uint8Array.from([0x00, 0x79, 0xff, ...frameA, 0x79, 0x79, 0x55, ...frameB]));
    expect(frames.map((f) => f.id)).toEqual([0x13, 0x51]);
    expect(errors.map((e) => [e.kind, toHex(e.raw)])).toEqual([
      ['garbage', '00 79 ff'],
      ['garbage', '79 79 55'],
    ]);
    expect(framer.stats.garbageBytes).toBe(6);
  });

  it('drops a frame with a corrupted CRC and keeps the next one', () => {
    const bad = frameB.slice();
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0x01;
    const { framer, frames, errors } = collect();
    framer.push(Uint8Array.from([...bad, ...frameA]));
    expect(frames.map((f) => f.id)).toEqual([0x13]);
    expect(errors).toEqual([{ kind: 'crc', raw: bad, id: 0x51 }]);
    expect(framer.stats.crcErrors).toBe(1);
  });

  it('drops a frame with corrupted DATA and keeps the next one', () => {
    const bad = frameC.slice();
    bad[6] = (bad[6] ?? 0) ^ 0x80;
    const { framer, frames } = collect();
    framer.push(Uint8Array.from([...bad, ...frameA]));
    expect(frames.map((f) => f.id)).toEqual([0x13]);
    expect(framer.stats.crcErrors).toBe(1);
  });

  it('resynchronises on a start byte inside a bad frame (a false start byte in garbage)', () => {
    // 78 13 02 looks like the start of a 2-byte frame, and swallows the real frame's first bytes
    const { framer, frames, errors } = collect();
    framer.push(Uint8Array.from([0x78, 0x13, 0x02, ...frameA]));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(frameA)]);
    expect(errors[0]?.kind).toBe('stop');
    expect(framer.stats.badFrames).toBe(1);
  });

  it('rejects over-long frames (more bytes than DATA_LEN says) and short ones, keeping the next frame', () => {
    // DATA_LEN says 1 but 2 bytes of DATA follow: the stop byte is not where it must be
    const overLong = Uint8Array.from([0x78, 0x13, 0x01, 0x01, 0x02, ...frameA.subarray(4)]);
    // DATA_LEN says 3 but only 1 byte of DATA follows
    const short = Uint8Array.from([0x78, 0x13, 0x03, 0x01, 0xc0, 0xc1, 0x79]);
    const { framer, frames, errors } = collect();
    framer.push(Uint8Array.from([...overLong, ...short, ...frameB]));
    expect(frames.map((f) => f.id)).toEqual([0x51]);
    expect(errors.some((e) => e.kind === 'stop')).toBe(true);
    expect(framer.stats.frames).toBe(1);
  });

  it('reports a truncated frame on flush and parses what is behind its start', () => {
    const { framer, frames, errors } = collect();
    // right after a good frame a start byte is trusted: the framer waits for its 240 bytes of DATA
    framer.push(Uint8Array.from([...frameB, 0x78, 0x50, 0xf0, ...frameA]));
    expect(frames.map((f) => f.id)).toEqual([0x51]);
    framer.flush();
    expect(frames.map((f) => f.id)).toEqual([0x51, 0x13]);
    expect(errors[0]?.kind).toBe('truncated');
    framer.push(frameB.subarray(0, 4));
    framer.flush();
    expect(errors.at(-1)).toEqual({ kind: 'truncated', raw: frameB.subarray(0, 4), id: 0x51 });
    expect(framer.pending).toBe(0);
  });

  it('after garbage or a bad frame, gives up a cut candidate as soon as a complete good frame follows it', () => {
    const { framer, frames, errors } = collect();
    // unsynchronised (start of stream): 78 50 f0 would need 246 bytes, but a valid frame is already here
    framer.push(Uint8Array.from([0x78, 0x50, 0xf0, ...frameA.subarray(0, 3)]));
    expect(frames).toHaveLength(0);
    framer.push(frameA.subarray(3));
    expect(frames.map((f) => f.id)).toEqual([0x13]);
    expect(errors.map((e) => e.kind)).toEqual(['truncated']);
    // the same after a CRC error in the middle of a stream
    const bad = frameB.slice();
    bad[5] = 0x78;
    framer.push(Uint8Array.from([...bad, ...frameC, ...frameA]));
    expect(frames.map((f) => f.id)).toEqual([0x13, 0x50, 0x13]);
    expect(framer.pending).toBe(0);
  });

  it('rejects a DATA_LEN above the configured maximum at once', () => {
    const { framer, frames, errors } = collect(DEFAULT_CRC_VARIANT, 32);
    framer.push(Uint8Array.from([0x78, 0x50, 0x80, ...frameA]));
    expect(frames.map((f) => f.id)).toEqual([0x13]);
    expect(errors[0]).toEqual({ kind: 'length', raw: Uint8Array.of(0x78, 0x50, 0x80), id: 0x50 });
  });

  it('copes with a frame of 255 data bytes', () => {
    const data = Uint8Array.from({ length: 255 }, (_, i) => i);
    const frame = encodeFrame(0x99, data);
    const { framer, frames } = collect();
    for (let i = 0; i < frame.length; i += 7) framer.push(frame.subarray(i, i + 7));
    expect(toHex(frames[0]?.data ?? new Uint8Array())).toBe(toHex(data));
  });
});

describe('ControllerBoxFramer onFrame / onError (deprecated option names)', () => {
  it('deliver frames and errors like the sink', () => {
    const good = encodeFrame(0x13, Uint8Array.of(0x01));
    const bad = Uint8Array.from(good);
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0xff;
    const frames: string[] = [];
    const errors: string[] = [];
    const framer = new ControllerBoxFramer({
      onFrame: (f) => frames.push(toHex(f.raw)),
      onError: (e) => errors.push(`${e.kind} ${toHex(e.raw)}`),
    });
    framer.push(Uint8Array.from([...bad, ...good]));
    expect(frames).toEqual([toHex(good)]);
    expect(errors).toEqual([`crc ${toHex(bad)}`]);
  });
});

describe('CRC auto detection', () => {
  it.each(ALL_CRC_VARIANTS.map((variant) => [crcVariantName(variant), variant] as const))(
    'locks %s from frames with non-zero data and reports it once',
    (_, variant) => {
      const { framer, frames, detected } = collect('auto');
      expect(framer.variant).toBeUndefined();
      framer.push(encodeFrame(0x01, Uint8Array.of(0), variant)); // zero data: cannot tell the algorithm
      framer.push(encodeFrame(0x13, Uint8Array.of(1), variant));
      framer.push(encodeFrame(0x51, Uint8Array.of(0, 1, 0x86, 0xa0, 0), variant));
      framer.push(encodeFrame(0x52, Uint8Array.of(1, 0), variant));
      expect(frames).toHaveLength(4);
      expect(detected).toEqual([variant]);
      expect(framer.variant).toEqual(variant);
      expect(framer.sendVariant).toEqual(variant);
    },
  );

  it('keeps the default as send variant while zero-data frames leave the algorithm open', () => {
    const { framer, frames } = collect('auto');
    framer.push(parseHex('78 01 01 00 00 00 79'));
    expect(frames).toHaveLength(1);
    expect(framer.variant).toBeUndefined();
    expect(framer.candidates.every((c) => c.coverage === 'data')).toBe(true);
    expect(framer.sendVariant).toEqual(DEFAULT_CRC_VARIANT);
  });

  it('locks xmodem/data/be from the Play Audio vector alone', () => {
    const { framer, detected } = collect('auto');
    framer.push(parseHex('78 13 01 01 10 21 79'));
    expect(detected).toEqual([v('xmodem/data/be')]);
  });

  it('does not let a corrupted frame lock, and re-detects after a wrong lock', () => {
    const real = v('xmodem/start..data/le');
    const wrong = v('arc/id+len+data/be');
    const { framer, frames, detected } = collect('auto');
    // a garbled frame that happens to be valid under another variant locks that one first
    framer.push(encodeFrame(0x31, Uint8Array.of(0x05), wrong));
    expect(framer.variant).toEqual(wrong);
    framer.push(encodeFrame(0x31, Uint8Array.of(0x07), real));
    framer.push(encodeFrame(0x31, Uint8Array.of(0x08), real));
    expect(framer.variant).toEqual(wrong);
    framer.push(encodeFrame(0x31, Uint8Array.of(0x09), real));
    expect(framer.variant).toEqual(real);
    expect(detected).toEqual([wrong, real]);
    // the frames held back while the wrong variant was locked are delivered, none is lost
    expect(frames.map((f) => f.data[0])).toEqual([0x05, 0x07, 0x08, 0x09]);
  });

  it('reports held frames as CRC errors when the locked variant is confirmed', () => {
    const real = v('arc/data/be');
    const { framer, frames, errors } = collect('auto');
    framer.push(encodeFrame(0x31, Uint8Array.of(0x05), real));
    expect(framer.variant).toEqual(real);
    framer.push(encodeFrame(0x31, Uint8Array.of(0x07), v('xmodem/data/le')));
    expect(errors).toEqual([]);
    framer.push(encodeFrame(0x31, Uint8Array.of(0x08), real));
    expect(frames.map((f) => f.data[0])).toEqual([0x05, 0x08]);
    expect(errors.map((e) => [e.kind, e.raw[3]])).toEqual([['crc', 0x07]]);
    framer.push(encodeFrame(0x31, Uint8Array.of(0x09), v('xmodem/data/le')));
    framer.end();
    expect(errors.map((e) => [e.kind, e.raw[3]])).toEqual([
      ['crc', 0x07],
      ['crc', 0x09],
    ]);
    expect(framer.stats.crcErrors).toBe(2);
  });

  it('only lets plausible frames steer the detection', () => {
    const frames: number[] = [];
    const framer = new ControllerBoxFramer({
      crc: 'auto',
      plausible: (id) => id !== 0x99,
      frame: (f) => frames.push(f.id),
    });
    framer.push(encodeFrame(0x99, Uint8Array.of(1, 2, 3), v('xmodem/id+len+data/le')));
    expect(framer.variant).toBeUndefined();
    expect(framer.candidates).toHaveLength(12);
    framer.push(encodeFrame(0x13, Uint8Array.of(1, 2, 3), v('arc/start..data/be')));
    expect(framer.variant).toEqual(v('arc/start..data/be'));
    expect(frames).toEqual([0x99, 0x13]);
  });

  it('never re-detects with a fixed variant', () => {
    const { framer, frames } = collect(DEFAULT_CRC_VARIANT);
    for (let i = 0; i < 5; i++) framer.push(encodeFrame(0x31, Uint8Array.of(i + 1), v('xmodem')));
    expect(frames).toHaveLength(0);
    expect(framer.stats.crcErrors).toBe(5);
  });
});
