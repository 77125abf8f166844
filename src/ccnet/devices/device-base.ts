/**
 * What every CCNET host device (bill validator / B2B, coin changer, card reader) is built on: the runtime on the
 * shared DeviceLoop with its events, table commands whose ILLEGAL COMMAND errors name the device's state, RESET
 * (which forgets the device's queued answers once acknowledged), one POLL turned into a state with repeats filtered
 * and the money guard fed, waiting for a named state, and start / run / stop / halt. A device class supplies its
 * tables, its state decoder and what it does with each new state.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../core/clock.js';
import type { DeviceLoop, DeviceState } from '../../core/device-loop.js';
import { ErrorCode, isKioskbusError, type KioskbusError } from '../../core/errors.js';
import type { CcnetBus } from '../bus.js';
import type { CommandDef } from '../commands.js';
import { describeState, pollUntil, RepeatFilter, StateWaiters } from './device-common.js';
import { MoneyGuard, type PolledState, type UncertainOutcome } from './money.js';
import { CcnetRuntime, startFailure, type CcnetLoopOptions } from './runtime.js';

/** The events every CCNET device emits. */
export interface CcnetDeviceEvents<S> {
  /** Every change of the POLL answer. */
  state: [state: S, previous: S | undefined];
  /** A money-moving command whose outcome is in doubt (never resent blindly). */
  uncertain: [outcome: UncertainOutcome];
  offline: [error: KioskbusError];
  online: [];
  /** A poll or follow-up command failed (never thrown from the loop). */
  problem: [error: KioskbusError];
  /** The device's life-cycle (closed, opening, initialising, ready, busy, offline, reopening). */
  lifecycle: [to: DeviceState, from: DeviceState];
}

export interface CcnetDeviceOptions extends CcnetLoopOptions {
  /**
   * An identical event answer to a POLL sent this soon after the previous answer, or after line trouble, is the
   * device repeating it (our ACK may have been lost). Default: derived from the link's timing.
   */
  repeatWindowMs?: number;
  /** How long `initialize()` waits for the device to leave its start-up states. Default 40 000 ms. */
  initializeTimeoutMs?: number;
}

/** What a device class tells the base. */
export interface CcnetDeviceSpec<S extends PolledState> {
  address: number;
  /** `device 3`, `the card reader`: named in timeouts. */
  what: string;
  resetDef: CommandDef<void, void>;
  pollDef: CommandDef<void, Uint8Array>;
  decodeState(data: Uint8Array): S;
  /** States the device reports once per event (a second identical one may be a second event). */
  isEvent(state: S): boolean;
  /** States of the device with no money operation running. */
  idle: ReadonlySet<string>;
  /** The device's power-up states (it must be reset and set up). */
  isPowerUp(state: S): boolean;
}

export abstract class CcnetDevice<S extends PolledState, M extends CcnetDeviceEvents<S>> extends EventEmitter<
  M | CcnetDeviceEvents<S>
