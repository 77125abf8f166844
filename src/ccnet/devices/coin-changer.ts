/**
 * Host side of the CCNET coin changer (02). The spec section is MDB-derived and contradicts itself in
 * places (GET STATUS 09H vs 0CH, several POLL codes listed as 13H/14H): states carry the raw bytes next to
 * our reading (`ambiguous: true` where the spec is contradictory).
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../core/clock.js';
import type { DeviceLoop, DeviceState } from '../../core/device-loop.js';
import { ErrorCode, isKioskbusError, type KioskbusError as KError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { CcnetBus } from '../bus.js';
import type { DenominationWord } from '../codec.js';
import {
  COIN_COMMANDS,
  type CoinIdentification,
  type CoinStatusReply,
  type CommandDef,
  type TubeStatusReply,
} from '../commands.js';
import { decodeCoinState, type CoinState } from '../states.js';
import {
  describeState,
  MoneyGuard,
  pollUntil,
  RepeatFilter,
  runMoneyCommand,
  type UncertainOutcome,
} from './device-common.js';
import { CcnetRuntime, startFailure, type CcnetLoopOptions } from './runtime.js';

export interface CoinEvent {
  coinType: number;
  value: Money | undefined;
  /** Coins of that type left in its tube (second byte). */
  tubeCount: number | undefined;
  raw: Uint8Array;
}

export interface CoinChangerEventMap {
  state: [state: CoinState, previous: CoinState | undefined];
  /** A coin was accepted (money in), to the cash box or a tube. Exactly once per POLL event. */
  coin: [coin: CoinEvent & { route: 'cashbox' | 'tube' }];
  rejected: [coin: CoinEvent];
  /** Coins paid out with the changer's inventory switches. */
  manualDispense: [coin: CoinEvent & { count: number }];
  /** Error or unusual states (double arrival, no credit, jams, sensor and routing errors). */
  fault: [state: CoinState];
  /** A DISPENSE whose answer was in doubt (it is never resent blindly). */
  uncertain: [outcome: UncertainOutcome];
  offline: [error: KError];
  online: [];
  problem: [error: KError];
  /** The device's life-cycle (closed, opening, initialising, ready, busy, offline, reopening). */
  lifecycle: [to: DeviceState, from: DeviceState];
}

export interface CoinChangerOptions extends CcnetLoopOptions {
  address?: number;
  initializeTimeoutMs?: number;
  /**
   * An identical coin answer to a POLL sent this soon after the previous answer, or after line trouble, is the
   * changer repeating it (our ACK may have been lost). Default: derived from the link's timing (poll interval +
   * response timeout + t-free + wire time of one exchange): only the very next POLL.
   */
  repeatWindowMs?: number;
  /**
   * 13H means ACCEPTING or one of five faults (coin jam, tube jam, routing, acceptor, tube sensor): a coin is
   * validated well within a second, so 13H held this long is reported as a `fault` (once per hold). Default 2000 ms.
   */
  faultAfterMs?: number;
}

/** Codes that are faults by themselves (13H only when held: see `faultAfterMs`). */
const FAULTS = new Set([0x18, 0x19]);
const ACCEPTING_OR_FAULT = 0x13;
/** One coin each: a second identical answer can be a second coin. */
const COIN_EVENTS = new Set(['COIN_TO_CASHBOX', 'COIN_TO_TUBE', 'COIN_REJECTED', 'MANUAL_DISPENSE']);
/** States that show a DISPENSE running. */
const PAYOUT_STATES = new Set(['PAYOUT_BUSY']);
/** A changer with no payout running. */
const COIN_IDLE = new Set(['IDLING', 'UNIT_DISABLED']);

export class CoinChanger extends EventEmitter<CoinChangerEventMap> {
  readonly address: number;
  readonly clock: Clock;
  readonly loop: DeviceLoop;
  readonly runtime: CcnetRuntime;
  /** `initialize()` ran (the loop's start then does not reset the device again). */
  initialised = false;
  state: CoinState | undefined;
  coinTable: DenominationWord[] = [];
  identification: CoinIdentification | undefined;
  private enableArgs: { enabled: number[]; manualDispense: number[] } | undefined;
  private readonly initializeTimeoutMs: number;
  private readonly faultAfterMs: number;
  private readonly repeats: RepeatFilter;
  /** One DISPENSE at a time. */
  private readonly money: MoneyGuard;

