import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/core/bytes.js';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import {
  allCommands,
  commandByCode,
  commandByName,
  COMMANDS,
  encodeCommand,
  UnitType,
  type CommandArgs,
  type CommandSpec,
  type SspCommandName,
  type SspContext,
} from '../../src/essp/commands.js';
import { encodeFrame } from '../../src/essp/frame.js';
import { validatorSetup } from '../../src/essp/decoders.js';

const v5: SspContext = { protocolVersion: 5, unitType: UnitType.SmartPayout, currency: 'EUR' };
const v6: SspContext = { protocolVersion: 6, unitType: UnitType.SmartPayout, currency: 'EUR' };
const hopper5: SspContext = { protocolVersion: 5, unitType: UnitType.SmartHopper, currency: 'EUR' };

/** The whole host frame (seq 1, address 0) of a command, to compare with the manual's frames. */
function frameOf<N extends SspCommandName>(name: N, args: CommandArgs<N>, ctx: SspContext, address = 0): Uint8Array {
  return encodeFrame({ address, seq: 1, data: encodeCommand(name, args, ctx) });
}

function spec(name: SspCommandName): CommandSpec {
  return COMMANDS[name];
}

describe('research §4.1 command frames', () => {
  it('SYNC and POLL', () => {
    expect(frameOf('SYNC', undefined, v5)).toEqual(parseHex('7F 80 01 11 65 82'));
    expect(frameOf('POLL', undefined, v5)).toEqual(parseHex('7F 80 01 07 12 02'));
  });
  it('HOST_PROTOCOL_VERSION 8', () => {
    expect(frameOf('HOST_PROTOCOL_VERSION', { version: 8 }, v5)).toEqual(parseHex('7F 80 02 06 08 03 94'));
  });
  it('GET_SERIAL_NUMBER and its big-endian reply', () => {
    expect(frameOf('GET_SERIAL_NUMBER', undefined, v5)).toEqual(parseHex('7F 80 01 0C 2B 82'));
    expect(COMMANDS.GET_SERIAL_NUMBER.decodeReply(parseHex('00 1C 96 2C'), v5)).toEqual({ serialNumber: 1873452 });
  });
  it('key exchange commands (u64 LE)', () => {
    expect(frameOf('SET_GENERATOR', { generator: 982451653n }, v5)).toEqual(
      parseHex('7F 80 09 4A C5 05 8F 3A 00 00 00 00 B2 73'),
    );
    expect(frameOf('SET_MODULUS', { modulus: 1287821n }, v5)).toEqual(
      parseHex('7F 80 09 4B 8D A6 13 00 00 00 00 00 6C F6'),
    );
    expect(frameOf('REQUEST_KEY_EXCHANGE', { hostInterKey: 7554354432121n }, v5)).toEqual(
      parseHex('7F 80 09 4C 79 C8 9C E2 DE 06 00 00 9D 52'),
    );
    expect(COMMANDS.REQUEST_KEY_EXCHANGE.decodeReply(parseHex('23 68 1B FA E5 3C 27 DB'), v5)).toEqual({
      slaveInterKey: 0xdb273ce5fa1b6823n,
    });
  });
  it('SET_FIXED_ENCRYPTION_KEY from a bigint and from the seed string', () => {
    const expected = parseHex('7F 80 09 60 67 45 23 01 67 45 23 01 BF 6F');
    expect(frameOf('SET_FIXED_ENCRYPTION_KEY', { fixedKey: 0x0123456701234567n }, v5)).toEqual(expected);
    expect(frameOf('SET_FIXED_ENCRYPTION_KEY', { fixedKey: '0123456701234567' }, v5)).toEqual(expected);
    expect(COMMANDS.SET_FIXED_ENCRYPTION_KEY.encryption).toBe('required');
  });
  it('PAYOUT_AMOUNT 5.00 EUR commit (v6)', () => {
    expect(frameOf('PAYOUT_AMOUNT', { amount: 500, currency: 'EUR' }, v6)).toEqual(
      parseHex('7F 80 09 33 F4 01 00 00 45 55 52 58 C3 EE'),
    );
    expect(COMMANDS.PAYOUT_AMOUNT.encodeArgs({ amount: 500, currency: 'EUR', test: true }, v6).at(-1)).toBe(0x19);
    expect(COMMANDS.PAYOUT_AMOUNT.encodeArgs({ amount: 500 }, v5)).toEqual(parseHex('F4 01 00 00'));
  });
  it('PAYOUT_BY_DENOMINATION (4 items, pay)', () => {
    expect(
      frameOf(
        'PAYOUT_BY_DENOMINATION',
        {
          items: [
            { count: 4, value: 100, currency: 'EUR' },
            { count: 5, value: 10, currency: 'EUR' },
            { count: 3, value: 100, currency: 'GBP' },
            { count: 2, value: 50, currency: 'GBP' },
          ],
        },
        v6,
      ),
    ).toEqual(
      parseHex(
        '7F 80 27 46 04 04 00 64 00 00 00 45 55 52 05 00 0A 00 00 00 45 55 52 03 00 64 00 00 00 47 42 50 02 00 32 00 00 00 47 42 50 58 94 B7',
      ),
    );
  });
  it('SET_DENOMINATION_ROUTE v6 0.10 EUR to payout', () => {
    expect(frameOf('SET_DENOMINATION_ROUTE', { route: 'payout', value: 10, currency: 'EUR' }, v6)).toEqual(
      parseHex('7F 80 09 3B 00 0A 00 00 00 45 55 52 08 43'),
    );
  });
  it('FLOAT_AMOUNT v5 and GET_MINIMUM_PAYOUT v5/v6 (manual examples)', () => {
    expect(frameOf('FLOAT_AMOUNT', { minPayout: 50, amount: 10000 }, v5)).toEqual(
      parseHex('7F 80 07 3D 32 00 10 27 00 00 1D 1C'),
    );
    expect(frameOf('GET_MINIMUM_PAYOUT', undefined, v5)).toEqual(parseHex('7F 80 01 3E 84 02'));
    expect(frameOf('GET_MINIMUM_PAYOUT', { currency: 'EUR' }, v6)).toEqual(parseHex('7F 80 04 3E 45 55 52 14 E3'));
    expect(COMMANDS.GET_MINIMUM_PAYOUT.decodeReply(parseHex('C8 00 00 00'), v5)).toEqual({ value: 200 });
  });
  it('SET_BAR_CODE_INHIBIT_STATUS: 0 = enabled (26 FD = bar code on, currency off)', () => {
    expect(COMMANDS.SET_BAR_CODE_INHIBIT_STATUS.encodeArgs({ currencyRead: false, barCode: true }, v5)).toEqual(
      Uint8Array.of(0xfd),
    );
    expect(COMMANDS.GET_BAR_CODE_INHIBIT_STATUS.decodeReply(Uint8Array.of(0xfd), v5)).toEqual({
      currencyRead: false,
      barCode: true,
      raw: 0xfd,
    });
  });
  it('real-time clock', () => {
    const time = { day: 21, month: 12, year: 12, hour: 10, minute: 22, second: 30 };
    expect(frameOf('SET_REAL_TIME_CLOCK', time, v5)).toEqual(parseHex('7F 80 07 64 15 0C 0C 0A 16 1E AF EC'));
    expect(COMMANDS.GET_REAL_TIME_CLOCK.decodeReply(parseHex('15 0C 0C 0A 16 1E'), v5)).toEqual(time);
    expect(COMMANDS.GET_REAL_TIME_CLOCK_CONFIGURATION.decodeReply(Uint8Array.of(0), v5)).toEqual({ persistent: false });
  });
  it('printer address 0x40', () => {
    expect(encodeFrame({ address: 0x40, seq: 0, data: Uint8Array.of(0x72) })).toEqual(parseHex('7F 40 01 72 2F 8C'));
    expect(commandByCode(0x72)?.name).toBe('ENABLE_TITO_EVENTS');
  });
});

