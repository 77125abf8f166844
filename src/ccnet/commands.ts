/**
 * The CCNET command tables by device class, and the lookup of a command payload in the table of its class.
 * The tables themselves live in one file per class (bill-commands, coin-commands, card-commands); the entry
 * shape in command-def, the statistics record in statistics.
 */
import { B2B_COMMANDS, BILL_COMMANDS, VALIDATOR_COMMANDS } from './bill-commands.js';
import { CARD_COMMANDS } from './card-commands.js';
import { COIN_COMMANDS } from './coin-commands.js';
import type { CommandDef } from './command-def.js';

export * from './command-def.js';
export * from './statistics.js';
export * from './bill-commands.js';
export * from './coin-commands.js';
export * from './card-commands.js';

export type BillCommandName = keyof typeof BILL_COMMANDS;
export type CoinCommandName = keyof typeof COIN_COMMANDS;
export type CardCommandName = keyof typeof CARD_COMMANDS;

/** Device classes by address. */
export type DeviceClass = 'b2b' | 'coin-changer' | 'bill-validator' | 'card-reader';

export function deviceClassOf(address: number): DeviceClass | undefined {
  switch (address) {
    case 0x01:
      return 'b2b';
    case 0x02:
      return 'coin-changer';
    case 0x03:
      return 'bill-validator';
    case 0x04:
      return 'card-reader';
    default:
      return undefined;
  }
}

const TABLES = {
  b2b: B2B_COMMANDS,
  'coin-changer': COIN_COMMANDS,
  'bill-validator': VALIDATOR_COMMANDS,
  'card-reader': CARD_COMMANDS,
} as const;

/** The command table of a device class (each class has its own). */
export function commandTable(cls: DeviceClass): Readonly<Record<string, CommandDef<never, unknown>>> {
  return TABLES[cls] as unknown as Readonly<Record<string, CommandDef<never, unknown>>>;
}

interface IndexedEntry {
  key: string;
  def: CommandDef<never, unknown>;
}

/** Per class: the entries by command code, and the set of entries (built once: lookups run for every frame). */
const INDEX = new Map<DeviceClass, { byCode: Map<number, IndexedEntry[]>; entries: Set<CommandDef<never, unknown>> }>();

function indexOf(cls: DeviceClass): { byCode: Map<number, IndexedEntry[]>; entries: Set<CommandDef<never, unknown>> } {
  let index = INDEX.get(cls);
  if (!index) {
    const byCode = new Map<number, IndexedEntry[]>();
    const entries = new Set<CommandDef<never, unknown>>();
    for (const [key, def] of Object.entries(commandTable(cls))) {
      entries.add(def);
      const list = byCode.get(def.code);
      if (list) list.push({ key, def });
      else byCode.set(def.code, [{ key, def }]);
    }
    index = { byCode, entries };
    INDEX.set(cls, index);
  }
  return index;
}

/** Is `def` an entry of the table of `cls`? */
export function classHasCommand(cls: DeviceClass, def: CommandDef<never, unknown>): boolean {
  return indexOf(cls).entries.has(def);
}

/**
 * The table entry for a command payload (`CMD [SUBCMD] DATA`): subcommand entries match on the second
 * byte, otherwise the entry without a subcommand. `dispenseFormat` chooses between the two DISPENSE layouts.
 */
export function findCommand(
  cls: DeviceClass,
  payload: Uint8Array,
  dispenseFormat: 'mask' | 'pairs' = 'mask',
): { def: CommandDef<never, unknown>; key: string; data: Uint8Array } | undefined {
  const code = payload[0];
  if (code === undefined) return undefined;
  const candidates = indexOf(cls).byCode.get(code);
  if (!candidates) return undefined;
  let plainMatch: IndexedEntry | undefined;
  for (const entry of candidates) {
    const { key, def } = entry;
    if (key === 'DISPENSE' && dispenseFormat === 'pairs') continue;
    if (key === 'DISPENSE_PAIRS' && dispenseFormat === 'mask') continue;
    if (def.subcommand !== undefined) {
      if (payload.length >= 2 && payload[1] === def.subcommand) return { def, key, data: payload.subarray(2) };
    } else plainMatch ??= entry;
  }
  return plainMatch ? { def: plainMatch.def, key: plainMatch.key, data: payload.subarray(1) } : undefined;
}
