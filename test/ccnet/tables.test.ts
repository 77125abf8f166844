import { describe, expect, it, vi } from 'vitest';
import { parseHex, toHex } from '../../src/core/bytes.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { CcnetBus } from '../../src/ccnet/bus.js';
import {
  decodeDenominationTable,
  decodeTypeMask,
  denominationText,
  encodeDenominationTable,
  encodeTypeMask,
} from '../../src/ccnet/codec.js';
import {
  BILL_COMMANDS,
  CARD_COMMANDS,
  COIN_COMMANDS,
  STATISTICS_LENGTH,
  type CommandDef,
} from '../../src/ccnet/commands.js';
import { BillValidator } from '../../src/ccnet/devices/bill.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import {
  BILL_STATES,
  CARD_STATES,
  COIN_STATES,
  decodeBillState,
  decodeCardState,
  decodeCoinState,
  encodeBillState,
} from '../../src/ccnet/states.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

interface Sample {
  args?: unknown;
  argsHex?: string;
  reply?: unknown;
  replyHex?: string;
}

const ident = { partNumber: 'SM-EU3245', serialNumber: '07KI41AS7482', assetNumber: '75ed8dc8033f7b' };

/** One sample per command of every table: arguments and replies with their wire bytes. */
const BILL_SAMPLES: Record<keyof typeof BILL_COMMANDS, Sample> = {
  RESET: {},
  GET_STATUS: { reply: { enabled: [0, 1, 2, 3, 4, 5, 6, 23], highSecurity: [] }, replyHex: '80 00 7f 00 00 00' },
  SET_SECURITY: {
    args: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
    argsHex: 'ff ff ff',
  },
  POLL: { reply: parseHex('80 03'), replyHex: '80 03' },
  ENABLE_BILL_TYPES: { args: { enabled: [2, 3, 4, 5, 6, 7], escrow: [] }, argsHex: '00 00 fc 00 00 00' },
  STACK: {},
  RETURN: {},
  IDENTIFICATION: { reply: ident },
  HOLD: {},
  SET_BARCODE_PARAMETERS: { args: { format: 1, length: 18 }, argsHex: '01 12' },
  EXTRACT_BARCODE_DATA: { reply: '123456789012', replyHex: '31 32 33 34 35 36 37 38 39 30 31 32' },
  CASSETTE_STATUS: {
    reply: [
      { cassette: 1, present: true, type: 2, count: 10, status: 0x82 },
      { cassette: 2, present: true, type: 'NULL', count: 0, status: 0xc0 },
      { cassette: 3, present: true, type: 'ESCROW', count: 3, status: 0xa0 },
    ],
    replyHex: '82 0a c0 00 a0 03',
  },
  DISPENSE: {
    args: [
      { billType: 2, count: 3 },
      { billType: 5, count: 1 },
    ],
    argsHex: '00 00 24 03 01',
  },
  DISPENSE_PAIRS: { args: [{ billType: 2, count: 3 }], argsHex: '02 03' },
  UNLOAD: { args: { cassette: 1, count: 10 }, argsHex: '01 0a' },
  RECYCLING_CASSETTE_STATUS: { reply: { full: true, count: 0, bad: true }, replyHex: '80' },
  RECYCLING_CASSETTE_UNLOAD: { args: { toCustomer: true, count: 5 }, argsHex: '85' },
  SET_CASSETTE_TYPE: { args: { cassette: 2, type: 'ESCROW' }, argsHex: '02 a0' },
  GET_BILL_TABLE: {},
  DOWNLOAD: {},
  DOWNLOAD_STATUS: { reply: 0xe0, replyHex: 'e0' },
  DOWNLOAD_BLOCK_SIZE: { reply: 512, replyHex: '09' },
  DOWNLOAD_WRITE: { args: { address: 0x123456, data: parseHex('aa bb') }, argsHex: '56 34 12 aa bb', reply: 0xe0 },
  DOWNLOAD_EXIT: { reply: 0xe2, replyHex: 'e2' },
  GET_CRC32: { reply: 0x1a2b3c4d, replyHex: '1a 2b 3c 4d' },
  REQUEST_STATISTICS: {},
};