describe('argument versions (v<6 vs v>=6)', () => {
  it('SET_DENOMINATION_LEVEL: v5 u16 value, v6 u32 + currency', () => {
    expect(COMMANDS.SET_DENOMINATION_LEVEL.encodeArgs({ count: 10, value: 200 }, v5)).toEqual(parseHex('0a 00 c8 00'));
    expect(COMMANDS.SET_DENOMINATION_LEVEL.encodeArgs({ count: 10, value: 200, currency: 'EUR' }, v6)).toEqual(
      parseHex('0a 00 c8 00 00 00 45 55 52'),
    );
  });
  it('routes: hopper v5 sends a u16 value, other devices u32', () => {
    expect(COMMANDS.SET_DENOMINATION_ROUTE.encodeArgs({ route: 'cashbox', value: 100 }, hopper5)).toEqual(
      parseHex('01 64 00'),
    );
    expect(COMMANDS.SET_DENOMINATION_ROUTE.encodeArgs({ route: 'cashbox', value: 100 }, v5)).toEqual(
      parseHex('01 64 00 00 00'),
    );
    expect(COMMANDS.SET_DENOMINATION_ROUTE.decodeArgs(parseHex('01 64 00'), v5)).toEqual({
      route: 'cashbox',
      value: 100,
      hopper: true,
    });
    expect(COMMANDS.SET_DENOMINATION_ROUTE.encodeArgs({ route: 'recycler2', value: 500, currency: 'EUR' }, v6)[0]).toBe(
      0x12,
    );
  });
  it('currency falls back to the context, and is required at v6 when unknown', () => {
    expect(COMMANDS.PAYOUT_AMOUNT.encodeArgs({ amount: 100 }, v6)).toEqual(parseHex('64 00 00 00 45 55 52 58'));
    expect(() => COMMANDS.PAYOUT_AMOUNT.encodeArgs({ amount: 100 }, { protocolVersion: 6 })).toThrow(
      /currency.*required/,
    );
  });
  it('SET_COIN_MECH_INHIBITS: v5 no currency, v6 currency', () => {
    expect(COMMANDS.SET_COIN_MECH_INHIBITS.encodeArgs({ inhibited: false, value: 50 }, hopper5)).toEqual(
      parseHex('01 32 00'),
    );
    expect(COMMANDS.SET_COIN_MECH_INHIBITS.encodeArgs({ inhibited: true, value: 50, currency: 'EUR' }, v6)).toEqual(
      parseHex('00 32 00 45 55 52'),
    );
  });
});

