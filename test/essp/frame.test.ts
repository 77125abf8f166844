import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, parseHex, toHex } from '../../src/core/bytes.js';
import { CRC16_SSP } from '../../src/core/crc.js';
import { ErrorCode, type KioskbusError } from '../../src/core/errors.js';
import type { FrameError } from '../../src/core/framer.js';
import {
  decodeFrames,
  encodeFrame,
  SspFrameDecoder,
  SspFramer,
  type SspFrame,
  type SspReceivedFrame,
} from '../../src/essp/frame.js';
import { prng } from '../helpers/prng.js';

/** CRC-valid frames from the ITL manuals and real captures (research/essp.md §4.1, §4.2, ecosystem.md §3). */
const VECTORS: readonly [string, string][] = [
  ['SYNC', '7F 80 01 11 65 82'],
  ['SYNC reply OK', '7F 80 01 F0 23 80'],
  ['POLL seq 1', '7F 80 01 07 12 02'],
  ['POLL seq 0', '7F 00 01 07 11 88'],
  ['reset + disabled', '7F 80 03 F0 F1 E8 BF 8C'],
  ['credit ch1 + stacked', '7F 80 04 F0 EE 01 EB B9 48'],
  ['POLL_WITH_ACK', '7F 80 01 56 F7 83'],
  ['stacking, credit 1', '7F 80 04 F0 CC EE 01 62 AA'],
  ['HOST_PROTOCOL_VERSION 8', '7F 80 02 06 08 03 94'],
  ['FAIL', '7F 80 01 F8 10 00'],
  ['GET_SERIAL_NUMBER', '7F 80 01 0C 2B 82'],
  ['serial 1873452', '7F 80 05 F0 00 1C 96 2C D4 97'],
  ['SET_GENERATOR 982451653', '7F 80 09 4A C5 05 8F 3A 00 00 00 00 B2 73'],
  ['SET_MODULUS 1287821', '7F 80 09 4B 8D A6 13 00 00 00 00 00 6C F6'],
  ['REQUEST_KEY_EXCHANGE', '7F 80 09 4C 79 C8 9C E2 DE 06 00 00 9D 52'],
  ['REQUEST_KEY_EXCHANGE reply', '7F 80 09 F0 23 68 1B FA E5 3C 27 DB 80 8A'],
  ['SET_FIXED_KEY', '7F 80 09 60 67 45 23 01 67 45 23 01 BF 6F'],
  ['SETUP_REQUEST reply', '7F 80 17 F0 00 30 31 30 30 47 42 50 00 00 01 03 05 0A 14 02 02 02 40 00 00 05 61 81'],
  ['UNIT_DATA reply', '7F 80 0D F0 00 30 33 30 30 45 55 52 01 00 00 07 01 85'],
  ['PAYOUT_AMOUNT', '7F 80 09 33 F4 01 00 00 45 55 52 58 C3 EE'],
  ['cannot pay exact', '7F 80 02 F5 02 30 3E'],
  [
    'GET_ALL_LEVELS reply',
    '7F 80 26 F0 04 64 00 14 00 00 00 45 55 52 41 00 32 00 00 00 45 55 52 00 00 64 00 00 00 45 55 52 0C 00 C8 00 00 00 45 55 52 84 D0',
  ],
  ['GET_COUNTERS reply', '7F 80 16 F0 05 11 00 00 00 28 00 00 00 23 00 00 00 0A 00 00 00 10 00 00 00 72 B7'],
  ['HALTED v6', '7F 80 0A F0 D6 01 FA 05 00 00 45 55 52 4D 49'],
  ['CASHBOX_PAID v6 addr 0x10', '7F 90 11 F0 DE 02 12 02 00 00 47 42 50 14 00 00 00 45 55 52 3A 50'],
  ['COIN_CREDIT v6', '7F 90 09 F0 DF F4 01 00 00 47 42 50 89 0F'],
  ['VALUE_ADDED v7', '7F 80 11 F0 BF 02 DC 00 00 00 45 55 52 68 01 00 00 47 42 50 D1 05'],
  ['NOTE_TRANSFERRED_TO_STACKER', '7F 80 09 F0 C9 F4 01 00 00 45 55 52 DA C9'],
  [
    'PAYOUT_BY_DENOMINATION',
    '7F 80 27 46 04 04 00 64 00 00 00 45 55 52 05 00 0A 00 00 00 45 55 52 03 00 64 00 00 00 47 42 50 02 00 32 00 00 00 47 42 50 58 94 B7',
  ],
  ['SET_DENOMINATION_ROUTE v6', '7F 80 09 3B 00 0A 00 00 00 45 55 52 08 43'],
  ['printer address 0x40', '7F 40 01 72 2F 8C'],
  ['printer reply', '7F 40 01 F0 23 8F'],
  ['SYNC seq 0 (older library)', '7F 00 01 11 66 08'],
  ['SET_GENERATOR (older library capture)', '7f80094a13fa000000000000afc2'],
  ['G973 encrypted POLL', '7F 80 11 7E 92 2C F0 C6 74 40 D1 38 B9 17 18 4D FC 76 11 B4 E3 66'],
  ['real device encrypted reply', '7F 00 11 7E 70 2F FE 1D 41 19 44 AD DA D1 DF D6 77 F5 33 CC 63 1D'],
  ['ssp-rs encrypted HOST_PROTOCOL_VERSION', '7F 80 11 7E 86 01 F3 A7 85 EC 6F 4B 3D 0F F0 FE D4 8D 16 64 2A 23'],
];