  constructor(
    readonly bus: CcnetBus,
    options: CoinChangerOptions = {},
  ) {
    super();
    this.address = options.address ?? 0x02;
    this.clock = bus.clock;
    this.initializeTimeoutMs = options.initializeTimeoutMs ?? 40_000;
    this.faultAfterMs = options.faultAfterMs ?? 2000;
    this.money = new MoneyGuard(this.clock, COIN_IDLE, options.readyTimeoutMs);
    this.runtime = new CcnetRuntime(
      bus,
      {
        address: this.address,
        poll: () => this.poll(),
        reset: () => this.reset(),
        isPowerUp: (s) => s.code === 0x10,
        initialize: async () => {
          await this.initialize();
          await this.resume();
        },
        setUp: async () => {
          await this.waitReady();
          if (this.coinTable.length === 0) await this.getCoinTable();
          await this.resume();
        },
        resume: () => this.resume(),
        isInitialised: () => this.initialised,
      },
      {
        offline: (e) => this.emit('offline', e),
        online: () => this.emit('online'),
        problem: (e) => this.emit('problem', e),
        lifecycle: (to, from) => this.emit('lifecycle', to, from),
      },
      options,
    );
    this.loop = this.runtime.loop;
    this.repeats = new RepeatFilter(bus.link, this.address, options.repeatWindowMs, this.runtime.pollIntervalMs);
  }

  /** Re-enables the coin types that were enabled (after an outage or a set-up). */
  private async resume(): Promise<void> {
    if (this.enableArgs) await this.enableCoinTypes(this.enableArgs.enabled, this.enableArgs.manualDispense);
  }

  private forgetState(): void {
    this.state = undefined;
    this.repeats.forget();
    this.money.clear();
  }

  async call<A, R>(def: CommandDef<A, R>, args: A): Promise<R> {
    try {
      const reply = await this.bus.execute(this.address, def, args, { describeState: () => describeState(this.state) });
      this.runtime.answered();
      return reply;
    } catch (error) {
      if (isKioskbusError(error, ErrorCode.IllegalCommand)) this.runtime.answered();
      throw error;
    }
  }

  /** RESET (30H / 08H): the device starts again; its queued events are gone. */
  reset(): Promise<void> {
    // the device's queued answers go with the RESET: what it shows next is new (never a repeat of before). Only
    // once it was ACKed: a RESET that may not have arrived leaves the device's answers as they were
    return this.call(COIN_COMMANDS.reset, undefined).then(() => {
      this.forgetState();
    });
  }

  getStatus(): Promise<CoinStatusReply> {
    return this.call(COIN_COMMANDS.getStatus, undefined);
  }

  tubeStatus(): Promise<TubeStatusReply> {
    return this.call(COIN_COMMANDS.tubeStatus, undefined);
  }

  async poll(): Promise<CoinState> {
    const sent = this.repeats.sample();
    const data = await this.call(COIN_COMMANDS.poll, undefined);
    const state = decodeCoinState(data);
    this.money.observe(state.name); // every answer, repeats too: an unchanged idle state ends a payout
    if (!this.repeats.isRepeat(state.raw, COIN_EVENTS.has(state.name), sent)) this.handle(state);
    this.watchHold(state);
    return state;
  }

  /** 13H held past `faultAfterMs` is a fault, not a coin being accepted: reported once per hold. */
  private watchHold(state: CoinState): void {
    if (state.code !== ACCEPTING_OR_FAULT) {
      this.held = undefined;
      return;
    }
    const now = this.clock.now();
    this.held ??= { since: now, reported: false };
    if (!this.held.reported && now - this.held.since >= this.faultAfterMs) {
      this.held.reported = true;
      this.emit('fault', { ...state, description: `13H held ${now - this.held.since} ms: not a coin being accepted` });
    }
  }

  async enableCoinTypes(enabled: number[], manualDispense: number[] = []): Promise<void> {
    await this.call(COIN_COMMANDS.enableCoinTypes, { enabled, manualDispense });
    this.enableArgs = { enabled: [...enabled], manualDispense: [...manualDispense] };
  }

  /** Enables every coin of the coin table (or `types`). */
  async enable(types?: number[]): Promise<void> {
    await this.runtime.whenReady();
    return this.enableCoinTypes(types ?? this.coinTable.map((w) => w.type));
  }

  async disable(): Promise<void> {
    await this.runtime.whenReady();
    return this.enableCoinTypes([], []);
  }

