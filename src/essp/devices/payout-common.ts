/**
 * What every eSSP payout device shares on the host side (SMART Payout, NV4000, NV11, SMART Hopper, SMART System):
 * typed payout commands (payout / float by amount or by denomination, halt, empty, smart empty, levels, routes,
 * minimum payout, cashbox payout limit, refill mode, payout enable with options, counters, sub-device serial
 * numbers) and the payout events with their values, in the v<6 and v>=6 (multi-currency) forms.
 *
 * A payout device is a device runtime (SspValidator for note recyclers, SspDevice for coin devices) plus this layer:
 * the facade owns the runtime (`runtime`) and re-emits its events, so one object gives `credit`, `escrow`, ...
 * and `dispensed`, `incompletePayout`, ... Status events the device repeats on every poll (DISPENSING, FLOATING,
 * NOTE_HELD_IN_BEZEL, JAMMED, ...) are emitted when they begin or their value changes, not on every poll.
 *
 * Refusals are typed errors: NOT_ENOUGH_VALUE, CANNOT_PAY_EXACT, DEVICE_BUSY, DEVICE_DISABLED (from the F5 error
 * byte, via the command table). `{ test: true }` asks the device whether it could pay, without moving money.
 */
import { EventEmitter } from 'node:events';
import type { DeviceState } from '../../core/device-loop.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type {
  CashboxPayoutDataResult,
  CommandArgs,
  CommandResult,
  DenominationItem,
  EnablePayoutArgs,
  RouteName,
  SspCommandName,
  SspContext,
} from '../commands.js';
import type { CountersResult, DenominationLevel, SetupRequestResult } from '../decoders.js';
import type { SspEvent, SspIncompleteItem, SspValue } from '../events.js';
import type { SspBus } from '../bus.js';
import { findOut, isInDoubt, uncertainError, type DoubtHost, type PayoutUncertainty } from './payout-doubt.js';
import { eventKey, listenerFailed } from './shared.js';
import { SspDevice, type ReinitialiseReason, type SspDeviceOptions } from './runtime.js';
import { SspValidator, type SspValidatorEvents, type SspValidatorOptions } from './validator.js';

export type { PayoutUncertainty } from './payout-doubt.js';

const log = createLogger('essp:payout');

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

const CHECK_REASONS: Partial<Record<ErrorCode, Exclude<PayoutCheck, { ok: true }>['reason']>> = {
  [ErrorCode.NotEnoughValue]: 'not-enough-value',
  [ErrorCode.CannotPayExact]: 'cannot-pay-exact',
  [ErrorCode.DeviceBusy]: 'busy',
  [ErrorCode.DeviceDisabled]: 'disabled',
};

/** Hooks a payout facade gives the runtime it owns. */
export interface RuntimeHooks {
  emit(name: string, args: unknown[]): void;
  configure(): Promise<void>;
  handleEvents(events: SspEvent[]): Promise<void>;
}

/** The runtime a payout facade owns: a note validator runtime (note recyclers) or the plain device runtime (coins). */
export type PayoutRuntime = SspValidator | SspDevice;

/** A validator runtime whose events go to the facade and whose set-up and poll events include the payout's. */
export function noteRuntime(bus: SspBus, options: SspValidatorOptions, hooks: RuntimeHooks): SspValidator {
  class PayoutValidatorRuntime extends SspValidator {
    protected override emitTyped(name: string, ...args: unknown[]): void {
      hooks.emit(name, args);
    }
    protected override async configure(reason: ReinitialiseReason): Promise<void> {
      await super.configure(reason);
      await hooks.configure();
    }
    protected override async handleEvents(events: SspEvent[]): Promise<void> {
      await super.handleEvents(events);
      await hooks.handleEvents(events);
    }
  }
  return new PayoutValidatorRuntime(bus, options);
}

