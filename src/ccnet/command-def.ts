/**
 * The shape of one CCNET command-table entry and the small builders the per-class tables use. One entry per
 * command: code (and subcommand), spec name, argument encoder/decoder, reply kind and reply encoder/decoder. The
 * host encodes arguments and decodes replies with an entry; the simulator decodes arguments and encodes replies
 * with the same entry.
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';

export interface CommandDef<A, R> {
  readonly code: number;
  readonly subcommand?: number;
  /** Name as in the spec's command table, upper case with underscores (`ENABLE_BILL_TYPES`). */
  readonly name: string;
  /** `ack`: the device confirms with ACK; `data`: it answers with data (which the controller ACKs). */
  readonly reply: 'ack' | 'data';
  /** The device may take longer than t-response (identification, tables, statistics, download). */
  readonly slow?: boolean;
  /**
   * The command moves money (DISPENSE, UNLOAD, VEND REQUEST...): never resent blindly, since CCNET has no sequence
   * number to tell a resend from a new command; a doubtful answer is settled by asking the device.
   */
  readonly movesMoney?: boolean;
  encodeArgs(args: A): Uint8Array;
  decodeArgs(data: Uint8Array): A;
  decodeReply(data: Uint8Array): R;
  encodeReply(reply: R): Uint8Array;
}

export type AnyCommandDef = CommandDef<never, unknown> & {
  decodeArgs(data: Uint8Array): unknown;
  encodeReply(reply: never): Uint8Array;
};

export const EMPTY = new Uint8Array(0);

/**
 * Checks a reply's length against what the command declares (`expected` says it in words): a reply too short is
 * SHORT_DATA, any other misfit (a count that does not match, a block cut in the middle, bytes too many) is
 * UNEXPECTED_REPLY; both carry the raw bytes. Never a guess from bytes that do not fit.
 */
export function checkLength(name: string, data: Uint8Array, fits: (length: number) => boolean, expected: string): void {
  if (fits(data.length)) return;
  const short = [...Array(data.length + 1).keys()].every((n) => !fits(n)); // no shorter length would fit either
  throw new KioskbusError(
    short ? ErrorCode.ShortData : ErrorCode.UnexpectedReply,
    `${name} reply has ${data.length} data bytes; the spec declares ${expected}`,
    { raw: data.slice(), length: data.length, expected },
  );
}

/** `checkLength` for a fixed set of lengths. */
export function checkLengthIn(name: string, data: Uint8Array, lengths: readonly number[]): void {
  checkLength(name, data, (n) => lengths.includes(n), lengths.join(' or '));
}

export function bad(message: string, raw: Uint8Array): KioskbusError {
  return new KioskbusError(ErrorCode.WrongParameters, message, { raw });
}

/** A command without arguments confirmed by ACK. */
export function plain(
  code: number,
  name: string,
  extra: { subcommand?: number; slow?: boolean } = {},
): CommandDef<void, void> {
  return {
    code,
    name,
    reply: 'ack',
    ...extra,
    encodeArgs: () => EMPTY,
    decodeArgs: () => undefined,
    decodeReply: () => undefined,
    encodeReply: () => EMPTY,
  };
}

/** A command with arguments confirmed by ACK. */
export function withArgs<A>(
  code: number,
  name: string,
  encodeArgs: (a: A) => Uint8Array,
  decodeArgs: (d: Uint8Array) => A,
  extra: { subcommand?: number; slow?: boolean; movesMoney?: boolean } = {},
): CommandDef<A, void> {
  return {
    code,
    name,
    reply: 'ack',
    ...extra,
    encodeArgs,
    decodeArgs,
    decodeReply: () => undefined,
    encodeReply: () => EMPTY,
  };
}

/** A request without arguments answered with data. */
export function query<R>(
  code: number,
  name: string,
  decodeReply: (d: Uint8Array) => R,
  encodeReply: (r: R) => Uint8Array,
  extra: { subcommand?: number; slow?: boolean } = {},
): CommandDef<void, R> {
  return {
    code,
    name,
    reply: 'data',
    ...extra,
    encodeArgs: () => EMPTY,
    decodeArgs: () => undefined,
    decodeReply,
    encodeReply,
  };
}

export const rawReply = { decode: (d: Uint8Array): Uint8Array => d.slice(), encode: (r: Uint8Array): Uint8Array => r };
