import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/core/bytes.js';
import {
  decodeEvents,
  decodeRejectReason,
  encodeEvent,
  encodeEvents,
  EVENT_SPECS,
  type SspEvent,
} from '../../src/essp/events.js';
import { UnitType, type SspContext } from '../../src/essp/commands.js';
import { prng } from '../helpers/prng.js';

const v5: SspContext = { protocolVersion: 5, unitType: UnitType.Validator, currency: 'GBP' };
const v6: SspContext = { protocolVersion: 6, unitType: UnitType.SmartPayout, currency: 'EUR' };
const hopper6: SspContext = { protocolVersion: 6, unitType: UnitType.SmartHopper, currency: 'GBP' };
const hopper5: SspContext = { protocolVersion: 5, unitType: UnitType.SmartHopper, currency: 'GBP' };

/** The data of a POLL reply frame (after STX, SEQ, LEN and the F0 byte, without CRC). */
function pollData(frame: string): Uint8Array {
  const bytes = parseHex(frame);
  const len = bytes[2] ?? 0;
  return bytes.subarray(4, 3 + len);
}

describe('decodeEvents: research §4.1 vectors', () => {
  it('reset + disabled', () => {
    expect(decodeEvents(pollData('7F 80 03 F0 F1 E8 BF 8C'), v5)).toEqual([
      { name: 'SLAVE_RESET', code: 0xf1 },
      { name: 'DISABLED', code: 0xe8 },
    ]);
  });

  it('credit channel 1 then stacked, with the channel value from the context', () => {
    const ctx: SspContext = { ...v5, channels: [{ channel: 1, value: 500, currency: 'GBP' }] };
    expect(decodeEvents(pollData('7F 80 04 F0 EE 01 EB B9 48'), ctx)).toEqual([
      { name: 'CREDIT_NOTE', code: 0xee, channel: 1, value: { value: 500, currency: 'GBP' } },
      { name: 'NOTE_STACKED', code: 0xeb },
    ]);
  });

  it('stacking then credit (poll with ack)', () => {
    expect(decodeEvents(pollData('7F 80 04 F0 CC EE 01 62 AA'), v5).map((e) => e.name)).toEqual([
      'NOTE_STACKING',
      'CREDIT_NOTE',
    ]);
  });

  it('HALTED v6 15.30 EUR', () => {
    expect(decodeEvents(pollData('7F 80 0A F0 D6 01 FA 05 00 00 45 55 52 4D 49'), v6)).toEqual([
      { name: 'HALTED', code: 0xd6, values: [{ value: 1530, currency: 'EUR' }] },
    ]);
  });

  it('CASHBOX_PAID v6 two currencies', () => {
    expect(
      decodeEvents(pollData('7F 90 11 F0 DE 02 12 02 00 00 47 42 50 14 00 00 00 45 55 52 3A 50'), hopper6),
    ).toEqual([
      {
        name: 'CASHBOX_PAID',
        code: 0xde,
        values: [
          { value: 530, currency: 'GBP' },
          { value: 20, currency: 'EUR' },
        ],
      },
    ]);
  });

  it('COIN_CREDIT v6 is 7 fixed bytes (no count byte)', () => {
    expect(decodeEvents(pollData('7F 90 09 F0 DF F4 01 00 00 47 42 50 89 0F'), hopper6)).toEqual([
      { name: 'COIN_CREDIT', code: 0xdf, value: { value: 500, currency: 'GBP' } },
    ]);
  });

  it('VALUE_ADDED v7', () => {
    expect(
      decodeEvents(pollData('7F 80 11 F0 BF 02 DC 00 00 00 45 55 52 68 01 00 00 47 42 50 D1 05'), {
        protocolVersion: 7,
        unitType: UnitType.SmartSystem,
      }),
    ).toEqual([
      {
        name: 'VALUE_ADDED',
        code: 0xbf,
        values: [
          { value: 220, currency: 'EUR' },
          { value: 360, currency: 'GBP' },
        ],
      },
    ]);
  });

  it('NOTE_TRANSFERED_TO_STACKER 5.00 EUR', () => {
    expect(decodeEvents(pollData('7F 80 09 F0 C9 F4 01 00 00 45 55 52 DA C9'), v6)).toEqual([
      { name: 'NOTE_TRANSFERED_TO_STACKER', code: 0xc9, value: { value: 500, currency: 'EUR' } },
    ]);
  });

  it('ERROR_DURING_PAYOUT (manual example lacks the second currency: stops as truncated, never throws)', () => {
    const events = decodeEvents(pollData('7F 80 0F F0 B1 02 88 13 00 00 47 42 50 D0 07 00 00 01 34 B3'), {
      protocolVersion: 7,
      unitType: UnitType.SmartPayout,
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ name: 'UNKNOWN', code: 0xb1, reason: 'truncated', label: 'ERROR_DURING_PAYOUT' });
  });

  it('a data byte equal to an event code is not parsed as an event (DISPENSING value 0xE8)', () => {
    const data = Uint8Array.of(0xda, 0xe8, 0x03, 0x00, 0x00, 0xe8);
    expect(decodeEvents(data, { ...v5, unitType: UnitType.SmartPayout })).toEqual([
      { name: 'DISPENSING', code: 0xda, values: [{ value: 1000, currency: 'GBP' }] },
      { name: 'DISABLED', code: 0xe8 },
    ]);
  });
});

