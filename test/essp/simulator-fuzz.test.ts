/**
 * Random bytes and corrupted frames thrown at the simulator: it never throws, never credits a note without a real
 * POLL, and still answers the good frames hidden among the garbage.
 */
import { describe, expect, it, vi } from 'vitest';
import { encryptPacket } from '../../src/essp/crypto.js';
import { encodeFrame } from '../../src/essp/frame.js';
import type { SimEvent } from '../../src/essp/simulator/event-queue.js';
import { seeded, TestHost } from './simulator-harness.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

useFakeTimeAndCloser();

function randomBytes(random: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  // plenty of 0x7F so that the framer sees many false starts and stuffed pairs
  for (let i = 0; i < n; i += 5) if (random() < 0.5) out[i] = 0x7f;
  return out;
}

/** A host with a note held in escrow (already reported): the next executed POLL would accept it. */
function hostWithEscrow(seed: number): { host: TestHost; credits: SimEvent[]; polls: () => number } {
  const host = new TestHost({ device: 'nv200', random: seeded(seed) });
  host.start();
  host.sim.insertNote(1);
  vi.advanceTimersByTime(600);
  expect(host.pollNames()).toEqual(['READ_NOTE 0', 'READ_NOTE 1']);
  const credits: SimEvent[] = [];
  host.sim.on('event', (e) => {
    if (e.name === 'CREDIT_NOTE') credits.push(e);
  });
  let polls = 0;
  host.sim.on('command', (c) => {
    if (!c.replayed && (c.name === 'POLL' || c.name === 'POLL_WITH_ACK')) polls += 1;
  });
  return { host, credits, polls: () => polls };
}

describe('SspSimulator fuzz', () => {
  it('random bytes in random chunks: no exception, no credit without a real POLL', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const random = seeded(seed * 101);
      const { host, credits, polls } = hostWithEscrow(seed);
      for (let i = 0; i < 400; i++) {
        const chunk = randomBytes(random, 1 + Math.floor(random() * 64));
        expect(() => host.feed(chunk)).not.toThrow();
        vi.advanceTimersByTime(5);
      }
      vi.advanceTimersByTime(3000);
      if (polls() === 0) {
        expect(credits).toEqual([]);
        expect(host.sim.state.validator.counters.stacked).toBe(0);
      }
      expect(credits.length).toBeLessThanOrEqual(1);
      expect(host.sim.stats.badFrames).toBeGreaterThan(0);
      // still alive: a clean SYNC is answered
      expect(host.sync()).toEqual(Uint8Array.of(0xf0));
    }
  });

  it('corrupted POLL frames (bit flips, truncation, inserted bytes) never accept the escrowed note', () => {
    const { host, credits, polls } = hostWithEscrow(9);
    const random = seeded(4242);
    const good = encodeFrame({ address: 0, seq: host.nextSeq, data: Uint8Array.of(0x07) });
    for (let i = 0; i < 500; i++) {
      const bad = good.slice();
      const kind = i % 3;
      let bytes: Uint8Array;
      if (kind === 0) {
        const bit = 8 + Math.floor(random() * (bad.length * 8 - 8)); // not the STX
        bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        bytes = bad;
      } else if (kind === 1) {
        bytes = bad.subarray(0, 1 + Math.floor(random() * (bad.length - 1)));
      } else {
        const at = 1 + Math.floor(random() * (bad.length - 1));
        bytes = Uint8Array.from([...bad.subarray(0, at), Math.floor(random() * 256), ...bad.subarray(at)]);
      }
      // each corrupted frame is followed by garbage so a truncated one cannot swallow the next test
      host.feed(bytes);
      host.feed(Uint8Array.of(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00));
    }
    expect(polls()).toBe(0);
    expect(credits).toEqual([]);
    expect(host.sim.state.validator.note?.phase).toBe('escrow');
    // the genuine POLL still works after all that
    expect(host.pollNames()).toEqual(['NOTE_STACKING']);
  });

  it('random encrypted packets: dropped (decrypt/eCOUNT), never executed', () => {
    const { host, credits, polls } = hostWithEscrow(11);
    host.negotiate();
    const random = seeded(77);
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(random() * 14);
      const body = randomBytes(random, 16 * n);
      const data = Uint8Array.from([0x7e, ...body]).subarray(0, Math.min(255, 1 + 16 * n));
      host.feed(encodeFrame({ address: 0, seq: host.nextSeq, data }));
    }
    // a genuine packet with a stale counter is dropped too
    host.feed(
      encodeFrame({
        address: 0,
        seq: host.nextSeq,
        data: encryptPacket(host.key ?? new Uint8Array(16), 99, Uint8Array.of(0x07)),
      }),
    );
    expect(host.sim.stats.decryptErrors).toBe(200);
    expect(host.sim.stats.countErrors).toBe(1);
    expect(polls()).toBe(0);
    expect(credits).toEqual([]);
    expect(host.poll({ encrypt: true }).map((e) => e.name)).toEqual(['NOTE_STACKING']);
  });

  it('good frames among garbage are all answered', () => {
    const host = new TestHost();
    const random = seeded(5);
    let expected = 0;
    let answered = 0;
    let seq: 0 | 1 = 1;
    for (let i = 0; i < 200; i++) {
      const garbage = randomBytes(random, Math.floor(random() * 20)).map((b) => (b === 0x7f ? 0x7e : b));
      const frame = encodeFrame({ address: 0, seq, data: Uint8Array.of(i % 2 === 0 ? 0x11 : 0x0c) });
      seq = seq === 0 ? 1 : 0;
      expected += 1;
      answered += host.feed(Uint8Array.from([...garbage, ...frame])).length;
    }
    expect(answered).toBe(expected);
  });
});
