/**
 * Every CCNET reply decoder checks the length its command declares (issue 13): a bad count or length is a typed
 * error (SHORT_DATA when too short, UNEXPECTED_REPLY otherwise) carrying the raw bytes, never wrong values. Each
 * decoder also still reads its right length.
 */
import { describe, expect, it } from 'vitest';
import { B2B_COMMANDS, CARD_COMMANDS, COIN_COMMANDS, VALIDATOR_COMMANDS } from '../../src/ccnet/commands.js';
import { STATISTICS_LENGTH } from '../../src/ccnet/statistics.js';

type Decode = (d: Uint8Array) => unknown;
/** The decoder of a table entry (called on the entry, never unbound). */
const dec =
  (def: { decodeReply(d: Uint8Array): unknown }): Decode =>
  (d) =>
    def.decodeReply(d);
const bytes = (n: number, fill = 0x41): Uint8Array => new Uint8Array(n).fill(fill);

/** [decoder, good lengths, bad lengths (too short first)] */
const CASES: [string, Decode, Uint8Array[], Uint8Array[]][] = [
  ['bill GET STATUS', dec(VALIDATOR_COMMANDS.GET_STATUS), [bytes(6), bytes(9)], [bytes(5), bytes(7), bytes(10)]],
  ['bill IDENTIFICATION', dec(VALIDATOR_COMMANDS.IDENTIFICATION), [bytes(34)], [bytes(33), bytes(35), bytes(60)]],
  ['GET BILL TABLE', dec(VALIDATOR_COMMANDS.GET_BILL_TABLE), [bytes(120, 0)], [bytes(115, 0), bytes(121, 0)]],
  ['GET CRC32', dec(VALIDATOR_COMMANDS.GET_CRC32), [bytes(4)], [bytes(3), bytes(5)]],
  ['DOWNLOAD STATUS', dec(VALIDATOR_COMMANDS.DOWNLOAD_STATUS), [bytes(1)], [bytes(2)]],
  ['DOWNLOAD BLOCK SIZE', dec(VALIDATOR_COMMANDS.DOWNLOAD_BLOCK_SIZE), [bytes(1, 7)], [bytes(2)]],
  ['DOWNLOAD EXIT', dec(VALIDATOR_COMMANDS.DOWNLOAD_EXIT), [bytes(1)], [bytes(3)]],
  [
    'REQUEST STATISTICS',
    dec(VALIDATOR_COMMANDS.REQUEST_STATISTICS),
    [bytes(STATISTICS_LENGTH, 0)],
    [bytes(STATISTICS_LENGTH - 1, 0), bytes(STATISTICS_LENGTH + 1, 0)],
  ],
  ['B2B CASSETTE STATUS', dec(B2B_COMMANDS.CASSETTE_STATUS), [bytes(6, 1), bytes(32, 1)], [bytes(5, 1), bytes(34, 1)]],
  ['B2B RECYCLING CASSETTE STATUS', dec(B2B_COMMANDS.RECYCLING_CASSETTE_STATUS), [bytes(1)], [bytes(2)]],
  ['coin GET STATUS', dec(COIN_COMMANDS.GET_STATUS), [bytes(6)], [bytes(5), bytes(9)]],
  ['coin TUBE STATUS', dec(COIN_COMMANDS.TUBE_STATUS), [bytes(18, 1), bytes(27, 1)], [bytes(17), bytes(20), bytes(28)]],
  ['coin IDENTIFICATION', dec(COIN_COMMANDS.IDENTIFICATION), [bytes(19)], [bytes(18), bytes(20)]],
  ['GET COIN TABLE', dec(COIN_COMMANDS.GET_COIN_TABLE), [bytes(80, 0), bytes(120, 0)], [bytes(79, 0), bytes(125, 0)]],
  ['card SETUP', dec(CARD_COMMANDS.SETUP), [Uint8Array.of(1, 3)], [Uint8Array.of(1), Uint8Array.of(1, 3, 0)]],
  [
    'card GET FUNDS',
    dec(CARD_COMMANDS.VEND_GET_FUNDS),
    [Uint8Array.of(0xe8), Uint8Array.of(0xe0, 0x45, 0x55, 0x52, 0, 0, 0x03, 0xe8, 2)],
    [Uint8Array.of(0xe0, 0x45, 0x55, 0x52, 0, 0, 0x03, 0xe8), Uint8Array.of(0xe8, 0), bytes(0)],
  ],
  [
    'card VEND CANCEL',
    dec(CARD_COMMANDS.VEND_CANCEL),
    [Uint8Array.of(6), Uint8Array.of(7)],
    [Uint8Array.of(8), Uint8Array.of(7, 0)],
  ],
  ['card IDENTIFICATION', dec(CARD_COMMANDS.IDENTIFICATION), [bytes(34)], [bytes(20), bytes(40)]],
];

describe('CCNET reply decoders check declared lengths', () => {
  it.each(CASES)('%s', (_name, decode, good, badOnes) => {
    for (const g of good) expect(() => decode(g)).not.toThrow();
    for (const b of badOnes) {
      let caught: unknown;
      try {
        decode(b);
      } catch (error) {
        caught = error;
      }
      expect(caught, `${String(b.length)} bytes`).toMatchObject({ name: 'KioskbusError' });
      const e = caught as { code: string; context: { raw?: Uint8Array } };
      expect(['SHORT_DATA', 'UNEXPECTED_REPLY']).toContain(e.code);
      expect(e.context.raw).toBeInstanceOf(Uint8Array);
    }
  });

  it('a too short reply is SHORT_DATA, a count that does not fit UNEXPECTED_REPLY, with the raw bytes', () => {
    expect(() => COIN_COMMANDS.TUBE_STATUS.decodeReply(bytes(10))).toThrow(
      expect.objectContaining({ code: 'SHORT_DATA' }) as Error,
    );
    expect(() => COIN_COMMANDS.TUBE_STATUS.decodeReply(bytes(20))).toThrow(
      expect.objectContaining({
        code: 'UNEXPECTED_REPLY',
        message: expect.stringMatching(/TUBE_STATUS reply has 20 data bytes/) as string,
      }) as Error,
    );
  });

  it('a VEND CANCEL answered with another byte is never read as a denial (07H: the funds are taken)', () => {
    expect(CARD_COMMANDS.VEND_CANCEL.decodeReply(Uint8Array.of(7))).toBe('VEND_CANCEL_FAILED');
    expect(() => CARD_COMMANDS.VEND_CANCEL.decodeReply(Uint8Array.of(0x17))).toThrow(/VEND_CANCEL/);
  });
});