/** A framer that collects its frames and the errors of dropped frames (runs of garbage are only counted). */
function collect(): {
  decoder: SspFramer;
  frames: { frame: SspFrame; raw: Uint8Array }[];
  errors: FrameError[];
} {
  const frames: { frame: SspFrame; raw: Uint8Array }[] = [];
  const errors: FrameError[] = [];
  const decoder = new SspFramer({
    frame: (frame) => frames.push({ frame, raw: frame.raw }),
    error: (error) => {
      if (error.kind !== 'garbage') errors.push(error);
    },
  });
  return { decoder, frames, errors };
}

function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** A frame whose CRC contains 0x7F in both bytes is hard to find by hand: search small payloads. */
function findFrame(predicate: (encoded: Uint8Array, frame: SspFrame) => boolean): SspFrame {
  for (let a = 0; a < 0x10000; a++) {
    const frame: SspFrame = { address: 0, seq: 1, data: Uint8Array.of(0xf0, a & 0xff, a >>> 8) };
    if (predicate(encodeFrame(frame), frame)) return frame;
  }
  throw new Error('no such frame');
}

describe('eSSP frame vectors', () => {
  it.each(VECTORS)('%s decodes and re-encodes byte-identical', (_name, hex) => {
    const raw = parseHex(hex);
    const { decoder, frames, errors } = collect();
    decoder.push(raw);
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    const got = frames[0];
    if (!got) throw new Error('no frame');
    expect(got.frame.address).toBe((raw[1] ?? 0) & 0x7f);
    expect(got.frame.seq).toBe((raw[1] ?? 0) >> 7);
    expect(toHex(got.frame.data)).toBe(toHex(raw.subarray(3, 3 + (raw[2] ?? 0))));
    expect(toHex(got.raw)).toBe(toHex(raw));
    expect(toHex(encodeFrame(got.frame))).toBe(toHex(raw));
    expect(decoder.stats).toEqual({ frames: 1, crcErrors: 0, badFrames: 0, garbageBytes: 0 });
  });

  it('encodes SYNC as the manual shows', () => {
    expect(toHex(encodeFrame({ address: 0, seq: 1, data: Uint8Array.of(0x11) }))).toBe('7f 80 01 11 65 82');
  });

  it('decodes the whole vector list as one stream, in order', () => {
    const stream = concatBytes(VECTORS.map(([, hex]) => parseHex(hex)));
    const { frames, stats } = decodeFrames(stream);
    expect(frames.map((f) => toHex(f.raw))).toEqual(VECTORS.map(([, hex]) => toHex(parseHex(hex))));
    expect(stats.crcErrors + stats.badFrames + stats.garbageBytes).toBe(0);
  });
});

