/**
 * The money side of a simulated payout device (SMART Payout, NV4000, NV11, SMART Hopper, SMART System): the payout
 * store (one or more containers of notes/coins), routes, the cashbox tally, and the operations that move money over
 * time (payout, float, empty, smart empty, NV11 payout/stack note) with their events.
 *
 * Every move keeps the books: `initial + paidIn === stored + cashbox + paidOut + inTransit` (see `accounting()`).
 * An operation moves one item at a time on the simulator clock; a note paid out waits in the bezel until the customer
 * takes it; HALT_PAYOUT stops after the item in motion; a jam stops it until `clearJam()` (JAM_RECOVERY, then it goes
 * on); a power cycle mid-operation puts the item in motion back (or, from the bezel, out) and reports
 * INCOMPLETE_PAYOUT / INCOMPLETE_FLOAT with the exact values at the next start.
 *
 * Subclasses decide what goes in (notes from the validator, coins from the coin mech) and add their commands.
 */
import { ErrorCode, KioskbusError } from '../../../core/errors.js';
import { COMMANDS, type DenominationItem, type SspContext } from '../../commands.js';
import { encodeEvent, makeEvent, type SspEvent, type SspValue } from '../../events.js';
import { genericReplyForError } from '../../generic.js';
import { ByteWriter } from '../../tables/codec.js';
import { Generic, okReply, type SimBehaviour, type SimCommand, type SimCore, type SimReply } from '../behaviour.js';
import type { SimEvent, SimEventName } from '../event-queue.js';
import { planChange, type Stock } from './change.js';
import type {
  CurrencyAccount,
  DenominationBalance,
  PayoutAccounting,
  PayoutRoute,
  PayoutSimOptions,
  PayoutTiming,
} from './types.js';

const OK = Generic.Ok;
const CANNOT_PROCESS = Generic.CannotProcess;
const PARAMETER_OUT_OF_RANGE = Generic.ParameterOutOfRange;

/** F5 error bytes of the payout family (research §3.6). */
export const PayoutError = { NotEnoughValue: 1, CannotPayExact: 2, Busy: 3, Disabled: 4 } as const;

/** Route bytes (research §3.4, §3.10). */
export const ROUTE_BYTES: Readonly<Record<PayoutRoute, number>> = {
  payout: 0x00,
  cashbox: 0x01,
  recycler1: 0x11,
  recycler2: 0x12,
  recycler3: 0x13,
  recycler4: 0x14,
  cassette: 0x15,
};

/** One note or coin. `channel` is the validator channel of a note (0 for coins). */
export interface Item {
  value: number;
  currency: string;
  channel: number;
}

export interface Denomination {
  value: number;
  currency: string;
  /** Validator channel (notes) or position in the coin list (coins), 1-based. */
  channel: number;
}

export type OperationKind = 'payout' | 'float' | 'empty' | 'smartEmpty' | 'payoutNote' | 'stackNote';

interface Step {
  item: Item;
  container: number;
  to: 'out' | 'cashbox';
}

export interface Operation {
  kind: OperationKind;
  currency: string;
  /** Payout: the amount asked for; float: the value to move to the cashbox; empty: the stored value. */
  requested: number;
  /** Value moved so far (paid out, or moved to the cashbox). */
  done: number;
  steps: Step[];
  current: Step | undefined;
  phase: 'moving' | 'bezel' | 'jammed' | 'recovering';
  halting: boolean;
}

export interface PayoutCounters {
  stored: number;
  dispensed: number;
  transferred: number;
}

export interface EngineConfig {
  /** 'notes' hold paid-out notes in the bezel; 'coins' drop them out at once. */
  kind: 'notes' | 'coins';
  /** Number of containers (NV4000: 4 recyclers; others 1). */
  containers: number;
  /** Items per container. */
  capacity: number;
  /** LIFO: only the last stored item can leave (NV11). */
  lifo: boolean;
  /** Route bytes SET_DENOMINATION_ROUTE accepts. */
  routes: readonly number[];
  /** Route of a denomination nobody set. */
  defaultRoute: (d: Denomination) => number;
  timing: PayoutTiming;
  /** Serial numbers of sub-devices (GET_SERIAL_NUMBER with a device byte). */
  subDeviceSerials: Readonly<Record<number, number>>;
  /** ENABLE_PAYOUT_DEVICE is needed before paying (note payouts); coin devices are always enabled. */
  needsPayoutEnable: boolean;
}

