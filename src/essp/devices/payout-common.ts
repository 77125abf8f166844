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
import { findOut, isInDoubt, uncertainError, type DoubtHost } from './payout-doubt.js';
import { emitPayoutEvent, RepeatedStatus, type PayoutEmit } from './payout-events.js';
import type { PayoutRuntime, RuntimeHooks } from './payout-runtimes.js';
import type {
  DenominationInput,
  PayoutCheck,
  PayoutCommonOptions,
  PayoutDeviceEvents,
  PayoutEvents,
  PayoutOutcome,
  PayoutProgress,
} from './payout-types.js';
import { listenerFailed } from './shared.js';

export type { PayoutUncertainty } from './payout-doubt.js';
export * from './payout-types.js';
export * from './payout-runtimes.js';

const log = createLogger('essp:payout');

const CHECK_REASONS: Partial<Record<ErrorCode, Exclude<PayoutCheck, { ok: true }>['reason']>> = {
  [ErrorCode.NotEnoughValue]: 'not-enough-value',
  [ErrorCode.CannotPayExact]: 'cannot-pay-exact',
  [ErrorCode.DeviceBusy]: 'busy',
  [ErrorCode.DeviceDisabled]: 'disabled',
};

/**
 * Base of the payout facades. Subclasses create the runtime (note or coin) with `hooks()` and add their commands.
 */
export abstract class PayoutDevice extends EventEmitter<PayoutDeviceEvents> {
  /** The device runtime (start-up, poll loop, typed commands). */
  abstract readonly runtime: PayoutRuntime;
  private readonly status = new RepeatedStatus();
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
   * bit makes safe); when no reply came after all of them or the port was lost, or a resend was answered KEY_NOT_SET
   * (the device restarted after an earlier transmission, which it may have run), the outcome is in doubt: the call
   * rejects with UNCERTAIN at once, and an `uncertain` event follows with what the device reports once it is reached.
   */
  protected async moneyCommand<N extends SspCommandName>(
    name: N,
    args: CommandArgs<N> | undefined,
    known: { kind?: 'payout' | 'float'; requested?: number; currency?: string },
  ): Promise<void> {
    // resends of this address while the command is out: a KEY_NOT_SET answer to a resend means the device restarted
    // (and lost its key) after an earlier transmission, which it may have run before the restart
    const sent = { again: false };
    const onTx = (_raw: Uint8Array, info: { address: number; retransmit: boolean }): void => {
      if (info.address === this.address && info.retransmit) sent.again = true;
    };
    const bus = this.runtime.bus;
    bus.on('tx', onTx);
    try {
      await (this.command as (name: N, args?: CommandArgs<N>) => Promise<unknown>)(name, args);
    } catch (error) {
      const restarted = sent.again && isKioskbusError(error, ErrorCode.KeyNotSet);
      // in doubt only when this command went out: a failed SYNC before it (the bus's own) means it never did
      const lost = isInDoubt(error) && (error.context.command === undefined || error.context.command === name);
      if (!isKioskbusError(error) || (!lost && !restarted)) throw error;
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
    } finally {
      bus.off('tx', onTx);
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
      polls: () => runtime.loop.stats.answered,
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
    this.status.reset();
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
    const emit: PayoutEmit = (name, ...args) => {
      (this.emit as (name: string, ...args: unknown[]) => boolean)(name, ...args);
    };
    const at = {
      progress: (values: SspValue[], kind?: 'payout' | 'float') => this.progress(values, kind),
      runningKind: this.running?.kind,
      end: () => {
        this.running = undefined;
      },
    };
    for (const event of events) {
      if (this.status.repeats(event)) continue;
      at.runningKind = this.running?.kind;
      try {
        emitPayoutEvent(event, emit, at);
      } catch (error) {
        // an application listener threw: report it, and still deliver the next events of this reply
        this.forward('error', [listenerFailed(event.name, error, this.runtime.address)]);
      }
    }
    this.status.endReply();
    await Promise.resolve();
  }

  /** Enables the payout with its options (ENABLE_PAYOUT_DEVICE); `startUp`: from the start-up sequence (no gate). */
  protected async enablePayoutDevice(options: EnablePayoutArgs = {}, startUp = false): Promise<void> {
    if (startUp) await this.exec('ENABLE_PAYOUT_DEVICE', options);
    else await this.command('ENABLE_PAYOUT_DEVICE', options);
  }
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