describe('argument validation (INVALID_ARGUMENT with a clear message)', () => {
  const bad: [SspCommandName, unknown, RegExp][] = [
    ['HOST_PROTOCOL_VERSION', { version: 0 }, /version.*1\.\.255/],
    ['HOST_PROTOCOL_VERSION', undefined, /argument object/],
    ['PAYOUT_AMOUNT', { amount: -1, currency: 'EUR' }, /amount/],
    ['PAYOUT_AMOUNT', { amount: 1.5, currency: 'EUR' }, /amount/],
    ['PAYOUT_AMOUNT', { amount: 100, currency: 'eur' }, /ISO 4217/],
    ['SET_BAR_CODE_CONFIGURATION', { enable: 'top', numChar: 30 }, /numChar.*6\.\.24/],
    ['SET_BAR_CODE_CONFIGURATION', { enable: 'left', numChar: 6 }, /none\|top\|bottom\|both/],
    ['SET_CHANNEL_INHIBITS', { channels: [1, 2] }, /channel 2 must be 0, 1/],
    ['SET_CHANNEL_INHIBITS', { channels: 'all' }, /channels/],
    ['SET_BAUD_RATE', { baudRate: 19200, persist: false }, /9600, 38400 or 115200/],
    ['FLOAT_BY_DENOMINATION', { items: [] }, /1\.\.20/],
    ['SET_FIXED_ENCRYPTION_KEY', { fixedKey: 'not-hex' }, /hex digits/],
    ['SET_GENERATOR', { generator: 5 }, /bigint/],
    ['SET_REFILL_MODE', { mode: 'maybe' }, /on\|off\|get/],
    ['CONFIGURE_BEZEL', { red: 256, green: 0, blue: 0, volatile: true }, /red/],
  ];
  for (const [name, args, message] of bad) {
    it(`${name} ${JSON.stringify(args)}`, () => {
      let error: unknown;
      try {
        spec(name).encodeArgs(args, v6);
      } catch (e) {
        error = e;
      }
      expect(isKioskbusError(error, ErrorCode.InvalidArgument)).toBe(true);
      expect((error as Error).message).toMatch(message);
    });
  }
  it('the fixed key is not repeated in the error', () => {
    expect(() => COMMANDS.SET_FIXED_ENCRYPTION_KEY.encodeArgs({ fixedKey: 'secretsecret1234z' }, v5)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') as unknown }) as Error,
    );
  });
});

