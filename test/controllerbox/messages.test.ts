import { describe, expect, it } from 'vitest';
import { parseHex, toHex } from '../../src/core/bytes.js';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import {
  codeName,
  BILL_ACCEPTOR_STATUS_CODES,
  deviceErrorNames,
  MESSAGES,
  MessageTable,
  resultName,
  type MessageName,
} from '../../src/controllerbox/messages.js';
import { commandProblem, valueProblem } from '../../src/controllerbox/checks.js';

const table = new MessageTable();
const documented = new MessageTable({ codec: { layout: 'documented' } });

function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

describe('ControllerBox message table', () => {
  it('has the ids of research §5.2, unique, with their kinds', () => {
    const ids = Object.fromEntries(Object.entries(MESSAGES).map(([name, m]) => [name, [m.id, m.kind]]));
    expect(ids).toEqual({
      RESET: [0x01, 'command'],
      REQUEST_VERSION: [0x02, 'command'],
      SETTING: [0x03, 'command'],
      DISPENSE_CARD: [0x11, 'command'],
      UPDATE_RFID: [0x12, 'command'],
      PLAY_AUDIO: [0x13, 'command'],
      CONTROL_IO: [0x14, 'command'],
      DEVICE_ERROR: [0x30, 'status'],
      BILL_ACCEPTOR_STATUS: [0x31, 'status'],
      TCD_STATUS: [0x32, 'status'],
      RFID_DETECTED: [0x50, 'event'],
      BILL_ACCEPTED: [0x51, 'event'],
      CARD_EVENT: [0x52, 'event'],
    });
    for (const [name, m] of Object.entries(MESSAGES)) expect(m.name).toBe(name);
  });

  it('encodes the command DATA as documented', () => {
    expect(hex(table.encode('RESET', {}))).toBe('');
    expect(hex(table.encode('REQUEST_VERSION', {}))).toBe('');
    expect(hex(table.encode('SETTING', { statusPolling: true }))).toBe('01');
    expect(hex(table.encode('SETTING', { statusPolling: false }))).toBe('00');
    expect(hex(table.encode('DISPENSE_CARD', { tcd: 2 }))).toBe('02');
    expect(hex(table.encode('PLAY_AUDIO', { audioIndex: 7 }))).toBe('07');
    expect(hex(table.encode('CONTROL_IO', { selectMask: 0x81, levelMask: 0x01 }))).toBe('81 01');
    expect(hex(table.encode('CONTROL_IO', { selectMask: 0x1234, levelMask: 0x0204, maskBytes: 2 }))).toBe(
      '12 34 02 04',
    );
    expect(
      hex(
        table.encode('UPDATE_RFID', {
          rfidIndex: 1,
          rfid: parseHex('de ad be ef'),
          money: 50000,
          issueDate: Uint8Array.of(24, 5, 17),
        }),
      ),
    ).toBe('01 04 de ad be ef 00 00 c3 50 18 05 11');
  });

  it('round-trips every message and response through its codec', () => {
    const samples: { [N in MessageName]: [unknown, unknown] } = {
      RESET: [{}, { result: 0 }],
      REQUEST_VERSION: [
        {},
        { result: 0, firmware: { major: 1, minor: 2, patch: 3 }, board: { major: 4, minor: 5, patch: 6 } },
      ],
      SETTING: [{ statusPolling: true }, { result: 0 }],
      DISPENSE_CARD: [{ tcd: 1 }, { result: 1 }],
      UPDATE_RFID: [
        {
          rfidIndex: 0,
          rfid: Uint8Array.of(1, 2, 3, 4, 5, 6, 7),
          money: 0xfffffffe,
          issueDate: Uint8Array.of(1, 2, 3),
        },
        { result: 0 },
      ],
      PLAY_AUDIO: [{ audioIndex: 255 }, { result: 0x13 }],
      CONTROL_IO: [{ selectMask: 3, levelMask: 1, maskBytes: 1 }, { result: 0 }],
      DEVICE_ERROR: [{ flags: 0x0181 }, { result: 0 }],
      BILL_ACCEPTOR_STATUS: [{ code: 0x0b }, { result: 0 }],
      TCD_STATUS: [{ tcd: 1, error: false, low: true, empty: false }, { result: 0 }],
      RFID_DETECTED: [
        { rfid: Uint8Array.of(0x78, 0x79), money: 20000, issueDate: Uint8Array.of(24, 12, 31), error: 0x71 },
        { result: 0 },
      ],
      BILL_ACCEPTED: [{ value: 100000, status: 0 }, { result: 0 }],
      CARD_EVENT: [{ tcd: 0, direction: 1 }, { result: 0 }],
    };
    for (const name of Object.keys(MESSAGES) as MessageName[]) {
      const [message, response] = samples[name];
      const codec = MESSAGES[name] as unknown as {
        encode(m: unknown, o: unknown): Uint8Array;
        decode(d: Uint8Array, o: unknown): unknown;
        encodeResponse(r: unknown, o: unknown): Uint8Array;
        decodeResponse(d: Uint8Array, o: unknown): unknown;
      };
      expect(codec.decode(codec.encode(message, table.codec), table.codec), name).toEqual(message);
      expect(codec.decodeResponse(codec.encodeResponse(response, table.codec), table.codec), name).toEqual(response);
    }
  });

  it('reads the field-list lengths and the documented DATA_LEN values (research §5.2)', () => {
    // Device Error: 2 bytes big-endian, or the documented 1
    expect(table.decode('DEVICE_ERROR', parseHex('01 80'))).toEqual({ flags: 0x0180 });
    expect(table.decode('DEVICE_ERROR', parseHex('80'))).toEqual({ flags: 0x80 });
    expect(hex(documented.encode('DEVICE_ERROR', { flags: 0x10 }))).toBe('10');
    // Bill Accepted: value + status, or the documented 4 (no status)
    expect(table.decode('BILL_ACCEPTED', parseHex('00 00 c3 50 0b'))).toEqual({ value: 50000, status: 0x0b });
    expect(table.decode('BILL_ACCEPTED', parseHex('00 00 c3 50'))).toEqual({ value: 50000 });
    expect(hex(documented.encode('BILL_ACCEPTED', { value: 50000, status: 1 }))).toBe('00 00 c3 50');
    // Card Event: tcd + direction, or the documented 1
    expect(table.decode('CARD_EVENT', parseHex('01 00'))).toEqual({ tcd: 1, direction: 0 });
    expect(table.decode('CARD_EVENT', parseHex('01'))).toEqual({ tcd: 1 });
    // RFID Detected: rfidLen + 9, or the documented rfidLen + 8 (no error byte)
    expect(table.decode('RFID_DETECTED', parseHex('02 aa bb 00 00 01 00 18 01 02 73'))).toEqual({
      rfid: parseHex('aa bb'),
      money: 256,
      issueDate: parseHex('18 01 02'),
      error: 0x73,
    });
    expect(table.decode('RFID_DETECTED', parseHex('02 aa bb 00 00 01 00 18 01 02'))).toEqual({
      rfid: parseHex('aa bb'),
      money: 256,
      issueDate: parseHex('18 01 02'),
    });
    expect(
      hex(documented.encode('RFID_DETECTED', { rfid: parseHex('aa'), money: 1, issueDate: parseHex('01 02 03') })),
    ).toBe('01 aa 00 00 00 01 01 02 03');
    // Version: full, or a result code alone
    expect(table.decodeResponse('REQUEST_VERSION', parseHex('01'))).toEqual({ result: 1 });
  });

  it('reads MONEY little-endian when configured', () => {
    const le = new MessageTable({ codec: { moneyOrder: 'le' } });
    expect(le.decode('BILL_ACCEPTED', parseHex('50 c3 00 00 00'))).toEqual({ value: 50000, status: 0 });
    expect(hex(le.encode('BILL_ACCEPTED', { value: 50000, status: 0 }))).toBe('50 c3 00 00 00');
  });

  it('rejects lengths that fit no reading with BAD_FRAME and the raw DATA', () => {
    const cases: [MessageName, string][] = [
      ['DEVICE_ERROR', '01 02 03'],
      ['TCD_STATUS', '01 00 00'],
      ['BILL_ACCEPTED', '00 00 01'],
      ['CARD_EVENT', ''],
      ['RFID_DETECTED', '05 aa bb'],
      ['RFID_DETECTED', ''],
      ['UPDATE_RFID', '00 01 aa'],
      ['CONTROL_IO', '01 02 03'],
      ['RESET', '00'],
    ];
    for (const [name, data] of cases) {
      const bytes = parseHex(data);
      let caught: unknown;
      try {
        table.decode(name, bytes);
      } catch (error) {
        caught = error;
      }
      expect(isKioskbusError(caught, ErrorCode.BadFrame), `${name} ${data}`).toBe(true);
      if (isKioskbusError(caught)) {
        expect(caught.message).toContain(name);
        expect(hex(caught.context.raw ?? new Uint8Array(1))).toBe(hex(bytes));
      }
    }
    expect(() => table.decodeResponse('PLAY_AUDIO', parseHex('00 00'))).toThrow(/PLAY_AUDIO response: DATA_LEN 2/);
    expect(() => table.decodeResponse('REQUEST_VERSION', parseHex('00 01 02'))).toThrow(/7 or 1/);
  });

  it('every decoder, every DATA_LEN 0..24: a declared length or a typed BAD_FRAME with the raw DATA, never wrong values', () => {
    // what each message accepts (issue 13); n is the declared rfidLen, at least 1
    const rfid = (at: number, extra: number[]) => (d: Uint8Array) =>
      (d[at] ?? 0) >= 1 && extra.some((e) => d.length === (d[at] ?? 0) + e);
    const fits: Record<MessageName, (d: Uint8Array) => boolean> = {
      RESET: (d) => d.length === 0,
      REQUEST_VERSION: (d) => d.length === 0,
      SETTING: (d) => d.length === 1,
      DISPENSE_CARD: (d) => d.length === 1,
      UPDATE_RFID: rfid(1, [9]),
      PLAY_AUDIO: (d) => d.length === 1,
      CONTROL_IO: (d) => [2, 4, 8].includes(d.length),
      DEVICE_ERROR: (d) => [1, 2].includes(d.length),
      BILL_ACCEPTOR_STATUS: (d) => d.length === 1,
      TCD_STATUS: (d) => d.length === 4,
      RFID_DETECTED: rfid(0, [8, 9]),
      BILL_ACCEPTED: (d) => [4, 5].includes(d.length),
      CARD_EVENT: (d) => [1, 2].includes(d.length),
    };
    const samples: Uint8Array[] = [];
    for (let length = 0; length <= 24; length++) {
      // 0/1 bytes (every flag field valid), then with each possible rfidLen position set to a fitting or near value
      const base = Uint8Array.from({ length }, (_, i) => ((i * 7 + length) % 3 === 0 ? 1 : 0));
      samples.push(base);
      for (const [at, minus] of [
        [0, 8],
        [0, 9],
        [1, 9],
        [0, 0],
        [1, 0],
      ] as const) {
        if (length <= at) continue;
        const copy = base.slice();
        copy[at] = Math.max(0, length - minus);
        samples.push(copy);
      }
    }
    for (const name of Object.keys(MESSAGES) as MessageName[]) {
      for (const data of samples) {
        let decoded: unknown;
        let caught: unknown;
        try {
          decoded = table.decode(name, data);
        } catch (error) {
          caught = error;
        }
        const label = `${name} ${hex(data)}`;
        expect(caught === undefined, label).toBe(fits[name](data));
        if (caught !== undefined) {
          expect(isKioskbusError(caught, ErrorCode.BadFrame), label).toBe(true);
          if (isKioskbusError(caught)) expect(hex(caught.context.raw ?? new Uint8Array(1)), label).toBe(hex(data));
          continue;
        }
        const flags = name === 'TCD_STATUS' ? data.subarray(1) : name === 'SETTING' ? data : new Uint8Array(0);
        if (flags.some((b) => b > 1)) {
          // flags read as booleans: a byte other than 0/1 is refused by the value checks of both sides
          const checks = { denominations: undefined, minorUnitsPerUnit: 1, currency: 'VND' };
          const problem = name === 'SETTING' ? commandProblem(name, data) : valueProblem(name, decoded, data, checks);
          expect(problem, label).toMatch(/flags|SETTING value/);
          continue;
        }
        // what was read is exactly what the bytes say: it encodes back to them (the field list or the documented one)
        const again = [table, documented].map((t) => {
          try {
            return hex((t.encode as (n: MessageName, m: unknown) => Uint8Array)(name, decoded));
          } catch {
            return undefined; // (a documented layout cannot hold it)
          }
        });
        expect(again, label).toContain(hex(data));
      }
      for (let length = 0; length <= 9; length++) {
        const data = new Uint8Array(length);
        const ok = length === 1 || (name === 'REQUEST_VERSION' && length === 7);
        if (ok) expect(table.decodeResponse(name, data)).toMatchObject({ result: 0 });
        else expect(() => table.decodeResponse(name, data), `${name} response ${String(length)}`).toThrow(/DATA_LEN/);
      }
    }
  });

  it('tells the three statuses of id 0x37 apart by DATA_LEN alone, and no other length is a status', () => {
    for (let length = 0; length <= 12; length++) {
      const name = table.resolve(0x37, length)?.name;
      expect(name, String(length)).toBe(
        ({ 1: 'BILL_ACCEPTOR_STATUS', 2: 'DEVICE_ERROR', 4: 'TCD_STATUS' } as Record<number, string>)[length],
      );
      // each reading decodes that length and no reading of one status decodes another's length
      for (const other of ['BILL_ACCEPTOR_STATUS', 'DEVICE_ERROR', 'TCD_STATUS'] as const) {
        const accepts = (() => {
          try {
            table.decode(other, new Uint8Array(length));
            return true;
          } catch {
            return false;
          }
        })();
        if (name === other) expect(accepts).toBe(true);
        if (other === 'TCD_STATUS' || other === 'BILL_ACCEPTOR_STATUS') {
          expect(accepts, `${other} ${String(length)}`).toBe(name === other);
        }
      }
    }
  });

  it('rejects out-of-range arguments with INVALID_ARGUMENT', () => {
    expect(() => table.encode('DISPENSE_CARD', { tcd: 256 })).toThrow(/tcd must be 0..255/);
    expect(() => table.encode('PLAY_AUDIO', { audioIndex: -1 })).toThrow(/audioIndex/);
    expect(() => table.encode('CONTROL_IO', { selectMask: 0x100, levelMask: 0 })).toThrow(/selectMask must be 0..255/);
    expect(() =>
      table.encode('UPDATE_RFID', { rfidIndex: 0, rfid: new Uint8Array(0), money: 1, issueDate: new Uint8Array(3) }),
    ).toThrow(/rfid must be 1..246 bytes/);
    expect(() =>
      table.encode('UPDATE_RFID', { rfidIndex: 0, rfid: Uint8Array.of(1), money: 1.5, issueDate: new Uint8Array(3) }),
    ).toThrow(/money/);
    expect(() =>
      table.encode('UPDATE_RFID', { rfidIndex: 0, rfid: Uint8Array.of(1), money: 1, issueDate: new Uint8Array(2) }),
    ).toThrow(/issueDate must be 3 bytes/);
  });

  it('dispatches the legacy status id 0x37 by DATA_LEN: 4 TCD, 2 device error, 1 bill acceptor status', () => {
    expect(table.resolve(0x37, 4)?.name).toBe('TCD_STATUS');
    expect(table.resolve(0x37, 2)?.name).toBe('DEVICE_ERROR');
    expect(table.resolve(0x37, 4)?.legacy).toBe(true);
    // the document prints DATA_LEN 1 for the bill acceptor status (and for the 16-flag device error, read as 2)
    expect(table.resolve(0x37, 1)?.name).toBe('BILL_ACCEPTOR_STATUS');
    expect(new MessageTable({ legacyOneByteStatus: 'DEVICE_ERROR' }).resolve(0x37, 1)?.name).toBe('DEVICE_ERROR');
    expect(table.resolve(0x37, 3)).toBeUndefined();
    expect(table.isUnsolicited(0x37)).toBe(true);
    expect(table.isUnsolicited(0x13)).toBe(false);
    expect(table.isUnsolicited(0x51)).toBe(true);
    expect(new MessageTable({ legacyStatusId: null }).resolve(0x37, 4)).toBeUndefined();
  });

  it('accepts an id map and refuses clashing ids', () => {
    const custom = new MessageTable({ ids: { RFID_DETECTED: 0x51, BILL_ACCEPTED: 0x53 } });
    expect(custom.resolve(0x51, 10)?.name).toBe('RFID_DETECTED');
    expect(custom.resolve(0x53, 5)?.name).toBe('BILL_ACCEPTED');
    expect(custom.idOf('BILL_ACCEPTED')).toBe(0x53);
    expect(() => new MessageTable({ ids: { BILL_ACCEPTED: 0x50 } })).toThrow(/clash/);
    expect(() => new MessageTable({ ids: { TCD_STATUS: 0x37 } })).toThrow(/legacy status id/);
  });

  it('names result codes, status codes and error bits, keeping unknown ones raw', () => {
    expect(resultName(0x00)).toBe('RESULT_SUCCESS');
    expect(resultName(0x03)).toBe('RESULT_COMM_PROTOCOL_CRC_INVALID');
    expect(resultName(0x13)).toBe('RESULT_CMD_TRANSFER_OTA_DATA');
    expect(resultName(0x42)).toBe('UNKNOWN_0x42');
    expect(resultName(0x42, { 0x42: 'RESULT_VENDOR_THING' })).toBe('RESULT_VENDOR_THING');
    expect(codeName(BILL_ACCEPTOR_STATUS_CODES, 0x05)).toBe('VALIDATOR_JAMMED');
    expect(codeName(BILL_ACCEPTOR_STATUS_CODES, 0x0d)).toBe('NUMBER_OF_ATTEMPTS_TO_INPUT_BILL');
    expect(codeName(BILL_ACCEPTOR_STATUS_CODES, 0x99)).toBe('UNKNOWN_0x99');
    expect(deviceErrorNames(0x0101)).toEqual(['BILL_ACCEPTOR_ERROR', 'WIFI_ERROR']);
    expect(deviceErrorNames(0x8080)).toEqual(['TCD_ERROR', 'BIT_15']);
    expect(deviceErrorNames(0)).toEqual([]);
  });
});
