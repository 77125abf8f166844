/**
 * Validator runtime paths the simulator does not script (bar code tickets, a SLAVE_RESET in the middle of a session,
 * unknown event codes, a device that only speaks protocol 4): a small plain-text responder built from the frame codec
 * and the shared tables answers the host byte for byte.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { encodeBarCodeData, encodeSetupRequest, validatorSetup } from '../../src/essp/decoders.js';
import { SspValidator } from '../../src/essp/devices/validator.js';
import { encodeEvents, makeEvent, type SspEvent, type SspNoteEvent } from '../../src/essp/events.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { ScriptedSlave } from './scripted-slave.js';

const CHANNELS = [
  { channel: 1, value: 500, currency: 'EUR' },
  { channel: 2, value: 1000, currency: 'EUR' },
];

class ScriptedValidator extends ScriptedSlave {
  /** Events for the coming polls, one list per poll. */
  readonly polls: SspEvent[][] = [];
  /** Raw event bytes appended to the next poll (for unknown codes). */
  rawNext: number[] = [];
  maxProtocol = 4;
  /** Reply to HOLD: OK while a note is in escrow, FAIL when it is gone. */
  holdReply = 0xf0;
  /** Answer the next SETUP_REQUEST with SOFTWARE_ERROR. */
  failSetup = false;
  /** Answer KEY_NOT_SET to this many commands but SYNC (Infinity: a device insisting on a key this host never sets). */
  keyNotSetAnswers = 0;
  /** Hold the reply to SETUP_REQUEST back this long (a re-initialisation caught in the middle). */
  slowSetupMs = 0;
  protocol = 4;
  /** The channel table SETUP_REQUEST reports (a test may change it, as a new dataset would). */
  channels = [...CHANNELS];

  protected override holdBackMs = (command: number): number => (command === 0x05 ? this.slowSetupMs : 0);

  protected answer(data: Uint8Array): number[] {
    if (this.keyNotSetAnswers > 0 && data[0] !== 0x11) {
      this.keyNotSetAnswers--;
      return [0xfa];
    }
    const ctx = { protocolVersion: this.protocol, channels: this.channels, currency: 'EUR' };
    switch (data[0]) {
      case 0x06:
        if ((data[1] ?? 0) > this.maxProtocol) return [0xf8];
        this.protocol = data[1] ?? 0;
        return [0xf0];
      case 0x05:
        if (this.failSetup) {
          this.failSetup = false;
          return [0xf6];
        }
        return [
          0xf0,
          ...encodeSetupRequest(
            validatorSetup({ currency: 'EUR', channels: this.channels, protocolVersion: this.protocol }),
          ),
        ];
      case 0x07: {
        const events = this.polls.shift() ?? [];
        const raw = this.rawNext;
        this.rawNext = [];
        return [0xf0, ...encodeEvents(events, ctx), ...raw];
      }
      case 0x56:
        return [0xf2]; // an old firmware: POLL_WITH_ACK unknown
      case 0x27:
        return [0xf0, ...encodeBarCodeData({ statusCode: 1, data: '123456789012345678' })];
      case 0x17:
        return [0xf0, 0x06];
      case 0x18:
        return [this.holdReply];
      default:
        return [0xf0];
    }
  }
}

let bus: SspBus;
let device: ScriptedValidator;
let validator: SspValidator;
let log: string[];

beforeEach(async () => {
  vi.useFakeTimers();
  const [host, end] = createMemoryPair();
  device = new ScriptedValidator(end);
  bus = new SspBus(host);
  validator = new SspValidator(bus, { encryption: false, barCode: { readers: 'top', numChar: 18 } });
  log = [];
  validator.on('barcode', (t) => log.push(`barcode ${t.status} ${t.data}`));
  validator.on('barcodeStacked', () => log.push('barcodeStacked'));
  validator.on('credit', (n) => log.push(`credit ${n.channel} ${String(n.value)}`));
  validator.on('reinitialising', (r) => log.push(`reinitialising ${r.reason}`));
  validator.on('ready', (r) => log.push(`ready ${r.reason} v${r.protocolVersion}`));
  validator.on('unknown', (e) => log.push(`unknown 0x${e.code.toString(16)} ${e.raw.length}`));
  validator.on('rejected', (r) => log.push(`rejected ${r.code}`));
  const started = validator.start();
  await vi.advanceTimersByTimeAsync(0);
  await started;
});
afterEach(async () => {
  await validator.close();
  await bus.close();
  vi.useRealTimers();
});