/** The device runtime of a coin device (no note path), with the payout hooks. */
export function coinRuntime(bus: SspBus, options: SspDeviceOptions, hooks: RuntimeHooks): SspDevice {
  class PayoutCoinRuntime extends SspDevice {
    private deviceDisabled: boolean | undefined;
    protected override emitTyped(name: string, ...args: unknown[]): void {
      hooks.emit(name, args);
    }
    protected override async configure(): Promise<void> {
      await hooks.configure();
    }
    protected override async handleEvents(events: SspEvent[]): Promise<void> {
      if (events.some((e) => e.name === 'DISABLED') && this.deviceDisabled !== true) {
        this.deviceDisabled = true;
        hooks.emit('disabled', []);
        // the coin side disabled itself (its 5 s watchdog) while the application wants it enabled: set it up again
        this.disabledByDevice();
      }
      await hooks.handleEvents(events);
    }
    protected override afterPoll(events: SspEvent[]): void {
      // like the validator runtime: `enabled` when DISABLED stops being reported
      if (this.deviceDisabled === true && !events.some((e) => e.name === 'DISABLED')) {
        this.deviceDisabled = false;
        hooks.emit('enabled', []);
      }
    }
  }
  return new PayoutCoinRuntime(bus, options);
}

/**
 * Base of the payout facades. Subclasses create the runtime (note or coin) with `hooks()` and add their commands.
 */
export abstract class PayoutDevice extends EventEmitter<PayoutDeviceEvents> {
  /** The device runtime (start-up, poll loop, typed commands). */
  abstract readonly runtime: PayoutRuntime;
  private lastStatus = new Map<string, string>();
  private running: { kind: 'payout' | 'float'; requested: number; currency: string } | undefined;

  protected constructor(protected readonly payoutOptions: PayoutCommonOptions) {
    super();
  }

  // ---- runtime delegation ----------------------------------------------------------------------------------------

  get address(): number {
    return this.runtime.address;
  }

  get context(): SspContext {
    return this.runtime.context;
  }

  get setup(): SetupRequestResult | undefined {
    return this.runtime.setup;
  }

  get protocolVersion(): number {
    return this.runtime.protocolVersion;
  }

  get isRunning(): boolean {
    return this.runtime.isRunning;
  }

  /** The life-cycle state (closed, opening, initialising, ready, busy, offline, reopening). */
  get state(): DeviceState {
    return this.runtime.state;
  }

  /** The currency of the device (SETUP_REQUEST country). */
  get currency(): string | undefined {
    return this.runtime.context.currency;
  }

  /** Start-up (SYNC, key, protocol version, set-up, routes, payout enable, ENABLE) and polling. */
  start(): Promise<void> {
    return this.runtime.start();
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }

  close(): Promise<void> {
    return this.runtime.close();
  }

  reinitialise(): Promise<void> {
    return this.runtime.reinitialise();
  }

  /** Any command of the table (typed arguments and result). */
  command<N extends SspCommandName>(
    name: N,
    ...rest: CommandArgs<N> extends undefined ? [args?: CommandArgs<N>] : [args: CommandArgs<N>]
  ): Promise<CommandResult<N>> {
    return this.runtime.command(name, ...rest);
  }

  /** A command without the ready gate, for the start-up sequence (`configurePayout`). */
  protected exec<N extends SspCommandName>(name: N, args?: CommandArgs<N>): Promise<CommandResult<N>> {
    return this.runtime.execute(name, args);
  }

  /** Resolves when the device takes commands (waits, bounded, while it starts, is busy or offline: NOT_READY). */
  whenReady(): Promise<void> {
    return this.runtime.whenReady();
  }

  /** ENABLE through the runtime, which remembers the wish (later start-ups follow it). */
  async enable(): Promise<void> {
    await this.runtime.enable();
  }

  /** DISABLE, remembered: a device-side DISABLED is then no reason to set the device up again. */
  async disable(): Promise<void> {
    await this.runtime.disable();
  }

  // ---- payout commands -------------------------------------------------------------------------------------------

