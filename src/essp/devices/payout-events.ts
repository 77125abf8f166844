/**
 * The payout events of a poll reply, mapped to the facade's events: values with the amount asked for (when this host
 * started the operation), and status events the device repeats on every poll (DISPENSING, FLOATING,
 * NOTE_HELD_IN_BEZEL, JAMMED, ...) emitted only when they begin or their value changes.
 */
import type { SspEvent, SspValue } from '../events.js';
import type { PayoutEvents, PayoutProgress } from './payout-types.js';
import { eventKey } from './shared.js';

const STATUS_EVENTS = new Set([
  'DISPENSING',
  'FLOATING',
  'SMART_EMPTYING',
  'EMPTYING',
  'NOTE_HELD_IN_BEZEL',
  'JAMMED',
  'JAM_RECOVERY',
  'DEVICE_FULL',
  'PAY_IN_ACTIVE',
]);

/** Status events of the previous poll reply: a status that repeats unchanged is not emitted again. */
export class RepeatedStatus {
  private last = new Map<string, string>();
  private seen = new Map<string, string>();

  /** Forget the previous reply (a new start-up). */
  reset(): void {
    this.last = new Map();
    this.seen = new Map();
  }

  /** True when `event` is a status event the previous reply carried with the same values. */
  repeats(event: SspEvent): boolean {
    if (!STATUS_EVENTS.has(event.name)) return false;
    const k = eventKey(event);
    this.seen.set(event.name, k);
    return this.last.get(event.name) === k;
  }

  /** The reply is done: its status events are the ones to compare the next reply with. */
  endReply(): void {
    this.last = this.seen;
    this.seen = new Map();
  }
}

/** Emits one facade event. */
export type PayoutEmit = <K extends keyof PayoutEvents>(name: K, ...args: PayoutEvents[K]) => void;

/** What the mapping needs of the facade. */
export interface PayoutEventContext {
  /** The progress of `values`, with the amount asked for when the running operation is of `kind`. */
  progress(values: SspValue[], kind?: 'payout' | 'float'): PayoutProgress;
  /** The kind of the operation this host started and that has not ended yet. */
  runningKind: 'payout' | 'float' | undefined;
  /** The running operation ended (DISPENSED, HALTED, FLOATED, TIME_OUT, INCOMPLETE_PAYOUT, INCOMPLETE_FLOAT). */
  end(): void;
}

/** Emits the facade event of one poll event (and ends the running operation where the event does). */
export function emitPayoutEvent(event: SspEvent, emit: PayoutEmit, at: PayoutEventContext): void {
  switch (event.name) {
    case 'DISPENSING':
      emit('dispensing', at.progress(event.values, 'payout'));
      return;
    case 'DISPENSED':
      emit('dispensed', at.progress(event.values, 'payout'));
      at.end();
      return;
    case 'HALTED':
      emit('halted', at.progress(event.values, 'payout'));
      at.end();
      return;
    case 'FLOATING':
      emit('floating', at.progress(event.values, 'float'));
      return;
    case 'FLOATED':
      emit('floated', at.progress(event.values, 'float'));
      at.end();
      return;
    case 'TIME_OUT':
      emit('timeout', at.progress(event.values, at.runningKind));
      at.end();
      return;
    case 'JAMMED':
      emit('payoutJammed', at.progress(event.values, at.runningKind));
      return;
    case 'JAM_RECOVERY':
      emit('jamRecovery');
      return;
    case 'INCOMPLETE_PAYOUT':
      at.end();
      emit('incompletePayout', event.items);
      return;
    case 'INCOMPLETE_FLOAT':
      at.end();
      emit('incompleteFloat', event.items);
      return;
    case 'CASHBOX_PAID':
      emit('cashboxPaid', event.values);
      return;
    case 'COIN_CREDIT':
      emit('coinCredit', event.value);
      return;
    case 'VALUE_ADDED':
      emit('valueAdded', event.values);
      return;
    case 'NOTE_STORED_IN_PAYOUT':
      emit('noteStored', event.values);
      return;
    case 'NOTE_TRANSFERED_TO_STACKER':
      emit('noteTransferredToStacker', event.value);
      return;
    case 'NOTE_HELD_IN_BEZEL':
      emit('noteHeldInBezel', event.value);
      return;
    case 'NOTE_DISPENSED_AT_POWER-UP':
      emit('noteAtPowerUp', { to: 'customer', value: event.value });
      return;
    case 'NOTE_PAID_INTO_STORE_AT_POWER-UP':
    case 'NOTE_PAID_INTO_STACKER_AT_POWER-UP': {
      const to = event.name === 'NOTE_PAID_INTO_STORE_AT_POWER-UP' ? 'store' : 'cashbox';
      // not a `credit`: the note may have passed CREDIT_NOTE before the power went (see NoteAtPowerUp)
      emit('noteAtPowerUp', { to, value: event.value });
      return;
    }
    case 'ERROR_DURING_PAYOUT':
      emit('errorDuringPayout', { values: event.values, error: event.error, reason: event.reason });
      return;
    case 'EMPTYING':
      emit('emptying');
      return;
    case 'EMPTIED':
      emit('emptied');
      return;
    case 'SMART_EMPTYING':
      emit('smartEmptying', at.progress(event.values));
      return;
    case 'SMART_EMPTIED':
      emit('smartEmptied', at.progress(event.values));
      return;
    case 'PAYOUT_OUT_OF_SERVICE':
      emit('payoutOutOfService');
      return;
    case 'DEVICE_FULL':
      emit('deviceFull');
      return;
    case 'PAY_IN_ACTIVE':
      emit('payInActive');
      return;
    case 'COIN_MECH_JAMMED':
      emit('coinMechJammed');
      return;
    case 'COIN_MECH_RETURN_PRESSED':
      emit('coinMechReturnPressed');
      return;
    case 'COIN_MECH_ERROR':
      emit('coinMechError', event.error);
      return;
    case 'ATTACHED_COIN_MECH_ENABLED':
      emit('coinMechEnabled');
      return;
    case 'ATTACHED_COIN_MECH_DISABLED':
      emit('coinMechDisabled');
      return;
    default:
      return;
  }
}