describe('eSSP stuffing', () => {
  it('stuffs 0x7F in the data', () => {
    const raw = encodeFrame({ address: 0, seq: 0, data: Uint8Array.of(0xf0, 0x7f, 0x01) });
    expect(toHex(raw.subarray(0, 6))).toBe('7f 00 03 f0 7f 7f');
    const { frames } = decodeFrames(raw);
    expect(toHex(frames[0]?.frame.data ?? new Uint8Array())).toBe('f0 7f 01');
  });

  it('stuffs LEN = 0x7F', () => {
    const data = new Uint8Array(0x7f).fill(0x01);
    const raw = encodeFrame({ address: 3, seq: 1, data });
    expect(toHex(raw.subarray(0, 4))).toBe('7f 83 7f 7f');
    const { frames, stats } = decodeFrames(raw);
    expect(frames).toHaveLength(1);
    expect(bytesEqual(frames[0]?.frame.data ?? new Uint8Array(), data)).toBe(true);
    expect(stats.frames).toBe(1);
  });

  it('stuffs a CRC low byte of 0x7F and a CRC high byte of 0x7F', () => {
    const lo = findFrame((e) => CRC16_SSP.compute(e, 1, e.length - 2) % 256 === 0x7f);
    const hi = findFrame((e) => e[e.length - 1] === 0x7f && e[e.length - 2] === 0x7f && e[e.length - 3] !== 0x7f);
    for (const frame of [lo, hi]) {
      const raw = encodeFrame(frame);
      const stuffedCount = raw.filter((b) => b === 0x7f).length;
      expect(stuffedCount).toBeGreaterThanOrEqual(3);
      // byte by byte and whole
      for (const chunking of [1, raw.length]) {
        const { decoder, frames, errors } = collect();
        for (let i = 0; i < raw.length; i += chunking) decoder.push(raw.subarray(i, i + chunking));
        expect(errors).toEqual([]);
        expect(frames).toHaveLength(1);
        expect(toHex(frames[0]?.frame.data ?? new Uint8Array())).toBe(toHex(frame.data));
      }
    }
  });

  it('frames of all 0x7F data survive every split point', () => {
    const frame: SspFrame = { address: 0x10, seq: 0, data: new Uint8Array(9).fill(0x7f) };
    const raw = encodeFrame(frame);
    for (let cut = 1; cut < raw.length; cut++) {
      const { decoder, frames, errors } = collect();
      decoder.push(raw.subarray(0, cut));
      decoder.push(raw.subarray(cut));
      expect(errors).toEqual([]);
      expect(frames.map((f) => toHex(f.frame.data))).toEqual([toHex(frame.data)]);
    }
  });

  it('rejects invalid frames to encode', () => {
    expect(() => encodeFrame({ address: 0x7e, seq: 0, data: Uint8Array.of(1) })).toThrow(/address/);
    expect(() => encodeFrame({ address: 0, seq: 0, data: new Uint8Array() })).toThrow(/1\.\.255/);
    expect(() => encodeFrame({ address: 0, seq: 0, data: new Uint8Array(256) })).toThrow(/1\.\.255/);
    expect(() => encodeFrame({ address: 0, seq: 2 as 0, data: Uint8Array.of(1) })).toThrow(/sequence/);
  });
});