describe('device side: decodeArgs errors become F3/F4', () => {
  it('too few or too many bytes: WRONG_PARAMETERS', () => {
    expect(() => COMMANDS.HOST_PROTOCOL_VERSION.decodeArgs(new Uint8Array(0), v5)).toThrow(
      expect.objectContaining({ code: ErrorCode.WrongParameters }) as Error,
    );
    expect(() => {
      COMMANDS.SYNC.decodeArgs(Uint8Array.of(1), v5);
    }).toThrow(expect.objectContaining({ code: ErrorCode.WrongParameters }) as Error);
    expect(() => COMMANDS.PAYOUT_AMOUNT.decodeArgs(parseHex('64 00 00 00'), v6)).toThrow(
      expect.objectContaining({ code: ErrorCode.WrongParameters }) as Error,
    );
  });
  it('bad values: PARAMETER_OUT_OF_RANGE', () => {
    expect(() => COMMANDS.PAYOUT_AMOUNT.decodeArgs(parseHex('64 00 00 00 45 55 52 33'), v6)).toThrow(
      expect.objectContaining({ code: ErrorCode.ParameterOutOfRange }) as Error,
    );
    expect(() => COMMANDS.SET_BAR_CODE_CONFIGURATION.decodeArgs(parseHex('01 01 30'), v6)).toThrow(
      expect.objectContaining({ code: ErrorCode.ParameterOutOfRange }) as Error,
    );
  });
});

describe('lookup', () => {
  it('by code and by name, aliases, every code unique', () => {
    const codes = new Set(allCommands().map((c) => c.code));
    expect(codes.size).toBe(allCommands().length);
    for (const c of allCommands()) {
      expect(commandByCode(c.code)).toBe(c);
      expect(commandByName(c.name)).toBe(c);
    }
    expect(commandByName('SET_INHIBITS')).toBe(COMMANDS.SET_CHANNEL_INHIBITS);
    expect(commandByName('reject')).toBe(COMMANDS.REJECT_BANKNOTE);
    expect(commandByCode(0xee)).toBeUndefined();
  });
  it('unknown name: UNKNOWN_COMMAND with close names', () => {
    expect(() => commandByName('PAYOUT_AMMOUNT')).toThrow(/did you mean PAYOUT_AMOUNT/);
    expect(() => commandByName('PAYOUT_AMMOUNT')).toThrow(
      expect.objectContaining({ code: ErrorCode.UnknownCommand }) as Error,
    );
  });
  it('every command of the seed README is in the table', () => {
    const seed =
      `RESET SET_CHANNEL_INHIBITS DISPLAY_ON DISPLAY_OFF SETUP_REQUEST HOST_PROTOCOL_VERSION POLL REJECT_BANKNOTE DISABLE
      ENABLE GET_SERIAL_NUMBER UNIT_DATA CHANNEL_VALUE_REQUEST CHANNEL_SECURITY_DATA CHANNEL_RE_TEACH_DATA SYNC LAST_REJECT_CODE
      HOLD GET_FIRMWARE_VERSION GET_DATASET_VERSION GET_ALL_LEVELS GET_BAR_CODE_READER_CONFIGURATION SET_BAR_CODE_CONFIGURATION
      GET_BAR_CODE_INHIBIT_STATUS SET_BAR_CODE_INHIBIT_STATUS GET_BAR_CODE_DATA SET_REFILL_MODE PAYOUT_AMOUNT SET_DENOMINATION_LEVEL
      GET_DENOMINATION_LEVEL COMMUNICATION_PASS_THROUGH HALT_PAYOUT SET_DENOMINATION_ROUTE GET_DENOMINATION_ROUTE FLOAT_AMOUNT
      GET_MINIMUM_PAYOUT EMPTY_ALL SET_COIN_MECH_INHIBITS GET_NOTE_POSITIONS PAYOUT_NOTE STACK_NOTE FLOAT_BY_DENOMINATION
      SET_VALUE_REPORTING_TYPE PAYOUT_BY_DENOMINATION SET_COIN_MECH_GLOBAL_INHIBIT SET_BAUD_RATE GET_BUILD_REVISION
      SET_HOPPER_OPTIONS GET_HOPPER_OPTIONS SMART_EMPTY CASHBOX_PAYOUT_OPERATION_DATA CONFIGURE_BEZEL POLL_WITH_ACK EVENT_ACK
      GET_COUNTERS RESET_COUNTERS COIN_MECH_OPTIONS DISABLE_PAYOUT_DEVICE ENABLE_PAYOUT_DEVICE SET_FIXED_ENCRYPTION_KEY
      RESET_FIXED_ENCRYPTION_KEY`.split(/\s+/);
    for (const name of seed) expect(Object.keys(COMMANDS)).toContain(name);
  });
  it('encryption requirement follows the manual (research §3.4, §5)', () => {
    const required = [
      0x33, 0x34, 0x38, 0x3b, 0x3c, 0x3d, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x49, 0x4e, 0x50, 0x51, 0x52,
      0x53, 0x56, 0x57, 0x5a, 0x5b, 0x5c, 0x60,
    ];
    for (const code of required) expect(commandByCode(code)?.encryption, code.toString(16)).toBe('required');
    expect(COMMANDS.GET_MINIMUM_PAYOUT.encryption).toBe('optional');
    expect(COMMANDS.POLL.encryption).toBe('optional');
  });
});

