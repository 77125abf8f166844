/**
 * The simulator answers as the manuals say a device answers: encryption rules (GA138 encryption layer, GA973), the
 * SET_OPTIONS mode byte, and every event of the tables producible by a script line.
 */
import { describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/essp/commands.js';
import { EVENT_SPECS, type SspEventSpec } from '../../src/essp/events.js';
import { runScriptLine } from '../../src/essp/simulator/script.js';
import { TestHost } from './simulator-harness.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

useFakeTimeAndCloser();

describe('eSSP simulator: encryption rules', () => {
  it('an encryption-required command sent in plain is answered PARAMETER_OUT_OF_RANGE (F4), with or without a key', () => {
    const host = new TestHost({ device: 'nv200' });
    host.sync();
    expect(host.cmd([0x56])).toEqual(Uint8Array.of(0xf4)); // POLL_WITH_ACK
    host.negotiate();
    expect(host.cmd([0x56])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x60, 1, 2, 3, 4, 5, 6, 7, 8])).toEqual(Uint8Array.of(0xf4)); // SET_FIXED_ENCRYPTION_KEY
    expect(host.cmd([0x56], { encrypt: true })[0]).toBe(0xf0);
  });

  it('a payout device without a key still answers KEY_NOT_SET (FA); with a key a plain payout gets F4', () => {
    const host = new TestHost({ device: 'smart-payout' });
    host.sync();
    expect(host.cmd([0x33, 0xf4, 0x01, 0, 0, 0x45, 0x55, 0x52, 0x19])).toEqual(Uint8Array.of(0xfa));
    host.negotiate();
    expect(host.cmd([0x33, 0xf4, 0x01, 0, 0, 0x45, 0x55, 0x52, 0x19])).toEqual(Uint8Array.of(0xf4));
  });

  it('CASHBOX_UNLOCK_ENABLE / CASHBOX_LOCK_ENABLE are encryption-required in the table', () => {
    expect(COMMANDS.CASHBOX_UNLOCK_ENABLE.encryption).toBe('required');
    expect(COMMANDS.CASHBOX_LOCK_ENABLE.encryption).toBe('required');
  });

  it('on a keyed link a plain POLL whose reply carries a credit is answered encrypted; other replies stay plain', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.start();
    host.negotiate();
    host.sim.insertNote(2);
    vi.advanceTimersByTime(700);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'READ_NOTE 2']);
    expect(host.pollNames()).toEqual(['NOTE_STACKING']);
    expect(host.encryptedReplies).toBe(0);
    vi.advanceTimersByTime(1300);
    const count = host.count;
    // the harness checks that the reply is encrypted with eCOUNT + 1 and takes that count over
    expect(host.pollNames()).toEqual(['CREDIT_NOTE 2', 'NOTE_STACKED']);
    expect(host.encryptedReplies).toBe(1);
    expect(host.count).toBe(count + 1);
    expect(host.pollNames()).toEqual([]);
    expect(host.encryptedReplies).toBe(1);
    // the link goes on: the next encrypted command carries the count of that reply
    expect(host.cmd([0x07], { encrypt: true })[0]).toBe(0xf0);
  });

  it('without a key a credit is reported in plain (pay-in validators need no encryption)', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.start();
    host.insertUntilStacked(1);
    expect(host.pollNames()).toEqual(['CREDIT_NOTE 1', 'NOTE_STACKED']);
    expect(host.encryptedReplies).toBe(0);
  });
});