describe('eSSP streaming decoder', () => {
  const stream = concatBytes(VECTORS.map(([, hex]) => parseHex(hex)));

  it('decodes byte by byte', () => {
    const { decoder, frames } = collect();
    for (const b of stream) decoder.push(Uint8Array.of(b));
    expect(frames).toHaveLength(VECTORS.length);
    expect(decoder.pending).toBe(0);
  });

  it('decodes in random chunk sizes', () => {
    const rand = prng(7);
    for (let round = 0; round < 20; round++) {
      const { decoder, frames } = collect();
      let i = 0;
      while (i < stream.length) {
        const n = 1 + Math.floor(rand() * 40);
        decoder.push(stream.subarray(i, i + n));
        i += n;
      }
      expect(frames.map((f) => toHex(f.raw))).toEqual(VECTORS.map(([, hex]) => toHex(parseHex(hex))));
    }
  });

  it('skips garbage between frames and counts it', () => {
    const a = parseHex('7F 80 01 11 65 82');
    const b = parseHex('7F 80 04 F0 EE 01 EB B9 48');
    const { decoder, frames, errors } = collect();
    decoder.push(concatBytes([parseHex('00 13 ee'), a, parseHex('01 02 03 04'), b, parseHex('aa')]));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(a), toHex(b)]);
    expect(errors).toEqual([]);
    expect(decoder.stats.garbageBytes).toBe(8);
    expect(decoder.stats.frames).toBe(2);
  });

  it('drops a frame with a bad CRC, reports it and keeps the next one', () => {
    const bad = parseHex('7F 80 04 F0 EE 01 EB B9 49');
    const good = parseHex('7F 80 01 F0 23 80');
    const { decoder, frames, errors } = collect();
    decoder.push(concatBytes([bad, good]));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(good)]);
    expect(decoder.stats.crcErrors).toBe(1);
    expect(errors[0]?.kind).toBe('crc');
    expect(toHex(errors[0]?.raw ?? new Uint8Array())).toBe(toHex(bad));
  });

  it('restarts on a lone 0x7F inside a frame', () => {
    const partial = parseHex('7F 80 17 F0 00 30 31'); // SETUP_REQUEST reply cut short
    const good = parseHex('7F 80 03 F0 F1 E8 BF 8C');
    const { decoder, frames, errors } = collect();
    for (const b of concatBytes([partial, good])) decoder.push(Uint8Array.of(b));
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(good)]);
    expect(decoder.stats.badFrames).toBe(1);
    expect(errors.map((e) => e.kind)).toEqual(['interrupted']);
  });

  it('finds a frame whose STX directly follows a stray 0x7F', () => {
    const good = parseHex('7F 80 01 11 65 82');
    for (const prefix of ['7F', '05 7F', '7F 7F 7F', '7F 00 7F']) {
      const { decoder, frames } = collect();
      decoder.push(concatBytes([parseHex(prefix), good]));
      expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(good)]);
    }
  });

  it('delivers a frame swallowed by a false frame as soon as its last byte arrives, byte by byte', () => {
    // `7F 00 30` announces 48 bytes; the stray 0x7F before the real STX reads as a stuffed pair inside that false frame.
    const good = parseHex('7F 80 01 11 65 82');
    for (const prefix of ['7F 00 30 11 7F', '7F 00 30 7F']) {
      const { decoder, frames } = collect();
      const stream = concatBytes([parseHex(prefix), good]);
      for (const byte of stream) decoder.push(Uint8Array.of(byte));
      expect(
        frames.map((f) => toHex(f.raw)),
        prefix,
      ).toEqual([toHex(good)]);
    }
  });

  it('finds a good frame swallowed by a false frame started by garbage (resync after the false STX)', () => {
    // Garbage `7F 80 20` announces 32 data bytes; the real frame that follows is read as its data; after the CRC of
    // that false frame fails, the decoder hunts again from the byte after the false STX.
    const good = parseHex('7F 80 04 F0 EE 01 EB B9 48');
    const tail = parseHex('7F 80 01 F0 23 80');
    const garbage = concatBytes([parseHex('7F 80 20 01 02 7F'), good, new Uint8Array(40), tail]);
    const { decoder, frames } = collect();
    for (const b of garbage) decoder.push(Uint8Array.of(b));
    expect(frames.map((f) => toHex(f.raw))).toContain(toHex(good));
    expect(frames.map((f) => toHex(f.raw))).toContain(toHex(tail));
  });

  it('rejects LEN 0 and keeps going', () => {
    const good = parseHex('7F 80 01 F0 23 80');
    const { decoder, frames, errors } = collect();
    decoder.push(concatBytes([parseHex('7F 80 00 12 34'), good]));
    expect(frames).toHaveLength(1);
    expect(errors[0]?.kind).toBe('length');
  });

  it('reset() drops a partial frame', () => {
    const good = parseHex('7F 80 01 F0 23 80');
    const { decoder, frames } = collect();
    decoder.push(good.subarray(0, 4));
    expect(decoder.pending).toBe(4);
    decoder.reset();
    decoder.push(good.subarray(4));
    decoder.push(good);
    expect(frames).toHaveLength(1);
  });

  it('takes bytes pushed from inside a frame handler after the current pass', () => {
    const a = parseHex('7F 80 01 F0 23 80');
    const b = parseHex('7F 80 04 F0 EE 01 EB B9 48');
    const seen: string[] = [];
    let pushed = false;
    const decoder: SspFramer = new SspFramer({
      frame: (frame) => {
        seen.push(toHex(frame.raw));
        if (!pushed) {
          pushed = true;
          decoder.push(b);
        }
      },
    });
    decoder.push(concatBytes([a, a]));
    // bytes pushed by the handler arrive after everything pushed before them
    expect(seen).toEqual([toHex(a), toHex(a), toHex(b)]);
  });

  it('bytes pushed from a handler never disturb the frames still to come in the current pass', () => {
    // The stream is fed partly from inside the frame handler (the next chunk, so the order stays that of the stream),
    // in chunks of sizes around the receive buffer's capacity: appending during a pass must not move or overwrite the
    // bytes the pass still reads.
    const frames = Array.from({ length: 400 }, (_, i) =>
      encodeFrame({ address: i % 3, seq: (i % 2) as 0 | 1, data: Uint8Array.of(0xf0, i & 0xff, i >> 8) }),
    );
    const stream = concatBytes(frames);
    for (const size of [7, 61, 500, 1000, 1017, 1024, 1031, 2000]) {
      const seen: string[] = [];
      const errors: FrameError[] = [];
      let at = 0;
      const feed = (): void => {
        const chunk = stream.subarray(at, at + size);
        at += size;
        decoder.push(chunk);
      };
      const decoder: SspFramer = new SspFramer({
        frame: (frame) => {
          seen.push(toHex(frame.raw));
          if (seen.length % 25 === 0 && at < stream.length) feed();
        },
        error: (error) => errors.push(error),
      });
      while (at < stream.length) feed();
      expect(errors, `chunks of ${size}`).toEqual([]);
      expect(seen, `chunks of ${size}`).toEqual(frames.map((f) => toHex(f)));
    }
  });

  it('a throwing handler does not make the decoder see the same frame twice', () => {
    const a = parseHex('7F 80 01 F0 23 80');
    let calls = 0;
    const decoder = new SspFramer({
      frame: () => {
        calls++;
        throw new Error('handler bug');
      },
    });
    expect(() => {
      decoder.push(a);
    }).toThrow('handler bug');
    decoder.push(parseHex('00'));
    expect(calls).toBe(1);
    expect(decoder.pending).toBe(0);
  });

  it('delivers a copy that later input does not change', () => {
    const { decoder, frames } = collect();
    decoder.push(parseHex('7F 80 04 F0 EE 01 EB B9 48'));
    decoder.push(new Uint8Array(2000).fill(0x55));
    expect(toHex(frames[0]?.frame.data ?? new Uint8Array())).toBe('f0 ee 01 eb');
  });
});

