/**
 * A payout answered with a reply the host cannot read (its encrypted body fails the inner CRC: a corrupted packet
 * whose outer CRC still fits) may say that the device ran it: UNCERTAIN, never a plain refusal, then `uncertain`
 * with what the device reports. Real host and simulator; the line between them garbles one encrypted reply and
 * re-frames it with a valid outer CRC.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import type { PayoutUncertainty } from '../../src/essp/devices/payout-common.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import { encodeFrame, SspFramer } from '../../src/essp/frame.js';
import { payoutOf } from '../../src/essp/simulator/payout/index.js';
import type { Transport, TransportEventMap } from '../../src/transport/types.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';
import { lineRig } from './payout-harness.js';

const closer = useFakeTimeAndCloser();

/** Passes frames through; when armed, garbles the encrypted body of the next encrypted frame from the device. */
class GarblingLine extends EventEmitter<TransportEventMap> implements Transport {
  armed = false;
  private readonly framer = new SspFramer({
    frame: (frame) => {
      if (!this.armed || frame.data[0] !== 0x7e) {
        this.emit('data', frame.raw);
        return;
      }
      this.armed = false;
      const data = frame.data.slice();
      data[3] = (data[3] ?? 0) ^ 0x5a;
      this.emit('data', encodeFrame({ address: frame.address, seq: frame.seq, data }));
    },
  });

  constructor(private readonly inner: Transport) {
    super();
    inner.on('data', (chunk) => {
      this.framer.push(chunk);
    });
  }

  get description(): string {
    return this.inner.description;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  write(data: Uint8Array): Promise<void> {
    return this.inner.write(data);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('eSSP payout answered with an unreadable reply', () => {
  it('is UNCERTAIN (not a refusal), and the uncertain event says what the device paid', async () => {
    const started = await lineRig(
      { device: 'smart-payout', payout: { levels: [{ value: 500, count: 4 }] } },
      (bus) => new SmartPayout(bus),
      (host) => new GarblingLine(host),
    );
    closer.onClose(() => started.close());
    const { sim, line, device } = started;
    const uncertain: PayoutUncertainty[] = [];
    device.on('uncertain', (u) => uncertain.push(u));
    const before = payoutOf(sim).storedValue();
    line.armed = true; // the reply to the payout comes back garbled
    const payout = device.payout(1000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(3000);
    const error = await payout;
    expect(isKioskbusError(error, ErrorCode.Uncertain)).toBe(true);
    expect(isKioskbusError(error) ? error.context.cause : undefined).toBe(ErrorCode.DecryptFailed);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(before - payoutOf(sim).storedValue()).toBe(1000); // the device did pay
    expect(uncertain).toHaveLength(1);
    expect(uncertain[0]?.finding).toBe('ran');
    expect(uncertain[0]?.paid).toBe(1000);
  });
});