  /**
   * DISPENSE `count` coins of `coinType` from its tube. Sent once: when its answer is in doubt the changer is asked
   * (POLL, TUBE STATUS), `uncertain` is emitted and the call rejects with UNCERTAIN saying what is known.
   */
  async dispense(coinType: number, count: number): Promise<void> {
    await this.runtime.whenReady();
    await runMoneyCommand({
      command: COIN_COMMANDS.dispense.name,
      address: this.address,
      send: () => this.call(COIN_COMMANDS.dispense, { coinType, count }),
      watchStates: (listener) => {
        const onState = (s: CoinState): void => {
          listener(s.name);
        };
        this.on('state', onState);
        return () => this.off('state', onState);
      },
      poll: () => this.poll(),
      executedStates: PAYOUT_STATES,
      facts: async () => ({ tubes: await this.tubeStatus() }),
      report: (outcome) => this.emit('uncertain', outcome),
      guard: this.money,
    });
  }

  async identify(): Promise<CoinIdentification> {
    this.identification = await this.call(COIN_COMMANDS.identification, undefined);
    return this.identification;
  }

  async getCoinTable(): Promise<DenominationWord[]> {
    this.coinTable = await this.call(COIN_COMMANDS.getCoinTable, undefined);
    return this.coinTable;
  }

  download(): Promise<void> {
    return this.call(COIN_COMMANDS.download, undefined);
  }

  async initialize(): Promise<{ identification: CoinIdentification; coinTable: DenominationWord[] }> {
    await this.reset();
    await this.waitReady();
    const identification = await this.identify();
    const coinTable = await this.getCoinTable();
    this.initialised = true;
    return { identification, coinTable };
  }

  private async waitReady(): Promise<void> {
    await pollUntil(
      this.clock,
      () => this.poll(),
      (s) => s.code !== 0x10 && s.code !== 0x11,
      {
        timeoutMs: this.initializeTimeoutMs,
        pauseMs: () => this.runtime.initPollIntervalMs,
        message: (s) => `coin changer still ${s.name}`,
        address: this.address,
      },
    );
  }

  /**
   * Starts the POLL loop (events flow): opens the port if needed, sets the changer up unless `initialize()` ran,
   * then polls; recovers by itself from outages, lost ports and power cuts. A start-up failure is reported as a
   * `problem`; await `run()` instead to get it.
   */
  start(): void {
    this.run().catch((error: unknown) => this.emit('problem', startFailure(error)));
  }

  /** Like `start()`, resolving when the changer is ready (rejecting when the start-up fails). */
  run(): Promise<void> {
    return this.runtime.start();
  }

  /** Stops polling (the round in flight finishes in the background; await `halt()` to wait for it). */
  stop(): void {
    void this.halt();
  }

  halt(): Promise<void> {
    return this.runtime.stop();
  }

  private coinEvent(state: CoinState): CoinEvent {
    const t = state.coinType ?? -1;
    return {
      coinType: t,
      value: this.coinTable.find((w) => w.type === t)?.value,
      tubeCount: state.tubeCount,
      raw: state.raw,
    };
  }

  /** Since when POLL has answered 13H without a break, and whether that hold was reported. */
  private held: { since: number; reported: boolean } | undefined;

  private handle(state: CoinState): void {
    const previous = this.state;
    this.state = state;
    this.emit('state', state, previous);
    if (state.code === ACCEPTING_OR_FAULT) {
      const now = this.clock.now();
      this.held ??= { since: now, reported: false };
      if (!this.held.reported && now - this.held.since >= this.faultAfterMs) {
        this.held.reported = true;
        this.emit('fault', {
          ...state,
          description: `13H held ${now - this.held.since} ms: not a coin being accepted`,
        });
      }
      return;
    }
    this.held = undefined;
    if (state.code === 0x10) {
      this.runtime.powerUpSeen();
      return;
    }
    if (state.name === 'COIN_TO_CASHBOX') this.emit('coin', { ...this.coinEvent(state), route: 'cashbox' });
    else if (state.name === 'COIN_TO_TUBE') this.emit('coin', { ...this.coinEvent(state), route: 'tube' });
    else if (state.name === 'COIN_REJECTED') this.emit('rejected', this.coinEvent(state));
    else if (state.name === 'MANUAL_DISPENSE') {
      this.emit('manualDispense', { ...this.coinEvent(state), count: state.dispensed ?? 0 });
    } else if (FAULTS.has(state.code)) this.emit('fault', state);
  }
}
