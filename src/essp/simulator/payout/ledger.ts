/**
 * The books of a simulated payout device (SMART Payout, NV4000, NV11, SMART Hopper, SMART System): the payout store
 * (one or more containers of notes/coins), denominations and routes, the cashbox tally, the money accounting and the
 * helpers that build the device's events through the event table.
 *
 * Every move keeps the books: `initial + paidIn === stored + cashbox + paidOut + inTransit` (see `accounting()`).
 * operations.ts moves the money over time; engine.ts answers the commands.
 */
import { ErrorCode, KioskbusError } from '../../../core/errors.js';
import { ROUTE_CODES, type SspContext } from '../../commands.js';
import { encodeEvent, makeEvent, type SspEvent, type SspValue } from '../../events.js';
import type { SimBehaviour, SimCore } from '../behaviour.js';
import type { SimEvent, SimEventName } from '../event-queue.js';
import type {
  CurrencyAccount,
  DenominationBalance,
  PayoutAccounting,
  PayoutSimOptions,
  PayoutTiming,
} from './types.js';

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

export interface Step {
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

export function key(value: number, currency: string): string {
  return `${currency}:${String(value)}`;
}

export abstract class PayoutLedger implements SimBehaviour {
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

  protected readonly accounts = new Map<string, CurrencyAccount>();
  protected opToken = 0;

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
      const byte = ROUTE_CODES[r.route];
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
    if (route === ROUTE_CODES.cashbox || route === ROUTE_CODES.cassette) return undefined;
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
}
