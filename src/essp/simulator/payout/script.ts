/**
 * Script lines for the payout simulators (CLI stdin, files): `coin 100`, `take`, `payout-jam`, `clear-payout-jam`,
 * `stall`, `out-of-service on|off`, `feed 100 200`, `levels`, `books`. Lines that are not payout commands return
 * undefined and go to the validator's script (insert, jam, power-cycle, ...).
 */
import { ErrorCode, KioskbusError } from '../../../core/errors.js';
import { formatMoney } from '../../../core/money.js';
import { ScriptError } from '../script.js';
import type { SspSimulator } from '../simulator.js';
import { CoinHopper } from './coins.js';
import { PayoutEngine } from './engine.js';
import type { InitialLevel } from './types.js';

export const PAYOUT_SCRIPT_HELP = `payout devices:
  coin VALUE [CUR]                        a coin into the coin mech (SMART Hopper / System), value in minor units
  feed VALUE...                           SMART System feeder: several coins (PAY_IN_ACTIVE, VALUE_ADDED)
  take                                    the customer takes the note held in the bezel
  payout-jam | clear-payout-jam           jam the payout mechanism / clear it (JAM_RECOVERY, then it goes on)
  stall                                   the payout cannot find the next item (TIME_OUT)
  out-of-service on|off                   the payout goes out of service / back
  levels | books                          stored levels (in major units: 1.00 EUR x 20) / the money accounting`;

function payoutEngine(sim: SspSimulator): PayoutEngine | undefined {
  for (const name of ['smart-payout', 'nv4000', 'nv11', 'smart-hopper', 'smart-system']) {
    const b = sim.behaviour(name);
    if (b instanceof PayoutEngine) return b;
  }
  return undefined;
}

function value(text: string | undefined): number {
  const v = Number(text);
  if (text === undefined || !Number.isInteger(v) || v <= 0) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `expected a value in minor units, got "${String(text)}"`);
  }
  return v;
}

/** `--levels 500x10,1000x5`: starting store levels (value in minor units × count). */
export function parseLevels(text: string): InitialLevel[] {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*[x×*]\s*(\d+)\s*$/.exec(part);
    if (!m) {
      throw new ScriptError(`--levels: expected VALUExCOUNT items like 500x10,1000x5, got "${part}"`);
    }
    return { value: Number(m[1]), count: Number(m[2]) };
  });
}

/** Runs a payout script line; undefined when the line is not a payout command (or the device has no payout). */
export function runPayoutScriptLine(sim: SspSimulator, line: string): string | undefined {
  const engine = payoutEngine(sim);
  const text = line.replace(/#.*$/, '').trim();
  const [verb = '', ...args] = text.split(/\s+/);
  if (!engine) return undefined;
  const coins = (): CoinHopper => {
    if (engine instanceof CoinHopper) return engine;
    throw new KioskbusError(ErrorCode.InvalidArgument, `${sim.profile.model} has no coin mech`);
  };
  switch (verb.toLowerCase()) {
    case 'coin': {
      const result = coins().insertCoin(value(args[0]), args[1]?.toUpperCase());
      return result.taken ? `coin taken (${result.to})` : `coin refused: ${result.reason}`;
    }
    case 'feed':
      coins().feedCoins(args.map(value));
      return `feeding ${String(args.length)} coin(s)`;
    case 'take':
      return engine.takeNote() ? 'note taken' : 'no note in the bezel';
    case 'payout-jam':
      return engine.jam() ? 'payout jammed' : 'nothing moving';
    case 'clear-payout-jam':
      return engine.clearJam() ? 'recovering' : 'not jammed';
    case 'stall':
      return engine.timeOut() ? 'payout timed out' : 'no operation';
    case 'out-of-service':
      engine.setOutOfService(args[0]?.toLowerCase() !== 'off');
      return `payout ${engine.outOfService ? 'out of service' : 'in service'}`;
    case 'levels':
      // values are minor units: 100 EUR cents are shown as 1.00 EUR
      return engine.denominations
        .map(
          (d) =>
            `${formatMoney({ amount: d.value, currency: d.currency })} x ${String(engine.level(d.value, d.currency))}`,
        )
        .join('; ');
    case 'books':
      return JSON.stringify(engine.accounting().currencies);
    case 'help':
      return undefined;
    default:
      return undefined;
  }
}
