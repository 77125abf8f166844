/**
 * Coin changer (02) simulator: coin types with tubes that fill (coins routed to a tube while it has room,
 * otherwise to the cash box), DISPENSE from the tubes, manual dispense, fault states. It sends only the
 * codes of the spec's POLL table: the five faults the spec files under 13H (coin jam, tube jam...) are 13H
 * held, CHANGER BUSY is 14H, as a real changer shows them.
 */
import {
  denominationsOf,
  encodeDenominationTable,
  maskToTypes,
  typesToMask,
  type DenominationInput,
} from '../codec.js';
import { COIN_COMMANDS, type CoinCommandName, type CoinIdentification, type CommandDef } from '../commands.js';
import { coinStateCode } from '../states.js';
import {
  ACK,
  illegal,
  PeripheralSimulator,
  type SimAnswer,
  type SimulatorEventMap,
  type SimulatorOptions,
} from './base.js';

export interface CoinSimulatorEventMap extends SimulatorEventMap {
  coin: [coinType: number, route: 'cashbox' | 'tube' | 'rejected'];
  paidOut: [coinType: number, count: number];
}

export interface SimTube {
  count: number;
  capacity: number;
}

export interface CoinSimulatorOptions extends SimulatorOptions {
  coinTable?: DenominationInput[];
  /** Tubes by coin type (default: types 0–3 have tubes of 50, empty). */
  tubes?: Record<number, SimTube>;
  identification?: CoinIdentification;
  initializePolls?: number;
}

/** EUR 0.05, 0.10, 0.20, 0.50 (exponent 82H: two decimals), 1 and 2 at types 0–5. */
export const DEFAULT_EUR_COINS: DenominationInput[] = denominationsOf('EUR', [
  [5, 0x82],
  [10, 0x82],
  [20, 0x82],
  [50, 0x82],
  [1, 0],
  [2, 0],
]);

export class CoinSimulator extends PeripheralSimulator<CoinSimulatorEventMap> {
  enabled = 0;
  manualDispenseEnabled = 0;
  coinTable: DenominationInput[];
  tubes: Map<number, SimTube>;
  identification: CoinIdentification;
  cashbox = 0;
  /** Coins credited (to tube or cash box), in order. */
  readonly acceptedCoins: number[] = [];
  readonly paidOutCoins: number[] = [];
  /**
   * Coins accepted whose event the changer dropped unacknowledged at a RESET or a power cut (the coin stays in its
   * tube or the cash box; the event is gone), in order.
   */
  readonly droppedCoinEvents: number[] = [];
  private readonly initializePolls: number;

  constructor(options: CoinSimulatorOptions = {}) {
    super(0x02, 'coin-changer', options);
    this.current = Uint8Array.of(coinStateCode('POWER_UP'));
    this.coinTable = options.coinTable ?? DEFAULT_EUR_COINS;
    const tubes = options.tubes ?? {
      0: { count: 0, capacity: 50 },
      1: { count: 0, capacity: 50 },
      2: { count: 0, capacity: 50 },
      3: { count: 0, capacity: 50 },
    };
    this.tubes = new Map(Object.entries(tubes).map(([k, v]) => [Number(k), { ...v }]));
    this.identification = options.identification ?? {
      model: 'CC-01',
      serialNumber: '1234567',
      version: '0102',
      country: 'EUR',
    };
    this.initializePolls = options.initializePolls ?? 2;
  }

  private idle(): Uint8Array {
    return Uint8Array.of(coinStateCode(this.enabled !== 0 ? 'IDLING' : 'UNIT_DISABLED'));
  }

  /** A customer inserts a coin of `coinType` (0–15). */
  insertCoin(coinType: number): boolean {
    if (this.fault || this.current[0] !== 0x12) return false;
    this.steps.push({ bytes: Uint8Array.of(coinStateCode('ACCEPTING')) });
    const tube = this.tubes.get(coinType);
    if (!(this.enabled & (1 << coinType))) {
      this.steps.push({ bytes: Uint8Array.of(0x70 | coinType, tube?.count ?? 0) });
      this.emit('coin', coinType, 'rejected');
      return true;
    }
    this.acceptedCoins.push(coinType);
    if (tube && tube.count < tube.capacity) {
      tube.count += 1;
      this.steps.push({ bytes: Uint8Array.of(0x50 | coinType, tube.count) });
      this.emit('coin', coinType, 'tube');
    } else {
      this.cashbox += 1;
      this.steps.push({ bytes: Uint8Array.of(0x40 | coinType, tube?.count ?? 0) });
      this.emit('coin', coinType, 'cashbox');
    }
    return true;
  }