const COIN_SAMPLES: Record<keyof typeof COIN_COMMANDS, Sample> = {
  RESET: {},
  GET_STATUS: { reply: { enabled: [0, 1], routing: [0] }, replyHex: '00 00 03 00 00 01' },
  TUBE_STATUS: {},
  POLL: { reply: parseHex('52 07') },
  ENABLE_COIN_TYPES: { args: { enabled: [0, 8], manualDispense: [2] }, argsHex: '00 01 01 00 00 04' },
  DISPENSE: { args: { coinType: 3, count: 4 }, argsHex: '03 04' },
  IDENTIFICATION: {
    reply: { model: 'CC-01', serialNumber: '1234567', version: '0102', country: 'EUR' },
    replyHex: '43 43 2d 30 31 31 32 33 34 35 36 37 30 31 30 32 45 55 52',
  },
  GET_COIN_TABLE: {},
  DOWNLOAD: {},
};

const CARD_SAMPLES: Record<keyof typeof CARD_COMMANDS, Sample> = {
  RESET: {},
  SETUP: {
    args: 1,
    argsHex: '01',
    reply: { level: 1, options: 3, fundRestoring: true, continuousPayment: true },
    replyHex: '01 03',
  },
  POLL: { reply: parseHex('12') },
  VEND_BEGIN_SESSION: {},
  VEND_GET_FUNDS: {},
  VEND_REQUEST: { args: { wallet: 0, amount: 350, accumulated: 700 }, argsHex: '00 00 00 01 5e 00 00 02 bc' },
  VEND_REQUEST_REFUND: { args: { wallet: 1, amount: 1, accumulated: 2 }, argsHex: '01 00 00 00 01 00 00 00 02' },
  VEND_CANCEL: { reply: 'VEND_CANCEL_FAILED', replyHex: '07' },
  VEND_SESSION_COMPLETE: {},
  ENABLE_DISABLE: { args: true, argsHex: '01' },
  IDENTIFICATION: { reply: ident },
  DOWNLOAD: {},
};

function checkTable(
  name: string,
  table: Record<string, CommandDef<never, unknown>>,
  samples: Record<string, Sample>,
): void {
  describe(`${name} command table`, () => {
    for (const [key, def] of Object.entries(table)) {
      it(`${def.name} (${def.code.toString(16)}${def.subcommand === undefined ? '' : `/${def.subcommand.toString(16)}`}) round-trips`, () => {
        const s = samples[key];
        expect(s, `sample for ${key}`).toBeDefined();
        if (!s) return;
        const d = def as unknown as CommandDef<unknown, unknown>;
        if (s.args !== undefined) {
          const bytes = d.encodeArgs(s.args);
          if (s.argsHex) expect(toHex(bytes)).toBe(s.argsHex);
          expect(d.decodeArgs(bytes)).toEqual(s.args);
        } else {
          expect(d.encodeArgs(undefined)).toHaveLength(0);
        }
        if (s.reply !== undefined) {
          expect(d.reply).toBe('data');
          const bytes = d.encodeReply(s.reply);
          if (s.replyHex) expect(toHex(bytes)).toBe(s.replyHex);
          expect(d.decodeReply(bytes)).toEqual(s.reply);
        }
      });
    }
  });
}

checkTable('bill', BILL_COMMANDS as unknown as Record<string, CommandDef<never, unknown>>, BILL_SAMPLES);
checkTable('coin', COIN_COMMANDS as unknown as Record<string, CommandDef<never, unknown>>, COIN_SAMPLES);
checkTable('card', CARD_COMMANDS as unknown as Record<string, CommandDef<never, unknown>>, CARD_SAMPLES);

