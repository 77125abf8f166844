/**
 * Issue 10, defect 12: every eSSP reply decoder checks the declared counts against the length. A count that does
 * not match is a typed error (SHORT_DATA when bytes are missing, UNEXPECTED_REPLY when some are left over), never a
 * table of wrong values (a channel table with a bad count used to become wrong credit values).
 */
import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/core/bytes.js';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { COMMANDS } from '../../src/essp/commands.js';
import {
  decodeChannelSecurity,
  decodeChannelValues,
  decodeCounters,
  decodeLevels,
  decodeSerialNumber,
  decodeSetupRequest,
  decodeUnitData,
  encodeSetupRequest,
  validatorSetup,
} from '../../src/essp/decoders.js';

const CHANNELS = [
  { channel: 1, value: 500, currency: 'EUR' },
  { channel: 2, value: 1000, currency: 'EUR' },
  { channel: 3, value: 2000, currency: 'EUR' },
];

function codeOf(run: () => unknown): ErrorCode | undefined {
  try {
    run();
  } catch (error) {
    return isKioskbusError(error) ? error.code : undefined;
  }
  return undefined;
}

describe('declared lengths (issue 10, defect 12)', () => {
  for (const protocolVersion of [5, 6, 8]) {
    const good = encodeSetupRequest(validatorSetup({ currency: 'EUR', channels: CHANNELS, protocolVersion }));
    it(`SETUP_REQUEST v${protocolVersion}: the exact reply decodes; a wrong channel count is a typed error`, () => {
      expect(decodeSetupRequest(good).channels).toEqual(CHANNELS);
      const countAt = 11; // unit type 1, firmware 4, country 3, multiplier 3
      for (const n of [0, 1, 2, 4, 5, 9]) {
        const bad = good.slice();
        bad[countAt] = n;
        expect([ErrorCode.ShortData, ErrorCode.UnexpectedReply], `count ${n}`).toContain(
          codeOf(() => decodeSetupRequest(bad)),
        );
      }
    });
    it(`SETUP_REQUEST v${protocolVersion}: one byte more or less is a typed error`, () => {
      expect(codeOf(() => decodeSetupRequest(Uint8Array.of(...good, 0)))).toBe(ErrorCode.UnexpectedReply);
      expect(codeOf(() => decodeSetupRequest(good.subarray(0, good.length - 1)))).toBeDefined();
    });
  }

  it('SETUP_REQUEST of a coin device: the coin count must match the coin values and currencies', () => {
    // SMART Hopper, fw 0609, EUR, protocol 6, 2 coins (100, 200), currencies EUR EUR
    const good = parseHex('03 30 36 30 39 45 55 52 06 02 64 00 C8 00 45 55 52 45 55 52');
    expect(decodeSetupRequest(good).channels.map((c) => c.value)).toEqual([100, 200]);
    const three = good.slice();
    three[9] = 3;
    expect(codeOf(() => decodeSetupRequest(three))).toBeDefined();
    const one = good.slice();
    one[9] = 1;
    expect(codeOf(() => decodeSetupRequest(one))).toBe(ErrorCode.UnexpectedReply);
  });

  it('CHANNEL_VALUE_REQUEST, CHANNEL_SECURITY_DATA, levels, counters, unit data, serial number', () => {
    const v6 = { protocolVersion: 6 };
    // 2 channels at v6: values, currencies, u32 values
    const values = parseHex('02 05 0A 45 55 52 45 55 52 F4 01 00 00 E8 03 00 00');
    expect(decodeChannelValues(values, v6).channels.map((c) => c.value)).toEqual([500, 1000]);
    const valuesBad = values.slice();
    valuesBad[0] = 1;
    expect(codeOf(() => decodeChannelValues(valuesBad, v6))).toBe(ErrorCode.UnexpectedReply);
    expect(codeOf(() => decodeChannelSecurity(parseHex('02 02 02 02')))).toBe(ErrorCode.UnexpectedReply);
    const levels = parseHex('01 03 00 F4 01 00 00 45 55 52');
    expect(decodeLevels(levels)).toEqual([{ level: 3, value: 500, currency: 'EUR' }]);
    expect(codeOf(() => decodeLevels(Uint8Array.of(2, ...levels.subarray(1))))).toBe(ErrorCode.ShortData);
    expect(codeOf(() => decodeLevels(Uint8Array.of(0, ...levels.subarray(1))))).toBe(ErrorCode.UnexpectedReply);
    expect(codeOf(() => decodeCounters(parseHex('01 01 00 00 00 02 00 00 00')))).toBe(ErrorCode.UnexpectedReply);
    expect(codeOf(() => decodeUnitData(parseHex('00 30 33 30 30 45 55 52 01 00 00 07 01')))).toBe(
      ErrorCode.UnexpectedReply,
    );
    expect(codeOf(() => decodeSerialNumber(parseHex('00 00 01 02 03')))).toBe(ErrorCode.UnexpectedReply);
  });

  it('NV11 note positions and the cashbox operation data: the count must match the length', () => {
    const ctx = { protocolVersion: 7 };
    const positions = COMMANDS.GET_NOTE_POSITIONS;
    expect(positions.decodeReply(parseHex('02 01 02'), ctx)).toEqual({ count: 2, channels: [1, 2] });
    expect(positions.decodeReply(parseHex('01 F4 01 00 00'), ctx)).toEqual({ count: 1, values: [500] });
    expect(codeOf(() => positions.decodeReply(parseHex('02 01 02 03'), ctx))).toBe(ErrorCode.UnexpectedReply);
    const cashbox = COMMANDS.CASHBOX_PAYOUT_OPERATION_DATA;
    const one = '01 02 00 F4 01 00 00 45 55 52';
    expect(cashbox.decodeReply(parseHex(one), ctx).items).toHaveLength(1);
    expect(codeOf(() => cashbox.decodeReply(parseHex(`${one} 00 00`), ctx))).toBeDefined();
    expect(codeOf(() => cashbox.decodeReply(parseHex(`${one} 00 00 00 00 00`), ctx))).toBe(ErrorCode.UnexpectedReply);
  });
});