/** One sample of arguments (absent = no arguments) and result per command, for the round-trip test. */
interface Sample {
  args?: unknown;
  args5?: unknown;
  result?: unknown;
  /** Results with derived fields that the encoder ignores are compared after one decode. */
  derived?: boolean;
}

const setup6 = validatorSetup({
  currency: 'EUR',
  protocolVersion: 6,
  channels: [
    { channel: 1, value: 500, currency: 'EUR' },
    { channel: 2, value: 1000, currency: 'EUR' },
  ],
});

const SAMPLES: Record<SspCommandName, Sample> = {
  RESET: {},
  SET_CHANNEL_INHIBITS: {
    args: {
      channels: [
        true,
        false,
        true,
        false,
        false,
        false,
        false,
        false,
        true,
        false,
        false,
        false,
        false,
        false,
        false,
        false,
      ],
      bytes: 2,
    },
  },
  DISPLAY_ON: {},
  DISPLAY_OFF: {},
  SETUP_REQUEST: { result: setup6, derived: true },
  HOST_PROTOCOL_VERSION: { args: { version: 6 } },
  POLL: {
    result: [
      { name: 'CREDIT_NOTE', code: 0xee, channel: 1 },
      { name: 'NOTE_STACKED', code: 0xeb },
    ],
  },
  REJECT_BANKNOTE: {},
  DISABLE: {},
  ENABLE: {},
  GET_SERIAL_NUMBER: { args: { device: 0x11 }, result: { serialNumber: 0x01020304 } },
  UNIT_DATA: { result: { unitType: 0, firmware: '0300', currency: 'EUR', valueMultiplier: 1, protocolVersion: 7 } },
  CHANNEL_VALUE_REQUEST: {
    result: { channelValues: [5, 10], channelCurrencies: ['EUR', 'EUR'], expandedValues: [500, 1000], channels: [] },
    derived: true,
  },
  CHANNEL_SECURITY_DATA: { result: { levels: [2, 2, 0] } },
  CHANNEL_RE_TEACH_DATA: { args: { data: Uint8Array.of(1) }, result: Uint8Array.of(0, 0) },
  SYNC: {},
  LAST_REJECT_CODE: { result: { code: 6, name: 'CHANNEL_INHIBIT', reason: 'channel inhibited' } },
  HOLD: {},
  GET_FIRMWARE_VERSION: { result: { version: 'NV02004141498000' } },
  GET_DATASET_VERSION: { result: { version: 'EUR01610' } },
  GET_ALL_LEVELS: {
    result: {
      levels: [
        { level: 100, value: 20, currency: 'EUR' },
        { level: 0, value: 100, currency: 'EUR' },
      ],
    },
  },
  GET_BAR_CODE_READER_CONFIGURATION: { result: { hardware: 'both', enabled: 'top', format: 1, numChar: 18 } },
  SET_BAR_CODE_CONFIGURATION: { args: { enable: 'both', numChar: 18, format: 1 } },
  GET_BAR_CODE_INHIBIT_STATUS: { result: { currencyRead: true, barCode: false, raw: 0xfe } },
  SET_BAR_CODE_INHIBIT_STATUS: { args: { currencyRead: true, barCode: false } },
  GET_BAR_CODE_DATA: { result: { status: 'escrow', statusCode: 1, data: '123456789012345678' } },
  SET_REFILL_MODE: { args: { mode: 'on' }, result: { enabled: true } },
  PAYOUT_AMOUNT: { args: { amount: 1234, currency: 'EUR', test: true }, args5: { amount: 1234 } },
  SET_DENOMINATION_LEVEL: { args: { count: 5, value: 200, currency: 'EUR' }, args5: { count: 5, value: 200 } },
  GET_DENOMINATION_LEVEL: { args: { value: 200, currency: 'EUR' }, args5: { value: 200 }, result: { level: 17 } },
  COMMUNICATION_PASS_THROUGH: { args: { uart: 1 } },
  HALT_PAYOUT: {},
  PAYOUT_AMOUNT_BY_DENOMINATION: { args: { data: Uint8Array.of(1, 2, 3) }, result: Uint8Array.of(9) },
  COIN_ESCROW: { args: { data: Uint8Array.of(1) }, result: new Uint8Array(0) },
  SET_DENOMINATION_ROUTE: {
    args: { route: 'cashbox', value: 500, currency: 'EUR' },
    args5: { route: 'payout', value: 500, hopper: false },
  },
  GET_DENOMINATION_ROUTE: {
    args: { value: 500, currency: 'EUR' },
    args5: { value: 500, hopper: true },
    result: { route: 'cassette' },
  },
  FLOAT_AMOUNT: {
    args: { minPayout: 100, amount: 5000, currency: 'EUR', test: false },
    args5: { minPayout: 100, amount: 5000 },
  },
  GET_MINIMUM_PAYOUT: { args: { currency: 'EUR' }, args5: {}, result: { value: 500 } },
  EMPTY_ALL: {},
  SET_COIN_MECH_INHIBITS: {
    args: { inhibited: true, value: 50, currency: 'EUR' },
    args5: { inhibited: false, value: 50 },
  },
  GET_NOTE_POSITIONS: { result: { count: 2, values: [500, 1000] } },
  PAYOUT_NOTE: {},
  STACK_NOTE: {},
  FLOAT_BY_DENOMINATION: { args: { items: [{ count: 2, value: 500, currency: 'EUR' }], test: true } },
  SET_VALUE_REPORTING_TYPE: { args: { reportBy: 'channel' } },
  PAYOUT_BY_DENOMINATION: {
    args: {
      items: [
        { count: 1, value: 1000, currency: 'EUR' },
        { count: 3, value: 20, currency: 'GBP' },
      ],
      test: false,
    },
  },
  SET_COIN_MECH_GLOBAL_INHIBIT: { args: { enable: true } },
  SET_GENERATOR: { args: { generator: 982451653n } },
  SET_MODULUS: { args: { modulus: 1287821n } },
  REQUEST_KEY_EXCHANGE: { args: { hostInterKey: 12345n }, result: { slaveInterKey: 0xfedcba9876543210n } },
  SET_BAUD_RATE: { args: { baudRate: 115200, persist: true } },
  SET_CASHBOX_PAYOUT_LIMIT: { args: { limits: [{ level: 50, value: 100, currency: 'EUR' }] } },
  GET_BUILD_REVISION: {
    result: {
      revisions: [
        { unitType: 0, revision: 0x0102 },
        { unitType: 6, revision: 7 },
      ],
    },
  },
  SET_HOPPER_OPTIONS: {
    args: {
      payMode: true,
      levelCheck: false,
      motorSpeed: true,
      cashBoxPayActive: false,
      routeZeroLevelToCashbox: true,
      highEfficiencySplit: false,
      unknownToPayout: true,
      valueAddedEvent: false,
      reg1: 0,
    },
  },
  GET_HOPPER_OPTIONS: {
    result: {
      payMode: false,
      levelCheck: true,
      motorSpeed: true,
      cashBoxPayActive: false,
      routeZeroLevelToCashbox: false,
      highEfficiencySplit: true,
      unknownToPayout: false,
      valueAddedEvent: true,
      reg1: 0,
    },
  },
  SMART_EMPTY: {},
  CASHBOX_PAYOUT_OPERATION_DATA: { result: { items: [{ count: 3, value: 200, currency: 'EUR' }], unknown: 2 } },
  CONFIGURE_BEZEL: { args: { red: 0, green: 0, blue: 255, volatile: true, type: 'flash' } },
  POLL_WITH_ACK: { result: [{ name: 'DISABLED', code: 0xe8 }] },
  EVENT_ACK: {},
  GET_COUNTERS: {
    result: {
      stacked: 17,
      stored: 40,
      dispensed: 35,
      transferredToStack: 10,
      rejected: 16,
      counters: [17, 40, 35, 10, 16],
    },
  },
  RESET_COUNTERS: {},
  COIN_MECH_OPTIONS: { args: { ccTalk: true } },
  DISABLE_PAYOUT_DEVICE: {},
  ENABLE_PAYOUT_DEVICE: { args: { requireFullStartup: true, optimiseForPayinSpeed: false } },
  COIN_STIR: { args: { seconds: 5 } },
  SET_FIXED_ENCRYPTION_KEY: { args: { fixedKey: 0x0123456701234567n } },
  RESET_FIXED_ENCRYPTION_KEY: {},
  GET_REAL_TIME_CLOCK_CONFIGURATION: { result: { persistent: true } },
  GET_REAL_TIME_CLOCK: { result: { day: 1, month: 2, year: 25, hour: 3, minute: 4, second: 5 } },
  SET_REAL_TIME_CLOCK: { args: { day: 31, month: 12, year: 99, hour: 23, minute: 59, second: 59 } },
  GET_TEBS_BARCODE: { result: { barcode: Uint8Array.of(0x03, 0x2a, 0x12, 0x21) } },
  GET_TEBS_LOG: {
    args: { index: 2 },
    result: {
      format: '4.28',
      index: 2,
      check: 0x1234,
      barcode: Uint8Array.of(0x01, 0x23, 0x45, 0x67),
      currency: 'EUR',
      maxCapacity: 600,
      otherCount: 1,
      channelCounts: [10, 0, 3],
    },
  },
  CASHBOX_UNLOCK_ENABLE: {},
  CASHBOX_LOCK_ENABLE: {},
  RESET_TEBS_LOGS: {},
  TICKET_PRINT: { args: { operation: 'addStaticText', data: Uint8Array.of(0x01, 0x00) }, result: Uint8Array.of(4) },
  PRINTER_CONFIGURATION: { args: { operation: 'setPrintingQuality', data: Uint8Array.of(2) } },
  ENABLE_TITO_EVENTS: {},
  CANCEL_ESCROW_TRANSACTION: {},
  COMMIT_ESCROW_TRANSACTION: {},
  READ_ESCROW_VALUE: { result: Uint8Array.of(0xf4, 1, 0, 0) },
  GET_ESCROW_SIZE: { result: { size: 3 } },
  SET_ESCROW_SIZE: { args: { size: 3 } },
};

