/**
 * The commands of a simulated payout device (SMART Payout, NV4000, NV11, SMART Hopper, SMART System): levels, routes,
 * payout / float (by amount and by denomination), empty, cashbox limits and payout enable. Arguments come decoded
 * through the command table and results go back through it; refusals are thrown (replies.ts) and become F4 or
 * F5 + the payout error byte (PAYOUT_ERROR_BYTES) in one place.
 *
 * The books are in ledger.ts, the timed operations in operations.ts. Subclasses decide what goes in (notes from the
 * validator, coins from the coin mech) and add their commands (`handlers()` spreading `super.handlers()`).
 */
import { PAYOUT_ERROR_BYTES, ROUTE_CODES, type DenominationItem, type SspContext } from '../../commands.js';
import { PASS, type Handlers } from '../behaviour.js';
import { cannotProcess, outOfRange } from '../replies.js';
import { planChange } from './change.js';
import { key, type Denomination, type Step } from './ledger.js';
import { PayoutOperations } from './operations.js';

export {
  DEFAULT_PAYOUT_TIMING,
  tableEvent,
  type Denomination,
  type EngineConfig,
  type EventInput,
  type Item,
  type Operation,
  type OperationKind,
  type PayoutCounters,
} from './ledger.js';

const { notEnoughValue, cannotPayExact, busy } = PAYOUT_ERROR_BYTES;

export abstract class PayoutEngine extends PayoutOperations {
  /** Every command first records the protocol version in use (power-up events depend on it). */
  beforeCommand(): void {
    this.protocolSeen = this.core.protocolVersion;
  }

  protected ctx(): SspContext {
    return { ...this.core.context(), currency: this.currency };
  }

  /** Subclasses extend these (spread `super.handlers()`). */
  handlers(): Handlers {
    return {
      GET_ALL_LEVELS: () => ({
        levels: this.denominations.map((d) => ({
          level: this.level(d.value, d.currency),
          value: d.value,
          currency: d.currency,
        })),
      }),
      GET_DENOMINATION_LEVEL: (a) => {
        const d = this.denomination(a.value, a.currency ?? this.currency);
        // an unknown denomination simply has no items
        return { level: d ? this.level(d.value, d.currency) : 0 };
      },
      SET_DENOMINATION_ROUTE: (a) => {
        const route = typeof a.route === 'number' ? a.route : ROUTE_CODES[a.route];
        const d = this.routedDenomination(a.value, a.currency);
        if (!this.config.routes.includes(route)) outOfRange(`route 0x${route.toString(16)} not on this device`);
        this.routes.set(key(d.value, d.currency), route);
      },
      GET_DENOMINATION_ROUTE: (a) => ({ route: this.routeOf(this.routedDenomination(a.value, a.currency)) }),
      PAYOUT_AMOUNT: (a) => {
        this.payoutAmount(a);
      },
      FLOAT_AMOUNT: (a) => {
        this.floatAmount(a);
      },
      PAYOUT_BY_DENOMINATION: (a) => {
        if (this.core.protocolVersion < 6) outOfRange('PAYOUT_BY_DENOMINATION needs protocol version >= 6');
        this.payoutByDenomination(a);
      },
      FLOAT_BY_DENOMINATION: (a) => {
        this.floatByDenomination(a);
      },
      HALT_PAYOUT: () => {
        if (this.op && this.op.kind !== 'empty' && this.op.kind !== 'smartEmpty') this.op.halting = true;
      },
      EMPTY_ALL: () => {
        this.empty('empty');
      },
      SMART_EMPTY: () => {
        this.empty('smartEmpty');
      },
      CASHBOX_PAYOUT_OPERATION_DATA: () => {
        const items: DenominationItem[] = this.denominations.map((d) => ({
          count: this.lastCashboxOperation.get(key(d.value, d.currency)) ?? 0,
          value: d.value,
          currency: d.currency,
        }));
        return { items, unknown: 0 };
      },
      GET_MINIMUM_PAYOUT: (a) => {
        const currency = a.currency ?? this.currency;
        const stocked = this.denominations
          .filter((d) => d.currency === currency && this.level(d.value, currency) > 0)
          .map((d) => d.value);
        return { value: stocked.length > 0 ? Math.min(...stocked) : 0 };
      },
      SET_CASHBOX_PAYOUT_LIMIT: (a) => {
        for (const l of a.limits) {
          if (!this.denomination(l.value, l.currency)) outOfRange(`no denomination ${l.value} ${l.currency}`);
        }
        for (const l of a.limits) this.cashboxLimits.set(key(l.value, l.currency), l.level);
      },
      ENABLE_PAYOUT_DEVICE: (a) => {
        if (this.busy()) cannotProcess(3, 'payout device busy');
        if (this.outOfService) cannotProcess(5, 'payout device error');
        // bit 0 and bit 1 of the option byte; the table names them per unit type (NV11 or the others)
        const bit0 = a.requireFullStartup ?? a.giveValueOnStored ?? false;
        const bit1 = a.optimiseForPayinSpeed ?? a.noHoldNoteOnPayout ?? false;
        this.payoutOptions = { bit0, bit1 };
        this.payoutEnabled = true;
      },
      DISABLE_PAYOUT_DEVICE: () => {
        this.payoutEnabled = !this.config.needsPayoutEnable;
      },
      SET_REFILL_MODE: (a) => {
        if (a.mode === 'get') return { enabled: this.refillMode };
        this.refillMode = a.mode === 'on';
        return {};
      },
      GET_SERIAL_NUMBER: (a) => {
        const device = a.device;
        const serial = device === undefined ? undefined : this.config.subDeviceSerials[device];
        return serial === undefined ? PASS : { serialNumber: serial };
      },
    };
  }

