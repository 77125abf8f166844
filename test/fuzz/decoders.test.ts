/**
 * Every decoder of wire data under fast-check: eSSP poll events and command replies, CCNET states, the ControllerBox
 * message table. Arbitrary bytes give a typed result or a typed KioskbusError, never another exception; events are
 * parsed strictly by declared length; a cut reply never yields a credit the whole reply did not carry.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBillState, decodeCardState, decodeCoinState } from '../../src/ccnet/states.js';
import { MESSAGES, MessageTable, type MessageName } from '../../src/controllerbox/messages.js';
import { KioskbusError } from '../../src/core/errors.js';
import {
  decodeChannelSecurity,
  decodeChannelValues,
  decodeSetupRequest,
  decodeUnitData,
} from '../../src/essp/decoders.js';
import { creditOf, decodeEvents, encodeEvents, type SspEvent } from '../../src/essp/events.js';
import { UnitType, type SspContext } from '../../src/essp/tables/context.js';
import { bytesArb, params } from './runs.js';

/** Calls `fn`; anything thrown must be a KioskbusError. */
function typedOnly(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KioskbusError);
  }
}

const CHANNELS = [500, 1000, 2000, 5000, 10_000].map((value, i) => ({ channel: i + 1, value, currency: 'EUR' }));

const contextArb: fc.Arbitrary<SspContext> = fc.record({
  protocolVersion: fc.integer({ min: 4, max: 9 }),
  unitType: fc.constantFrom(UnitType.Validator, UnitType.SmartHopper, UnitType.SmartPayout, UnitType.Nv11),
  channels: fc.constant(CHANNELS),
  currency: fc.constant('EUR'),
  valueMultiplier: fc.constant(1),
  valueReporting: fc.constantFrom('value' as const, 'channel' as const),
  smartCurrency: fc.boolean(),
});

const credits = (events: readonly SspEvent[]): string[] =>
  events.flatMap((e) => {
    const v = creditOf(e);
    return v ? [`${e.name}:${String(v.value)}`] : [];
  });

describe('fuzz: eSSP poll events', () => {
  it('arbitrary bytes: never throws; known events are parsed by declared length, the rest is one UNKNOWN', () => {
    fc.assert(
      fc.property(bytesArb(120), contextArb, (data, ctx) => {
        const events = decodeEvents(data, ctx);
        const unknown = events.findIndex((e) => e.name === 'UNKNOWN');
        // an UNKNOWN, if any, is the last event and holds every byte from its code on
        if (unknown >= 0) expect(unknown).toBe(events.length - 1);
        const known = unknown >= 0 ? events.slice(0, unknown) : events;
        const last = events[unknown];
        const rest = last?.name === 'UNKNOWN' ? last.raw.length : 0;
        // re-encoding the known events gives back exactly the bytes they were read from
        expect(Buffer.from(encodeEvents(known, ctx)).toString('hex')).toBe(
          Buffer.from(data.subarray(0, data.length - rest)).toString('hex'),
        );
      }),
      params(),
    );
  });

  it('a reply cut anywhere gives no credit that the whole reply did not carry first', () => {
    fc.assert(
      fc.property(bytesArb(120), contextArb, fc.nat(), (data, ctx, at) => {
        const whole = credits(decodeEvents(data, ctx));
        const cut = credits(decodeEvents(data.subarray(0, data.length === 0 ? 0 : at % data.length), ctx));
        expect(whole.slice(0, cut.length)).toEqual(cut);
      }),
      params(),
    );
  });
});

describe('fuzz: eSSP command reply decoders', () => {
  it.each([
    ['SETUP_REQUEST', (d: Uint8Array) => decodeSetupRequest(d)],
    ['UNIT_DATA', (d: Uint8Array) => decodeUnitData(d)],
    ['CHANNEL_VALUE_REQUEST', (d: Uint8Array) => decodeChannelValues(d, { protocolVersion: 6, channels: CHANNELS })],
    ['CHANNEL_VALUE_REQUEST v4', (d: Uint8Array) => decodeChannelValues(d, { protocolVersion: 4 })],
    ['CHANNEL_SECURITY_DATA', (d: Uint8Array) => decodeChannelSecurity(d)],
  ])('%s: arbitrary bytes give a result or a typed error', (_name, decode) => {
    fc.assert(
      fc.property(bytesArb(200), (data) => {
        typedOnly(() => decode(data));
      }),
      params(),
    );
  });
});

describe('fuzz: CCNET state decoders', () => {
  it.each([
    ['bill validator', (d: Uint8Array) => decodeBillState(d)],
    ['bill-to-bill', (d: Uint8Array) => decodeBillState(d, true)],
    ['coin changer', (d: Uint8Array) => decodeCoinState(d)],
    ['card reader', (d: Uint8Array) => decodeCardState(d)],
  ])('%s: arbitrary POLL answers give a state or a typed error', (_name, decode) => {
    fc.assert(
      fc.property(bytesArb(40), (data) => {
        typedOnly(() => decode(data));
      }),
      params(),
    );
  });
});

describe('fuzz: ControllerBox message table', () => {
  const table = new MessageTable();
  it('any id and DATA: resolved or not, decoding gives a message or a typed error', () => {
    fc.assert(
      fc.property(fc.nat(255), bytesArb(40), (id, data) => {
        const resolved = table.resolve(id, data.length);
        if (!resolved) return;
        typedOnly(() => resolved.codec.decode(data, table.codec));
        typedOnly(() => resolved.codec.decodeResponse(data, table.codec));
      }),
      params(),
    );
  });

  it('every message decodes arbitrary DATA to a value or a typed error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(MESSAGES) as MessageName[])), bytesArb(40), (name, data) => {
        typedOnly(() => MESSAGES[name].decode(data, table.codec));
        typedOnly(() => MESSAGES[name].decodeResponse(data, table.codec));
      }),
      params(),
    );
  });
});
