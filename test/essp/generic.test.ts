import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/core/bytes.js';
import { ErrorCode, KioskbusError } from '../../src/core/errors.js';
import { COMMANDS, type SspContext } from '../../src/essp/commands.js';
import { expectOk, genericName, genericReplyForError, replyError, SspGeneric } from '../../src/essp/generic.js';

const ctx: SspContext = { protocolVersion: 6 };

describe('replyError', () => {
  it('OK is no error', () => {
    expect(replyError(COMMANDS.POLL, Uint8Array.of(0xf0, 0xe8), ctx)).toBeUndefined();
    expect(expectOk(COMMANDS.POLL, Uint8Array.of(0xf0, 0xe8))).toEqual(Uint8Array.of(0xe8));
  });

  const cases: [number, ErrorCode][] = [
    [0xf2, ErrorCode.UnknownCommandAtDevice],
    [0xf3, ErrorCode.WrongParameters],
    [0xf4, ErrorCode.ParameterOutOfRange],
    [0xf5, ErrorCode.CannotProcess],
    [0xf6, ErrorCode.SoftwareError],
    [0xf8, ErrorCode.Failure],
    [0xfa, ErrorCode.KeyNotSet],
    [0xf7, ErrorCode.UnexpectedReply],
    [0x12, ErrorCode.UnexpectedReply],
  ];
  for (const [code, errorCode] of cases) {
    it(`0x${code.toString(16)} -> ${errorCode}, with raw bytes and the command`, () => {
      const reply = Uint8Array.of(code);
      const error = replyError(COMMANDS.ENABLE, reply, ctx);
      expect(error).toBeInstanceOf(KioskbusError);
      expect(error?.code).toBe(errorCode);
      expect(error?.context.raw).toEqual(reply);
      expect(error?.context.command).toBe('ENABLE');
      expect(error?.message).toMatch(/^ENABLE: /);
    });
  }

  it('empty reply', () => {
    expect(replyError(COMMANDS.POLL, new Uint8Array(0))?.code).toBe(ErrorCode.UnexpectedReply);
  });

  it('F5 error byte of the payout family (research §3.6: 1 not enough, 2 cannot pay exact, 3 busy, 4 disabled)', () => {
    const expected = [
      ErrorCode.NotEnoughValue,
      ErrorCode.CannotPayExact,
      ErrorCode.DeviceBusy,
      ErrorCode.DeviceDisabled,
    ];
    for (const name of ['PAYOUT_AMOUNT', 'FLOAT_AMOUNT', 'PAYOUT_BY_DENOMINATION', 'FLOAT_BY_DENOMINATION'] as const) {
      expected.forEach((code, i) => {
        const error = replyError(COMMANDS[name], Uint8Array.of(0xf5, i + 1), ctx);
        expect(error?.code, `${name} ${i + 1}`).toBe(code);
        expect(error?.context.errorByte).toBe(i + 1);
      });
    }
  });

  it('the manual example 7F 80 02 F5 02 30 3E is "cannot pay exact"', () => {
    const frame = parseHex('7F 80 02 F5 02 30 3E');
    const error = replyError(COMMANDS.PAYOUT_AMOUNT, frame.subarray(3, 5), ctx);
    expect(error?.code).toBe(ErrorCode.CannotPayExact);
    expect(error?.message).toMatch(/cannot pay the exact amount/);
  });

  it('F5 reasons per command: routes, enable payout, note float', () => {
    expect(replyError(COMMANDS.SET_DENOMINATION_ROUTE, Uint8Array.of(0xf5, 2), ctx)?.message).toMatch(
      /invalid currency/,
    );
    const enable = replyError(COMMANDS.ENABLE_PAYOUT_DEVICE, Uint8Array.of(0xf5, 5), ctx);
    expect(enable?.code).toBe(ErrorCode.CannotProcess);
    expect(enable?.context.reason).toBe('payout device error');
    expect(replyError(COMMANDS.PAYOUT_NOTE, Uint8Array.of(0xf5, 2), ctx)?.message).toMatch(/note float empty/);
    expect(replyError(COMMANDS.STACK_NOTE, Uint8Array.of(0xf5, 3), ctx)?.code).toBe(ErrorCode.DeviceBusy);
  });

  it('F5 without a byte, and an undefined byte', () => {
    expect(replyError(COMMANDS.REJECT_BANKNOTE, Uint8Array.of(0xf5), ctx)?.code).toBe(ErrorCode.CannotProcess);
    const error = replyError(COMMANDS.PAYOUT_AMOUNT, Uint8Array.of(0xf5, 9), ctx);
    expect(error?.code).toBe(ErrorCode.CannotProcess);
    expect(error?.message).toMatch(/error byte 0x09/);
  });
});

describe('genericReplyForError (simulator side)', () => {
  it('maps decoder and device errors to generic replies', () => {
    expect(genericReplyForError(new KioskbusError(ErrorCode.WrongParameters, 'x'))).toEqual(Uint8Array.of(0xf3));
    expect(genericReplyForError(new KioskbusError(ErrorCode.ParameterOutOfRange, 'x'))).toEqual(Uint8Array.of(0xf4));
    expect(genericReplyForError(new KioskbusError(ErrorCode.KeyNotSet, 'x'))).toEqual(Uint8Array.of(0xfa));
    expect(genericReplyForError(new KioskbusError(ErrorCode.CannotPayExact, 'x', { errorByte: 2 }))).toEqual(
      Uint8Array.of(0xf5, 2),
    );
    expect(genericReplyForError(new KioskbusError(ErrorCode.CannotProcess, 'x'))).toEqual(Uint8Array.of(0xf5));
    expect(genericReplyForError(new Error('boom'))).toEqual(Uint8Array.of(0xf6));
    expect(genericReplyForError(new KioskbusError(ErrorCode.Failure, 'x'))).toEqual(Uint8Array.of(0xf8));
  });
  it('round trip: a decodeArgs error becomes the generic code replyError maps back', () => {
    let thrown: unknown;
    try {
      COMMANDS.HOST_PROTOCOL_VERSION.decodeArgs(new Uint8Array(0), ctx);
    } catch (e) {
      thrown = e;
    }
    const reply = genericReplyForError(thrown);
    expect(reply[0]).toBe(SspGeneric.WrongParameters);
    expect(replyError(COMMANDS.HOST_PROTOCOL_VERSION, reply, ctx)?.code).toBe(ErrorCode.WrongParameters);
  });
  it('names', () => {
    expect(genericName(0xf5)).toBe('COMMAND_CANNOT_BE_PROCESSED');
    expect(genericName(0x01)).toBe('UNKNOWN_RESPONSE_0x01');
  });
});
