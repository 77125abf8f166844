/**
 * eSSP generic responses: the first data byte of every reply (M222 p.10). F0 is OK; the others become typed
 * KioskbusErrors carrying the raw reply and the command name. The byte after F5 is decoded per command.
 */
import { toHex } from '../core/bytes.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { CommandSpec, SspContext } from './commands.js';

export enum SspGeneric {
  Ok = 0xf0,
  UnknownCommand = 0xf2,
  WrongParameters = 0xf3,
  ParameterOutOfRange = 0xf4,
  CannotProcess = 0xf5,
  SoftwareError = 0xf6,
  Fail = 0xf8,
  KeyNotSet = 0xfa,
}

/** The manual's names of the generic responses. */
export const GENERIC_NAMES: Readonly<Record<number, string>> = {
  0xf0: 'OK',
  0xf2: 'COMMAND_NOT_KNOWN',
  0xf3: 'WRONG_NO_PARAMETERS',
  0xf4: 'PARAMETER_OUT_OF_RANGE',
  0xf5: 'COMMAND_CANNOT_BE_PROCESSED',
  0xf6: 'SOFTWARE_ERROR',
  0xf8: 'FAIL',
  0xfa: 'KEY_NOT_SET',
};

export function genericName(code: number): string {
  return GENERIC_NAMES[code] ?? `UNKNOWN_RESPONSE_0x${code.toString(16).padStart(2, '0')}`;
}

const GENERIC_ERRORS: Readonly<Record<number, { code: ErrorCode; text: string }>> = {
  0xf2: { code: ErrorCode.UnknownCommandAtDevice, text: 'the device does not know this command' },
  0xf3: { code: ErrorCode.WrongParameters, text: 'wrong number of parameters' },
  0xf4: { code: ErrorCode.ParameterOutOfRange, text: 'parameter out of range' },
  0xf6: { code: ErrorCode.SoftwareError, text: 'software error in the device' },
  0xf8: { code: ErrorCode.Failure, text: 'command failed' },
  0xfa: { code: ErrorCode.KeyNotSet, text: 'encryption key not set (negotiate a key first)' },
};

/** What F5 means for a command: the error code and a reason text (when the command defines the error byte). */
export function cannotProcessReason(
  command: Pick<CommandSpec, 'cannotProcessReasons' | 'cannotProcessCodes'>,
  errorByte: number | undefined,
): { code: ErrorCode; reason: string | undefined } {
  if (errorByte === undefined) return { code: ErrorCode.CannotProcess, reason: undefined };
  const reason = command.cannotProcessReasons?.[errorByte];
  const code = command.cannotProcessCodes?.[errorByte] ?? ErrorCode.CannotProcess;
  return { code, reason };
}

/**
 * The error a reply stands for, or undefined for OK (F0). `reply` is the whole reply data, generic code first.
 * The context of the error holds the raw reply, the command name, the generic code and (F5) the error byte.
 */
export function replyError(
  command: Pick<CommandSpec, 'name' | 'cannotProcessReasons' | 'cannotProcessCodes'>,
  reply: Uint8Array,
  ctx?: SspContext,
): KioskbusError | undefined {
  const generic = reply[0];
  const base = { raw: reply, command: command.name };
  if (generic === undefined) {
    return new KioskbusError(ErrorCode.UnexpectedReply, `${command.name}: empty reply`, base);
  }
  if (generic === (SspGeneric.Ok as number)) return undefined;
  const context = {
    ...base,
    generic,
    genericName: genericName(generic),
    ...(ctx ? { protocolVersion: ctx.protocolVersion } : {}),
  };
  if (generic === (SspGeneric.CannotProcess as number)) {
    const errorByte = reply.length > 1 ? reply[1] : undefined;
    const { code, reason } = cannotProcessReason(command, errorByte);
    const detail =
      errorByte === undefined
        ? ''
        : reason !== undefined
          ? `: ${reason} (error ${errorByte})`
          : ` (error byte 0x${errorByte.toString(16).padStart(2, '0')})`;
    return new KioskbusError(code, `${command.name}: command cannot be processed${detail}`, {
      ...context,
      ...(errorByte !== undefined ? { errorByte } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
  }
  const known = GENERIC_ERRORS[generic];
  if (known) return new KioskbusError(known.code, `${command.name}: ${known.text}`, context);
  return new KioskbusError(
    ErrorCode.UnexpectedReply,
    `${command.name}: unexpected response code 0x${generic.toString(16).padStart(2, '0')} (${toHex(reply)})`,
    context,
  );
}

/** Throws the reply's error, or returns the bytes after F0. */
export function expectOk(
  command: Pick<CommandSpec, 'name' | 'cannotProcessReasons' | 'cannotProcessCodes'>,
  reply: Uint8Array,
): Uint8Array {
  const error = replyError(command, reply);
  if (error) throw error;
  return reply.subarray(1);
}

/**
 * Simulator side: the generic reply for an error raised while decoding or executing a command
 * (WRONG_PARAMETERS -> F3, PARAMETER_OUT_OF_RANGE -> F4, UNKNOWN_COMMAND_AT_DEVICE -> F2, KEY_NOT_SET -> FA,
 * CANNOT_PROCESS & co -> F5 with the `errorByte` of the context, SOFTWARE_ERROR -> F6, anything else -> F8).
 */
export function genericReplyForError(error: unknown): Uint8Array {
  if (!(error instanceof KioskbusError)) return Uint8Array.of(SspGeneric.SoftwareError);
  switch (error.code) {
    case ErrorCode.WrongParameters:
    case ErrorCode.ShortData:
      return Uint8Array.of(SspGeneric.WrongParameters);
    case ErrorCode.ParameterOutOfRange:
    case ErrorCode.InvalidArgument:
      return Uint8Array.of(SspGeneric.ParameterOutOfRange);
    case ErrorCode.UnknownCommandAtDevice:
    case ErrorCode.UnknownCommand:
      return Uint8Array.of(SspGeneric.UnknownCommand);
    case ErrorCode.KeyNotSet:
      return Uint8Array.of(SspGeneric.KeyNotSet);
    case ErrorCode.SoftwareError:
      return Uint8Array.of(SspGeneric.SoftwareError);
    case ErrorCode.CannotProcess:
    case ErrorCode.NotEnoughValue:
    case ErrorCode.CannotPayExact:
    case ErrorCode.DeviceBusy:
    case ErrorCode.DeviceDisabled: {
      const b = error.context.errorByte;
      return typeof b === 'number'
        ? Uint8Array.of(SspGeneric.CannotProcess, b)
        : Uint8Array.of(SspGeneric.CannotProcess);
    }
    default:
      return Uint8Array.of(SspGeneric.Fail);
  }
}
