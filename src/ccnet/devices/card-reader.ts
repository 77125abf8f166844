/**
 * Host side of the CCNET card reader (04): SETUP, enable/disable, and the vend session (begin session,
 * get funds with wallets and currencies, vend request, refund, cancel, session complete). Amounts are Money
 * (integer minor units); the reader's "composite" amounts are converted with each wallet's decimals. The
 * accumulated amount of the session is tracked per wallet, as the spec asks (the reader uses it to spot
 * retransmitted VEND REQUESTs).
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { CcnetBus } from '../bus.js';
import type { Identification } from '../codec.js';
import {
  CARD_COMMANDS,
  minorToComposite,
  type CardSetupReply,
  type CommandDef,
  type FundsReply,
  type VendCancelReply,
  type Wallet,
} from '../commands.js';
import { decodeCardState, type CardState } from '../states.js';
import type { PollLoop, PollLoopOptions } from './poll-loop.js';
import { createDeviceLoop, describeState, pollUntil, RepeatFilter, StateWaiters } from './device-common.js';

export interface CardReaderEventMap {
  state: [state: CardState, previous: CardState | undefined];
  /** A card is authenticated (READY_FOR_TRANSACTION). */
  cardReady: [];
  vendApproved: [];
  vendDenied: [];
  /** MALFUNCTION (09H) with its error kind and sub-code. */
  fault: [state: CardState];
  offline: [error: KioskbusError];
  online: [];
  problem: [error: KioskbusError];
}

export interface CardReaderOptions extends PollLoopOptions {
  address?: number;
  /** Controller capabilities level sent with SETUP (default 1). */
  level?: number;
  initializeTimeoutMs?: number;
  /** An identical VEND OK / VEND FAILED this soon after the previous one, or after line trouble, is a repeat. Default 1000 ms. */
  repeatWindowMs?: number;
}

/** Vend results: one per VEND REQUEST. */
const CARD_EVENTS = new Set(['VEND_OK', 'VEND_FAILED']);

export type VendResult = 'approved' | 'denied';

export class CardReader extends EventEmitter<CardReaderEventMap> {
  readonly address: number;
  readonly clock: Clock;
  readonly loop: PollLoop;
  state: CardState | undefined;
  setupReply: CardSetupReply | undefined;
  identification: Identification | undefined;
  /** Wallets of the card in the current session (from the last GET FUNDS). */
  wallets: Wallet[] = [];
  private accumulated = new Map<number, number>();
  private enabled = false;
  private readonly level: number;
  private readonly initializeTimeoutMs: number;
  private readonly waiters: StateWaiters<CardState>;
  private readonly repeats: RepeatFilter;

  constructor(
    readonly bus: CcnetBus,
    options: CardReaderOptions = {},
  ) {
    super();
    this.address = options.address ?? 0x04;
    this.clock = bus.clock;
    this.level = options.level ?? 1;
    this.initializeTimeoutMs = options.initializeTimeoutMs ?? 40_000;
    this.waiters = new StateWaiters(this.clock);
    this.repeats = new RepeatFilter(bus.link, options.repeatWindowMs ?? 1000);
    this.loop = createDeviceLoop(
      this,
      async () => {
        this.forgetState();
        await this.setup();
        if (this.enabled) await this.enable();
      },
      options,
    );
  }

  private forgetState(): void {
    this.state = undefined;
    this.repeats.forget();
  }

  call<A, R>(def: CommandDef<A, R>, args: A): Promise<R> {
    return this.bus.execute(this.address, def, args, { describeState: () => describeState(this.state) });
  }

  reset(): Promise<void> {
    return this.call(CARD_COMMANDS.reset, undefined);
  }

  async setup(): Promise<CardSetupReply> {
    this.setupReply = await this.call(CARD_COMMANDS.setup, this.level);
    return this.setupReply;
  }

  async poll(): Promise<CardState> {
    const trouble = this.repeats.sample();
    const data = await this.call(CARD_COMMANDS.poll, undefined);
    this.loop.answered();
    const state = decodeCardState(data);
    if (!this.repeats.isRepeat(state.raw, CARD_EVENTS.has(state.name), this.clock.now(), trouble)) this.handle(state);
    return state;
  }

  async enable(): Promise<void> {
    await this.call(CARD_COMMANDS.enableDisable, true);
    this.enabled = true;
  }