describe('SspFrameDecoder (deprecated adapter)', () => {
  it('delivers frame and raw apart and reports dropped frames (not garbage) as KioskbusErrors', () => {
    const bad = parseHex('7F 80 04 F0 EE 01 EB B9 49');
    const good = parseHex('7F 80 01 F0 23 80');
    const frames: { frame: SspFrame; raw: Uint8Array }[] = [];
    const errors: KioskbusError[] = [];
    const decoder = new SspFrameDecoder({
      frame: (frame, raw) => frames.push({ frame, raw }),
      error: (error) => errors.push(error),
    });
    decoder.push(concatBytes([parseHex('00 13'), bad, good, parseHex('7F 80 00 12 34')]));
    expect(frames.map((f) => [f.frame.address, f.frame.seq, toHex(f.frame.data), toHex(f.raw)])).toEqual([
      [0, 1, 'f0', toHex(good)],
    ]);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.CrcMismatch, ErrorCode.BadFrame]);
    expect(toHex(errors[0]?.context.raw ?? new Uint8Array())).toBe(toHex(bad));
    expect(errors[0]?.context.frameError).toBe('crc');
    expect(decoder.stats.garbageBytes).toBeGreaterThan(0);
  });
});

describe('eSSP framer copies', () => {
  it("gives every frame bytes of its own: not the caller's chunk, not another frame's", () => {
    const a = encodeFrame({ address: 0, seq: 1, data: parseHex('F0 EE 01 EB') });
    const b = encodeFrame({ address: 0, seq: 0, data: parseHex('F0 05 11 00 00 00 28') });
    const c = encodeFrame({ address: 0, seq: 1, data: parseHex('F0') });
    const stream = new Uint8Array([...a, ...b, ...c]);
    const frames: SspReceivedFrame[] = [];
    const framer = new SspFramer({ frame: (f) => frames.push(f) });
    // whole frames (fast path), then a frame held over two chunks (kept from its STX), then the rest
    const cut = a.length + 5;
    const first = stream.slice(0, cut);
    const second = stream.slice(cut);
    framer.push(first);
    framer.push(second);
    first.fill(0);
    second.fill(0);
    expect(frames.map((f) => toHex(f.raw))).toEqual([toHex(a), toHex(b), toHex(c)]);
    expect(frames.map((f) => toHex(f.data))).toEqual(['f0 ee 01 eb', 'f0 05 11 00 00 00 28', 'f0']);
    // raw and data of one frame are one copy (data is read only); frames never overlap each other
    const [fa, fb] = frames;
    if (!fa || !fb) throw new Error('frames missing');
    fa.raw.fill(0x11);
    expect(toHex(fb.raw)).toBe(toHex(b));
  });
});

