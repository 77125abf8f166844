/**
 * Running one table command, the steps every caller shares: the command bytes from the table's argument encoder,
 * the reply judged by its generic code (a refusal becomes its typed error), the data decoded by the table. The bus
 * (`SspBus.execute`) puts the exchange between them; device runtimes, the compat layer and the probe use the same
 * steps, so a refusal or a short reply reads the same everywhere.
 */
import { KioskbusError } from '../core/errors.js';
import type { CommandSpec } from './commands/spec.js';
import { replyError } from './generic.js';
import type { SspContext } from './tables/context.js';

/** Context for a device whose set-up is not known yet (protocol 6: the layouts of every current device). */
export const DEFAULT_CONTEXT: SspContext = { protocolVersion: 6 };

/** The command bytes: the code, then the table-encoded arguments (INVALID_ARGUMENT on bad arguments). */
export function encodeCommand<A>(spec: CommandSpec<A>, args: A, ctx: SspContext = DEFAULT_CONTEXT): Uint8Array {
  // A command whose arguments are all optional may be given none: its encoder reads an empty object.
  const body = spec.encodeArgs(args ?? ({} as A), ctx);
  const out = new Uint8Array(body.length + 1);
  out[0] = spec.code;
  out.set(body, 1);
  return out;
}

/**
 * The result of a whole reply (generic code first): a generic error reply throws its typed error, whose context
 * holds the address, the command, the generic code and the raw reply; data the table cannot read throws the
 * decoder's typed error with the same context.
 */
export function decodeCommandReply<R>(
  spec: Pick<CommandSpec<unknown, R>, 'name' | 'decodeReply' | 'cannotProcessReasons' | 'cannotProcessCodes'>,
  reply: Uint8Array,
  address: number,
  ctx: SspContext = DEFAULT_CONTEXT,
): R {
  const refused = replyError(spec, reply, ctx);
  if (refused) {
    refused.context.address = address;
    throw refused;
  }
  try {
    return spec.decodeReply(reply.subarray(1), ctx);
  } catch (error) {
    if (error instanceof KioskbusError) {
      error.context.address ??= address;
      error.context.command ??= spec.name;
      error.context.raw ??= reply;
    }
    throw error;
  }
}
