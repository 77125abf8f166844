import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import { concatBytes, parseHex } from '../src/core/bytes.js';
import { buildAesKey, DEFAULT_FIXED_KEY, encryptPacket } from '../src/essp/crypto.js';
import { SspBus } from '../src/essp/bus.js';
import { encodeFrame, SspFramer } from '../src/essp/frame.js';
import { startSimulatorPair } from '../src/essp/simulator/pair.js';
import { measure, measureBytes, type BenchCase } from './types.js';

/** A long stream of realistic address-0 traffic: polls, event replies, setup replies, encrypted packets. */
function realisticStream(targetBytes: number): { bytes: Uint8Array; frames: number } {
  let seed = 42;
  const random = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      out[i] = seed >>> 24;
    }
    return out;
  };
  const key = buildAesKey(DEFAULT_FIXED_KEY, 0x12345678n);
  const plain = [
    parseHex('07'),
    parseHex('F0'),
    parseHex('F0 E8'),
    parseHex('F0 EF 00'),
    parseHex('F0 EE 01 EB'),
    parseHex('F0 00 30 31 30 30 47 42 50 00 00 01 03 05 0A 14 02 02 02 40 00 00 05'),
    parseHex('F0 05 11 00 00 00 28 00 00 00 23 00 00 00 0A 00 00 00 10 00 00 00'),
  ];
  const parts: Uint8Array[] = [];
  let size = 0;
  let count = 0;
  let seq: 0 | 1 = 0;
  while (size < targetBytes) {
    const i = count % 10;
    const data =
      i < plain.length
        ? (plain[i] ?? plain[0] ?? new Uint8Array(1))
        : encryptPacket(key, count, plain[i % 5] ?? new Uint8Array(1), random);
    const raw = encodeFrame({ address: 0, seq, data });
    seq = seq === 1 ? 0 : 1;
    parts.push(raw);
    size += raw.length;
    count++;
  }
  return { bytes: concatBytes(parts), frames: count };
}

const { bytes: stream, frames: streamFrames } = realisticStream(1 << 20);

/** Best of three 300 ms windows (both parsers alike): the 2 shared cores make single windows noisy. */
function bestOf(run: () => number): number {
  return Math.max(run(), run(), run());
}

function chunked(size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
}

/** A 64 KB stream cut as a serial port delivers it: fixed small sizes, or 1..32 bytes (deterministic). */
const small = realisticStream(64 * 1024);
function smallChunks(size: number | 'serial'): Uint8Array[] {
  const out: Uint8Array[] = [];
  let seed = 7;
  for (let i = 0; i < small.bytes.length;) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const n = size === 'serial' ? 1 + (seed >>> 27) : size;
    out.push(small.bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Chunks of 64 bytes and more have the 50 MB/s target; smaller ones are reported only. */
function kioskbusCase(chunkSize: number | 'serial'): BenchCase {
  const big = typeof chunkSize === 'number' && chunkSize >= 64;
  const chunks = big ? chunked(chunkSize) : smallChunks(chunkSize);
  const bytes = big ? stream.length : small.bytes.length;
  const frames = big ? streamFrames : small.frames;
  return {
    name:
      chunkSize === 'serial'
        ? 'eSSP framer decode, serial reads of 1..32 B (kioskbus)'
        : `eSSP framer decode, ${chunkSize} B chunks (kioskbus)`,
    unit: 'MB/s',
    ...(big ? { target: 50 } : {}),
    run: () => {
      let found = 0;
      const once = new SspFramer({
        frame: () => {
          found++;
        },
      });
      for (const c of chunks) once.push(c);
      const decoder = new SspFramer({ frame: () => undefined });
      const value = bestOf(() =>
        measureBytes(() => {
          for (const c of chunks) decoder.push(c);
        }, bytes),
      );
      return Promise.resolve({ value, note: `${found} of ${frames} frames found in one pass` });
    },
  };
}

function olderLibraryCase(chunkSize: number): BenchCase {
  const chunks = chunked(chunkSize);
  return {
    name: `eSSP parser, ${chunkSize} B chunks (encrypted-smiley-secure-protocol@0.0.11)`,
    unit: 'MB/s',
    run: () => {
      const require = createRequire(import.meta.url);
      let Parser: new (options: { id: number }) => Transform;
      try {
        Parser = require('encrypted-smiley-secure-protocol/src/parser.js') as typeof Parser;
      } catch {
        return Promise.resolve({ value: 0, note: 'encrypted-smiley-secure-protocol not installed' });
      }
      const make = (count: () => void): ((b: Buffer) => void) => {
        const parser = new Parser({ id: 0 });
        // Count packets without the stream machinery: the algorithm is what is compared.
        parser.push = (): boolean => {
          count();
          return true;
        };
        const transform = (
          parser as unknown as { _transform: (c: Buffer, e: null, cb: () => void) => void }
        )._transform.bind(parser);
        return (b) => {
          transform(b, null, noop);
        };
      };
      const noop = (): void => undefined;
      const buffers = chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length));
      let found = 0;
      const once = make(() => found++);
      for (const b of buffers) once(b);
      const feed = make(() => undefined);
      const value = bestOf(() =>
        measureBytes(() => {
          for (const b of buffers) feed(b);
        }, stream.length),
      );
      return Promise.resolve({ value, note: `${found} of ${streamFrames} frames found in one pass` });
    },
  };
}

