import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import {
  ALL_CRC_VARIANTS,
  ControllerBoxFramer,
  DEFAULT_CRC_VARIANT,
  encodeFrame,
  type CrcSetting,
} from '../../src/controllerbox/frame.js';
import { ControllerBoxHost } from '../../src/controllerbox/host.js';
import { plausibleMessage } from '../../src/controllerbox/capture.js';
import { MessageTable } from '../../src/controllerbox/messages.js';

const table = new MessageTable();
import { ControllerBoxSimulator } from '../../src/controllerbox/simulator/simulator.js';
import { prng } from '../helpers/prng.js';
import { BOX_EVENTS } from './helpers.js';

/** Random bytes, rich in start and stop bytes (the hard case for an unstuffed protocol). */
function noise(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => {
    const r = random();
    return r < 0.1 ? 0x78 : r < 0.15 ? 0x79 : Math.floor(random() * 256);
  });
}

function chunks(bytes: Uint8Array, random: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(random() * 40);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('ControllerBox fuzz', () => {
  it.each<[string, CrcSetting]>([
    ['arc/data/be', DEFAULT_CRC_VARIANT],
    ['auto', 'auto'],
  ])('random bytes (%s): no crash, no message, every byte accounted for', (_, crc) => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = prng(seed);
      const bytes = noise(random, 20_000);
      let frames = 0;
      let reported = 0;
      const framer = new ControllerBoxFramer({
        crc,
        plausible: (id, data) => plausibleMessage(table, id, data),
        // a 16-bit CRC lets noise through now and then (more often while 12 variants are possible); what
        // must never happen is noise that reads as a message
        frame: (f) => {
          if (plausibleMessage(table, f.id, f.data)) frames++;
        },
        error: (e) => {
          if (e.kind === 'garbage') reported += e.raw.length;
        },
      });
      for (const chunk of chunks(bytes, random)) framer.push(chunk);
      framer.end();
      expect(frames, `seed ${seed}`).toBe(0);
      expect(framer.pending).toBe(0);
      expect(framer.stats.garbageBytes).toBe(reported);
      expect(framer.stats.badFrames + framer.stats.crcErrors).toBeGreaterThan(0);
    }
  });

  it('recovers every real frame hidden in random noise, in order, under every CRC variant', () => {
    for (const [index, variant] of ALL_CRC_VARIANTS.entries()) {
      const random = prng(100 + index);
      const sent: string[] = [];
      const parts: Uint8Array[] = [];
      for (let i = 0; i < 150; i++) {
        parts.push(noise(random, Math.floor(random() * 30)));
        const data = noise(random, Math.floor(random() * 20));
        const frame = encodeFrame(0x50 + (i % 3), data, variant);
        sent.push(toHex(frame));
        parts.push(frame);
      }
      const stream = Uint8Array.from(parts.flatMap((p) => [...p]));
      for (const crc of [variant, 'auto'] as const) {
        const received: string[] = [];
        const framer = new ControllerBoxFramer({ crc, frame: (f) => received.push(toHex(f.raw)) });
        for (const chunk of chunks(stream, random)) framer.push(chunk);
        framer.flush();
        // auto mode may need the first few frames to narrow the candidates, but never invents or drops one
        expect(received, `${index} ${typeof crc === 'string' ? crc : 'fixed'}`).toEqual(sent);
      }
    }
  });
});

describe('ControllerBox host under noise', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('emits no event for random bytes, then reads the next real event exactly once', async () => {
    const [hostEnd, boxEnd] = createMemoryPair();
    const host = new ControllerBoxHost(hostEnd, { crc: 'auto' });
    cleanups.push(() => host.close());
    const events: string[] = [];
    for (const name of BOX_EVENTS) {
      host.on(name, () => events.push(name));
    }
    let unknown = 0;
    host.on('unknown', () => unknown++);
    const random = prng(4242);
    for (const chunk of chunks(noise(random, 30_000), random)) await boxEnd.write(chunk);
    await new Promise((r) => setTimeout(r, 0));
    expect(events).toEqual([]);
    expect(unknown).toBe(0);
    await boxEnd.write(encodeFrame(0x51, Uint8Array.of(0, 0, 0x4e, 0x20, 0)));
    await new Promise((r) => setTimeout(r, 150));
    expect(events).toEqual(['billAccepted']);
  });

  it('the simulator survives random bytes from the host and still answers commands', async () => {
    const [hostEnd, boxEnd] = createMemoryPair();
    const sim = new ControllerBoxSimulator();
    sim.attach(boxEnd);
    const host = new ControllerBoxHost(hostEnd);
    cleanups.push(async () => {
      sim.close();
      await host.close();
    });
    const random = prng(99);
    for (const chunk of chunks(noise(random, 10_000), random)) await hostEnd.write(chunk);
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.state.audio).toEqual([]);
    expect(sim.state.resets).toBe(0);
    await host.playAudio(3);
    expect(sim.state.audio).toEqual([3]);
  });
});
