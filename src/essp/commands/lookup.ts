/** Looking commands up: by code, by name or alias (with "did you mean"), and encoding a command with its code byte. */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import { COMMANDS } from './table.js';
import type { CommandArgs, SspCommandName } from './table.js';
import type { CommandSpec } from './spec.js';
import type { SspContext } from '../tables/context.js';

const ALL: readonly CommandSpec[] = (Object.values(COMMANDS) as CommandSpec[]).sort((a, b) => a.code - b.code);
const BY_CODE = new Map<number, CommandSpec>(ALL.map((c) => [c.code, c]));
const BY_NAME = new Map<string, CommandSpec>(ALL.map((c) => [c.name, c]));

/** Names the manual or other libraries use for some commands, accepted by `commandByName`. */
const ALIASES: Readonly<Record<string, SspCommandName>> = {
  SET_INHIBITS: 'SET_CHANNEL_INHIBITS',
  REJECT: 'REJECT_BANKNOTE',
  CHANNEL_VALUE_DATA: 'CHANNEL_VALUE_REQUEST',
  GET_MIN_PAYOUT: 'GET_MINIMUM_PAYOUT',
  SET_OPTIONS: 'SET_HOPPER_OPTIONS',
  GET_OPTIONS: 'GET_HOPPER_OPTIONS',
  COIN_MECH_GLOBAL_INHIBIT: 'SET_COIN_MECH_GLOBAL_INHIBIT',
  SET_VALUE_REPORT_TYPE: 'SET_VALUE_REPORTING_TYPE',
  COMMS_PASS_THROUGH: 'COMMUNICATION_PASS_THROUGH',
  SSP_SET_ENCRYPTION_KEY: 'SET_FIXED_ENCRYPTION_KEY',
  SSP_ENCRYPTION_RESET_TO_DEFAULT: 'RESET_FIXED_ENCRYPTION_KEY',
  GET_BARCODE_READER_CONFIGURATION: 'GET_BAR_CODE_READER_CONFIGURATION',
  SET_BARCODE_READER_CONFIGURATION: 'SET_BAR_CODE_CONFIGURATION',
  GET_BARCODE_INHIBIT: 'GET_BAR_CODE_INHIBIT_STATUS',
  SET_BARCODE_INHIBIT: 'SET_BAR_CODE_INHIBIT_STATUS',
  GET_BARCODE_DATA: 'GET_BAR_CODE_DATA',
};

/** Every command spec, by code. */
export function allCommands(): readonly CommandSpec[] {
  return ALL;
}

export function commandByCode(code: number): CommandSpec | undefined {
  return BY_CODE.get(code);
}

/** The spec of a command by its (seed) name or a known alias; UNKNOWN_COMMAND with the closest names otherwise. */
export function commandByName(name: string): CommandSpec {
  const key = name.toUpperCase();
  const spec = BY_NAME.get(key) ?? BY_NAME.get(ALIASES[key] ?? '');
  if (spec) return spec;
  const close = closestNames(key, [...BY_NAME.keys()]);
  throw new KioskbusError(
    ErrorCode.UnknownCommand,
    `unknown eSSP command "${name}"${close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''}`,
    { command: name },
  );
}

function closestNames(name: string, names: readonly string[]): string[] {
  const scored = names.map((n) => ({ n, d: distance(name, n) }));
  scored.sort((a, b) => a.d - b.d);
  const best = scored.slice(0, 3).filter((s) => s.d <= Math.max(3, Math.floor(name.length / 3)));
  const contains = names.filter((n) => name.length >= 3 && n.includes(name) && !best.some((b) => b.n === n));
  return [...best.map((s) => s.n), ...contains].slice(0, 5);
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] ?? 0;
      prev[j] = Math.min((prev[j] ?? 0) + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] ?? 0;
}

/** The command data (code byte then arguments) of `name` with `args`, ready for SspBus.exchange. */
export function encodeCommand<N extends SspCommandName>(name: N, args: CommandArgs<N>, ctx: SspContext): Uint8Array {
  const spec = COMMANDS[name] as CommandSpec;
  const body = spec.encodeArgs(args, ctx);
  const out = new Uint8Array(body.length + 1);
  out[0] = spec.code;
  out.set(body, 1);
  return out;
}