  /** Coins paid out with the inventory switch (needs manual dispense enabled for the type). */
  manualDispense(coinType: number, count: number): boolean {
    const tube = this.tubes.get(coinType);
    if (!tube || !(this.manualDispenseEnabled & (1 << coinType)) || tube.count < count || count < 1 || count > 7) {
      return false;
    }
    tube.count -= count;
    this.steps.push({ bytes: Uint8Array.of(0x80 | (count << 4) | coinType, tube.count) });
    return true;
  }

  /** Raises a fault by its spec name, COIN_JAM, TUBE_JAM, GENERIC_ACCEPTOR_ERROR... (sent as 13H until `clearFault`). */
  setFault(name: string): void {
    this.fault = Uint8Array.of(coinStateCode(name));
  }

  clearFault(): void {
    this.fault = undefined;
  }

  /** Shows a state once (DOUBLE_ARRIVAL, NO_CREDIT, ESCROW_REQUEST...). */
  pushState(name: string): void {
    this.steps.push({ bytes: Uint8Array.of(coinStateCode(name)) });
  }

  /**
   * A power cut (see `powerCycle`): tube counts and the cash box are kept; enables and the coin events not yet
   * acknowledged are lost (the coins stay where they went: the simulator's ledger has them); a payout in progress
   * counts as paid (coins leave the tube when DISPENSE is taken). The changer comes back in POWER UP.
   */
  protected override powerLost(): void {
    this.dropEvents();
    this.fault = undefined;
    this.enabled = 0;
    this.manualDispenseEnabled = 0;
    this.current = Uint8Array.of(coinStateCode('POWER_UP'));
  }

  /** Drops the queued POLL answers (a RESET, a power cut), noting the coin events among them. */
  private dropEvents(): void {
    for (const step of this.steps) {
      const code = step.bytes[0] ?? 0;
      if (code >= 0x40 && code < 0x60) this.droppedCoinEvents.push(code & 0x0f);
    }
    this.steps.length = 0;
  }

  protected handle(key: CoinCommandName, _def: CommandDef<never, unknown>, data: Uint8Array): SimAnswer {
    const state = this.pollData()[0] ?? 0;
    switch (key) {
      case 'RESET':
        this.dropEvents();
        this.enabled = 0;
        this.manualDispenseEnabled = 0;
        this.current = Uint8Array.of(coinStateCode('INITIALIZE'));
        for (let i = 0; i < this.initializePolls; i++) this.steps.push({ bytes: this.current });
        this.steps.push({ bytes: this.current });
        this.current = Uint8Array.of(coinStateCode('UNIT_DISABLED'));
        return ACK;
      case 'GET_STATUS': {
        const routing = [...this.tubes.keys()];
        return {
          data: COIN_COMMANDS.GET_STATUS.encodeReply({ enabled: maskToTypes(this.enabled), routing }),
        };
      }
      case 'TUBE_STATUS': {
        const full: number[] = [];
        const counts: number[] = [];
        for (const [t, tube] of this.tubes) {
          if (tube.count >= tube.capacity) full.push(t);
          counts[t] = tube.count;
        }
        return { data: COIN_COMMANDS.TUBE_STATUS.encodeReply({ full, counts, bad: [], layout: '3+24' }) };
      }
      case 'POLL':
        return { data: this.pollData() };
      case 'ENABLE_COIN_TYPES': {
        const a = COIN_COMMANDS.ENABLE_COIN_TYPES.decodeArgs(data);
        this.enabled = typesToMask(a.enabled);
        this.manualDispenseEnabled = typesToMask(a.manualDispense);
        if (this.current[0] === 0x12 || this.current[0] === 0x14) this.current = this.idle();
        return ACK;
      }
      case 'DISPENSE': {
        const a = COIN_COMMANDS.DISPENSE.decodeArgs(data);
        const tube = this.tubes.get(a.coinType);
        if (state !== 0x12 && state !== 0x14) return illegal('busy');
        if (!tube || tube.count < a.count) return illegal(`not enough coins of type ${a.coinType}`);
        tube.count -= a.count;
        for (let i = 0; i < a.count; i++) this.paidOutCoins.push(a.coinType);
        this.emit('paidOut', a.coinType, a.count);
        for (let i = 0; i < Math.max(1, Math.ceil(a.count / 2)); i++) {
          this.steps.push({ bytes: Uint8Array.of(coinStateCode('PAYOUT_BUSY')) });
        }
        return ACK;
      }
      case 'IDENTIFICATION':
        if (![0x10, 0x11, 0x14].includes(state)) return illegal('only in power up, initialise or disabled');
        return { data: COIN_COMMANDS.IDENTIFICATION.encodeReply(this.identification) };
      case 'GET_COIN_TABLE':
        if (![0x10, 0x11, 0x14].includes(state)) return illegal('only in power up, initialise or disabled');
        return { data: encodeDenominationTable(this.coinTable) };
      case 'DOWNLOAD':
        return illegal('DOWNLOAD is not supported by a coin changer (spec: always INV)');
      default:
        return illegal(`unknown ${String(key)}`);
    }
  }
}