describe('eSSP decoder fuzz', () => {
  it('never crashes on random bytes and finds false frames only at the rate of chance', () => {
    const rand = prng(12345);
    const { decoder, frames } = collect();
    const total = 2_000_000;
    for (let i = 0; i < total; i += 4096) decoder.push(randomBytes(rand, 4096));
    // A false frame needs a 0x7F followed by a plausible header and a matching 16-bit CRC: about
    // (1/256 candidates per byte) * (1/65536) per byte, i.e. ~0.12 expected in 2 MB; allow a few.
    expect(frames.length).toBeLessThanOrEqual(3);
    expect(decoder.stats.garbageBytes).toBeGreaterThan(total / 2);
  });

  it('recovers every good frame interleaved with random garbage free of 0x7F', () => {
    const rand = prng(99);
    const parts: Uint8Array[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 500; i++) {
      const junk = randomBytes(rand, Math.floor(rand() * 20)).map((b) => (b === 0x7f ? 0x7e : b));
      parts.push(junk);
      const data = randomBytes(rand, 1 + Math.floor(rand() * 60));
      const frame: SspFrame = { address: Math.floor(rand() * 0x7e), seq: rand() < 0.5 ? 0 : 1, data };
      const raw = encodeFrame(frame);
      parts.push(raw);
      expected.push(toHex(raw));
    }
    const stream = concatBytes(parts);
    const { decoder, frames } = collect();
    let i = 0;
    while (i < stream.length) {
      const n = 1 + Math.floor(rand() * 64);
      decoder.push(stream.subarray(i, i + n));
      i += n;
    }
    expect(frames.map((f) => toHex(f.raw))).toEqual(expected);
  });

  it('recovers every good frame right after garbage that contains 0x7F', () => {
    const rand = prng(2024);
    let recovered = 0;
    const rounds = 300;
    for (let r = 0; r < rounds; r++) {
      const junk = randomBytes(rand, 1 + Math.floor(rand() * 12));
      junk[Math.floor(rand() * junk.length)] = 0x7f;
      const good = encodeFrame({ address: 0, seq: 1, data: randomBytes(rand, 1 + Math.floor(rand() * 8)) });
      const { decoder, frames } = collect();
      decoder.push(concatBytes([junk, good]));
      if (frames.some((f) => bytesEqual(f.raw, good))) recovered++;
    }
    expect(recovered).toBe(rounds);
  });
});