describe('decodeEvents: unknown and undocumented codes stop the parse', () => {
  it('unknown code: one UNKNOWN event with every remaining byte, events before it kept', () => {
    const events = decodeEvents(Uint8Array.of(0xf1, 0x42, 0xee, 0x01, 0xeb), v5);
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({ name: 'SLAVE_RESET', code: 0xf1 });
    expect(events[1]).toEqual({
      name: 'UNKNOWN',
      code: 0x42,
      raw: Uint8Array.of(0x42, 0xee, 0x01, 0xeb),
      reason: 'unknown-code',
    });
  });

  it('issue 10: COINS_LOW carries no data, so the COIN_CREDIT after it is read (SMART Hopper capture)', () => {
    // HALTED 500 EUR, COINS_LOW, COIN_CREDIT 500 EUR: before the length was known, the parse stopped at D3 and
    // the coin was never reported
    const reply = parseHex('F0 D6 01 F4 01 00 00 45 55 52 D3 DF F4 01 00 00 45 55 52');
    expect(decodeEvents(reply.subarray(1), hopper6)).toEqual([
      { name: 'HALTED', code: 0xd6, values: [{ value: 500, currency: 'EUR' }] },
      { name: 'COINS_LOW', code: 0xd3 },
      { name: 'COIN_CREDIT', code: 0xdf, value: { value: 500, currency: 'EUR' } },
    ]);
  });

  it('the events GA138 lists without a size are sized: 0xC0, 0x8B, 0xA7 carry nothing, 0xBA a number and currency', () => {
    expect(decodeEvents(parseHex('c0 8b a7 ba 03 00 00 00 45 55 52 e8'), hopper6)).toEqual([
      { name: 'MAINTENANCE_REQUIRED', code: 0xc0 },
      { name: 'ESCROW_ACTIVE', code: 0x8b },
      { name: 'TICKET_IN_BEZEL_AT_STARTUP', code: 0xa7 },
      { name: 'COIN_REJECTED', code: 0xba, amount: 3, currency: 'EUR' },
      { name: 'DISABLED', code: 0xe8 },
    ]);
  });

  it('every code of the table has a known length (none stops the parse by itself)', () => {
    expect(EVENT_SPECS.filter((s) => s.layout === 'undocumented').map((s) => s.name)).toEqual([]);
  });

  it('data cut short: UNKNOWN truncated, no event invented', () => {
    expect(decodeEvents(Uint8Array.of(0xee), v5)).toEqual([
      { name: 'UNKNOWN', code: 0xee, raw: Uint8Array.of(0xee), reason: 'truncated', label: 'CREDIT_NOTE' },
    ]);
  });

  it('empty reply: no events', () => {
    expect(decodeEvents(new Uint8Array(0), v5)).toEqual([]);
  });
});