  async disable(): Promise<void> {
    await this.call(CARD_COMMANDS.enableDisable, false);
    this.enabled = false;
  }

  async identify(): Promise<Identification> {
    this.identification = await this.call(CARD_COMMANDS.identification, undefined);
    return this.identification;
  }

  download(): Promise<void> {
    return this.call(CARD_COMMANDS.download, undefined);
  }

  /** VEND/BEGIN SESSION (in IDLING): the reader invites the customer to present a card. */
  async beginSession(): Promise<void> {
    this.accumulated.clear();
    this.wallets = [];
    await this.call(CARD_COMMANDS.vendBeginSession, undefined);
  }

  async getFunds(): Promise<FundsReply> {
    const funds = await this.call(CARD_COMMANDS.vendGetFunds, undefined);
    this.wallets = funds.wallets;
    return funds;
  }

  private composite(walletIndex: number, amount: Money): number {
    const wallet = this.wallets[walletIndex];
    if (!wallet) {
      // a card without stored value: the reader bills in its own currency; send minor units as they are
      return amount.amount;
    }
    if (wallet.currency !== amount.currency) {
      throw new KioskbusError(
        ErrorCode.InvalidMoney,
        `wallet ${walletIndex} holds ${wallet.currency}, not ${amount.currency}`,
      );
    }
    return minorToComposite(amount.amount, wallet.decimals, amount.currency);
  }

  /** VEND/VEND REQUEST for `amount` from `wallet` (default 0); the accumulated amount is tracked here. */
  async vendRequest(amount: Money, wallet = 0): Promise<void> {
    const value = this.composite(wallet, amount);
    const accumulated = (this.accumulated.get(wallet) ?? 0) + value;
    await this.call(CARD_COMMANDS.vendRequest, { wallet, amount: value, accumulated });
    this.accumulated.set(wallet, accumulated);
  }

  /** VEND/VEND REQUEST REFUND (only when SETUP reported fund restoring). */
  async refund(amount: Money, wallet = 0): Promise<void> {
    const value = this.composite(wallet, amount);
    const accumulated = (this.accumulated.get(wallet) ?? 0) + value;
    await this.call(CARD_COMMANDS.vendRefund, { wallet, amount: value, accumulated });
    this.accumulated.set(wallet, accumulated);
  }

  cancel(): Promise<VendCancelReply> {
    return this.call(CARD_COMMANDS.vendCancel, undefined);
  }

  sessionComplete(): Promise<void> {
    return this.call(CARD_COMMANDS.vendSessionComplete, undefined);
  }

  /** RESET, wait for INACTIVE, SETUP (→ DISABLED), identification. Does not enable. */
  async initialize(): Promise<{ setup: CardSetupReply; identification: Identification }> {
    await this.reset();
    this.forgetState();
    await pollUntil(
      this.clock,
      () => this.poll(),
      (s) => s.code === 0x01,
      {
        timeoutMs: this.initializeTimeoutMs,
        pauseMs: () => this.loop.pollIntervalMs,
        message: () => `card reader did not become INACTIVE`,
        address: this.address,
      },
    );
    const setup = await this.setup();
    const identification = await this.identify();
    return { setup, identification };
  }

  /**
   * A whole vend: request `price` and wait for VEND OK / VEND FAILED (the POLL loop must be running and a
   * card must be ready).
   */
  async vend(price: Money, options: { wallet?: number; timeoutMs?: number } = {}): Promise<VendResult> {
    const done = this.waitForState(['VEND_OK', 'VEND_FAILED'], options.timeoutMs ?? 60_000);
    await this.vendRequest(price, options.wallet ?? 0);
    const s = await done;
    return s.name === 'VEND_OK' ? 'approved' : 'denied';
  }

  waitForState(names: readonly string[], timeoutMs = 30_000): Promise<CardState> {
    return this.waiters.wait(names, timeoutMs, 'the card reader');
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private handle(state: CardState): void {
    const previous = this.state;
    this.state = state;
    this.emit('state', state, previous);
    this.waiters.notify(state);
    switch (state.name) {
      case 'READY_FOR_TRANSACTION':
        this.emit('cardReady');
        break;
      case 'VEND_OK':
        this.emit('vendApproved');
        break;
      case 'VEND_FAILED':
        this.emit('vendDenied');
        break;
      case 'MALFUNCTION':
        this.emit('fault', state);
        break;
      default:
        break;
    }
  }
}
