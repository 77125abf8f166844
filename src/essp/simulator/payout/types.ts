/**
 * Options and shared shapes of the simulated payout devices (SMART Payout, SMART Hopper, NV11, NV4000, SMART
 * System). Money is integer minor units with an ISO 4217 code, everywhere.
 */
import type { RouteName } from '../../commands.js';

/** Durations of the payout mechanics, in ms on the simulator clock. */
export interface PayoutTiming {
  /** One note/coin from the store to the bezel/exit (payout). */
  itemMs: number;
  /** One note/coin from the store to the cashbox (float, empty, smart empty, stack note). */
  cashboxMs: number;
  /**
   * A note held in the bezel is taken by the customer after this time; `undefined` = only when the script calls
   * `takeNote()` (the payout waits meanwhile, reporting NOTE_HELD_IN_BEZEL).
   */
  takeNoteMs: number | undefined;
  /** JAM_RECOVERY lasts this long after `clearJam()`. */
  jamRecoveryMs: number;
  /** SMART System: PAY_IN_ACTIVE lasts this long per coin fed. */
  feedMs: number;
}

/** Per-denomination starting state. */
export interface InitialLevel {
  /** Minor units. */
  value: number;
  /** ISO 4217 (default: the device's currency). */
  currency?: string;
  /** Items in the payout store (NV11: pushed in this order, last = first out). */
  count: number;
  /** NV4000: which recycler (1..4) holds them (default: the denomination's route, else recycler 1). */
  recycler?: number;
}

export interface PayoutSimOptions {
  /** Starting store levels (default: empty store). They are the `initial` of the money accounting. */
  levels?: readonly InitialLevel[];
  /** Starting routes by value (default per device: see the profile). */
  routes?: readonly { value: number; currency?: string; route: RouteName }[];
  timing?: Partial<PayoutTiming>;
  /** Items the store holds (SMART Payout 80, NV11 30, NV4000 100 per recycler, SMART Hopper 1000). */
  capacity?: number;
}

/** One denomination's money in a device. */
export interface DenominationBalance {
  value: number;
  currency: string;
  /** In the payout store (all recyclers). */
  stored: number;
  /** In the cashbox (since the simulator started). */
  cashbox: number;
}

/**
 * The money in a simulated payout device, per currency, in minor units. Conservation:
 * `initial + paidIn === stored + cashbox + paidOut + inTransit` at every moment (`balanced`).
 */
export interface CurrencyAccount {
  currency: string;
  /** Value of the starting levels. */
  initial: number;
  /** Notes/coins taken in (landed in the store or the cashbox, or on their way there). */
  paidIn: number;
  /** Value in the payout store. */
  stored: number;
  /** Value in the cashbox (everything that went there since the start). */
  cashbox: number;
  /** Value given to the customer (taken from the bezel / dropped out of the coin exit). */
  paidOut: number;
  /** Value between places: a note moving inside the payout or held in the bezel. */
  inTransit: number;
}

export interface PayoutAccounting {
  currencies: CurrencyAccount[];
  denominations: DenominationBalance[];
  /** Every currency satisfies the conservation equation. */
  balanced: boolean;
}