  protected currencyOf(currency: string | undefined): string {
    const c = currency ?? this.runtime.context.currency;
    if (c === undefined) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'no currency given and the device has not been started', {
        address: this.address,
      });
    }
    return c;
  }

  /**
   * Pays `amount` (minor units). Resolves when the device accepted the payout; `dispensing` / `dispensed` (or
   * `halted`, `timeout`, `incompletePayout`) follow. Refusals: NOT_ENOUGH_VALUE, CANNOT_PAY_EXACT, DEVICE_BUSY,
   * DEVICE_DISABLED. With `{ test: true }` (protocol >= 6) nothing moves and the answer says whether it could pay.
   */
  payout(amount: number, currency?: string, options?: { test?: false }): Promise<void>;
  payout(amount: number, currency: string | undefined, options: { test: true }): Promise<PayoutCheck>;
  async payout(amount: number, currency?: string, options: { test?: boolean } = {}): Promise<void | PayoutCheck> {
    await this.whenReady();
    const c = this.currencyOf(currency);
    const args = { amount, currency: c, test: options.test === true };
    if (options.test === true) return check(this.command('PAYOUT_AMOUNT', args));
    await this.moneyCommand('PAYOUT_AMOUNT', args, { kind: 'payout', requested: amount, currency: c });
    this.running = { kind: 'payout', requested: amount, currency: c };
  }

  /**
   * Resolves when the payout running now ends: `dispensed` (complete), `halted`, `timeout` or, after a power failure,
   * `incomplete` (from INCOMPLETE_PAYOUT at the next start). Call it right after `payout()`. Rejects when `signal`
   * aborts (e.g. `AbortSignal.timeout(30_000)`).
   */
  payoutOutcome(signal?: AbortSignal): Promise<PayoutOutcome> {
    return new Promise((resolve, reject) => {
      const listeners: [keyof PayoutEvents, (...args: never[]) => void][] = [];
      const done = (outcome: PayoutOutcome): void => {
        for (const [name, fn] of listeners) this.off(name, fn);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = (): void => {
        for (const [name, fn] of listeners) this.off(name, fn);
        reject(signal?.reason instanceof Error ? signal.reason : new KioskbusError(ErrorCode.Cancelled, 'aborted'));
      };
      const progress = (status: PayoutOutcome['status']) => (p: PayoutProgress) => {
        done({
          status,
          paid: p.value,
          currency: p.currency,
          ...(p.requested !== undefined ? { requested: p.requested } : {}),
        });
      };
      const incomplete = (items: SspIncompleteItem[]): void => {
        const item = items[0];
        done({
          status: 'incomplete',
          paid: item?.paid ?? 0,
          requested: item?.requested ?? 0,
          currency: item?.currency ?? this.currencyOf(undefined),
        });
      };
      listeners.push(['dispensed', progress('dispensed')], ['halted', progress('halted')]);
      listeners.push(['timeout', progress('timeout')], ['incompletePayout', incomplete]);
      for (const [name, fn] of listeners) this.on(name, fn);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Whether the device could pay `amount` now (PAYOUT_AMOUNT in test mode, protocol >= 6). */
  canPay(amount: number, currency?: string): Promise<PayoutCheck> {
    return this.payout(amount, currency, { test: true });
  }

  /** Pays the given quantities of denominations (protocol >= 6). */
  payoutByDenomination(items: readonly DenominationInput[], options?: { test?: false }): Promise<void>;
  payoutByDenomination(items: readonly DenominationInput[], options: { test: true }): Promise<PayoutCheck>;
  async payoutByDenomination(
    items: readonly DenominationInput[],
    options: { test?: boolean } = {},
  ): Promise<void | PayoutCheck> {
    await this.whenReady();
    const list = this.items(items);
    const args = { items: list, test: options.test === true };
    if (options.test === true) return check(this.command('PAYOUT_BY_DENOMINATION', args));
    const total = list.reduce((sum, i) => sum + i.count * i.value, 0);
    const running = {
      kind: 'payout',
      requested: total,
      currency: list[0]?.currency ?? this.currencyOf(undefined),
    } as const;
    await this.moneyCommand('PAYOUT_BY_DENOMINATION', args, running);
    this.running = running;
  }

  /**
   * Float: keep `amount` in the device, move the rest to the cashbox, keeping `minPayout` payable. `floating` /
   * `floated` report the value moved to the cashbox.
   */
  float(amount: number, options?: { minPayout?: number; currency?: string; test?: false }): Promise<void>;
  float(amount: number, options: { minPayout?: number; currency?: string; test: true }): Promise<PayoutCheck>;
  async float(
    amount: number,
    options: { minPayout?: number; currency?: string; test?: boolean } = {},
  ): Promise<void | PayoutCheck> {
    await this.whenReady();
    const c = this.currencyOf(options.currency);
    const args = { amount, minPayout: options.minPayout ?? 0, currency: c, test: options.test === true };
    if (options.test === true) return check(this.command('FLOAT_AMOUNT', args));
    await this.moneyCommand('FLOAT_AMOUNT', args, { kind: 'float', requested: amount, currency: c });
    this.running = { kind: 'float', requested: amount, currency: c };
  }

  /** Float by denomination: keep these quantities, move the rest of those denominations to the cashbox. */
  floatByDenomination(items: readonly DenominationInput[], options?: { test?: false }): Promise<void>;
  floatByDenomination(items: readonly DenominationInput[], options: { test: true }): Promise<PayoutCheck>;
  async floatByDenomination(
    items: readonly DenominationInput[],
    options: { test?: boolean } = {},
  ): Promise<void | PayoutCheck> {
    await this.whenReady();
    const args = { items: this.items(items), test: options.test === true };
    if (options.test === true) return check(this.command('FLOAT_BY_DENOMINATION', args));
    await this.moneyCommand('FLOAT_BY_DENOMINATION', args, {});
  }

  /** HALT_PAYOUT: the payout stops after the item in motion (`halted` follows). */
  async halt(): Promise<void> {
    await this.command('HALT_PAYOUT');
  }

  /** EMPTY_ALL: everything to the cashbox, levels cleared (`emptying`, `emptied`). */
  async emptyAll(): Promise<void> {
    await this.moneyCommand('EMPTY_ALL', undefined, {});
  }

  /**
   * SMART_EMPTY: everything to the cashbox, counting the value (`smartEmptying`, `smartEmptied`); then
   * `cashboxPayoutOperationData()` tells what went there.
   */
  async smartEmpty(): Promise<void> {
    await this.moneyCommand('SMART_EMPTY', undefined, {});
  }

  /** What the last float / empty / payout moved to the cashbox, per denomination. */
  cashboxPayoutOperationData(): Promise<CashboxPayoutDataResult> {
    return this.command('CASHBOX_PAYOUT_OPERATION_DATA');
  }

  /** Stored level of every denomination. */
  async levels(): Promise<DenominationLevel[]> {
    return (await this.command('GET_ALL_LEVELS')).levels;
  }

  /** Stored level of one denomination. */
  async level(value: number, currency?: string): Promise<number> {
    await this.whenReady();
    return (await this.command('GET_DENOMINATION_LEVEL', { value, currency: this.currencyOf(currency) })).level;
  }

  async getRoute(value: number, currency?: string): Promise<RouteName | number> {
    await this.whenReady();
    return (await this.command('GET_DENOMINATION_ROUTE', { value, currency: this.currencyOf(currency) })).route;
  }

  async setRoute(value: number, route: RouteName | number, currency?: string): Promise<void> {
    await this.whenReady();
    await this.command('SET_DENOMINATION_ROUTE', { value, route, currency: this.currencyOf(currency) });
  }

  /** The smallest amount the device can pay now. */
  async minimumPayout(currency?: string): Promise<number> {
    await this.whenReady();
    return (await this.command('GET_MINIMUM_PAYOUT', { currency: this.currencyOf(currency) })).value;
  }

  /** Levels above which incoming notes/coins of a denomination go to the cashbox. */
  async setCashboxPayoutLimit(limits: readonly { value: number; level: number; currency?: string }[]): Promise<void> {
    await this.whenReady();
    await this.command('SET_CASHBOX_PAYOUT_LIMIT', {
      limits: limits.map((l) => ({ level: l.level, value: l.value, currency: this.currencyOf(l.currency) })),
    });
  }

  async counters(): Promise<CountersResult> {
    return this.command('GET_COUNTERS');
  }

  async resetCounters(): Promise<void> {
    await this.command('RESET_COUNTERS');
  }

  /** Serial number of the device, or of a sub-device (NV4000 0x11-0x15, SMART Payout module 1, ...). */
  async serialNumber(subDevice?: number): Promise<number> {
    return (await this.command('GET_SERIAL_NUMBER', subDevice === undefined ? {} : { device: subDevice })).serialNumber;
  }

  protected items(items: readonly DenominationInput[]): DenominationItem[] {
    return items.map((i) => ({ count: i.count, value: i.value, currency: this.currencyOf(i.currency) }));
  }

  /**
   * A command that moves money. Never resent by the host (the bus resends the identical bytes, which the sequence
   * bit makes safe); when no reply came after all of them or the port was lost, the outcome is in doubt: the call
   * rejects with UNCERTAIN at once, and an `uncertain` event follows with what the device reports once it is reached.
   */
  protected async moneyCommand<N extends SspCommandName>(
    name: N,
    args: CommandArgs<N> | undefined,
    known: { kind?: 'payout' | 'float'; requested?: number; currency?: string },
  ): Promise<void> {
    try {
      await (this.command as (name: N, args?: CommandArgs<N>) => Promise<unknown>)(name, args);
    } catch (error) {
      // in doubt only when this command went out: a failed SYNC before it (the bus's own) means it never did
      if (!isInDoubt(error) || (error.context.command !== undefined && error.context.command !== name)) throw error;
      const failure = uncertainError(name, error, { ...known, address: this.address });
      if (known.kind !== undefined && known.requested !== undefined && known.currency !== undefined) {
        this.running = { kind: known.kind, requested: known.requested, currency: known.currency };
      }
      const tries = failure.context.tries;
      void findOut(this.doubtHost(), {
        command: name,
        ...(known.requested !== undefined ? { requested: known.requested } : {}),
        ...(known.currency !== undefined ? { currency: known.currency } : {}),
        ...(typeof tries === 'number' ? { tries } : {}),
        cause: error.code,
        message: error.message,
      }).then((info) => {
        this.forward('uncertain', [info]);
      });
      throw failure;
    }
  }

  private doubtHost(): DoubtHost {
    const runtime = this.runtime;
    return {
      get state() {
        return runtime.state;
      },
      clock: runtime.clock,
      pollIntervalMs: runtime.loop.pollIntervalMs,
      watch: (onEvent, onState) => {
        this.on('event', onEvent);
        this.on('state', onState);
        return () => {
          this.off('event', onEvent);
          this.off('state', onState);
        };
      },
      readLevels: async () => (await this.exec('GET_ALL_LEVELS')).levels,
    };
  }

  // ---- runtime hooks ---------------------------------------------------------------------------------------------

  /** The hooks the owned runtime calls. */
  protected hooks(): RuntimeHooks {
    return {
      emit: (name, args) => {
        this.forward(name, args);
      },
      configure: () => this.configurePayout(),
      handleEvents: (events) => this.handlePayoutEvents(events),
    };
  }

  /** Emits on the facade; a throwing listener is reported as `error` (LISTENER_FAILED), the next events still go. */
  private forward(name: string, args: unknown[]): void {
    const emitter = this as EventEmitter;
    if (name === 'error' && emitter.listenerCount('error') === 0) {
      log('address %d: %s', this.runtime.address, (args[0] as Error).message);
      return;
    }
    try {
      emitter.emit(name, ...args);
    } catch (error) {
      if (name === 'error') throw error;
      this.forward('error', [listenerFailed(name, error, this.runtime.address)]);
    }
  }

  /** Device set-up after SETUP_REQUEST (subclasses add theirs and call this). */
  protected async configurePayout(): Promise<void> {
    this.lastStatus = new Map();
    for (const r of this.payoutOptions.routes ?? []) {
      await this.exec('SET_DENOMINATION_ROUTE', {
        value: r.value,
        route: r.route,
        currency: this.currencyOf(r.currency),
      });
    }
  }

  private progress(values: SspValue[], kind?: 'payout' | 'float'): PayoutProgress {
    const first = values[0] ?? { value: 0, currency: this.runtime.context.currency ?? 'XXX' };
    const out: PayoutProgress = { value: first.value, currency: first.currency, values };
    const running = this.running;
    if (running && running.kind === kind && running.currency === first.currency) out.requested = running.requested;
    return out;
  }

  /** Payout events, oldest first. */
  protected async handlePayoutEvents(events: SspEvent[]): Promise<void> {
    const seen = new Map<string, string>();
    for (const event of events) {
      if (STATUS_EVENTS.has(event.name)) {
        const k = eventKey(event);
        seen.set(event.name, k);
        if (this.lastStatus.get(event.name) === k) continue;
      }
      try {
        this.payoutEvent(event);
      } catch (error) {
        // an application listener threw: report it, and still deliver the next events of this reply
        this.forward('error', [listenerFailed(event.name, error, this.runtime.address)]);
      }
    }
    this.lastStatus = seen;
    await Promise.resolve();
  }

  private payoutEvent(event: SspEvent): void {
    switch (event.name) {
      case 'DISPENSING':
        this.emit('dispensing', this.progress(event.values, 'payout'));
        return;
      case 'DISPENSED':
        this.emit('dispensed', this.progress(event.values, 'payout'));
        this.running = undefined;
        return;
      case 'HALTED':
        this.emit('halted', this.progress(event.values, 'payout'));
        this.running = undefined;
        return;
      case 'FLOATING':
        this.emit('floating', this.progress(event.values, 'float'));
        return;
      case 'FLOATED':
        this.emit('floated', this.progress(event.values, 'float'));
        this.running = undefined;
        return;
      case 'TIME_OUT':
        this.emit('timeout', this.progress(event.values, this.running?.kind));
        this.running = undefined;
        return;
      case 'JAMMED':
        this.emit('payoutJammed', this.progress(event.values, this.running?.kind));
        return;
      case 'JAM_RECOVERY':
        this.emit('jamRecovery');
        return;
      case 'INCOMPLETE_PAYOUT':
        this.running = undefined;
        this.emit('incompletePayout', event.items);
        return;
      case 'INCOMPLETE_FLOAT':
        this.running = undefined;
        this.emit('incompleteFloat', event.items);
        return;
      case 'CASHBOX_PAID':
        this.emit('cashboxPaid', event.values);
        return;
      case 'COIN_CREDIT':
        this.emit('coinCredit', event.value);
        return;
      case 'VALUE_ADDED':
        this.emit('valueAdded', event.values);
        return;
      case 'NOTE_STORED_IN_PAYOUT':
        this.emit('noteStored', event.values);
        return;
      case 'NOTE_TRANSFERED_TO_STACKER':
        this.emit('noteTransferredToStacker', event.value);
        return;
      case 'NOTE_HELD_IN_BEZEL':
        this.emit('noteHeldInBezel', event.value);
        return;
      case 'NOTE_DISPENSED_AT_POWER-UP':
        this.emit('noteAtPowerUp', { to: 'customer', value: event.value });
        return;
      case 'NOTE_PAID_INTO_STORE_AT_POWER-UP':
      case 'NOTE_PAID_INTO_STACKER_AT_POWER-UP': {
        const to = event.name === 'NOTE_PAID_INTO_STORE_AT_POWER-UP' ? 'store' : 'cashbox';
        // not a `credit`: the note may have passed CREDIT_NOTE before the power went (see NoteAtPowerUp)
        this.emit('noteAtPowerUp', { to, value: event.value });
        return;
      }
      case 'ERROR_DURING_PAYOUT':
        this.emit('errorDuringPayout', { values: event.values, error: event.error, reason: event.reason });
        return;
      case 'EMPTYING':
        this.emit('emptying');
        return;
      case 'EMPTIED':
        this.emit('emptied');
        return;
      case 'SMART_EMPTYING':
        this.emit('smartEmptying', this.progress(event.values));
        return;
      case 'SMART_EMPTIED':
        this.emit('smartEmptied', this.progress(event.values));
        return;
      case 'PAYOUT_OUT_OF_SERVICE':
        this.emit('payoutOutOfService');
        return;
      case 'DEVICE_FULL':
        this.emit('deviceFull');
        return;
      case 'PAY_IN_ACTIVE':
        this.emit('payInActive');
        return;
      case 'COIN_MECH_JAMMED':
        this.emit('coinMechJammed');
        return;
      case 'COIN_MECH_RETURN_PRESSED':
        this.emit('coinMechReturnPressed');
        return;
      case 'COIN_MECH_ERROR':
        this.emit('coinMechError', event.error);
        return;
      case 'ATTACHED_COIN_MECH_ENABLED':
        this.emit('coinMechEnabled');
        return;
      case 'ATTACHED_COIN_MECH_DISABLED':
        this.emit('coinMechDisabled');
        return;
      default:
        return;
    }
  }

  /** Enables the payout with its options (ENABLE_PAYOUT_DEVICE); `startUp`: from the start-up sequence (no gate). */
  protected async enablePayoutDevice(options: EnablePayoutArgs = {}, startUp = false): Promise<void> {
    if (startUp) await this.exec('ENABLE_PAYOUT_DEVICE', options);
    else await this.command('ENABLE_PAYOUT_DEVICE', options);
  }
}

/** A denomination quantity; the currency defaults to the device's. */
export interface DenominationInput {
  count: number;
  value: number;
  currency?: string;
}

/** A test-mode payout/float: OK, or the refusal as data. Other errors are thrown. */
async function check(run: Promise<unknown>): Promise<PayoutCheck> {
  try {
    await run;
    return { ok: true };
  } catch (error) {
    if (isKioskbusError(error)) {
      const reason = CHECK_REASONS[error.code];
      if (reason) return { ok: false, reason, error };
    }
    throw error;
  }
}