export const DEFAULT_PAYOUT_TIMING: PayoutTiming = {
  itemMs: 1000,
  cashboxMs: 600,
  takeNoteMs: 1500,
  jamRecoveryMs: 2000,
  feedMs: 300,
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as written by the simulator: everything but the code, which the tables fill in. */
export type EventInput = DistributiveOmit<SspEvent, 'code'>;

/** Builds a table event (the code filled in from the tables). */
export function tableEvent(event: EventInput): SspEvent {
  return makeEvent(event as Omit<SspEvent, 'code'> & { name: SspEvent['name'] });
}

function key(value: number, currency: string): string {
  return `${currency}:${String(value)}`;
}

function cannot(code: number): SimReply {
  return Uint8Array.of(CANNOT_PROCESS, code);
}

/** A decode/validation failure as the generic reply the tables define (F3 wrong parameters, F4 out of range). */
function argReply(error: unknown): SimReply {
  return genericReplyForError(error);
}

export abstract class PayoutEngine implements SimBehaviour {
  abstract readonly name: string;

  readonly denominations: Denomination[];
  readonly containers: Item[][];
  readonly counters: PayoutCounters = { stored: 0, dispensed: 0, transferred: 0 };
  /** Route byte by denomination key. */
  readonly routes = new Map<string, number>();
  /** Levels above which incoming items go to the cashbox (SET_CASHBOX_PAYOUT_LIMIT). */
  readonly cashboxLimits = new Map<string, number>();
  /** Items in the cashbox by denomination key (pay-ins and moves since the start). */
  readonly cashbox = new Map<string, number>();
  /** What the last float/empty/payout moved to the cashbox (CASHBOX_PAYOUT_OPERATION_DATA). */
  lastCashboxOperation = new Map<string, number>();
  op: Operation | undefined;
  payoutEnabled: boolean;
  payoutOptions = { bit0: false, bit1: false };
  outOfService = false;
  refillMode = false;
  /** The protocol version in use before the last power loss (power-up events depend on it). */
  protected protocolSeen: number;

  private readonly accounts = new Map<string, CurrencyAccount>();
  private opToken = 0;

  constructor(
    protected readonly core: SimCore,
    protected readonly config: EngineConfig,
    denominations: readonly Denomination[],
    options: PayoutSimOptions,
  ) {
    this.denominations = denominations.map((d) => ({ ...d }));
    this.containers = Array.from({ length: config.containers }, () => []);
    this.payoutEnabled = !config.needsPayoutEnable;
    this.protocolSeen = core.protocolVersion;
    for (const d of this.denominations) this.account(d.currency);
    for (const r of options.routes ?? []) {
      const d = this.denomination(r.value, r.currency ?? this.currency);
      if (!d) throw new KioskbusError(ErrorCode.InvalidArgument, `route for unknown denomination ${r.value}`);
      const byte = ROUTE_BYTES[r.route];
      if (!config.routes.includes(byte)) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `${core.profile.model} has no route "${r.route}"`);
      }
      this.routes.set(key(d.value, d.currency), byte);
    }
    for (const level of options.levels ?? []) {
      const d = this.denomination(level.value, level.currency ?? this.currency);
      if (!d) throw new KioskbusError(ErrorCode.InvalidArgument, `level for unknown denomination ${level.value}`);
      if (!Number.isInteger(level.count) || level.count < 0) {
        throw new KioskbusError(ErrorCode.InvalidArgument, `level count must be >= 0, got ${String(level.count)}`);
      }
      for (let i = 0; i < level.count; i++) {
        const container = level.recycler !== undefined ? level.recycler - 1 : this.containerFor(d);
        const target = this.containers[container];
        if (!target || target.length >= this.config.capacity) {
          throw new KioskbusError(ErrorCode.InvalidArgument, `levels exceed the capacity of ${core.profile.model}`);
        }
        target.push({ value: d.value, currency: d.currency, channel: d.channel });
        const a = this.account(d.currency);
        a.initial += d.value;
        a.stored += d.value;
      }
    }
  }

  /** The device's own currency (SETUP_REQUEST country). */
  get currency(): string {
    return this.core.profile.country;
  }

  // ---- accounting ------------------------------------------------------------------------------------------------

  protected account(currency: string): CurrencyAccount {
    let a = this.accounts.get(currency);
    if (!a) {
      a = { currency, initial: 0, paidIn: 0, stored: 0, cashbox: 0, paidOut: 0, inTransit: 0 };
      this.accounts.set(currency, a);
    }
    return a;
  }

  /** The money snapshot: per currency and per denomination; `balanced` checks conservation. */
  accounting(): PayoutAccounting {
    const currencies = [...this.accounts.values()].map((a) => ({ ...a }));
    const denominations: DenominationBalance[] = this.denominations.map((d) => ({
      value: d.value,
      currency: d.currency,
      stored: this.level(d.value, d.currency),
      cashbox: this.cashbox.get(key(d.value, d.currency)) ?? 0,
    }));
    const balanced = currencies.every((a) => a.initial + a.paidIn === a.stored + a.cashbox + a.paidOut + a.inTransit);
    return { currencies, denominations, balanced };
  }

  /** Items of a denomination in the store (all containers). */
  level(value: number, currency: string = this.currency): number {
    let n = 0;
    for (const c of this.containers) for (const i of c) if (i.value === value && i.currency === currency) n++;
    return n;
  }

  storedValue(currency: string = this.currency): number {
    let v = 0;
    for (const c of this.containers) for (const i of c) if (i.currency === currency) v += i.value;
    return v;
  }

  protected storedCount(): number {
    return this.containers.reduce((n, c) => n + c.length, 0);
  }

  // ---- denominations and routes -------------------------------------------------------------------------------------

  denomination(value: number, currency: string): Denomination | undefined {
    return this.denominations.find((d) => d.value === value && d.currency === currency);
  }

  routeOf(d: Denomination): number {
    return this.routes.get(key(d.value, d.currency)) ?? this.config.defaultRoute(d);
  }

  /** The container an incoming item of `d` goes to (NV4000: the routed recycler, else the first with room). */
  protected containerFor(d: Denomination): number {
    const route = this.routeOf(d);
    if (route >= 0x11 && route <= 0x14) return route - 0x11;
    const holding = this.containers.findIndex((c) => c.some((i) => i.value === d.value && i.currency === d.currency));
    if (holding >= 0 && (this.containers[holding]?.length ?? 0) < this.config.capacity) return holding;
    const free = this.containers.findIndex((c) => c.length < this.config.capacity);
    return free >= 0 ? free : 0;
  }

  /**
   * Where an incoming item goes: the store (routed to the payout, payout usable, room, under the cashbox limit)
   * or the cashbox. Returns the container index, or undefined for the cashbox.
   */
  protected destinationOf(d: Denomination): number | undefined {
    const route = this.routeOf(d);
    if (route === ROUTE_BYTES.cashbox || route === ROUTE_BYTES.cassette) return undefined;
    if (!this.payoutEnabled || this.outOfService) return undefined;
    const limit = this.cashboxLimits.get(key(d.value, d.currency));
    if (limit !== undefined && this.level(d.value, d.currency) >= limit) return undefined;
    const container = this.containerFor(d);
    if ((this.containers[container]?.length ?? Infinity) >= this.config.capacity) return undefined;
    return container;
  }

  /** An item paid in lands in the store. */
  protected landInStore(d: Denomination, container: number): void {
    this.containers[container]?.push({ value: d.value, currency: d.currency, channel: d.channel });
    const a = this.account(d.currency);
    a.paidIn += d.value;
    a.stored += d.value;
    this.counters.stored += 1;
  }

  /** An item paid in lands in the cashbox directly. */
  protected landInCashbox(d: Denomination): void {
    const k = key(d.value, d.currency);
    this.cashbox.set(k, (this.cashbox.get(k) ?? 0) + 1);
    const a = this.account(d.currency);
    a.paidIn += d.value;
    a.cashbox += d.value;
  }

  /** Subclasses: a stored item reached the cashbox (note devices also count it in the validator's cashbox). */
  protected cashboxArrived?(item: Item): void;

  // ---- events ----------------------------------------------------------------------------------------------------

  protected push(event: SspEvent): void {
    this.core.events.push(this.simEvent(event));
  }

  protected simEvent(event: SspEvent): SimEvent {
    return { name: event.name as SimEventName, event };
  }

  /** Events with a value list: one entry (the operation's currency) at v>=6, one plain value below. */
  protected values(value: number, currency: string): SspValue[] {
    return [{ value, currency }];
  }

  protected valuesEvent(name: string, value: number, currency: string): SspEvent {
    return tableEvent({ name, values: this.values(value, currency) } as EventInput);
  }

  protected valueEvent(name: string, item: { value: number; currency: string }): SspEvent {
    return tableEvent({ name, value: { value: item.value, currency: item.currency } } as EventInput);
  }

  protected simple(name: string): SspEvent {
    return tableEvent({ name } as EventInput);
  }

  /** An event pre-encoded with an extended context (NV11 value reporting), carried as raw bytes. */
  protected encodedWith(event: SspEvent, ctx: SspContext): SspEvent {
    return { name: 'UNKNOWN', code: event.code, raw: encodeEvent(event, ctx), reason: 'unknown-code' };
  }

  statusEvents(): SimEvent[] {
    const out: SspEvent[] = [];
    const op = this.op;
    const v = this.core.protocolVersion;
    if (op) {
      if (op.kind === 'payout' || op.kind === 'payoutNote')
        out.push(this.valuesEvent('DISPENSING', op.done, op.currency));
      else if (op.kind === 'float') out.push(this.valuesEvent('FLOATING', op.done, op.currency));
      else if (op.kind === 'empty') out.push(this.simple('EMPTYING'));
      else if (op.kind === 'smartEmpty') out.push(this.valuesEvent('SMART_EMPTYING', op.done, op.currency));
      if (op.phase === 'bezel' && op.current && v >= 8)
        out.push(this.valueEvent('NOTE_HELD_IN_BEZEL', op.current.item));
      if (op.phase === 'jammed') out.push(this.valuesEvent('JAMMED', op.done, op.currency));
      if (op.phase === 'recovering' && v >= 7) out.push(this.simple('JAM_RECOVERY'));
    }
    if (this.config.kind === 'notes' && this.storedCount() >= this.config.capacity * this.config.containers) {
      out.push(this.simple('DEVICE_FULL'));
    }
    return out.map((e) => this.simEvent(e));
  }

  // ---- operations ------------------------------------------------------------------------------------------------

  /** Why a new operation cannot start now (F5 error byte), or undefined. */
  protected refusal(): number | undefined {
    if (!this.core.enabled || !this.payoutEnabled || this.outOfService) return PayoutError.Disabled;
    if (this.busy()) return PayoutError.Busy;
    return undefined;
  }

  busy(): boolean {
    return this.op !== undefined;
  }

  /** Stock of a currency by denomination (only what may leave: the top item for LIFO stores). */
  protected stock(currency: string): { denominations: Denomination[]; stock: Stock[] } {
    const denominations = this.denominations.filter((d) => d.currency === currency);
    return {
      denominations,
      stock: denominations.map((d) => ({ value: d.value, count: this.level(d.value, currency) })),
    };
  }

  /** Steps that move `counts` (per denomination) out of the store, to `to`. */
  protected stepsFor(denominations: readonly Denomination[], counts: readonly number[], to: Step['to']): Step[] {
    const steps: Step[] = [];
    const taken = this.containers.map(() => new Set<number>());
    // pay the biggest first, as the devices do
    const order = denominations.map((d, i) => ({ d, n: counts[i] ?? 0 })).sort((a, b) => b.d.value - a.d.value);
    for (const { d, n } of order) {
      let left = n;
      for (let c = this.containers.length - 1; c >= 0 && left > 0; c--) {
        const container = this.containers[c] ?? [];
        for (let i = container.length - 1; i >= 0 && left > 0; i--) {
          const item = container[i];
          if (!item || taken[c]?.has(i) || item.value !== d.value || item.currency !== d.currency) continue;
          taken[c]?.add(i);
          steps.push({ item, container: c, to });
          left--;
        }
      }
    }
    return steps;
  }

  protected start(kind: OperationKind, currency: string, requested: number, steps: Step[]): void {
    this.op = { kind, currency, requested, done: 0, steps, current: undefined, phase: 'moving', halting: false };
    this.opToken++;
    this.lastCashboxOperation = new Map();
    this.core.note(`${kind} of ${String(requested)} ${currency} started (${String(steps.length)} item(s))`);
    this.next();
  }

  private next(): void {
    const op = this.op;
    if (!op) return;
    if (op.halting) {
      this.finish('HALTED');
      return;
    }
    const step = op.steps.shift();
    if (!step) {
      this.finish();
      return;
    }
    const container = this.containers[step.container] ?? [];
    const index = container.lastIndexOf(step.item);
    if (index < 0) {
      // the item left by another way (cannot happen while an operation runs); skip it
      this.next();
      return;
    }
    container.splice(index, 1);
    const a = this.account(step.item.currency);
    a.stored -= step.item.value;
    a.inTransit += step.item.value;
    op.current = step;
    op.phase = 'moving';
    this.scheduleArrival(op);
  }

  private scheduleArrival(op: Operation): void {
    const token = this.opToken;
    const ms = op.current?.to === 'cashbox' ? this.config.timing.cashboxMs : this.config.timing.itemMs;
    this.core.schedule(ms, () => {
      if (this.op === op && this.opToken === token && op.phase === 'moving') this.arrive(op);
    });
  }

  private arrive(op: Operation): void {
    const step = op.current;
    if (!step) return;
    const item = step.item;
    const a = this.account(item.currency);
    if (step.to === 'cashbox') {
      a.inTransit -= item.value;
      a.cashbox += item.value;
      const k = key(item.value, item.currency);
      this.cashbox.set(k, (this.cashbox.get(k) ?? 0) + 1);
      this.lastCashboxOperation.set(k, (this.lastCashboxOperation.get(k) ?? 0) + 1);
      this.counters.transferred += 1;
      this.cashboxArrived?.(item);
      op.done += item.value;
      op.current = undefined;
      if (op.kind === 'stackNote' && this.core.protocolVersion >= 6) {
        this.push(this.valueEvent('NOTE_TRANSFERED_TO_STACKER', item));
      }
      this.next();
      return;
    }
    op.done += item.value;
    this.counters.dispensed += 1;
    if (this.config.kind === 'notes' && this.holdsInBezel()) {
      op.phase = 'bezel';
      const takeMs = this.config.timing.takeNoteMs;
      const token = this.opToken;
      if (takeMs !== undefined) {
        this.core.schedule(takeMs, () => {
          if (this.op === op && this.opToken === token && op.phase === 'bezel') this.taken(op);
        });
      }
      return;
    }
    this.taken(op);
  }

  /** Note devices: whether a paid note waits in the bezel for the customer (NV11: not with NO_HOLD_NOTE_ON_PAYOUT). */
  protected holdsInBezel(): boolean {
    return true;
  }

  private taken(op: Operation): void {
    const step = op.current;
    if (!step) return;
    const a = this.account(step.item.currency);
    a.inTransit -= step.item.value;
    a.paidOut += step.item.value;
    op.current = undefined;
    this.next();
  }

  private finish(override?: 'HALTED' | 'TIME_OUT'): void {
    const op = this.op;
    if (!op) return;
    this.op = undefined;
    this.opToken++;
    const endName =
      override ??
      (op.kind === 'payout' || op.kind === 'payoutNote'
        ? 'DISPENSED'
        : op.kind === 'float'
          ? 'FLOATED'
          : op.kind === 'smartEmpty'
            ? 'SMART_EMPTIED'
            : op.kind === 'empty'
              ? 'EMPTIED'
              : undefined);
    if (endName === 'EMPTIED') this.push(this.simple('EMPTIED'));
    else if (endName !== undefined) this.push(this.valuesEvent(endName, op.done, op.currency));
    this.core.note(`${op.kind} finished${override ? ` (${override})` : ''}: ${String(op.done)} ${op.currency}`);
  }

  // ---- scripting: the mechanics ------------------------------------------------------------------------------------

  /** The customer takes the note held in the bezel. */
  takeNote(): boolean {
    const op = this.op;
    if (op?.phase !== 'bezel') return false;
    this.taken(op);
    return true;
  }

  /** The item in motion jams: the operation stops (JAMMED; ERROR_DURING_PAYOUT at v>=7) until `clearJam()`. */
  jam(): boolean {
    const op = this.op;
    if (op?.phase !== 'moving' || !op.current) return false;
    op.phase = 'jammed';
    if (this.config.kind === 'notes' && this.core.protocolVersion >= 7) this.errorDuringPayout(op, 0x01);
    this.core.note('payout jammed');
    return true;
  }

  /** Service clears the jam: JAM_RECOVERY, then the item goes on and the operation continues. */
  clearJam(): boolean {
    const op = this.op;
    if (op?.phase !== 'jammed') return false;
    op.phase = 'recovering';
    const token = this.opToken;
    this.core.schedule(this.config.timing.jamRecoveryMs, () => {
      if (this.op !== op || this.opToken !== token || op.phase !== 'recovering') return;
      op.phase = 'moving';
      this.scheduleArrival(op);
    });
    return true;
  }

  /**
   * The mechanism cannot find the next item (stall): the item in motion goes back into the store, the operation
   * ends with TIME_OUT (value paid so far; ERROR_DURING_PAYOUT "payout stalled" at v>=7 on note devices).
   */
  timeOut(): boolean {
    const op = this.op;
    if (!op) return false;
    this.putBack(op);
    if (this.config.kind === 'notes' && this.core.protocolVersion >= 7) this.errorDuringPayout(op, 0x03);
    this.finish('TIME_OUT');
    return true;
  }

  private errorDuringPayout(op: Operation, error: number): void {
    this.push(
      tableEvent({
        name: 'ERROR_DURING_PAYOUT',
        values: [{ value: op.done, currency: op.currency }],
        error,
        reason: '',
      }),
    );
  }

  /** The payout goes out of service (PAYOUT_OUT_OF_SERVICE at v>=6): payouts refused, notes to the cashbox. */
  setOutOfService(out: boolean): void {
    if (out && !this.outOfService && this.core.protocolVersion >= 6) this.push(this.simple('PAYOUT_OUT_OF_SERVICE'));
    this.outOfService = out;
  }

  /** The item in motion (not yet in the bezel) returns into its container. */
  private putBack(op: Operation): void {
    const step = op.current;
    if (!step || op.phase === 'bezel') return;
    const a = this.account(step.item.currency);
    a.inTransit -= step.item.value;
    a.stored += step.item.value;
    this.containers[step.container]?.push(step.item);
    op.current = undefined;
  }

  // ---- behaviour hooks -------------------------------------------------------------------------------------------

  beforePoll(): void {
    this.protocolSeen = this.core.protocolVersion;
  }

  powerUp(): void {
    const op = this.op;
    this.op = undefined;
    this.opToken++;
    this.payoutEnabled = !this.config.needsPayoutEnable;
    if (!op) return;
    const step = op.current;
    if (step && op.phase === 'bezel') {
      // the note had left: it is the customer's
      const a = this.account(step.item.currency);
      a.inTransit -= step.item.value;
      a.paidOut += step.item.value;
      this.noteDispensedAtPowerUp?.(step.item);
      op.current = undefined;
    } else {
      this.putBack(op);
    }
    const item = { paid: op.done, requested: op.requested, currency: op.currency };
    if (op.kind === 'payout' || op.kind === 'payoutNote') {
      this.push(tableEvent({ name: 'INCOMPLETE_PAYOUT', items: [item] }));
    } else if (op.kind === 'float') {
      this.push(tableEvent({ name: 'INCOMPLETE_FLOAT', items: [item] }));
    }
    this.core.note(`power lost during ${op.kind}: ${String(op.done)} of ${String(op.requested)} ${op.currency}`);
  }

  /** NV11: NOTE_DISPENSED_AT_POWER-UP for a note in the bezel at power loss. */
  protected noteDispensedAtPowerUp?(item: Item): void;

  snapshot(): Record<string, unknown> {
    return {
      containers: this.containers.map((c) => c.map((i) => ({ ...i }))),
      operation: this.op ? { ...this.op, steps: this.op.steps.length } : undefined,
      payoutEnabled: this.payoutEnabled,
      outOfService: this.outOfService,
      counters: { ...this.counters },
      accounting: this.accounting(),
    };
  }

  // ---- commands --------------------------------------------------------------------------------------------------

  handle(command: SimCommand): SimReply | undefined {
    this.protocolSeen = this.core.protocolVersion;
    try {
      return this.command(command);
    } catch (error) {
      return argReply(error);
    }
  }

  protected ctx(): SspContext {
    return { ...this.core.context(), currency: this.currency };
  }

  /** Subclasses extend this (call super for the shared commands). */
  protected command(command: SimCommand): SimReply | undefined {
    const { args } = command;
    const ctx = this.ctx();
    switch (command.name) {
      case 'GET_ALL_LEVELS':
        return okReply(
          COMMANDS.GET_ALL_LEVELS.encodeReply(
            {
              levels: this.denominations.map((d) => ({
                level: this.level(d.value, d.currency),
                value: d.value,
                currency: d.currency,
              })),
            },
            ctx,
          ),
        );
      case 'GET_DENOMINATION_LEVEL': {
        const a = COMMANDS.GET_DENOMINATION_LEVEL.decodeArgs(args, ctx);
        const d = this.denomination(a.value, a.currency ?? this.currency);
        // an unknown denomination simply has no items
        return okReply(
          COMMANDS.GET_DENOMINATION_LEVEL.encodeReply({ level: d ? this.level(d.value, d.currency) : 0 }, ctx),
        );
      }
      case 'SET_DENOMINATION_ROUTE': {
        const a = COMMANDS.SET_DENOMINATION_ROUTE.decodeArgs(args, ctx);
        const route = typeof a.route === 'number' ? a.route : ROUTE_BYTES[a.route];
        const currency = a.currency ?? this.currency;
        if (!this.denominations.some((d) => d.currency === currency)) return cannot(2);
        const d = this.denomination(a.value, currency);
        if (!d || !this.config.routes.includes(route)) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
        this.routes.set(key(d.value, d.currency), route);
        return Uint8Array.of(OK);
      }
      case 'GET_DENOMINATION_ROUTE': {
        const a = COMMANDS.GET_DENOMINATION_ROUTE.decodeArgs(args, ctx);
        const currency = a.currency ?? this.currency;
        if (!this.denominations.some((d) => d.currency === currency)) return cannot(2);
        const d = this.denomination(a.value, currency);
        if (!d) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
        const byte = this.routeOf(d);
        return Uint8Array.of(OK, byte);
      }
      case 'PAYOUT_AMOUNT':
        return this.payoutAmount(COMMANDS.PAYOUT_AMOUNT.decodeArgs(args, ctx));
      case 'FLOAT_AMOUNT':
        return this.floatAmount(COMMANDS.FLOAT_AMOUNT.decodeArgs(args, ctx));
      case 'PAYOUT_BY_DENOMINATION':
        if (this.core.protocolVersion < 6) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
        return this.payoutByDenomination(COMMANDS.PAYOUT_BY_DENOMINATION.decodeArgs(args, ctx));
      case 'FLOAT_BY_DENOMINATION':
        return this.floatByDenomination(COMMANDS.FLOAT_BY_DENOMINATION.decodeArgs(args, ctx));
      case 'HALT_PAYOUT':
        if (this.op && this.op.kind !== 'empty' && this.op.kind !== 'smartEmpty') this.op.halting = true;
        return Uint8Array.of(OK);
      case 'EMPTY_ALL':
      case 'SMART_EMPTY': {
        const refusal = this.refusalForEmpty();
        if (refusal !== undefined) return cannot(refusal);
        const steps: Step[] = [];
        this.containers.forEach((c, index) => {
          for (let i = c.length - 1; i >= 0; i--) {
            const item = c[i];
            if (item) steps.push({ item, container: index, to: 'cashbox' });
          }
        });
        this.start(command.name === 'EMPTY_ALL' ? 'empty' : 'smartEmpty', this.currency, this.storedValue(), steps);
        return Uint8Array.of(OK);
      }
      case 'CASHBOX_PAYOUT_OPERATION_DATA': {
        const items: DenominationItem[] = this.denominations.map((d) => ({
          count: this.lastCashboxOperation.get(key(d.value, d.currency)) ?? 0,
          value: d.value,
          currency: d.currency,
        }));
        return okReply(COMMANDS.CASHBOX_PAYOUT_OPERATION_DATA.encodeReply({ items, unknown: 0 }, ctx));
      }
      case 'GET_MINIMUM_PAYOUT': {
        const a = COMMANDS.GET_MINIMUM_PAYOUT.decodeArgs(args, ctx);
        const currency = a?.currency ?? this.currency;
        const stocked = this.denominations
          .filter((d) => d.currency === currency && this.level(d.value, currency) > 0)
          .map((d) => d.value);
        return okReply(
          COMMANDS.GET_MINIMUM_PAYOUT.encodeReply({ value: stocked.length > 0 ? Math.min(...stocked) : 0 }, ctx),
        );
      }
      case 'SET_CASHBOX_PAYOUT_LIMIT': {
        const a = COMMANDS.SET_CASHBOX_PAYOUT_LIMIT.decodeArgs(args, ctx);
        for (const l of a.limits) {
          if (!this.denomination(l.value, l.currency)) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
        }
        for (const l of a.limits) this.cashboxLimits.set(key(l.value, l.currency), l.level);
        return Uint8Array.of(OK);
      }
      case 'ENABLE_PAYOUT_DEVICE': {
        COMMANDS.ENABLE_PAYOUT_DEVICE.decodeArgs(args, ctx);
        if (this.busy()) return cannot(3);
        if (this.outOfService) return cannot(5);
        const b = args[0] ?? 0;
        this.payoutOptions = { bit0: (b & 1) !== 0, bit1: (b & 2) !== 0 };
        this.payoutEnabled = true;
        return Uint8Array.of(OK);
      }
      case 'DISABLE_PAYOUT_DEVICE':
        this.payoutEnabled = !this.config.needsPayoutEnable;
        return Uint8Array.of(OK);
      case 'SET_REFILL_MODE': {
        const a = COMMANDS.SET_REFILL_MODE.decodeArgs(args, ctx);
        if (a.mode === 'get') return Uint8Array.of(OK, this.refillMode ? 1 : 0);
        this.refillMode = a.mode === 'on';
        return Uint8Array.of(OK);
      }
      case 'GET_SERIAL_NUMBER': {
        const device = args[0];
        const serial = device === undefined ? undefined : this.config.subDeviceSerials[device];
        if (serial === undefined) return undefined;
        return okReply(new ByteWriter().u32be(serial).finish());
      }
      default:
        return undefined;
    }
  }

  protected refusalForEmpty(): number | undefined {
    if (this.busy()) return PayoutError.Busy;
    return undefined;
  }

  protected payoutAmount(a: { amount: number; currency?: string; test?: boolean }): SimReply {
    const currency = a.currency ?? this.currency;
    const refusal = this.refusal();
    if (refusal !== undefined) return cannot(refusal);
    if (a.amount === 0) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
    const { denominations, stock } = this.stock(currency);
    if (this.storedValue(currency) < a.amount) return cannot(PayoutError.NotEnoughValue);
    const counts = planChange(stock, a.amount);
    if (!counts) return cannot(PayoutError.CannotPayExact);
    if (a.test === true) return Uint8Array.of(OK);
    this.start('payout', currency, a.amount, this.stepsFor(denominations, counts, 'out'));
    return Uint8Array.of(OK);
  }

  protected floatAmount(a: { amount: number; minPayout: number; currency?: string; test?: boolean }): SimReply {
    const currency = a.currency ?? this.currency;
    const refusal = this.refusal();
    if (refusal !== undefined) return cannot(refusal);
    const stored = this.storedValue(currency);
    if (stored < a.amount) return cannot(PayoutError.NotEnoughValue);
    const { denominations, stock } = this.stock(currency);
    const counts = planChange(stock, stored - a.amount);
    if (!counts) return cannot(PayoutError.CannotPayExact);
    const left = stock.map((s, i) => ({ value: s.value, count: s.count - (counts[i] ?? 0) }));
    if (a.minPayout > 0 && !planChange(left, a.minPayout)) return cannot(PayoutError.CannotPayExact);
    if (a.test === true) return Uint8Array.of(OK);
    this.start('float', currency, stored - a.amount, this.stepsFor(denominations, counts, 'cashbox'));
    return Uint8Array.of(OK);
  }

  /**
   * The common start of PAYOUT/FLOAT_BY_DENOMINATION: the refusal reply (busy, disabled, ...; a list that mixes
   * currencies), or the one currency, its denominations and a zero count for each.
   */
  private byDenomination(
    items: readonly DenominationItem[],
  ): SimReply | { currency: string; denominations: Denomination[]; counts: number[] } {
    const refusal = this.refusal();
    if (refusal !== undefined) return cannot(refusal);
    const currencies = new Set(items.map((i) => i.currency));
    if (currencies.size !== 1) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
    const currency = items[0]?.currency ?? this.currency;
    const { denominations } = this.stock(currency);
    return { currency, denominations, counts: denominations.map(() => 0) };
  }

  protected payoutByDenomination(a: { items: readonly DenominationItem[]; test?: boolean }): SimReply {
    const request = this.byDenomination(a.items);
    if (request instanceof Uint8Array) return request;
    const { currency, denominations, counts } = request;
    let total = 0;
    for (const item of a.items) {
      const index = denominations.findIndex((d) => d.value === item.value);
      if (index < 0) return cannot(PayoutError.CannotPayExact);
      counts[index] = (counts[index] ?? 0) + item.count;
      total += item.count * item.value;
    }
    if (total === 0) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
    if (total > this.storedValue(currency)) return cannot(PayoutError.NotEnoughValue);
    const short = denominations.some((d, i) => (counts[i] ?? 0) > this.level(d.value, currency));
    if (short) return cannot(PayoutError.CannotPayExact);
    if (a.test === true) return Uint8Array.of(OK);
    this.start('payout', currency, total, this.stepsFor(denominations, counts, 'out'));
    return Uint8Array.of(OK);
  }

  protected floatByDenomination(a: { items: readonly DenominationItem[]; test?: boolean }): SimReply {
    const request = this.byDenomination(a.items);
    if (request instanceof Uint8Array) return request;
    const { currency, denominations, counts } = request;
    let moved = 0;
    for (const item of a.items) {
      const index = denominations.findIndex((d) => d.value === item.value);
      const d = denominations[index];
      if (!d) return cannot(PayoutError.CannotPayExact);
      const level = this.level(d.value, currency);
      if (level < item.count) return cannot(PayoutError.NotEnoughValue);
      counts[index] = level - item.count;
      moved += (level - item.count) * d.value;
    }
    if (a.test === true) return Uint8Array.of(OK);
    this.start('float', currency, moved, this.stepsFor(denominations, counts, 'cashbox'));
    return Uint8Array.of(OK);
  }
}