describe('SspValidator against a scripted device', () => {
  it('steps the protocol version down to 4 and configures the bar code reader', () => {
    expect(log).toEqual(['ready start v4']);
    expect(device.received.filter((c) => c === 0x06)).toHaveLength(5); // 8, 7, 6, 5 refused, 4 accepted
    expect(device.received).toContain(0x24); // SET_BAR_CODE_CONFIGURATION
    expect(device.received).toContain(0x26); // SET_BAR_CODE_INHIBIT_STATUS
  });

  it('a bar code ticket in escrow is read with GET_BAR_CODE_DATA, then reported stacked', async () => {
    device.polls.push(
      [makeEvent({ name: 'BAR_CODE_TICKET_VALIDATED' })],
      [makeEvent({ name: 'BAR_CODE_TICKET_ACKNOWLEDGE' })],
    );
    await vi.advanceTimersByTimeAsync(600);
    expect(log.slice(1)).toEqual(['barcode escrow 123456789012345678', 'barcodeStacked']);
  });

  it('a SLAVE_RESET after the first poll re-initialises the device', async () => {
    // the first poll (right after the start-up, fixed rate) has been answered already; a SLAVE_RESET there is the
    // power-up one (see the next test); this one comes later
    device.polls.push([], [makeEvent({ name: 'SLAVE_RESET' })]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(log).toEqual(['ready start v4', 'reinitialising reset', 'ready reset v4']);
  });

  it('a credit on a channel the set-up table lacks: the set-up is read again and the credit carries its value', async () => {
    device.channels.push({ channel: 3, value: 2000, currency: 'EUR' });
    const from = device.received.length;
    device.polls.push([makeEvent<SspNoteEvent>({ name: 'CREDIT_NOTE', channel: 3 })]);
    await vi.advanceTimersByTimeAsync(400);
    expect(log.slice(1)).toEqual(['credit 3 2000']);
    expect(device.received.slice(from)).toContain(0x05);
    expect(validator.channels).toHaveLength(3);
  });

  it('a credit on a channel still unknown after reading the set-up again is one unknownCredit, never a credit', async () => {
    const unknown: string[] = [];
    validator.on('unknownCredit', (u) =>
      unknown.push(`${String(u.channel)} [${Array.from(u.raw).join(',')}] [${u.known.join(',')}]`),
    );
    device.polls.push([makeEvent<SspNoteEvent>({ name: 'CREDIT_NOTE', channel: 9 })], []);
    await vi.advanceTimersByTimeAsync(1000);
    expect(log.slice(1)).toEqual([]);
    expect(unknown).toEqual(['9 [238,9] [1,2]']);
  });

  it('an unknown event code stops the parse of that reply and is surfaced with its bytes', async () => {
    device.polls.push([makeEvent<SspNoteEvent>({ name: 'CREDIT_NOTE', channel: 2 })]);
    device.rawNext = [0x42, 0x01, 0x02];
    await vi.advanceTimersByTimeAsync(400);
    // `event`/`unknown` are emitted for the whole reply first, then the typed events of the device class
    expect(log.slice(1).sort()).toEqual(['credit 2 1000', 'unknown 0x42 3']);
  });

  it('a listener that throws is reported as an error and the next credit of the same reply is still delivered', async () => {
    const errors: string[] = [];
    validator.on('error', (e) => errors.push(`${e.code} ${e.message}`));
    validator.once('credit', () => {
      throw new Error('till offline');
    });
    device.polls.push([
      makeEvent<SspNoteEvent>({ name: 'CREDIT_NOTE', channel: 1 }),
      makeEvent<SspNoteEvent>({ name: 'CREDIT_NOTE', channel: 2 }),
    ]);
    await vi.advanceTimersByTimeAsync(400);
    expect(log.slice(1)).toEqual(['credit 1 500', 'credit 2 1000']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^LISTENER_FAILED a 'credit' listener threw: till offline/);
  });

  it('a rejected note reports the LAST_REJECT_CODE reason', async () => {
    device.polls.push([makeEvent({ name: 'NOTE_REJECTED' })]);
    await vi.advanceTimersByTimeAsync(400);
    expect(log.slice(1)).toEqual(['rejected 6']);
  });

  it('when HOLD is refused (the note left escrow), the loop goes back to POLL', async () => {
    const escrow: number[] = [];
    validator.on('escrow', (n) => {
      escrow.push(n.channel);
      validator.hold();
    });
    device.polls.push([makeEvent<SspNoteEvent>({ name: 'READ_NOTE', channel: 1 })]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(escrow).toEqual([1]);
    const holds = device.received.filter((c) => c === 0x18).length;
    expect(holds).toBeGreaterThanOrEqual(3);
    device.holdReply = 0xf8;
    device.polls.push([makeEvent({ name: 'NOTE_REJECTED' })]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(validator.escrow).toBeUndefined();
    expect(log.slice(1)).toEqual(['rejected 6']);
    expect(device.received.at(-1)).toBe(0x07);
  });

  it('a failed re-initialisation is retried by the next poll round', async () => {
    const errors: string[] = [];
    validator.on('error', (e) => errors.push(e.code));
    device.polls.push([], [makeEvent({ name: 'SLAVE_RESET' })]);
    device.failSetup = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual(['SOFTWARE_ERROR']);
    expect(log).toEqual(['ready start v4', 'reinitialising reset', 'reinitialising reset', 'ready reset v4']);
  });

  it('a command of the application during a re-initialisation waits until the start-up sequence is done', async () => {
    device.polls.push([], [makeEvent({ name: 'SLAVE_RESET' })]);
    device.slowSetupMs = 100;
    const from = device.received.length;
    const inSetup = (): boolean => log.includes('reinitialising reset') && device.received.slice(from).includes(0x05);
    for (let t = 0; t < 1000 && !inSetup(); t += 10) await vi.advanceTimersByTimeAsync(10);
    expect(inSetup()).toBe(true);
    // the application sends a command while the runtime waits for the SETUP_REQUEST reply
    const done: string[] = [];
    void validator.displayOn().then(() => done.push('displayOn'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toEqual(['displayOn']);
    const after = device.received.slice(from);
    const reinit = after.indexOf(0x11);
    // SYNC, HOST_PROTOCOL_VERSION 8..4, GET_SERIAL_NUMBER (is it the same device?), SETUP_REQUEST (the first
    // re-initialisation has no serial number to compare with), SET_CHANNEL_INHIBITS, bar code set-up, ENABLE, then
    // DISPLAY_ON
    expect(after.slice(reinit, reinit + 13)).toEqual([0x11, 6, 6, 6, 6, 6, 0x0c, 0x05, 0x02, 0x24, 0x26, 0x0a, 0x03]);
  });

  it('a device that keeps answering KEY_NOT_SET is re-initialised with a growing pause, then recovers', async () => {
    const errors: string[] = [];
    validator.on('error', (e) => errors.push(e.code));
    const syncs = (): number => device.received.filter((c) => c === 0x11).length;
    const before = syncs();
    device.keyNotSetAnswers = Infinity;
    await vi.advanceTimersByTimeAsync(20_000);
    // 200 ms polls for 20 s: without a pause that would be ~100 start-ups; with 0.4, 0.8, ... 10 s pauses, about 6
    const attempts = syncs() - before;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(8);
    expect(errors.every((c) => c === 'KEY_NOT_SET')).toBe(true);
    device.keyNotSetAnswers = 0;
    await vi.advanceTimersByTimeAsync(11_000);
    expect(log.at(-1)).toBe('ready key-not-set v4');
    // after a good poll reply the pause is forgotten: the next KEY_NOT_SET re-initialises at once
    await vi.advanceTimersByTimeAsync(400);
    const readies = log.filter((l) => l === 'ready key-not-set v4').length;
    device.keyNotSetAnswers = 1;
    await vi.advanceTimersByTimeAsync(300);
    expect(log.filter((l) => l === 'ready key-not-set v4')).toHaveLength(readies + 1);
  });
});
