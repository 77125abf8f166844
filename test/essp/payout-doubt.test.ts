import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../src/core/device-loop.js';
import { ErrorCode } from '../../src/core/errors.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { DenominationLevel } from '../../src/essp/decoders.js';
import { findOut, type DoubtHost } from '../../src/essp/devices/payout-doubt.js';
import type { SspEvent } from '../../src/essp/events.js';

const DISPENSED: SspEvent = { name: 'DISPENSED', code: 0xd2, values: [{ value: 500, currency: 'EUR' }] };
const LEVELS: DenominationLevel[] = [{ level: 3, value: 500, currency: 'EUR' }];

interface FakeDevice extends DoubtHost {
  state: DeviceState;
  /** Answered poll rounds so far. */
  rounds: number;
  /** Runs a poll round every poll period while ready (what the runtime's loop does). */
  polling: boolean;
  /** An event reported by a poll. */
  report(event: SspEvent): void;
}

/**
 * A payout device behind a host loop that is ready and polls every 200 ms; `onRead` runs during each level read (as
 * a poll would between).
 */
function host(clock: VirtualClock, onRead: (read: number, emit: (e: SspEvent) => void) => void): FakeDevice {
  let listener: ((e: SspEvent) => void) | undefined;
  let stateListener: (() => void) | undefined;
  let reads = 0;
  const device: FakeDevice = {
    state: 'ready',
    rounds: 0,
    polling: true,
    clock,
    pollIntervalMs: 200,
    watch(onEvent, onState) {
      listener = onEvent;
      stateListener = onState;
      return () => {
        listener = undefined;
        stateListener = undefined;
      };
    },
    async readLevels() {
      reads++;
      await clock.advance(50);
      onRead(reads, (e) => listener?.(e));
      return LEVELS;
    },
    polls: () => device.rounds,
    report: (event) => listener?.(event),
  };
  const tick = (): void => {
    if (device.polling && device.state === 'ready') device.rounds++;
    clock.setTimeout(tick, 200);
  };
  clock.setTimeout(tick, 200);
  setState = (to) => {
    device.state = to;
    stateListener?.();
  };
  return device;
}
let setState: (to: DeviceState) => void = () => undefined;

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
  for (let i = 0; i < 2000 && !result; i++) await clock.advance(100);
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

  it("does not say 'not-seen' while the loop re-initialises and polls nothing: it waits to poll the device again", async () => {
    const clock = new VirtualClock();
    // the device answers the first level read, then the loop goes back to re-initialising (its watchdog) for 10 s:
    // no poll reaches the device; the DISPENSED it holds comes with the first poll after the re-initialisation
    const device = host(clock, (read) => {
      if (read === 1) setState('initialising');
    });
    const promise = findOut(device, doubt);
    let result: Awaited<typeof promise> | undefined;
    void promise.then((r) => (result = r));
    await clock.advance(10_000);
    expect(result).toBeUndefined();
    setState('ready');
    await clock.advance(200);
    device.report(DISPENSED);
    const done = await run(clock, promise);
    expect(done.finding).toBe('ran');
    expect(done.paid).toBe(500);
  });

  it("says 'unknown' when the device is ready but no poll round is answered before the deadline", async () => {
    const clock = new VirtualClock();
    const device = host(clock, () => undefined);
    device.polling = false;
    const result = await run(clock, findOut(device, doubt, { reachMs: 5_000 }));
    expect(result.finding).toBe('unknown');
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