  /** The denomination a route command names: F5 2 (invalid currency) for a currency the device lacks, else F4. */
  private routedDenomination(value: number, currency = this.currency): Denomination {
    if (!this.denominations.some((d) => d.currency === currency)) cannotProcess(2, `invalid currency ${currency}`);
    const d = this.denomination(value, currency);
    if (!d) outOfRange(`no denomination ${value} ${currency}`);
    return d;
  }

  private empty(kind: 'empty' | 'smartEmpty'): void {
    const refusal = this.refusalForEmpty();
    if (refusal !== undefined) cannotProcess(refusal);
    const steps: Step[] = [];
    this.containers.forEach((c, index) => {
      for (let i = c.length - 1; i >= 0; i--) {
        const item = c[i];
        if (item) steps.push({ item, container: index, to: 'cashbox' });
      }
    });
    this.start(kind, this.currency, this.storedValue(), steps);
  }

  protected refusalForEmpty(): number | undefined {
    if (this.busy()) return busy;
    return undefined;
  }

  /** Throws the F5 refusal of a new operation (busy, disabled), if any. */
  protected checkCanStart(): void {
    const refusal = this.refusal();
    if (refusal !== undefined) cannotProcess(refusal);
  }

  protected payoutAmount(a: { amount: number; currency?: string; test?: boolean }): void {
    const currency = a.currency ?? this.currency;
    this.checkCanStart();
    if (a.amount === 0) outOfRange('amount 0');
    const { denominations, stock } = this.stock(currency);
    if (this.storedValue(currency) < a.amount) cannotProcess(notEnoughValue);
    const counts = planChange(stock, a.amount);
    if (!counts) cannotProcess(cannotPayExact);
    if (a.test === true) return;
    this.start('payout', currency, a.amount, this.stepsFor(denominations, counts, 'out'));
  }

  protected floatAmount(a: { amount: number; minPayout: number; currency?: string; test?: boolean }): void {
    const currency = a.currency ?? this.currency;
    this.checkCanStart();
    const stored = this.storedValue(currency);
    if (stored < a.amount) cannotProcess(notEnoughValue);
    const { denominations, stock } = this.stock(currency);
    const counts = planChange(stock, stored - a.amount);
    if (!counts) cannotProcess(cannotPayExact);
    const left = stock.map((s, i) => ({ value: s.value, count: s.count - (counts[i] ?? 0) }));
    if (a.minPayout > 0 && !planChange(left, a.minPayout)) cannotProcess(cannotPayExact);
    if (a.test === true) return;
    this.start('float', currency, stored - a.amount, this.stepsFor(denominations, counts, 'cashbox'));
  }

  /**
   * The common start of PAYOUT/FLOAT_BY_DENOMINATION: throws the refusal (busy, disabled, ...; a list that mixes
   * currencies), or gives the one currency, its denominations and a zero count for each.
   */
  private byDenomination(items: readonly DenominationItem[]): {
    currency: string;
    denominations: Denomination[];
    counts: number[];
  } {
    this.checkCanStart();
    const currencies = new Set(items.map((i) => i.currency));
    if (currencies.size !== 1) outOfRange('one currency per request');
    const currency = items[0]?.currency ?? this.currency;
    const { denominations } = this.stock(currency);
    return { currency, denominations, counts: denominations.map(() => 0) };
  }

  protected payoutByDenomination(a: { items: readonly DenominationItem[]; test?: boolean }): void {
    const { currency, denominations, counts } = this.byDenomination(a.items);
    let total = 0;
    for (const item of a.items) {
      const index = denominations.findIndex((d) => d.value === item.value);
      if (index < 0) cannotProcess(cannotPayExact);
      counts[index] = (counts[index] ?? 0) + item.count;
      total += item.count * item.value;
    }
    if (total === 0) outOfRange('nothing to pay');
    if (total > this.storedValue(currency)) cannotProcess(notEnoughValue);
    const short = denominations.some((d, i) => (counts[i] ?? 0) > this.level(d.value, currency));
    if (short) cannotProcess(cannotPayExact);
    if (a.test === true) return;
    this.start('payout', currency, total, this.stepsFor(denominations, counts, 'out'));
  }

  protected floatByDenomination(a: { items: readonly DenominationItem[]; test?: boolean }): void {
    const { currency, denominations, counts } = this.byDenomination(a.items);
    let moved = 0;
    for (const item of a.items) {
      const index = denominations.findIndex((d) => d.value === item.value);
      const d = denominations[index];
      if (!d) cannotProcess(cannotPayExact);
      const level = this.level(d.value, currency);
      if (level < item.count) cannotProcess(notEnoughValue);
      counts[index] = level - item.count;
      moved += (level - item.count) * d.value;
    }
    if (a.test === true) return;
    this.start('float', currency, moved, this.stepsFor(denominations, counts, 'cashbox'));
  }
}
