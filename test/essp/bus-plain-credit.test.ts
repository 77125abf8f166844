/**
 * A plain POLL on a keyed link whose reply carries a credit: the device answers it encrypted with eCOUNT + 1
 * (GA138's encryption layer). The real bus against the real simulator: the credit is taken, and the counter moves
 * on so that the next encrypted command is understood.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import { encryptPacket } from '../../src/essp/crypto.js';
import { SspLink } from '../../src/essp/link.js';
import { startSimulatorPair } from '../../src/essp/simulator/pair.js';

afterEach(() => {
  vi.useRealTimers();
});

const POLL = Uint8Array.of(0x07);
const CREDIT_NOTE = 0xee;

describe('SspBus: an encrypted reply to a plain POLL', () => {
  it('is decrypted and taken, and the next encrypted command carries its eCOUNT', async () => {
    vi.useFakeTimers();
    const pair = startSimulatorPair({ device: 'nv9usb', replyLatencyMs: 0 });
    const bus = new SspBus(pair.host, { encryptAll: false });
    try {
      await bus.sync(0);
      await bus.negotiateKey(0);
      // set-up as a host does it: channels enabled, validator enabled (both encrypted)
      expect((await bus.exchange(0, Uint8Array.of(0x02, 0xff, 0xff), { encrypt: true }))[0]).toBe(0xf0);
      expect((await bus.exchange(0, Uint8Array.of(0x0a), { encrypt: true }))[0]).toBe(0xf0);
      pair.simulator.insertNote(2);
      const seen: number[][] = [];
      for (let i = 0; i < 40 && !seen.some((r) => r.includes(CREDIT_NOTE)); i++) {
        await vi.advanceTimersByTimeAsync(200);
        seen.push([...(await bus.exchange(0, POLL, { encrypt: false }))]);
      }
      const credit = seen.find((r) => r.includes(CREDIT_NOTE));
      expect(credit?.slice(0, 3)).toEqual([0xf0, CREDIT_NOTE, 2]);
      // the counter followed the device: an encrypted POLL is answered, not dropped as a replay
      const next = await bus.exchange(0, POLL, { encrypt: true, retries: 0 });
      expect(next[0]).toBe(0xf0);
      expect(bus.stats.retransmits).toBe(0);
    } finally {
      await bus.close();
      await pair.close();
    }
  });

  it('is judged by the link: eCOUNT + 1 is taken over, any other count is COUNT_MISMATCH', () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
    for (const [skew, kind] of [
      [1, 'reply'],
      [2, 'error'],
      [0, 'error'],
    ] as const) {
      const link = new SspLink(0);
      link.setKey(key);
      link.seq = 0;
      link.count = 41;
      const request = link.prepare(POLL, false);
      const reply = { address: 0, seq: request.seq, data: encryptPacket(key, 41 + skew, Uint8Array.of(0xf0, 0xee, 2)) };
      const verdict = link.judge(request, reply);
      expect(verdict.kind).toBe(kind);
      if (verdict.kind === 'reply') {
        expect(verdict.data).toEqual(Uint8Array.of(0xf0, 0xee, 2));
        expect(link.count).toBe(42);
      } else if (verdict.kind === 'error') {
        expect(verdict.error.code).toBe(ErrorCode.CountMismatch);
        expect(link.count).toBe(41);
      }
      expect(link.seq).toBe(1);
    }
  });
});