describe('field codecs', () => {
  it('24-bit masks in the spec byte order (pdewit: GET STATUS 80 00 7F = types 0–6 and 23)', () => {
    expect(decodeTypeMask(parseHex('80 00 7f'))).toEqual([0, 1, 2, 3, 4, 5, 6, 23]);
    expect(toHex(encodeTypeMask([0, 8, 16]))).toBe('01 01 01');
    expect(() => encodeTypeMask([24])).toThrow(/0..23/);
  });

  it('bill table with the decimal-exponent flag (spec examples)', () => {
    expect(denominationText(0x01, 0x03)).toBe('1000');
    expect(denominationText(0x05, 0x82)).toBe('0.05');
    expect(denominationText(0x19, 0x82)).toBe('0.25');
    expect(denominationText(0x19, 0x81)).toBe('2.5');
    expect(denominationText(0x19, 0x00)).toBe('25');
    expect(denominationText(0x19, 0x02)).toBe('2500');
    const words = decodeDenominationTable(parseHex('05 45 55 52 00 19 55 53 41 82 01 52 55 53 02'));
    expect(words.map((w) => [w.type, w.text, w.currency, w.value?.amount])).toEqual([
      [0, '5', 'EUR', 500],
      [1, '0.25', 'USD', 25],
      [2, '100', 'RUB', 10000],
    ]);
    expect(encodeDenominationTable(words)).toHaveLength(120);
  });

  it('the statistics block is 4356 bytes (Y3–Y4358)', () => {
    expect(STATISTICS_LENGTH).toBe(4356);
  });

  it('every state of every class decodes to its table name', () => {
    for (const def of BILL_STATES) {
      const sub =
        def.arg === 'none'
          ? undefined
          : def.arg === 'billType'
            ? 5
            : def.arg === 'reason'
              ? 0x60
              : def.arg === 'failure'
                ? 0x50
                : def.arg === 'jam'
                  ? 0x70
                  : 1;
      const st = decodeBillState(encodeBillState(def.name, sub));
      expect(st.name).toBe(def.name);
      if (def.arg === 'billType') expect(st.billType).toBe(5);
    }
    expect(decodeBillState(parseHex('1c 60')).subName).toBe('INSERTION');
    expect(decodeBillState(parseHex('47 5f')).subName).toBe('CAPACITANCE_CANAL');
    expect(decodeBillState(parseHex('48 74'), true).subName).toBe('SWITCH');
    expect(decodeBillState(parseHex('44'), true).name).toBe('CASSETTE_JAMMED');
    expect(decodeBillState(parseHex('1b 0a')).busyMs).toBe(1000);
    expect(decodeBillState(parseHex('81 17')).subName).toBe('BARCODE_COUPON');
    expect(decodeBillState(parseHex('99')).name).toBe('UNKNOWN');
    for (const def of COIN_STATES) expect(decodeCoinState(Uint8Array.of(def.code)).name).toBe(def.name);
    for (const def of CARD_STATES) expect(decodeCardState(Uint8Array.of(def.code)).name).toBe(def.name);
  });
});

describe('bill validator states through the simulator', () => {
  useFakeTimersPerTest();

  it('the host reports every BV state the simulator shows', async () => {
    const [host, device] = createMemoryPair();
    const sim = new BillSimulator();
    sim.attach(device);
    const bv = new BillValidator(new CcnetBus(host));
    const seen: string[] = [];
    bv.on('state', (s) => seen.push(s.name));
    await settle(bv.initialize(), 2000);
    await settle(bv.enable());
    bv.start();
    await vi.advanceTimersByTimeAsync(300);
    const shown = [
      'CHEATED',
      'PAUSE',
      'DROP_CASSETTE_FULL',
      'DROP_CASSETTE_JAMMED',
      'HOLDING',
      'POWER_UP_WITH_BILL_IN_VALIDATOR', // last: it makes the host reset the device
    ];
    for (const name of shown) sim.pushState(name);
    await vi.advanceTimersByTimeAsync(3000);
    bv.stop();
    for (const name of shown) expect(seen).toContain(name);
  });
});
