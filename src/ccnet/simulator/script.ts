/**
 * Script lines for the CCNET simulators (the CLI reads them from stdin): `bill 3`, `coupon 12345678`, `jam`,
 * `remove-cassette`, `clear` (bill devices), `coin 2`, `jam`, `clear` (coin changer), `tap EUR 1250 2`, `deny`,
 * `remove` (card reader).
 */
import { toHex } from '../../core/bytes.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import { decodeBillState, decodeCardState, decodeCoinState } from '../states.js';
import type { CcnetSimulator } from './base.js';
import { BillSimulator } from './bill.js';
import { CardReaderSimulator } from './card.js';
import { CoinSimulator } from './coin.js';

export const CCNET_SCRIPT_HELP = `commands (one per line):
  bill devices: bill TYPE | coupon NUMBER | jam | remove-cassette | clear
  coin changer: coin TYPE | jam | clear
  card reader:  tap CURRENCY BALANCE [DECIMALS] | deny | remove
  any device:   state (what the next POLL answers, power, commands seen) | help (this text)`;

/** A short human summary of a simulator: address, power, the state the next POLL shows, commands seen. */
export function describeSimulator(sim: CcnetSimulator): string {
  const bytes = (sim as CcnetSimulator & { stateBytes?: Uint8Array }).stateBytes ?? new Uint8Array();
  let state: string;
  try {
    state =
      sim instanceof CoinSimulator
        ? decodeCoinState(bytes).name
        : sim instanceof CardReaderSimulator
          ? decodeCardState(bytes).name
          : decodeBillState(bytes).name;
  } catch {
    state = toHex(bytes);
  }
  const seen = [...sim.executed].map(([name, count]) => `${name} ${String(count)}`).join(', ');
  return `address ${String(sim.address)}; ${sim.powered === false ? 'power off' : 'powered'}; state ${state}; commands [${seen}]`;
}

/** Applies one stdin script line to a simulator; returns a message. */
export function scriptSimulator(sim: CcnetSimulator, text: string): string {
  const [verb, ...rest] = text.trim().split(/\s+/);
  if (verb === 'help') return CCNET_SCRIPT_HELP;
  if (verb === 'state') return describeSimulator(sim);
  const n = (i: number): number => {
    const v = Number(rest[i]);
    if (!Number.isInteger(v)) throw new KioskbusError(ErrorCode.InvalidArgument, `"${verb ?? ''}" needs a number`);
    return v;
  };
  if (sim instanceof BillSimulator) {
    switch (verb) {
      case 'bill':
        return sim.insertBill(n(0)) ? `bill type ${n(0)} inserted` : 'not accepting bills now';
      case 'coupon':
        return sim.insertCoupon(rest[0] ?? '000000') ? 'coupon inserted' : 'not accepting now';
      case 'jam':
        sim.setFault('VALIDATOR_JAMMED');
        return 'jammed';
      case 'remove-cassette':
        sim.removeDropCassette();
        return 'drop cassette removed';
      case 'clear':
        sim.clearFault();
        return 'cleared';
      default:
        break;
    }
  } else if (sim instanceof CoinSimulator) {
    if (verb === 'coin') return sim.insertCoin(n(0)) ? `coin type ${n(0)} inserted` : 'not accepting coins now';
    if (verb === 'jam') {
      sim.setFault('COIN_JAM');
      return 'jammed';
    }
    if (verb === 'clear') {
      sim.clearFault();
      return 'cleared';
    }
  } else if (sim instanceof CardReaderSimulator) {
    if (verb === 'tap') {
      const currency = rest[0] ?? 'EUR';
      sim.tapCard({ storedValue: true, wallets: [{ currency, balance: n(1), decimals: Number(rest[2] ?? 2) }] });
      return `card with ${rest[1] ?? ''} (${currency}) tapped`;
    }
    if (verb === 'deny') {
      sim.denyNext = true;
      return 'next vend will be denied';
    }
    if (verb === 'remove') {
      sim.removeCard();
      return 'card removed';
    }
  }
  return `unknown script command "${text.trim()}" (try "help")`;
}
