/**
 * Host side of the CCNET coin changer (02). The spec section is MDB-derived and contradicts itself in
 * places (GET STATUS 09H vs 0CH, several POLL codes listed as 13H/14H): states carry the raw bytes next to
 * our reading (`ambiguous: true` where the spec is contradictory).
 */
import type { Money } from '../../core/money.js';
import type { CcnetBus } from '../bus.js';
import type { DenominationWord } from '../codec.js';
import { COIN_COMMANDS, type CoinIdentification, type CoinStatusReply, type TubeStatusReply } from '../commands.js';
import { decodeCoinState, type CoinState } from '../states.js';
import { CcnetDevice, type CcnetDeviceEvents, type CcnetDeviceOptions } from './device-base.js';
import { runMoneyCommand } from './money.js';

export interface CoinEvent {
  coinType: number;
  value: Money | undefined;
  /** Coins of that type left in its tube (second byte). */
  tubeCount: number | undefined;
  raw: Uint8Array;
}

export interface CoinChangerEventMap extends CcnetDeviceEvents<CoinState> {
  /** A coin was accepted (money in), to the cash box or a tube. Exactly once per POLL event. */
  coin: [coin: CoinEvent & { route: 'cashbox' | 'tube' }];
  rejected: [coin: CoinEvent];
  /** Coins paid out with the changer's inventory switches. */
  manualDispense: [coin: CoinEvent & { count: number }];
  /** Error or unusual states (double arrival, no credit, jams, sensor and routing errors). */
  fault: [state: CoinState];
}

export interface CoinChangerOptions extends CcnetDeviceOptions {
  address?: number;
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

export class CoinChanger extends CcnetDevice<CoinState, CoinChangerEventMap> {
  coinTable: DenominationWord[] = [];
  identification: CoinIdentification | undefined;
  private enableArgs: { enabled: number[]; manualDispense: number[] } | undefined;
  private readonly faultAfterMs: number;
  /** Since when POLL has answered 13H without a break, and whether that hold was reported. */
  private held: { since: number; reported: boolean } | undefined;

  constructor(bus: CcnetBus, options: CoinChangerOptions = {}) {
    super(
      bus,
      {
        address: options.address ?? 0x02,
        what: 'the coin changer',
        resetDef: COIN_COMMANDS.RESET,
        pollDef: COIN_COMMANDS.POLL,
        decodeState: decodeCoinState,
        isEvent: (s) => COIN_EVENTS.has(s.name),
        idle: COIN_IDLE,
        isPowerUp: (s) => s.code === 0x10,
      },
      options,
    );
    this.faultAfterMs = options.faultAfterMs ?? 2000;
  }

  protected async setUp(): Promise<void> {
    await this.waitReady();
    if (this.coinTable.length === 0) await this.getCoinTable();
    await this.resume();
  }

  /** Re-enables the coin types that were enabled (after an outage or a set-up). */
  protected async resume(): Promise<void> {
    if (this.enableArgs) await this.enableCoinTypes(this.enableArgs.enabled, this.enableArgs.manualDispense);
  }

  getStatus(): Promise<CoinStatusReply> {
    return this.call(COIN_COMMANDS.GET_STATUS, undefined);
  }

  tubeStatus(): Promise<TubeStatusReply> {
    return this.call(COIN_COMMANDS.TUBE_STATUS, undefined);
  }

  /** 13H held past `faultAfterMs` is a fault, not a coin being accepted: reported once per hold. */
  protected override polled(state: CoinState): void {
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
    await this.call(COIN_COMMANDS.ENABLE_COIN_TYPES, { enabled, manualDispense });
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
      command: COIN_COMMANDS.DISPENSE.name,
      address: this.address,
      send: () => this.call(COIN_COMMANDS.DISPENSE, { coinType, count }),
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
    this.identification = await this.call(COIN_COMMANDS.IDENTIFICATION, undefined);
    return this.identification;
  }

  async getCoinTable(): Promise<DenominationWord[]> {
    this.coinTable = await this.call(COIN_COMMANDS.GET_COIN_TABLE, undefined);
    return this.coinTable;
  }

  download(): Promise<void> {
    return this.call(COIN_COMMANDS.DOWNLOAD, undefined);
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
    await this.pollUntilStarted(
      (s) => s.code !== 0x10 && s.code !== 0x11,
      (s) => `coin changer still ${s.name}`,
    );
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

  protected onState(state: CoinState): void {
    if (state.code === ACCEPTING_OR_FAULT) return; // a hold is judged on every answer (polled)
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