describe('every table entry round-trips', () => {
  const contexts: [string, SspContext, 'args' | 'args5'][] = [
    ['v6', v6, 'args'],
    ['v5', v5, 'args5'],
  ];
  for (const name of Object.keys(COMMANDS) as SspCommandName[]) {
    for (const [label, ctx, key] of contexts) {
      it(`${name} ${label}`, () => {
        const s = SAMPLES[name];
        const c = spec(name);
        const args = s[key] ?? s.args;
        // arguments: encode -> decode gives the arguments, decode -> encode gives the bytes
        const bytes = c.encodeArgs(args, ctx);
        const decoded = c.decodeArgs(bytes, ctx);
        if (args === undefined) {
          expect(bytes).toEqual(new Uint8Array(0));
        } else if (!(args as { data?: unknown }).data) {
          expect(decoded).toEqual(args);
        }
        expect(c.encodeArgs(decoded, ctx)).toEqual(bytes);
        // reply: encode -> decode gives the result (derived fields after one pass)
        const result = s.result;
        const reply = c.encodeReply(result, ctx);
        const back = c.decodeReply(reply, ctx);
        if (result === undefined) expect(reply).toEqual(new Uint8Array(0));
        else if (!s.derived) expect(back).toEqual(result);
        expect(c.encodeReply(back, ctx)).toEqual(reply);
      });
    }
  }
});

