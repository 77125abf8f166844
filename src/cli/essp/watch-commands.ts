/**
 * Commands a technician types while `watch essp` runs: test a payout without writing code. Amounts in major units
 * (`payout 5.00 EUR`); the answer of each command is one line, the device's own events follow as they come.
 */
import { isKioskbusError } from '../../core/errors.js';
import { formatMoney } from '../../core/money.js';
import { parseAmount } from '../output.js';
import type { WatchedDevice } from './watch-devices.js';

export const WATCH_COMMANDS_HELP = `Commands on stdin (one per line):
  enable | disable          accept notes/coins, or stop
  payout AMOUNT [CUR]       pay out, e.g. payout 5.00 EUR (payout devices)
  float AMOUNT [CUR]        keep AMOUNT in the payout, move the rest to the cashbox
  empty                     move everything to the cashbox, counting it (SMART_EMPTY)
  levels                    the stored levels
  help                      this list`;

function amountOf(device: WatchedDevice, args: readonly string[]): { amount: number; currency: string } {
  const parsed = parseAmount(args[0], args[1], device.currency);
  if (!parsed) {
    throw new Error(`expected an amount in major units and a currency, e.g. "5.00 ${device.currency ?? 'EUR'}"`);
  }
  return parsed;
}

/** Runs one typed line; returns the text to show. Errors are thrown as one-line messages. */
export async function runWatchCommand(device: WatchedDevice, line: string): Promise<string | undefined> {
  const [verb = '', ...args] = line.trim().split(/\s+/);
  const payout = (): NonNullable<WatchedDevice['payout']> => {
    if (!device.payout) throw new Error(`${verb}: a ${device.kind} has no payout`);
    return device.payout;
  };
  try {
    switch (verb.toLowerCase()) {
      case '':
        return undefined;
      case 'help':
        return WATCH_COMMANDS_HELP;
      case 'enable':
        await device.enable();
        return 'enabled';
      case 'disable':
        await device.disable();
        return 'disabled';
      case 'payout': {
        const { amount, currency } = amountOf(device, args);
        await payout().payout(amount, currency);
        return `paying out ${formatMoney({ amount, currency })}`;
      }
      case 'float': {
        const { amount, currency } = amountOf(device, args);
        await payout().float(amount, { currency });
        return `floating to ${formatMoney({ amount, currency })}`;
      }
      case 'empty':
        await payout().smartEmpty();
        return 'emptying to the cashbox';
      case 'levels': {
        const levels = await payout().levels();
        if (levels.length === 0) return 'levels: empty';
        return `levels: ${levels.map((l) => `${formatMoney({ amount: l.value, currency: l.currency })} x ${String(l.level)}`).join(', ')}`;
      }
      default:
        throw new Error(`unknown command "${verb}" (type help)`);
    }
  } catch (error) {
    const message = isKioskbusError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
    throw new Error(`${verb}: ${message.replace(new RegExp(`^${verb}: `), '')}`, { cause: error });
  }
}