> {
  readonly address: number;
  readonly clock: Clock;
  readonly loop: DeviceLoop;
  readonly runtime: CcnetRuntime;
  /** `initialize()` ran (the loop's start then does not reset the device again). */
  initialised = false;
  /** Last POLL answer. */
  state: S | undefined;
  protected readonly repeats: RepeatFilter;
  /** One money operation at a time. */
  protected readonly money: MoneyGuard;
  protected readonly stateWaiters: StateWaiters<S>;
  protected readonly initializeTimeoutMs: number;
  private readonly spec: CcnetDeviceSpec<S>;

  protected constructor(
    readonly bus: CcnetBus,
    spec: CcnetDeviceSpec<S>,
    options: CcnetDeviceOptions = {},
  ) {
    super();
    this.spec = spec;
    this.address = spec.address;
    this.clock = bus.clock;
    this.stateWaiters = new StateWaiters(this.clock);
    this.runtime = new CcnetRuntime(
      bus,
      {
        address: this.address,
        poll: () => this.poll(),
        reset: () => this.reset(),
        isPowerUp: (s) => spec.isPowerUp(s as S), // the runtime hands back what poll() returned
        initialize: async () => {
          await this.initialize();
          await this.resume();
        },
        setUp: () => this.setUp(),
        resume: () => this.resume(),
        isInitialised: () => this.initialised,
        onOffline: () => {
          this.wentOffline();
        },
      },
      {
        offline: (e) => this.events.emit('offline', e),
        online: () => this.events.emit('online'),
        problem: (e) => this.events.emit('problem', e),
        lifecycle: (to, from) => this.events.emit('lifecycle', to, from),
      },
      options,
    );
    this.loop = this.runtime.loop;
    this.repeats = new RepeatFilter(bus.link, this.address, options.repeatWindowMs, this.runtime.pollIntervalMs);
    this.money = new MoneyGuard(this.clock, spec.idle, options.readyTimeoutMs);
    this.initializeTimeoutMs = options.initializeTimeoutMs ?? 40_000;
  }

  /**
   * POLLs until `started(state)`, at the start-up rate (`initPollIntervalMs`, or `pauseMs` of the state), for at most
   * `initializeTimeoutMs`; then TIMEOUT with `message` of the last state.
   */
  protected async pollUntilStarted(
    started: (state: S) => boolean,
    message: (state: S) => string,
    pauseMs: (state: S) => number = () => this.runtime.initPollIntervalMs,
  ): Promise<void> {
    await pollUntil(this.clock, () => this.poll(), started, {
      timeoutMs: this.initializeTimeoutMs,
      pauseMs,
      message,
      address: this.address,
    });
  }

  /** This emitter with only the events every device has (typed for the generic base). */
  protected get events(): EventEmitter<CcnetDeviceEvents<S>> {
    return this;
  }

  /** The full first set-up (RESET, wait until initialised, tables); does not enable. */
  abstract initialize(): Promise<unknown>;
  /** After a RESET: wait until initialised, read what is missing, re-enable what was enabled. */
  protected abstract setUp(): Promise<void>;
  /** Re-enables what the application had enabled (after an outage or a set-up). */
  protected abstract resume(): Promise<void>;
  /** What the device does with a new POLL state (after `state` was emitted and waiters told). */
  protected abstract onState(state: S, previous: S | undefined): void | Promise<void>;
  /** The device went offline: stop what runs beside the POLLs. */
  protected wentOffline(): void {
    // nothing by default
  }

  /** Forgets the last answer and what ran (after an acknowledged RESET). */
  protected forgetState(): void {
    this.state = undefined;
    this.repeats.forget();
    this.money.clear();
  }

  /** Runs one table command against this device; ILLEGAL COMMAND errors name the current state. */
  async call<A, R>(def: CommandDef<A, R>, args: A, signal?: AbortSignal): Promise<R> {
    try {
      const reply = await this.bus.execute(this.address, def, args, {
        describeState: () => describeState(this.state),
        ...(signal ? { signal } : {}),
      });
      this.runtime.answered();
      return reply;
    } catch (error) {
      if (isKioskbusError(error, ErrorCode.IllegalCommand)) this.runtime.answered();
      throw error;
    }
  }

  /** RESET: the device starts again; its queued events are gone. */
  reset(): Promise<void> {
    // the device's queued answers go with the RESET: what it shows next is new (never a repeat of before). Only
    // once it was ACKed: a RESET that may not have arrived leaves the device's answers as they were
    return this.call(this.spec.resetDef, undefined).then(() => {
      this.forgetState();
    });
  }

  /** One POLL: decodes the state and emits events for what changed (a repeated answer is no new event). */
  async poll(): Promise<S> {
    const sent = this.repeats.sample();
    const data = await this.call(this.spec.pollDef, undefined);
    const state = this.spec.decodeState(data);
    this.money.observe(state.name); // every answer, repeats too: an unchanged idle state ends an operation
    if (!this.repeats.isRepeat(state.raw, this.spec.isEvent(state), sent)) {
      const previous = this.state;
      this.state = state;
      this.events.emit('state', state, previous);
      this.stateWaiters.notify(state);
      await this.onState(state, previous);
    }
    this.polled?.(state);
    return state;
  }

  /** Every POLL answer, repeats included (after the new-state handling), when the class needs it. */
  protected polled?(state: S): void;

  /** Resolves with the current state when its name is in `names`, else with the next such state. */
  waitForState(names: readonly string[], timeoutMs = 30_000): Promise<S> {
    if (this.state && names.includes(this.state.name)) return Promise.resolve(this.state);
    return this.waitForNextState(names, timeoutMs);
  }

  /** Resolves with the next state (from a later POLL) whose name is in `names` (the POLL loop must be running). */
  waitForNextState(names: readonly string[], timeoutMs = 30_000): Promise<S> {
    return this.stateWaiters.wait(names, timeoutMs, this.spec.what);
  }

  /**
   * Starts the POLL loop (events flow): opens the port if needed, sets the device up unless `initialize()` ran,
   * then polls; recovers by itself from outages, lost ports and power cuts. A start-up failure is reported as a
   * `problem`; await `run()` instead to get it.
   */
  start(): void {
    this.run().catch((error: unknown) => this.events.emit('problem', startFailure(error)));
  }

  /** Like `start()`, resolving when the device is ready (rejecting when the start-up fails). */
  run(): Promise<void> {
    return this.runtime.start();
  }

  /** Stops polling (the round in flight finishes in the background; await `halt()` to wait for it). */
  stop(): void {
    void this.halt();
  }

  /** Stops polling and waits for the round in flight. */
  halt(): Promise<void> {
    return this.runtime.stop();
  }
}