const encodeCase: BenchCase = {
  name: 'eSSP encodeFrame (POLL reply with credit)',
  unit: 'ops/s',
  run: () => {
    const data = parseHex('F0 EE 01 EB');
    return Promise.resolve({ value: measure(() => encodeFrame({ address: 0, seq: 1, data })) });
  },
};

const encryptCase: BenchCase = {
  name: 'eSSP encryptPacket (POLL)',
  unit: 'ops/s',
  run: () => {
    const key = buildAesKey(DEFAULT_FIXED_KEY, 0x12345678n);
    const data = Uint8Array.of(0x07);
    let count = 0;
    return Promise.resolve({ value: measure(() => encryptPacket(key, count++, data)) });
  },
};

/** Host bus <-> the real simulator over an in-memory link, every POLL encrypted (eCOUNT, AES both ways). */
function roundTripCase(encrypt: boolean): BenchCase {
  return {
    name: `eSSP ${encrypt ? 'encrypted ' : ''}POLL round trips, SspBus <-> SspSimulator (memory link)`,
    unit: 'ops/s',
    ...(encrypt ? { target: 5000 } : {}),
    run: async () => {
      const pair = startSimulatorPair({ device: 'nv200' });
      const bus = new SspBus(pair.host, { encryptAll: encrypt });
      try {
        await bus.sync(0);
        if (encrypt) await bus.negotiateKey(0);
        const poll = Uint8Array.of(0x07);
        for (let i = 0; i < 3000; i++) await bus.exchange(0, poll); // JIT warm-up
        let n = 0;
        const start = performance.now();
        let now = start;
        while (now - start < 500) {
          for (let i = 0; i < 50; i++) await bus.exchange(0, poll);
          n += 50;
          now = performance.now();
        }
        return { value: (n * 1000) / (now - start), note: `${bus.stats.retransmits} resends` };
      } finally {
        await bus.close();
        await pair.close();
      }
    },
  };
}

const cases: BenchCase[] = [
  kioskbusCase(4096),
  kioskbusCase(64),
  kioskbusCase(16),
  kioskbusCase(4),
  kioskbusCase(1),
  kioskbusCase('serial'),
  olderLibraryCase(4096),
  olderLibraryCase(64),
  encodeCase,
  encryptCase,
  roundTripCase(true),
  roundTripCase(false),
];

export default cases;