describe('eSSP simulator: SET_OPTIONS mode byte', () => {
  it('answers the pay mode 0xFC-0xFF of REG0 (manual example: 04 00 -> F0 FE) and the table decodes it', () => {
    const host = new TestHost({ device: 'smart-hopper' });
    host.sync();
    host.negotiate();
    const ctx = { protocolVersion: 6 };
    const cases: [number, string, number][] = [
      [0x04, 'highestSplit', 0xfe],
      [0x05, 'freePay', 0xff],
      [0x0c, 'highestSplitWithCashbox', 0xfc],
      [0x0d, 'freePayWithCashbox', 0xfd],
    ];
    for (const [reg0, mode, byte] of cases) {
      const reply = host.cmd([0x50, reg0, 0x00], { encrypt: true });
      expect(reply).toEqual(Uint8Array.of(0xf0, byte));
      expect(COMMANDS.SET_HOPPER_OPTIONS.decodeReply(reply.subarray(1), ctx)).toEqual({ mode });
    }
    expect(COMMANDS.SET_HOPPER_OPTIONS.decodeReply(new Uint8Array(0), ctx)).toBeUndefined();
    expect(() => COMMANDS.SET_HOPPER_OPTIONS.decodeReply(Uint8Array.of(0x12), ctx)).toThrow(/mode byte/);
  });
});

/** Script words for one event of the table, by layout. */
function argsFor(spec: SspEventSpec): string {
  switch (spec.layout) {
    case 'none':
    case 'undocumented':
      return '';
    case 'channel':
    case 'note':
    case 'fraud':
      return '2';
    case 'errorByte':
      return '3';
    case 'values':
    case 'value7':
    case 'coinCredit':
    case 'coinRejected':
      return '500 EUR';
    case 'incomplete':
      return '200 500 EUR';
    case 'errorDuringPayout':
      return '2 500 EUR';
    case 'noteStored':
      return '';
  }
}

describe('eSSP simulator: every event of the tables can be scripted', () => {
  it.each(EVENT_SPECS.map((spec) => [spec.name, spec] as const))('event %s reaches the host decoded', (name, spec) => {
    const host = new TestHost({ device: 'nv200' });
    host.start();
    const text = runScriptLine(host.sim, `event ${name} ${argsFor(spec)}`.trim());
    expect(text).toBe(`event ${name} queued`);
    const events = host.poll();
    const event = events.find((e) => e.name === name);
    expect(event, `${name} in ${JSON.stringify(events.map((e) => e.name))}`).toBeDefined();
    expect(event?.code).toBe(spec.code);
    if (spec.layout === 'channel' || spec.layout === 'note') expect(event).toMatchObject({ channel: 2 });
    if (spec.layout === 'errorByte') expect(event).toMatchObject({ error: 3 });
    if (spec.layout === 'values') expect(event).toMatchObject({ values: [{ value: 500, currency: 'EUR' }] });
    if (spec.layout === 'incomplete') {
      expect(event).toMatchObject({ items: [{ paid: 200, requested: 500, currency: 'EUR' }] });
    }
  });

  it('named events of the issue: INITIALISING, NOTE_FLOAT_ATTACHED/REMOVED, CALIBRATION_FAILED in one poll', () => {
    const host = new TestHost({ device: 'nv200' });
    host.start();
    for (const line of ['event initialising', 'event NOTE_FLOAT_ATTACHED', 'event NOTE_FLOAT_REMOVED']) {
      runScriptLine(host.sim, line);
    }
    runScriptLine(host.sim, 'event CALIBRATION_FAILED 0x04');
    expect(host.poll()).toEqual([
      { name: 'INITIALISING', code: 0xb6 },
      { name: 'NOTE_FLOAT_ATTACHED', code: 0xc8 },
      { name: 'NOTE_FLOAT_REMOVED', code: 0xc7 },
      { name: 'CALIBRATION_FAILED', code: 0x83, error: 4 },
    ]);
  });

  it('bad event lines are refused with a hint, and nothing is queued', () => {
    const host = new TestHost({ device: 'nv200' });
    host.start();
    expect(() => runScriptLine(host.sim, 'event NO_SUCH_EVENT')).toThrow(/unknown event/);
    expect(() => runScriptLine(host.sim, 'event DISPENSED 500')).toThrow(/pairs of VALUE CURRENCY/);
    expect(() => runScriptLine(host.sim, 'event CREDIT_NOTE 300')).toThrow(/byte/);
    expect(() => runScriptLine(host.sim, 'event DISABLED 1')).toThrow(/unexpected/);
    expect(host.sim.state.pendingEvents).toEqual([]);
  });
});

