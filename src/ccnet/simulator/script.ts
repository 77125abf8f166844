/**
 * Script lines for the CCNET simulators (the CLI reads them from stdin): `bill 3`, `coupon 12345678`, `jam`,
 * `remove-cassette`, `clear` (bill devices), `coin 2`, `jam`, `clear` (coin changer), `tap EUR 1250 2`, `deny`,
 * `remove` (card reader).
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { CcnetSimulator } from './base.js';
import { BillSimulator } from './bill.js';
import { CardReaderSimulator } from './card.js';
import { CoinSimulator } from './coin.js';

export const CCNET_SCRIPT_HELP = `bill devices: bill TYPE | coupon NUMBER | jam | remove-cassette | clear
coin changer: coin TYPE | jam | clear
card reader:  tap CURRENCY BALANCE [DECIMALS] | deny | remove`;

/** Applies one stdin script line to a simulator; returns a message. */
export function scriptSimulator(sim: CcnetSimulator, text: string): string {
  const [verb, ...rest] = text.trim().split(/\s+/);
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
  return `unknown script command "${text.trim()}"`;
}
