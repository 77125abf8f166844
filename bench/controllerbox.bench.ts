import { ControllerBoxFramer, encodeFrame, parseCrcSetting, type CrcSetting } from '../src/controllerbox/frame.js';
import { ControllerBoxHost } from '../src/controllerbox/host.js';
import { ControllerBoxSimulator } from '../src/controllerbox/simulator/simulator.js';
import { createMemoryPair } from '../src/transport/memory.js';
import { measureBytes, type BenchCase } from './types.js';

/** A realistic mix of box frames: statuses, bill and card events, RFID reads (7-byte UID), replies. */
function stream(crc: CrcSetting): Uint8Array {
  const variant = crc === 'auto' ? parseCrcSetting('arc') : crc;
  if (variant === 'auto') throw new Error('unreachable');
  const frames = [
    encodeFrame(0x30, Uint8Array.of(0x00, 0x10), variant),
    encodeFrame(0x31, Uint8Array.of(0x00), variant),
    encodeFrame(0x32, Uint8Array.of(1, 0, 1, 0), variant),
    encodeFrame(0x51, Uint8Array.of(0, 0, 0x78, 0x79, 0), variant),
    encodeFrame(0x52, Uint8Array.of(0, 0), variant),
    encodeFrame(0x50, Uint8Array.of(7, 4, 0xa2, 0x2b, 0x1a, 0x78, 0x79, 0x80, 0, 0, 0xc3, 0x50, 25, 3, 14, 0), variant),
    encodeFrame(0x02, Uint8Array.of(0, 1, 4, 2, 2, 0, 1), variant),
    encodeFrame(0x13, Uint8Array.of(0), variant),
  ];
  const one = frames.reduce((n, f) => n + f.length, 0);
  const copies = Math.ceil((64 * 1024) / one);
  const out = new Uint8Array(one * copies);
  let at = 0;
  for (let i = 0; i < copies; i++) {
    for (const f of frames) {
      out.set(f, at);
      at += f.length;
    }
  }
  return out;
}

function framerCase(name: string, crc: CrcSetting, chunk: number): BenchCase {
  return {
    name,
    unit: 'MB/s',
    target: 50,
    run() {
      const data = stream(crc);
      let frames = 0;
      const framer = new ControllerBoxFramer({
        crc,
        frame: () => {
          frames++;
        },
      });
      framer.push(data);
      const perPass = frames;
      const value = measureBytes(() => {
        for (let i = 0; i < data.length; i += chunk) framer.push(data.subarray(i, i + chunk));
      }, data.length);
      if (framer.stats.crcErrors + framer.stats.badFrames + framer.stats.garbageBytes > 0) {
        throw new Error(`bench stream did not decode cleanly: ${JSON.stringify(framer.stats)}`);
      }
      return Promise.resolve({
        value,
        note: `avg frame ${(data.length / perPass).toFixed(1)} bytes, ${((value * 1e6) / (data.length / perPass) / 1e6).toFixed(1)} M frames/s`,
      });
    },
  };
}

const roundTrips: BenchCase = {
  name: 'host <-> simulator round trips (PLAY_AUDIO over the memory pair)',
  unit: 'ops/s',
  async run() {
    const [hostEnd, boxEnd] = createMemoryPair();
    const sim = new ControllerBoxSimulator();
    sim.attach(boxEnd);
    const host = new ControllerBoxHost(hostEnd);
    for (let i = 0; i < 200; i++) await host.playAudio(i & 0xff);
    sim.state.audio.length = 0;
    let count = 0;
    const start = performance.now();
    let now = start;
    while (now - start < 400) {
      for (let i = 0; i < 50; i++) await host.playAudio(i);
      count += 50;
      sim.state.audio.length = 0;
      now = performance.now();
    }
    sim.close();
    await host.close();
    return { value: (count * 1000) / (now - start) };
  },
};

const cases: BenchCase[] = [
  framerCase('framer arc/data/be, 256-byte chunks', parseCrcSetting('arc'), 256),
  framerCase('framer xmodem/start..data/le, 4 KB chunks', parseCrcSetting('xmodem/start..data/le'), 4096),
  framerCase('framer auto (locks on the first frames), 256-byte chunks', 'auto', 256),
  roundTrips,
];

export default cases;