describe('layouts by version and unit type', () => {
  it('FRAUD_ATTEMPT: validator channel, hopper v5 one value, hopper v6 a list', () => {
    expect(decodeEvents(Uint8Array.of(0xe6, 0x03), v5)).toEqual([{ name: 'FRAUD_ATTEMPT', code: 0xe6, channel: 3 }]);
    expect(decodeEvents(Uint8Array.of(0xe6, 0x03), v6)).toEqual([{ name: 'FRAUD_ATTEMPT', code: 0xe6, channel: 3 }]);
    expect(decodeEvents(Uint8Array.of(0xe6, 0x64, 0, 0, 0), hopper5)).toEqual([
      { name: 'FRAUD_ATTEMPT', code: 0xe6, values: [{ value: 100, currency: 'GBP' }] },
    ]);
    expect(decodeEvents(parseHex('e6 01 64 00 00 00 45 55 52'), hopper6)).toEqual([
      { name: 'FRAUD_ATTEMPT', code: 0xe6, values: [{ value: 100, currency: 'EUR' }] },
    ]);
  });

  it('INCOMPLETE_PAYOUT v5 (8 bytes) and v6 (count + 11 bytes each)', () => {
    expect(decodeEvents(parseHex('dc 10 00 00 00 20 00 00 00'), { ...v5, unitType: UnitType.SmartPayout })).toEqual([
      { name: 'INCOMPLETE_PAYOUT', code: 0xdc, items: [{ paid: 16, requested: 32, currency: 'GBP' }] },
    ]);
    expect(decodeEvents(parseHex('dc 01 10 00 00 00 20 00 00 00 45 55 52 e8'), v6)).toEqual([
      { name: 'INCOMPLETE_PAYOUT', code: 0xdc, items: [{ paid: 16, requested: 32, currency: 'EUR' }] },
      { name: 'DISABLED', code: 0xe8 },
    ]);
  });

  it('COIN_CREDIT v5 is 4 bytes in the unit currency', () => {
    expect(decodeEvents(parseHex('df f4 01 00 00 e8'), hopper5)).toEqual([
      { name: 'COIN_CREDIT', code: 0xdf, value: { value: 500, currency: 'GBP' } },
      { name: 'DISABLED', code: 0xe8 },
    ]);
  });

  it('SMART Currency v9 READ_NOTE/CREDIT_NOTE: currency first, then value', () => {
    const ctx: SspContext = { protocolVersion: 9, smartCurrency: true };
    expect(decodeEvents(parseHex('ee 45 55 52 f4 01 00 00'), ctx)).toEqual([
      { name: 'CREDIT_NOTE', code: 0xee, channel: 0, value: { value: 500, currency: 'EUR' } },
    ]);
  });

  it('NOTE_STORED_IN_PAYOUT: 0 bytes, NV11 report-by-value v6: value list', () => {
    expect(decodeEvents(parseHex('db e8'), v6)).toEqual([
      { name: 'NOTE_STORED_IN_PAYOUT', code: 0xdb },
      { name: 'DISABLED', code: 0xe8 },
    ]);
    const nv11: SspContext = { protocolVersion: 6, unitType: UnitType.Nv11, valueReporting: 'value' };
    expect(decodeEvents(parseHex('db 01 e8 03 00 00 45 55 52'), nv11)).toEqual([
      { name: 'NOTE_STORED_IN_PAYOUT', code: 0xdb, values: [{ value: 1000, currency: 'EUR' }] },
    ]);
  });

  it('COIN_MECH_ERROR carries one byte', () => {
    expect(decodeEvents(parseHex('b7 05 e8'), hopper6)).toEqual([
      { name: 'COIN_MECH_ERROR', code: 0xb7, error: 5 },
      { name: 'DISABLED', code: 0xe8 },
    ]);
  });
});

