/**
 * Host side of the CCNET coin changer (02). The spec section is MDB-derived and contradicts itself in
 * places (GET STATUS 09H vs 0CH, several POLL codes listed as 13H/14H): states carry the raw bytes next to
 * our reading (`ambiguous: true` where the spec is contradictory).
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../core/clock.js';
import type { KioskbusError as KError } from '../../core/errors.js';
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
import type { PollLoop, PollLoopOptions } from './poll-loop.js';
import { createDeviceLoop, describeState, pollUntil, RepeatFilter } from './device-common.js';

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
  offline: [error: KError];
  online: [];
  problem: [error: KError];
}

export interface CoinChangerOptions extends PollLoopOptions {
  address?: number;
  initializeTimeoutMs?: number;
  /**
   * An identical coin answer this soon after the previous one, or after line trouble, is the changer
   * repeating it (our ACK was lost). Default `pollIntervalMs + 100`: only the very next POLL.
   */
  repeatWindowMs?: number;
}

const FAULTS = new Set([0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e]);
/** One coin each: a second identical answer can be a second coin. */
const COIN_EVENTS = new Set(['COIN_TO_CASHBOX', 'COIN_TO_TUBE', 'COIN_REJECTED', 'MANUAL_DISPENSE']);

export class CoinChanger extends EventEmitter<CoinChangerEventMap> {
  readonly address: number;
  readonly clock: Clock;
  readonly loop: PollLoop;
  state: CoinState | undefined;
  coinTable: DenominationWord[] = [];
  identification: CoinIdentification | undefined;
  private enableArgs: { enabled: number[]; manualDispense: number[] } | undefined;
  private readonly initializeTimeoutMs: number;
  private readonly repeats: RepeatFilter;

  constructor(
    readonly bus: CcnetBus,
    options: CoinChangerOptions = {},
  ) {
    super();
    this.address = options.address ?? 0x02;
    this.clock = bus.clock;
    this.initializeTimeoutMs = options.initializeTimeoutMs ?? 40_000;
    this.loop = createDeviceLoop(
      this,
      async () => {
        this.forgetState();
        await this.waitReady();
        if (this.enableArgs) await this.enableCoinTypes(this.enableArgs.enabled, this.enableArgs.manualDispense);
      },
      options,
    );
    this.repeats = new RepeatFilter(bus.link, options.repeatWindowMs ?? this.loop.pollIntervalMs + 100);
  }

  private forgetState(): void {
    this.state = undefined;
    this.repeats.forget();
  }

  call<A, R>(def: CommandDef<A, R>, args: A): Promise<R> {
    return this.bus.execute(this.address, def, args, { describeState: () => describeState(this.state) });
  }

  reset(): Promise<void> {
    return this.call(COIN_COMMANDS.reset, undefined);
  }

  getStatus(): Promise<CoinStatusReply> {
    return this.call(COIN_COMMANDS.getStatus, undefined);
  }

  tubeStatus(): Promise<TubeStatusReply> {
    return this.call(COIN_COMMANDS.tubeStatus, undefined);
  }

  async poll(): Promise<CoinState> {
    const trouble = this.repeats.sample();
    const data = await this.call(COIN_COMMANDS.poll, undefined);
    this.loop.answered();
    const state = decodeCoinState(data);
    if (!this.repeats.isRepeat(state.raw, COIN_EVENTS.has(state.name), this.clock.now(), trouble)) this.handle(state);
    return state;
  }

  async enableCoinTypes(enabled: number[], manualDispense: number[] = []): Promise<void> {
    await this.call(COIN_COMMANDS.enableCoinTypes, { enabled, manualDispense });
    this.enableArgs = { enabled: [...enabled], manualDispense: [...manualDispense] };
  }

  /** Enables every coin of the coin table (or `types`). */
  enable(types?: number[]): Promise<void> {
    return this.enableCoinTypes(types ?? this.coinTable.map((w) => w.type));
  }

  disable(): Promise<void> {
    return this.enableCoinTypes([], []);
  }

  dispense(coinType: number, count: number): Promise<void> {
    return this.call(COIN_COMMANDS.dispense, { coinType, count });
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
    this.forgetState();
    await this.waitReady();
    const identification = await this.identify();
    const coinTable = await this.getCoinTable();
    return { identification, coinTable };
  }

  private async waitReady(): Promise<void> {
    await pollUntil(
      this.clock,
      () => this.poll(),
      (s) => s.code !== 0x10 && s.code !== 0x11,
      {
        timeoutMs: this.initializeTimeoutMs,
        pauseMs: () => this.loop.pollIntervalMs,
        message: (s) => `coin changer still ${s.name}`,
        address: this.address,
      },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
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

  private handle(state: CoinState): void {
    const previous = this.state;
    this.state = state;
    this.emit('state', state, previous);
    if (state.name === 'COIN_TO_CASHBOX') this.emit('coin', { ...this.coinEvent(state), route: 'cashbox' });
    else if (state.name === 'COIN_TO_TUBE') this.emit('coin', { ...this.coinEvent(state), route: 'tube' });
    else if (state.name === 'COIN_REJECTED') this.emit('rejected', this.coinEvent(state));
    else if (state.name === 'MANUAL_DISPENSE') {
      this.emit('manualDispense', { ...this.coinEvent(state), count: state.dispensed ?? 0 });
    } else if (FAULTS.has(state.code)) this.emit('fault', state);
  }
}
