/**
 * Note recyclers on a validator: SMART Payout (NV200 + payout module), NV4000 (four recyclers and a cassette) and
 * NV11 (a last-in-first-out note float). They take accepted notes from the validator's note path: a note routed to
 * the payout lands in the store (NOTE_STORED_IN_PAYOUT instead of NOTE_STACKED), any other in the cashbox.
 *
 * A power cut while a note is being stacked (not yet credited) finishes it at power-up with
 * NOTE_PAID_INTO_STORE_AT_POWER-UP / NOTE_PAID_INTO_STACKER_AT_POWER-UP (protocol >= 8 before the cut; below, the
 * validator's NOTE_CLEARED_TO_CASHBOX): the host credits these (docs/essp-payout.md).
 */
import type { SspEvent } from '../../events.js';
import { PAYOUT_ERROR_BYTES, ROUTE_CODES } from '../../commands.js';
import { PASS, type Handlers, type PowerUpOptions, type SimCore } from '../behaviour.js';
import { cannotProcess } from '../replies.js';
import type { NoteValidator } from '../validator.js';
import {
  DEFAULT_PAYOUT_TIMING,
  PayoutEngine,
  tableEvent,
  type Denomination,
  type EngineConfig,
  type Item,
} from './engine.js';
import type { PayoutSimOptions } from './types.js';

export interface NoteRecyclerConfig {
  name: string;
  containers: number;
  capacity: number;
  lifo: boolean;
  routes: readonly number[];
  /** Denominations (values) routed to the payout when nobody set a route. */
  payoutByDefault: (value: number) => boolean;
  subDeviceSerials: Readonly<Record<number, number>>;
}

export class NoteRecycler extends PayoutEngine {
  readonly name: string;

  constructor(
    core: SimCore,
    protected readonly validator: NoteValidator,
    options: PayoutSimOptions,
    recycler: NoteRecyclerConfig,
  ) {
    const config: EngineConfig = {
      kind: 'notes',
      containers: recycler.containers,
      capacity: options.capacity ?? recycler.capacity,
      lifo: recycler.lifo,
      routes: recycler.routes,
      defaultRoute: (d) => (recycler.payoutByDefault(d.value) ? ROUTE_CODES.payout : ROUTE_CODES.cashbox),
      timing: { ...DEFAULT_PAYOUT_TIMING, ...options.timing },
      subDeviceSerials: recycler.subDeviceSerials,
      needsPayoutEnable: true,
    };
    const denominations: Denomination[] = core.profile.channels.map((c) => ({ ...c }));
    super(core, config, denominations, options);
    this.name = recycler.name;
    validator.storeNote = (channel) => this.noteArrived(channel);
    validator.onCashbox = (channel) => {
      const d = this.byChannel(channel);
      if (d) this.landInCashbox(d);
    };
  }

  protected byChannel(channel: number): Denomination | undefined {
    return this.denominations.find((d) => d.channel === channel);
  }

  /** An accepted note reaches the end of the note path: into the store when routed there and possible. */
  private noteArrived(channel: number): boolean {
    const d = this.byChannel(channel);
    if (!d) return false;
    const container = this.destinationOf(d);
    if (container === undefined) return false;
    this.landInStore(d, container);
    this.push(this.storedEvent?.(d) ?? tableEvent({ name: 'NOTE_STORED_IN_PAYOUT' }));
    return true;
  }

  protected storedEvent?(d: Denomination): SspEvent;

  override busy(): boolean {
    return super.busy() || this.validator.state.note !== undefined;
  }

  protected override cashboxArrived(item: Item): void {
    const cashbox = this.validator.state.cashbox;
    cashbox.notes += 1;
    cashbox.byChannel[item.channel] = (cashbox.byChannel[item.channel] ?? 0) + 1;
  }