describe('eSSP simulator: commands the manual lists for a device are answered, not refused F2', () => {
  /** code, plain args, whether it must go encrypted (payout devices: everything after the key exchange). */
  const cases: { device: 'smart-payout' | 'smart-hopper' | 'smart-system' | 'nv200'; commands: number[][] }[] = [
    {
      device: 'smart-payout',
      commands: [[0x23], [0x24, 0x01, 0x01, 0x12], [0x25], [0x26, 0xfe], [0x27], [0x54, 0, 0, 255, 1]].concat([
        [0x76],
        [0x77],
        [0x78],
        [0x7a, 5],
        [0x79],
      ]),
    },
    {
      device: 'smart-hopper',
      commands: [
        [0x4d, 0x00, 0x00],
        [0x37, 0x01],
      ],
    },
    {
      device: 'smart-system',
      commands: [[0x4d, 0x00, 0x00], [0x37, 0x00], [0x02, 0xff], [0x58], [0x59], [0x62], [0x63]].concat([
        [0x64, 15, 6, 26, 10, 30, 0],
        [0x3a, 0x01],
        [0x5d, 0x05],
      ]),
    },
    { device: 'nv200', commands: [[0x72]] },
  ];
  it.each(cases)('$device', ({ device, commands }) => {
    const host = new TestHost({ device });
    host.sync();
    host.negotiate();
    for (const command of commands) {
      const reply = host.cmd(command, { encrypt: true });
      expect(reply[0], `0x${(command[0] ?? 0).toString(16)} answered 0x${(reply[0] ?? 0).toString(16)}`).toBe(0xf0);
    }
  });

  it('the replies carry the data the table decodes: escrow size, bar code status, clock', () => {
    const payout = new TestHost({ device: 'smart-payout' });
    payout.sync();
    payout.negotiate();
    expect(payout.cmd([0x7a, 7], { encrypt: true })).toEqual(Uint8Array.of(0xf0));
    expect(payout.cmd([0x79], { encrypt: true })).toEqual(Uint8Array.of(0xf0, 7));
    expect(payout.cmd([0x78], { encrypt: true })).toEqual(Uint8Array.of(0xf0, 0, 0, 0, 0));
    const system = new TestHost({ device: 'smart-system' });
    system.sync();
    system.negotiate();
    expect(system.cmd([0x64, 15, 6, 26, 10, 30, 0], { encrypt: true })).toEqual(Uint8Array.of(0xf0));
    vi.advanceTimersByTime(61_000);
    const clock = system.cmd([0x63], { encrypt: true });
    expect(COMMANDS.GET_REAL_TIME_CLOCK.decodeReply(clock.subarray(1), { protocolVersion: 7 })).toEqual({
      day: 15,
      month: 6,
      year: 26,
      hour: 10,
      minute: 31,
      second: 1,
    });
    expect(system.cmd([0x64, 31, 2, 26, 10, 30, 0], { encrypt: true })).toEqual(Uint8Array.of(0xf4)); // 31 February
    expect(system.cmd([0x5d, 0x00], { encrypt: true })).toEqual(Uint8Array.of(0xf4)); // stir 0 s
    expect(system.cmd([0x5d, 0x05])).toEqual(Uint8Array.of(0xf4)); // COIN_STIR is encryption-required
  });

  it('commands the manual does not list for a device stay F2', () => {
    const hopper = new TestHost({ device: 'smart-hopper' });
    hopper.sync();
    hopper.negotiate();
    for (const code of [0x62, 0x63, 0x5d, 0x3a, 0x58, 0x23, 0x72]) {
      expect(hopper.cmd([code], { encrypt: true })).toEqual(Uint8Array.of(0xf2));
    }
    const nv9 = new TestHost({ device: 'nv9usb' });
    nv9.sync();
    for (const code of [0x72, 0x23, 0x54, 0x37]) expect(nv9.cmd([code])).toEqual(Uint8Array.of(0xf2));
  });
});
