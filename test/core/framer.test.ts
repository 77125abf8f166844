/**
 * The one framer contract (src/core/framer.ts), checked the same way on the three framers: frames and dropped bytes
 * go to the sink in stream order, in any chunking; a bad CRC is a `crc` error with the raw frame and its address;
 * bytes outside frames are `garbage`; a push from inside the sink is taken after the current pass; `reset` drops a
 * held partial frame.
 */
import { describe, expect, it } from 'vitest';
import { CcnetFramer, encodeReply } from '../../src/ccnet/frame.js';
import { ControllerBoxFramer, encodeFrame as encodeBoxFrame } from '../../src/controllerbox/frame.js';
import { toHex } from '../../src/core/bytes.js';
import { ErrorCode } from '../../src/core/errors.js';
import {
  describeFrameError,
  frameErrorCode,
  frameErrorToKioskbusError,
  type FrameError,
  type Framer,
  type FrameSink,
} from '../../src/core/framer.js';
import { encodeFrame as encodeSspFrame, SspFramer } from '../../src/essp/frame.js';

interface Case {
  name: string;
  make: (sink: FrameSink<{ raw: Uint8Array }>) => Framer;
  /** A valid frame for the address with the payload. */
  encode: (address: number, payload: number[]) => Uint8Array;
  /** The address a frame's error `id` names. */
  address: number;
  /** Bytes that cannot start a frame. */
  garbage: number[];
}

const CASES: Case[] = [
  {
    name: 'eSSP',
    make: (sink) => new SspFramer(sink),
    encode: (address, payload) => encodeSspFrame({ address, seq: 1, data: Uint8Array.from(payload) }),
    address: 0x10,
    garbage: [0x01, 0x02, 0x03],
  },
  {
    name: 'CCNET',
    make: (sink) => new CcnetFramer(sink),
    encode: (address, payload) => encodeReply(address, Uint8Array.from(payload)),
    address: 0x03,
    garbage: [0x11, 0x22, 0x33],
  },
  {
    name: 'ControllerBox',
    make: (sink) => new ControllerBoxFramer(sink),
    encode: (address, payload) => encodeBoxFrame(address, Uint8Array.from(payload)),
    address: 0x21,
    garbage: [0x11, 0x22, 0x33],
  },
];

function collect(c: Case): { framer: Framer; frames: string[]; errors: FrameError[] } {
  const frames: string[] = [];
  const errors: FrameError[] = [];
  const framer = c.make({ frame: (f) => frames.push(toHex(f.raw)), error: (e) => errors.push(e) });
  return { framer, frames, errors };
}

describe.each(CASES)('the Framer contract: $name', (c) => {
  const a = c.encode(c.address, [0x11, 0x22, 0x33]);
  const b = c.encode(c.address, [0x44]);

  it('delivers every frame through the sink in any chunking, and counts them', () => {
    const stream = Uint8Array.from([...a, ...b, ...a]);
    for (const size of [1, 2, 3, 7, stream.length]) {
      const { framer, frames, errors } = collect(c);
      for (let i = 0; i < stream.length; i += size) framer.push(stream.subarray(i, i + size));
      expect(frames).toEqual([toHex(a), toHex(b), toHex(a)]);
      expect(errors).toEqual([]);
      expect(framer.stats.frames).toBe(3);
      expect(framer.pending).toBe(0);
    }
  });

  it('reports bytes outside frames as garbage with their raw bytes, and loses no frame after them', () => {
    const { framer, frames, errors } = collect(c);
    framer.push(Uint8Array.from([...c.garbage, ...a]));
    expect(frames).toEqual([toHex(a)]);
    expect(errors.map((e) => [e.kind, toHex(e.raw)])).toEqual([['garbage', toHex(Uint8Array.from(c.garbage))]]);
    expect(framer.stats.garbageBytes).toBe(c.garbage.length);
  });

  it('reports a bad CRC as a crc error with the raw frame and its address, then decodes the next frame', () => {
    const bad = a.slice();
    const at = bad.length - (c.name === 'ControllerBox' ? 2 : 1); // the last CRC byte
    bad[at] = (bad[at] ?? 0) ^ 0x01;
    const { framer, frames, errors } = collect(c);
    framer.push(Uint8Array.from([...bad, ...b]));
    expect(frames).toEqual([toHex(b)]);
    const crc = errors.filter((e) => e.kind === 'crc');
    expect(crc).toHaveLength(1);
    expect(toHex(crc[0]?.raw ?? new Uint8Array())).toBe(toHex(bad));
    expect(crc[0]?.id).toBe(c.address);
    expect(framer.stats.crcErrors).toBe(1);
  });

  it('takes bytes pushed from inside the sink after the current pass, in order', () => {
    const frames: string[] = [];
    let fed = false;
    const framer: Framer = c.make({
      frame: (f) => {
        frames.push(toHex(f.raw));
        if (!fed) {
          fed = true;
          framer.push(b);
        }
      },
    });
    framer.push(Uint8Array.from([...a, ...a]));
    expect(frames).toEqual([toHex(a), toHex(a), toHex(b)]);
  });

  it('holds a partial frame as pending and drops it on reset', () => {
    const { framer, frames } = collect(c);
    framer.push(a.subarray(0, a.length - 1));
    expect(framer.pending).toBeGreaterThan(0);
    framer.reset();
    expect(framer.pending).toBe(0);
    framer.push(b);
    expect(frames).toEqual([toHex(b)]);
  });
});

describe('FrameError helpers', () => {
  it('map a kind to its error code and a message with the raw bytes', () => {
    expect(frameErrorCode('crc')).toBe(ErrorCode.CrcMismatch);
    expect(frameErrorCode('garbage')).toBe(ErrorCode.BadFrame);
    const error: FrameError = { kind: 'crc', raw: Uint8Array.of(0x7f, 0x00) };
    expect(describeFrameError(error, 'eSSP')).toBe('eSSP frame with a bad CRC dropped (2 bytes)');
    const k = frameErrorToKioskbusError(error, 'eSSP');
    expect(k.code).toBe(ErrorCode.CrcMismatch);
    expect(k.context.raw).toEqual(error.raw);
    expect(k.context['frameError']).toBe('crc');
  });
});