  override powerUp(options: PowerUpOptions = {}): void {
    const note = this.validator.state.note;
    if (options.noteInside === undefined && note && (note.credited || note.phase === 'stacking')) {
      const d = this.byChannel(note.channel);
      if (d && (note.credited || this.protocolSeen >= 8)) {
        // the note finishes its way at power-up; the validator must not handle it again
        this.validator.state.note = undefined;
        const container = this.destinationOf(d);
        if (container !== undefined) this.landInStore(d, container);
        else {
          this.landInCashbox(d);
          this.cashboxArrived({ value: d.value, currency: d.currency, channel: d.channel });
          this.validator.state.counters.stacked += 1;
        }
        if (!note.credited) {
          const name =
            container !== undefined ? 'NOTE_PAID_INTO_STORE_AT_POWER-UP' : 'NOTE_PAID_INTO_STACKER_AT_POWER-UP';
          this.push(this.valueEvent(name, d));
        }
      }
    }
    super.powerUp();
  }

  override handlers(): Handlers {
    return {
      ...super.handlers(),
      GET_COUNTERS: () => {
        const v = this.validator.state.counters;
        return {
          counters: [v.stacked, this.counters.stored, this.counters.dispensed, this.counters.transferred, v.rejected],
        };
      },
      RESET_COUNTERS: () => {
        this.counters.stored = 0;
        this.counters.dispensed = 0;
        this.counters.transferred = 0;
        return PASS; // the validator resets its own counters and answers
      },
    };
  }
}

/** NV11: the note float keeps its notes last in, first out; PAYOUT_NOTE / STACK_NOTE move the last one. */
export class Nv11Float extends NoteRecycler {
  reportBy: 'value' | 'channel' = 'value';

  protected override storedEvent(d: Denomination): SspEvent {
    const event = tableEvent({ name: 'NOTE_STORED_IN_PAYOUT', values: [{ value: d.value, currency: d.currency }] });
    if (this.core.protocolVersion >= 6 && this.reportBy === 'value') {
      return this.encodedWith(event, { ...this.ctx(), valueReporting: 'value' });
    }
    return tableEvent({ name: 'NOTE_STORED_IN_PAYOUT' });
  }

  protected override holdsInBezel(): boolean {
    return !this.payoutOptions.bit1; // NO_HOLD_NOTE_ON_PAYOUT
  }

  protected override noteDispensedAtPowerUp(item: Item): void {
    if (this.protocolSeen >= 6) this.push(this.valueEvent('NOTE_DISPENSED_AT_POWER-UP', item));
  }

  /** The notes in the float, first stored first (the last one leaves first). */
  notes(): Item[] {
    return (this.containers[0] ?? []).map((i) => ({ ...i }));
  }

  override handlers(): Handlers {
    return {
      ...super.handlers(),
      GET_NOTE_POSITIONS: () => {
        const notes = this.containers[0] ?? [];
        return this.reportBy === 'value'
          ? { count: notes.length, values: notes.map((n) => n.value) }
          : { count: notes.length, channels: notes.map((n) => n.channel) };
      },
      SET_VALUE_REPORTING_TYPE: (a) => {
        if (this.busy()) cannotProcess(PAYOUT_ERROR_BYTES.busy);
        this.reportBy = a.reportBy;
      },
      PAYOUT_NOTE: () => {
        this.moveTopNote('out');
      },
      STACK_NOTE: () => {
        this.moveTopNote('cashbox');
      },
      // not on an NV11 (research §2 #4): the profile does not list them anyway
      PAYOUT_AMOUNT: () => PASS,
      PAYOUT_BY_DENOMINATION: () => PASS,
      FLOAT_AMOUNT: () => PASS,
      FLOAT_BY_DENOMINATION: () => PASS,
    };
  }

  /** PAYOUT_NOTE / STACK_NOTE: the last note stored leaves (F5 2 when the float is empty). */
  private moveTopNote(to: 'out' | 'cashbox'): void {
    this.checkCanStart();
    const notes = this.containers[0] ?? [];
    const top = notes[notes.length - 1];
    if (!top) cannotProcess(2, 'note float empty');
    this.start(to === 'out' ? 'payoutNote' : 'stackNote', top.currency, top.value, [{ item: top, container: 0, to }]);
  }

  protected override refusal(): number | undefined {
    if (!this.core.enabled || !this.payoutEnabled || this.outOfService) return PAYOUT_ERROR_BYTES.disabled;
    if (this.busy()) return PAYOUT_ERROR_BYTES.busy;
    return undefined;
  }
}
