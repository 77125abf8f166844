import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/core/bytes.js';
import { ErrorCode } from '../../src/core/errors.js';
import { COMMANDS, UnitType, type SspContext } from '../../src/essp/commands.js';
import {
  contextFromSetup,
  decodeBarCodeConfiguration,
  decodeBarCodeData,
  decodeBuildRevision,
  decodeChannelValues,
  decodeCounters,
  decodeLevels,
  decodeSetupRequest,
  decodeUnitData,
  decodeVersionText,
  encodeSetupRequest,
  formatFirmware,
  validatorSetup,
  type SetupRequestResult,
} from '../../src/essp/decoders.js';

/** Reply data after F0 from a whole reply frame. */
function afterOk(frame: string): Uint8Array {
  const bytes = parseHex(frame);
  return bytes.subarray(4, 3 + (bytes[2] ?? 0));
}

const v5: SspContext = { protocolVersion: 5 };

describe('SETUP_REQUEST', () => {
  it('validator GBP 5/10/20, protocol 5 (research §4.1)', () => {
    const data = afterOk('7F 80 17 F0 00 30 31 30 30 47 42 50 00 00 01 03 05 0A 14 02 02 02 40 00 00 05 61 81');
    const setup = decodeSetupRequest(data);
    expect(setup).toMatchObject({
      kind: 'validator',
      unitType: 0,
      firmware: '0100',
      currency: 'GBP',
      valueMultiplier: 1,
      channelValues: [5, 10, 20],
      channelSecurity: [2, 2, 2],
      realValueMultiplier: 0x400000,
      protocolVersion: 5,
    });
    expect(encodeSetupRequest(setup)).toEqual(data);
  });

  it('multipliers are big-endian (real value multiplier 100 -> minor units)', () => {
    const data = parseHex('00 30 34 30 30 45 55 52 00 00 01 02 05 0a 02 02 00 00 64 05');
    const setup = decodeSetupRequest(data);
    expect(setup.channels).toEqual([
      { channel: 1, value: 500, currency: 'EUR' },
      { channel: 2, value: 1000, currency: 'EUR' },
    ]);
  });

  it('validator v6: per-channel currencies and full values', () => {
    const setup = validatorSetup({
      unitType: UnitType.SmartPayout,
      currency: 'EUR',
      protocolVersion: 7,
      channels: [
        { channel: 1, value: 500, currency: 'EUR' },
        { channel: 2, value: 50000, currency: 'EUR' },
        { channel: 3, value: 2000, currency: 'GBP' },
      ],
    });
    expect(setup.channelCurrencies).toEqual(['EUR', 'EUR', 'GBP']);
    expect(setup.expandedValues).toEqual([500, 50000, 2000]);
    expect(setup.channels[1]).toEqual({ channel: 2, value: 50000, currency: 'EUR' });
    const bytes = encodeSetupRequest(setup);
    // 16 + 2n bytes of v5 layout, then 3n + 4n
    expect(bytes.length).toBe(16 + 2 * 3 + 7 * 3);
    expect(decodeSetupRequest(bytes)).toEqual(setup);
  });

  it('SMART Hopper v6: protocol at offset 8, u16 coin values, currencies', () => {
    const data = parseHex('03 30 36 30 33 45 55 52 06 03 0a 00 14 00 32 00 45 55 52 45 55 52 47 42 50');
    const setup = decodeSetupRequest(data);
    expect(setup).toEqual({
      kind: 'coin',
      unitType: 3,
      firmware: '0603',
      currency: 'EUR',
      protocolVersion: 6,
      coinValues: [10, 20, 50],
      coinCurrencies: ['EUR', 'EUR', 'GBP'],
      channels: [
        { channel: 1, value: 10, currency: 'EUR' },
        { channel: 2, value: 20, currency: 'EUR' },
        { channel: 3, value: 50, currency: 'GBP' },
      ],
    });
    expect(encodeSetupRequest(setup)).toEqual(data);
  });

  it('SMART System (0x09) uses the hopper layout, v5 without currencies', () => {
    const data = parseHex('09 30 31 30 30 45 55 52 05 02 0a 00 14 00');
    const setup = decodeSetupRequest(data);
    expect(setup.kind).toBe('coin');
    expect(setup.channels.map((c) => c.value)).toEqual([10, 20]);
    expect(encodeSetupRequest(setup)).toEqual(data);
  });

  it('printer layout', () => {
    const data = parseHex('08 30 31 30 30 01 00 01 41 42 43 02 01 03 07');
    const setup = decodeSetupRequest(data);
    expect(setup).toMatchObject({ kind: 'printer', cutter: 1, fontPack: 'ABC', printerType: 2, protocolVersion: 7 });
    expect(encodeSetupRequest(setup)).toEqual(data);
  });

  it('unknown unit type keeps the raw rest', () => {
    const data = parseHex('55 30 31 30 30 01 02 03');
    const setup = decodeSetupRequest(data);
    expect(setup).toEqual({
      kind: 'unknown',
      unitType: 0x55,
      firmware: '0100',
      raw: parseHex('01 02 03'),
      channels: [],
    });
    expect(encodeSetupRequest(setup)).toEqual(data);
  });

  it('NV11, TEBS and NV4000 use the validator layout', () => {
    for (const unitType of [UnitType.Nv11, UnitType.Tebs, UnitType.Nv4000]) {
      const s = validatorSetup({
        unitType,
        currency: 'EUR',
        protocolVersion: 6,
        channels: [{ channel: 1, value: 500, currency: 'EUR' }],
      });
      expect(decodeSetupRequest(encodeSetupRequest(s)).kind).toBe('validator');
    }
  });

  it('a cut-short reply is a SHORT_DATA error naming the field', () => {
    expect(() => decodeSetupRequest(parseHex('00 30 31 30 30 47 42 50 00 00 01 03 05'))).toThrow(/channel values/);
    expect(() => decodeSetupRequest(parseHex('00 30'))).toThrow(
      expect.objectContaining({ code: ErrorCode.ShortData }) as Error,
    );
  });

  it('contextFromSetup fills unit type, channels, currency and multiplier', () => {
    const setup: SetupRequestResult = decodeSetupRequest(
      parseHex('00 30 34 30 30 45 55 52 00 00 01 01 05 02 00 00 64 05'),
    );
    expect(contextFromSetup(setup, { protocolVersion: 6 })).toEqual({
      protocolVersion: 6,
      unitType: 0,
      currency: 'EUR',
      valueMultiplier: 100,
      channels: [{ channel: 1, value: 500, currency: 'EUR' }],
    });
  });
});

