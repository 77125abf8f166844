/** The eSSP command table: the families put together, keyed by the seed library's command names. */
import { BAR_CODE_COMMANDS } from './barcode.js';
import { HOPPER_COMMANDS } from './hopper.js';
import { PAYOUT_COMMANDS } from './payout.js';
import { SETUP_COMMANDS } from './setup.js';
import type { CommandSpec } from './spec.js';
import { TEBS_PRINTER_COMMANDS } from './tebs.js';

const TABLE = {
  ...SETUP_COMMANDS,
  ...BAR_CODE_COMMANDS,
  ...PAYOUT_COMMANDS,
  ...HOPPER_COMMANDS,
  ...TEBS_PRINTER_COMMANDS,
} as const;

/** Each entry as a full CommandSpec with its argument and result types (every method takes the context). */
type SpecOf<T> = T extends {
  encodeArgs: (args: infer A, ctx: never) => Uint8Array;
  decodeReply: (data: Uint8Array, ctx: never) => infer R;
}
  ? CommandSpec<A, R>
  : never;

export type SspCommands = { readonly [K in keyof typeof TABLE]: SpecOf<(typeof TABLE)[K]> };

/** The command table, by the seed library's command names. */
export const COMMANDS: SspCommands = TABLE;
export type SspCommandName = keyof SspCommands;
export type CommandArgs<N extends SspCommandName> = SspCommands[N] extends CommandSpec<infer A> ? A : never;
export type CommandResult<N extends SspCommandName> = SspCommands[N] extends CommandSpec<unknown, infer R> ? R : never;
/**
 * What the reply encoder of command N takes: the simulator's handler result. It may be less than the decoded
 * `CommandResult<N>` (fields the host derives, such as names for codes, are left out).
 */
export type ReplyInput<N extends SspCommandName> = Parameters<(typeof TABLE)[N]['encodeReply']>[0];

/** What the argument decoder of command N gives the simulator (may be more precise than `CommandArgs<N>`). */
export type DecodedArgs<N extends SspCommandName> = ReturnType<(typeof TABLE)[N]['decodeArgs']>;
