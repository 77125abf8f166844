import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { DenominationLevel } from '../../src/essp/decoders.js';
import { findOut, type DoubtHost } from '../../src/essp/devices/payout-doubt.js';
import type { SspEvent } from '../../src/essp/events.js';

const DISPENSED: SspEvent = { name: 'DISPENSED', code: 0xd2, values: [{ value: 500, currency: 'EUR' }] };
const LEVELS: DenominationLevel[] = [{ level: 3, value: 500, currency: 'EUR' }];

/** A payout device that is ready and answers; `onRead` runs during each level read (as a poll would between). */
function host(clock: VirtualClock, onRead: (read: number, emit: (e: SspEvent) => void) => void): DoubtHost {
  let listener: ((e: SspEvent) => void) | undefined;
  let reads = 0;
  return {
    state: 'ready',
    clock,
    pollIntervalMs: 200,
    watch(onEvent) {
      listener = onEvent;
      return () => {
        listener = undefined;
      };
    },
    async readLevels() {
      reads++;
      await clock.advance(50);
      onRead(reads, (e) => listener?.(e));
      return LEVELS;
    },
  };
}

const doubt = {
  command: 'PAYOUT_AMOUNT' as const,
  requested: 500,
  currency: 'EUR',
  cause: ErrorCode.Timeout,
  message: 'no reply',
};

async function run(clock: VirtualClock, promise: Promise<Awaited<ReturnType<typeof findOut>>>) {
  let result: Awaited<ReturnType<typeof findOut>> | undefined;
  void promise.then((r) => (result = r));
  for (let i = 0; i < 100 && !result; i++) await clock.advance(100);
  if (!result) throw new Error('findOut did not finish');
  return result;
}

describe('finding out after a payout in doubt', () => {
  it("says 'ran' with the amount when the report comes during the last level read (not 'not-seen')", async () => {
    const clock = new VirtualClock();
    // the first read proves the device answers; the report comes while the final read is out
    const result = await run(
      clock,
      findOut(
        host(clock, (read, emit) => {
          if (read === 2) emit(DISPENSED);
        }),
        doubt,
      ),
    );
    expect(result.finding).toBe('ran');
    expect(result.paid).toBe(500);
    expect(result.reported.map((e) => e.name)).toEqual(['DISPENSED']);
  });

  it("says 'not-seen' when the device answers and reports nothing", async () => {
    const clock = new VirtualClock();
    const result = await run(
      clock,
      findOut(
        host(clock, () => undefined),
        doubt,
      ),
    );
    expect(result.finding).toBe('not-seen');
    expect(result.paid).toBeUndefined();
    expect(result.levelsAfter).toEqual(LEVELS);
  });

  it('hands out a list that later events do not change', async () => {
    const clock = new VirtualClock();
    let late: ((e: SspEvent) => void) | undefined;
    const result = await run(
      clock,
      findOut(
        host(clock, (read, emit) => {
          if (read === 1) emit(DISPENSED);
          late = emit;
        }),
        doubt,
      ),
    );
    late?.(DISPENSED);
    expect(result.reported).toHaveLength(1);
  });
});
