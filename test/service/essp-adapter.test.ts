/**
 * The service's eSSP adapter turns the validator's money events into journal-ready device events: a credit with its
 * value, a note of a channel the set-up does not list as `credit_unknown_value` (never valued), and events that may
 * repeat reported ones as `credit_in_doubt` (never counted). The validator is real; its events are the ones its
 * runtime emits (their paths are tested in test/essp/validator-scripted.test.ts and recovery-*.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { SspValidator } from '../../src/essp/devices/validator.js';
import { makeEvent, type SspNoteEvent } from '../../src/essp/events.js';
import { EsspDevice } from '../../src/service/devices/essp.js';
import type { DeviceEvent } from '../../src/service/devices/types.js';
import { createMemoryPair } from '../../src/transport/memory.js';

const [hostEnd, deviceEnd] = createMemoryPair();
afterEach(async () => {
  await hostEnd.close();
  await deviceEnd.close();
});

describe('service eSSP adapter: money events', () => {
  it('credit, unknown credit and credits in doubt become distinct device events', () => {
    const validator = new SspValidator(new SspBus(hostEnd));
    const device = new EsspDevice({
      id: 'nv200',
      kind: 'nv200',
      simulated: false,
      host: validator,
      release: () => Promise.resolve(),
    });
    const events: DeviceEvent[] = [];
    device.on('event', (e) => events.push(e));
    validator.emit('credit', { channel: 2, value: 1000, currency: 'EUR' });
    validator.emit('unknownCredit', { channel: 9, raw: Uint8Array.of(0xee, 9), known: [1, 2] });
    validator.emit('repeatInDoubt', { events: [makeEvent<SspNoteEvent>({ name: 'CREDIT_NOTE', channel: 2 })] });
    expect(events.map((e) => ({ ...e }))).toEqual([
      { type: 'credit', value: { amount: 1000, currency: 'EUR' }, channel: 2, medium: 'note' },
      { type: 'credit_unknown_value', channel: 9, raw: 'ee 09', known: [1, 2] },
      { type: 'credit_in_doubt', events: ['CREDIT_NOTE'] },
    ]);
  });
});
