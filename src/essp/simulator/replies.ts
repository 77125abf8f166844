/**
 * The one place where a simulated command becomes its reply: the arguments are decoded through the command table,
 * the behaviours' typed handlers answer, the result is encoded through the table after F0. Refusals are thrown as
 * typed errors (the helpers below) and every one of them becomes its generic reply here (`genericReplyForError`):
 * WRONG_PARAMETERS F3, PARAMETER_OUT_OF_RANGE F4, CANNOT_PROCESS F5 + error byte, FAILURE F8, KEY_NOT_SET FA.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { CommandSpec, SspCommandName, SspContext } from '../commands.js';
import { genericReplyForError, SspGeneric } from '../generic.js';
import { PASS, type Handlers, type SimCommand } from './behaviour.js';

/** F3: the argument bytes have the wrong length (the table's decoders throw this themselves). */
export function wrongParameters(message: string): never {
  throw new KioskbusError(ErrorCode.WrongParameters, message);
}

/** F4: a parameter the device does not accept (unknown denomination, value 0, ...). */
export function outOfRange(message: string): never {
  throw new KioskbusError(ErrorCode.ParameterOutOfRange, message);
}

/** F5, followed by the command's error byte when it has one (payouts: PAYOUT_ERROR_BYTES). */
export function cannotProcess(errorByte?: number, message = 'command cannot be processed'): never {
  throw new KioskbusError(ErrorCode.CannotProcess, message, errorByte === undefined ? {} : { errorByte });
}

/** F8: the command failed (HOLD without a note, a protocol version the device does not support, ...). */
export function fail(message: string): never {
  throw new KioskbusError(ErrorCode.Failure, message);
}

/** A generic reply without data: the code alone. */
export function genericOnly(code: SspGeneric): Uint8Array {
  return Uint8Array.of(code);
}

/** OK followed by `data`. */
export function okReply(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + data.length);
  out[0] = SspGeneric.Ok;
  out.set(data, 1);
  return out;
}

/** A handler as the dispatcher calls it: the chain is keyed by the command's own name, so the types match. */
type AnyHandler = (args: unknown, command: SimCommand) => unknown;

/**
 * Decodes `raw` with `spec`, asks each handler set in `chain` in order until one answers, and encodes its result.
 * Typed refusals become generic replies; anything else (a bug) is thrown on to the caller (SOFTWARE_ERROR there).
 */
export function answerCommand(
  spec: CommandSpec,
  raw: Uint8Array,
  encrypted: boolean,
  ctx: SspContext,
  chain: readonly Handlers[],
): Uint8Array {
  try {
    const name = spec.name as SspCommandName;
    const args = spec.decodeArgs(raw, ctx);
    const command = { code: spec.code, name, args, raw, encrypted } as SimCommand;
    for (const handlers of chain) {
      const handler = handlers[name] as AnyHandler | undefined;
      if (!handler) continue;
      const result = handler(args, command);
      if (result === PASS) continue;
      return okReply(spec.encodeReply(result, ctx));
    }
    return genericOnly(SspGeneric.UnknownCommand);
  } catch (error) {
    if (error instanceof KioskbusError) return genericReplyForError(error);
    throw error;
  }
}