describe('TEBS, printer, escrow and coin stir commands (GA138)', () => {
  const ctx: SspContext = { protocolVersion: 6 };

  it('GET_TEBS_LOG reads the manual example (pre-4.28 layout): GBP 120, 180 and 56 notes', () => {
    const reply = Uint8Array.from(
      '16 00 00 1B 43 2D 47 42 50 00 00 00 00 00 00 00 78 00 B4 00 38 00 00 00 00 00 00 00 00 00 00 00'
        .split(' ')
        .map((h) => parseInt(h, 16)),
    );
    const log = COMMANDS.GET_TEBS_LOG.decodeReply(reply, ctx);
    expect(log).toMatchObject({ format: 'pre-4.28', index: 0, check: 0x16, currency: 'GBP', otherCount: 0 });
    expect(log.channelCounts).toEqual([120, 180, 56, 0, 0, 0, 0, 0]);
    expect(COMMANDS.GET_TEBS_LOG.encodeReply(log, ctx)).toEqual(reply);
    expect(COMMANDS.GET_TEBS_LOG.encodeArgs({ index: 0 }, ctx)).toEqual(Uint8Array.of(0));
    expect(() => COMMANDS.GET_TEBS_LOG.decodeArgs(Uint8Array.of(5), ctx)).toThrow(/index 0..4/);
  });

  it('GET_TEBS_BARCODE names its F5 error bytes', () => {
    expect(COMMANDS.GET_TEBS_BARCODE.cannotProcessReasons?.[3]).toBe('cashbox out of position');
  });

  it('COIN_STIR takes 1..255 seconds (manual: 5D 05)', () => {
    expect(COMMANDS.COIN_STIR.encodeArgs({ seconds: 5 }, ctx)).toEqual(Uint8Array.of(5));
    expect(COMMANDS.COIN_STIR.decodeArgs(Uint8Array.of(5), ctx)).toEqual({ seconds: 5 });
    expect(() => COMMANDS.COIN_STIR.decodeArgs(Uint8Array.of(0), ctx)).toThrow();
    expect(() => COMMANDS.COIN_STIR.encodeArgs({ seconds: 0 }, ctx)).toThrow(/seconds/);
  });

  it('TICKET_PRINT and PRINTER_CONFIGURATION name their sub-commands; unknown ones keep their byte', () => {
    expect(COMMANDS.TICKET_PRINT.encodeArgs({ operation: 'printTicket', data: Uint8Array.of(1) }, ctx)).toEqual(
      Uint8Array.of(0x02, 0x01),
    );
    expect(COMMANDS.TICKET_PRINT.decodeArgs(Uint8Array.of(0x05, 0x11), ctx)).toEqual({ operation: 'getPixelDensity' });
    expect(COMMANDS.TICKET_PRINT.decodeArgs(Uint8Array.of(0x09, 0x01), ctx)).toEqual({
      operation: 9,
      data: Uint8Array.of(1),
    });
    expect(COMMANDS.PRINTER_CONFIGURATION.decodeArgs(Uint8Array.of(0x06, 0x02), ctx)).toEqual({
      operation: 'setPrintingQuality',
      data: Uint8Array.of(2),
    });
    expect(() => COMMANDS.PRINTER_CONFIGURATION.encodeArgs({ operation: 'nope' as 'deleteFile' }, ctx)).toThrow(
      /operation/,
    );
  });

  it('CASHBOX_(UN)LOCK_ENABLE, RESET_TEBS_LOGS, ENABLE_TITO_EVENTS take no parameters; GET_ESCROW_SIZE is one byte', () => {
    for (const name of [
      'CASHBOX_UNLOCK_ENABLE',
      'CASHBOX_LOCK_ENABLE',
      'RESET_TEBS_LOGS',
      'ENABLE_TITO_EVENTS',
    ] as const) {
      expect(() => {
        COMMANDS[name].decodeArgs(Uint8Array.of(1), ctx);
      }).toThrow();
    }
    expect(COMMANDS.GET_ESCROW_SIZE.decodeReply(Uint8Array.of(4), ctx)).toEqual({ size: 4 });
  });
});
