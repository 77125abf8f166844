/**
 * The shapes of the eSSP payout facades (events, outcomes, options); see payout-common.ts for the facades.
 */
import type { KioskbusError } from '../../core/errors.js';
import type { RouteName } from '../commands.js';
import type { SspIncompleteItem, SspValue } from '../events.js';
import type { PayoutUncertainty } from './payout-doubt.js';
import type { SspValidatorEvents } from './validator.js';

/** Value moved so far / in total, with the amount asked for when this host started the operation. */
export interface PayoutProgress {
  /** The value in the operation's currency (the first value of the list). */
  value: number;
  currency: string;
  /** Every value the device reported (one per currency of the dataset at v>=6). */
  values: SspValue[];
  /** The amount asked for, when this host started the operation (payout/float). */
  requested?: number;
}

/** How a payout ended (see `payoutOutcome`). */
export interface PayoutOutcome {
  status: 'dispensed' | 'halted' | 'timeout' | 'incomplete';
  paid: number;
  /** The amount asked for (known when this host started the payout, or from INCOMPLETE_PAYOUT). */
  requested?: number;
  currency: string;
}

/** ERROR_DURING_PAYOUT: what was paid when the error happened, and why. */
export interface PayoutErrorInfo {
  values: SspValue[];
  error: number;
  reason: string;
}

/**
 * Notes handled at power-up (NOTE_DISPENSED/PAID_INTO_STORE/PAID_INTO_STACKER_AT_POWER-UP). Never credited by the
 * runtime: GA138 types these events "status", not "pay-in", and a note that had already passed CREDIT_NOTE (the point
 * of no return) before the power went may be reported again here, so crediting it could count it twice. The
 * application decides, from its own record of the last `credit` of this device (see docs/essp-payout.md).
 */
export interface NoteAtPowerUp {
  to: 'customer' | 'store' | 'cashbox';
  value: SspValue;
}

export interface PayoutEvents {
  /** A payout is running: value paid so far (emitted when it changes). */
  dispensing: [progress: PayoutProgress];
  /** The payout is complete. */
  dispensed: [result: PayoutProgress];
  /** HALT_PAYOUT stopped the payout: value paid. */
  halted: [result: PayoutProgress];
  /** A float is running: value moved to the cashbox so far. */
  floating: [progress: PayoutProgress];
  /** The float is complete: value moved to the cashbox. */
  floated: [result: PayoutProgress];
  /** The device could not finish the payout/float: value paid until then. */
  timeout: [result: PayoutProgress];
  /** The payout mechanism is jammed: value paid until then. */
  payoutJammed: [progress: PayoutProgress];
  /** The device recovers from a payout jam. */
  jamRecovery: [];
  /** Power failed during a payout: at the next start, what was paid of what was asked. */
  incompletePayout: [items: SspIncompleteItem[]];
  /** Power failed during a float: what was moved of what was to move. */
  incompleteFloat: [items: SspIncompleteItem[]];
  /** Coins were paid into the cashbox (SMART Hopper / System). */
  cashboxPaid: [values: SspValue[]];
  /** A coin was accepted by the attached coin mechanism: credit it (reported once). */
  coinCredit: [coin: SspValue];
  /** SMART System: value added by the coin feeder (information; credits come with `coinCredit`). */
  valueAdded: [values: SspValue[]];
  /** A note went into the payout store (NV11 at v>=6 with report-by-value: its value). */
  noteStored: [values: SspValue[] | undefined];
  /** A note moved from the payout store to the cashbox. */
  noteTransferredToStacker: [note: SspValue];
  /** A paid note waits in the bezel for the customer (v>=8; emitted once per note). */
  noteHeldInBezel: [note: SspValue];
  /** A note at power-up went to the customer, the store or the cashbox. Not a `credit`: it may have been credited
   * before the power went (the application decides, see `NoteAtPowerUp`). */
  noteAtPowerUp: [note: NoteAtPowerUp];
  errorDuringPayout: [info: PayoutErrorInfo];
  emptying: [];
  emptied: [];
  smartEmptying: [progress: PayoutProgress];
  smartEmptied: [result: PayoutProgress];
  payoutOutOfService: [];
  /** The payout store is full (notes go to the cashbox). */
  deviceFull: [];
  /** SMART System: coins are being paid in. */
  payInActive: [];
  coinMechJammed: [];
  coinMechReturnPressed: [];
  /** ccTalk error code of the attached coin mechanism (needs the coin mech option). */
  coinMechError: [code: number];
  coinMechEnabled: [];
  coinMechDisabled: [];
  /**
   * A money-moving command whose outcome the wire could not tell (no reply after every retransmission, port lost):
   * what the host found out once it reached the device again. The call itself rejected with UNCERTAIN.
   */
  uncertain: [info: PayoutUncertainty];
}

/** Every event a payout facade emits: the runtime's, the validator's (note devices) and the payout ones. */
export interface PayoutDeviceEvents extends SspValidatorEvents, PayoutEvents {}

/** The answer to a test payout/float: could the device do it now? */
export type PayoutCheck =
  | { ok: true }
  | { ok: false; reason: 'not-enough-value' | 'cannot-pay-exact' | 'busy' | 'disabled'; error: KioskbusError };

export interface PayoutRouteSetting {
  /** Minor units. */
  value: number;
  currency?: string;
  route: RouteName;
}

export interface PayoutCommonOptions {
  /** Routes to set at every start-up (SET_DENOMINATION_ROUTE). */
  routes?: readonly PayoutRouteSetting[];
}

/** A denomination quantity; the currency defaults to the device's. */
export interface DenominationInput {
  count: number;
  value: number;
  currency?: string;
}