/** One sample event per table entry, valid for `ctx`. */
function sample(name: string, code: number, ctx: SspContext): SspEvent {
  const values =
    ctx.protocolVersion >= 6
      ? [
          { value: 1530, currency: 'EUR' },
          { value: 200, currency: 'GBP' },
        ]
      : [{ value: 1530, currency: ctx.currency ?? 'XXX' }];
  const spec = EVENT_SPECS.find((s) => s.code === code);
  switch (spec?.layout) {
    case 'none':
      return { name, code } as SspEvent;
    case 'channel':
    case 'note':
      return { name, code, channel: 4 } as SspEvent;
    case 'values':
      return { name, code, values } as SspEvent;
    case 'value7':
      return { name, code, value: { value: 500, currency: 'EUR' } } as SspEvent;
    case 'coinCredit':
      return {
        name,
        code,
        value: { value: 500, currency: ctx.protocolVersion >= 6 ? 'EUR' : (ctx.currency ?? 'XXX') },
      } as SspEvent;
    case 'errorByte':
      return { name, code, error: 7 } as SspEvent;
    case 'coinRejected':
      return { name, code, amount: 2, currency: 'EUR' } as SspEvent;
    case 'fraud':
      return (ctx.unitType === UnitType.SmartHopper ? { name, code, values } : { name, code, channel: 2 }) as SspEvent;
    case 'incomplete':
      return {
        name,
        code,
        items:
          ctx.protocolVersion >= 6
            ? [
                { paid: 100, requested: 300, currency: 'EUR' },
                { paid: 0, requested: 50, currency: 'GBP' },
              ]
            : [{ paid: 100, requested: 300, currency: ctx.currency ?? 'XXX' }],
      } as SspEvent;
    case 'errorDuringPayout':
      return { name, code, values, error: 1, reason: 'note jammed in transport' } as SspEvent;
    case 'noteStored':
      return { name, code } as SspEvent;
    default:
      return { name: 'UNKNOWN', code, raw: Uint8Array.of(code, 1, 2, 3), reason: 'undocumented-length', label: name };
  }
}

describe('encodeEvent is the exact inverse of decodeEvents', () => {
  const contexts: [string, SspContext][] = [
    ['validator v5', v5],
    ['SMART Payout v6', v6],
    ['SMART Payout v8', { ...v6, protocolVersion: 8 }],
    ['SMART Hopper v5', hopper5],
    ['SMART Hopper v6', hopper6],
  ];
  for (const [label, ctx] of contexts) {
    it(`every event, ${label}`, () => {
      for (const spec of EVENT_SPECS) {
        const event = sample(spec.name, spec.code, ctx);
        const bytes = encodeEvent(event, ctx);
        expect(bytes[0]).toBe(spec.code);
        const back = decodeEvents(bytes, ctx);
        expect(back, spec.name).toEqual([event]);
        expect(encodeEvents(back, ctx)).toEqual(bytes);
      }
    });
  }

  it('a whole reply of several events round-trips and keeps the order', () => {
    const events = EVENT_SPECS.filter((s) => s.layout !== 'undocumented').map((s) => sample(s.name, s.code, v6));
    const bytes = encodeEvents(events, v6);
    expect(decodeEvents(bytes, v6)).toEqual(events);
  });
});

describe('decodeRejectReason', () => {
  it('known codes', () => {
    expect(decodeRejectReason(0x06)).toMatchObject({ code: 6, name: 'CHANNEL_INHIBIT' });
    expect(decodeRejectReason(0x1f).reason).toMatch(/credit card/);
  });
  it('codes missing from the table never crash', () => {
    for (const code of [0x1e, 0x20, 0x7f, 0xff]) {
      expect(decodeRejectReason(code)).toEqual({
        code,
        name: 'UNKNOWN',
        reason: expect.stringMatching(/unknown reject code/) as unknown,
      });
    }
  });
});

describe('fuzz: decodeEvents on random bytes', () => {
  it('never throws and never invents a credit', () => {
    const random = prng(12345);
    const rand = (): number => Math.floor(random() * 0x80000000);
    const contexts = [v5, v6, hopper5, hopper6, { protocolVersion: 9, smartCurrency: true }];
    for (let i = 0; i < 3000; i++) {
      const len = rand() % 40;
      const data = new Uint8Array(len);
      for (let j = 0; j < len; j++) data[j] = rand() & 0xff;
      // bias towards real event codes
      if (len > 0 && rand() % 2 === 0) data[0] = EVENT_SPECS[rand() % EVENT_SPECS.length]?.code ?? 0;
      const ctx = contexts[i % contexts.length] ?? v5;
      const events = decodeEvents(data, ctx);
      // the events re-encode to exactly the input: nothing invented, nothing dropped
      expect(encodeEvents(events, ctx)).toEqual(data);
      // at most one UNKNOWN, and only last
      const unknownAt = events.findIndex((e) => e.name === 'UNKNOWN');
      expect(unknownAt === -1 || unknownAt === events.length - 1).toBe(true);
    }
  });
});