describe('other replies', () => {
  it('UNIT_DATA (research vector; the manual shows the multiplier as 01 00 00, read big-endian)', () => {
    expect(decodeUnitData(afterOk('7F 80 0D F0 00 30 33 30 30 45 55 52 01 00 00 07 01 85'))).toEqual({
      unitType: 0,
      firmware: '0300',
      currency: 'EUR',
      valueMultiplier: 0x010000,
      protocolVersion: 7,
    });
    expect(formatFirmware('0300')).toBe('3.00');
    expect(formatFirmware('1234')).toBe('12.34');
    expect(formatFirmware('x')).toBe('x');
  });

  it('GET_ALL_LEVELS (research vector)', () => {
    expect(
      decodeLevels(
        afterOk(
          '7F 80 26 F0 04 64 00 14 00 00 00 45 55 52 41 00 32 00 00 00 45 55 52 00 00 64 00 00 00 45 55 52 0C 00 C8 00 00 00 45 55 52 84 D0',
        ),
      ),
    ).toEqual([
      { level: 100, value: 20, currency: 'EUR' },
      { level: 65, value: 50, currency: 'EUR' },
      { level: 0, value: 100, currency: 'EUR' },
      { level: 12, value: 200, currency: 'EUR' },
    ]);
  });

  it('GET_COUNTERS (research vector)', () => {
    expect(
      decodeCounters(afterOk('7F 80 16 F0 05 11 00 00 00 28 00 00 00 23 00 00 00 0A 00 00 00 10 00 00 00 72 B7')),
    ).toEqual({
      stacked: 17,
      stored: 40,
      dispensed: 35,
      transferredToStack: 10,
      rejected: 16,
      counters: [17, 40, 35, 10, 16],
    });
  });

  it('CHANNEL_VALUE_REQUEST v5 and v6', () => {
    expect(
      decodeChannelValues(parseHex('02 05 0a'), { protocolVersion: 5, valueMultiplier: 100, currency: 'EUR' }).channels,
    ).toEqual([
      { channel: 1, value: 500, currency: 'EUR' },
      { channel: 2, value: 1000, currency: 'EUR' },
    ]);
    expect(decodeChannelValues(parseHex('01 05 47 42 50 f4 01 00 00'), { protocolVersion: 6 }).channels).toEqual([
      { channel: 1, value: 500, currency: 'GBP' },
    ]);
  });

  it('build revision, bar code configuration and data, versions', () => {
    expect(decodeBuildRevision(parseHex('00 10 02 06 03 00'))).toEqual([
      { unitType: 0, revision: 0x0210 },
      { unitType: 6, revision: 3 },
    ]);
    expect(decodeBarCodeConfiguration(parseHex('03 01 01 12'))).toEqual({
      hardware: 'both',
      enabled: 'top',
      format: 1,
      numChar: 18,
    });
    expect(decodeBarCodeData(parseHex('01 06 31 32 33 34 35 36'))).toEqual({
      status: 'escrow',
      statusCode: 1,
      data: '123456',
    });
    expect(decodeBarCodeData(parseHex('09 00'))).toEqual({ status: 'unknown', statusCode: 9, data: '' });
    expect(decodeVersionText(parseHex('4e 56 30 32 00 00'))).toBe('NV02');
  });

  it('GET_NOTE_POSITIONS by value and by channel (length decides)', () => {
    expect(COMMANDS.GET_NOTE_POSITIONS.decodeReply(parseHex('02 f4 01 00 00 e8 03 00 00'), v5)).toEqual({
      count: 2,
      values: [500, 1000],
    });
    expect(COMMANDS.GET_NOTE_POSITIONS.decodeReply(parseHex('02 01 03'), v5)).toEqual({ count: 2, channels: [1, 3] });
  });

  it('LAST_REJECT_CODE reply uses the reject table and survives unknown codes', () => {
    expect(COMMANDS.LAST_REJECT_CODE.decodeReply(Uint8Array.of(0x08), v5)).toMatchObject({
      code: 8,
      name: 'REJECT_BY_HOST',
    });
    expect(COMMANDS.LAST_REJECT_CODE.decodeReply(Uint8Array.of(0x99), v5)).toMatchObject({
      code: 0x99,
      name: 'UNKNOWN',
    });
  });
});
