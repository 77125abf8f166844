/**
 * Host side of the CCNET card reader (04): SETUP, enable/disable, and the vend session (begin session,
 * get funds with wallets and currencies, vend request, refund, cancel, session complete). Amounts are Money
 * (integer minor units); the reader's "composite" amounts are converted with each wallet's decimals. The
 * accumulated amount of the session is tracked per wallet, as the spec asks (the reader uses it to spot
 * retransmitted VEND REQUESTs).
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { CcnetBus } from '../bus.js';
import type { Identification } from '../codec.js';
import {
  CARD_COMMANDS,
  minorToComposite,
  type CardSetupReply,
  type FundsReply,
  type VendCancelReply,
  type Wallet,
} from '../commands.js';
import { decodeCardState, type CardState } from '../states.js';
import { CcnetDevice, type CcnetDeviceEvents, type CcnetDeviceOptions } from './device-base.js';
import { runMoneyCommand, uncertainError, type UncertainOutcome } from './money.js';
import { VendWatch } from './vend-watch.js';

export interface CardReaderEventMap extends CcnetDeviceEvents<CardState> {
  /** A card is authenticated (READY_FOR_TRANSACTION). */
  cardReady: [];
  vendApproved: [];
  vendDenied: [];
  /** MALFUNCTION (09H) with its error kind and sub-code (a card error once; other kinds every POLL until cleared). */
  fault: [state: CardState];
  /** DELAYED (10H): the reader's full answer is not ready yet (dialing the bank); a vend goes on. */
  delayed: [state: CardState];
  /** BUSY (11H): the reader is busy with internal operations; it comes back to the state before. */
  busy: [state: CardState];
  /**
   * A VEND REQUEST / REFUND whose answer was in doubt (it is never resent blindly), or whose result never came: the
   * reader reported MALFUNCTION or came back INACTIVE before VEND OK / VEND FAILED, or `vend()` timed out.
   */
  uncertain: [outcome: UncertainOutcome];
}

export interface CardReaderOptions extends CcnetDeviceOptions {
  address?: number;
  /** Controller capabilities level sent with SETUP (default 1). */
  level?: number;
}

/** Vend results: one per VEND REQUEST. */
const CARD_EVENTS = new Set(['VEND_OK', 'VEND_FAILED']);
/** States that show a VEND REQUEST / REFUND running or done. */
const VEND_STATES = new Set(['VENDING', 'VEND_OK', 'VEND_FAILED']);
/** A reader with no vend running (a vend's result included). */
const VEND_IDLE = new Set(['VEND_OK', 'VEND_FAILED', 'IDLING', 'DISABLED', 'INACTIVE', 'READY_FOR_TRANSACTION']);

export type VendResult = 'approved' | 'denied';

export class CardReader extends CcnetDevice<CardState, CardReaderEventMap> {
  setupReply: CardSetupReply | undefined;
  identification: Identification | undefined;
  /** Wallets of the card in the current session (from the last GET FUNDS). */
  wallets: Wallet[] = [];
  private accumulated = new Map<number, number>();
  private enabled = false;
  private readonly level: number;
  /** The vend between its ACK and its result. */
  private readonly vendWatch: VendWatch;
  /** The last vend that ended in doubt (for `vend()`). */
  private vendDoubt: UncertainOutcome | undefined;

  constructor(bus: CcnetBus, options: CardReaderOptions = {}) {
    super(
      bus,
      {
        address: options.address ?? 0x04,
        what: 'the card reader',
        resetDef: CARD_COMMANDS.RESET,
        pollDef: CARD_COMMANDS.POLL,
        decodeState: decodeCardState,
        isEvent: (s) => CARD_EVENTS.has(s.name),
        idle: VEND_IDLE,
        // INACTIVE after the reader was set up: it lost its set-up (power cut)
        isPowerUp: (s) => s.code === 0x01,
      },
      options,
    );
    this.level = options.level ?? 1;
    this.vendWatch = new VendWatch(this.address);
  }

  protected async setUp(): Promise<void> {
    await this.waitInactive();
    await this.setup();
    await this.resume();
  }

  /** Enables the reader again when it was enabled (after an outage or a set-up). */
  protected async resume(): Promise<void> {
    if (this.enabled) await this.call(CARD_COMMANDS.ENABLE_DISABLE, true);
  }

  protected override forgetState(): void {
    super.forgetState();
    this.vendWatch.clear();
  }

  async setup(): Promise<CardSetupReply> {
    this.setupReply = await this.call(CARD_COMMANDS.SETUP, this.level);
    return this.setupReply;
  }

  async enable(): Promise<void> {
    await this.runtime.whenReady();
    await this.call(CARD_COMMANDS.ENABLE_DISABLE, true);
    this.enabled = true;
  }

  async disable(): Promise<void> {
    await this.runtime.whenReady();
    await this.call(CARD_COMMANDS.ENABLE_DISABLE, false);
    this.enabled = false;
  }

  async identify(): Promise<Identification> {
    this.identification = await this.call(CARD_COMMANDS.IDENTIFICATION, undefined);
    return this.identification;
  }

  download(): Promise<void> {
    return this.call(CARD_COMMANDS.DOWNLOAD, undefined);
  }

  /** VEND/BEGIN SESSION (in IDLING): the reader invites the customer to present a card. */
  async beginSession(): Promise<void> {
    await this.runtime.whenReady();
    this.accumulated.clear();
    this.wallets = [];
    await this.call(CARD_COMMANDS.VEND_BEGIN_SESSION, undefined);
  }

  async getFunds(): Promise<FundsReply> {
    const funds = await this.call(CARD_COMMANDS.VEND_GET_FUNDS, undefined);
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

  /**
   * VEND/VEND REQUEST for `amount` from `wallet` (default 0); the accumulated amount is tracked here. Sent once: when
   * its answer is in doubt the reader is asked (POLL), `uncertain` is emitted and the call rejects with UNCERTAIN.
   * The accumulated amount is then left as it was, so a retry by the application carries the same accumulated
   * amount, which the reader uses to recognise a retransmission (spec: VEND REQUEST).
   */
  async vendRequest(amount: Money, wallet = 0): Promise<void> {
    await this.vendCommand(CARD_COMMANDS.VEND_REQUEST, amount, wallet);
  }

  /** VEND/VEND REQUEST REFUND (only when SETUP reported fund restoring); a doubtful answer as for `vendRequest`. */
  async refund(amount: Money, wallet = 0): Promise<void> {
    await this.vendCommand(CARD_COMMANDS.VEND_REQUEST_REFUND, amount, wallet);
  }

  private async vendCommand(def: typeof CARD_COMMANDS.VEND_REQUEST, amount: Money, wallet: number): Promise<void> {
    await this.runtime.whenReady();
    const value = this.composite(wallet, amount);
    const accumulated = (this.accumulated.get(wallet) ?? 0) + value;
    await runMoneyCommand({
      command: def.name,
      address: this.address,
      send: () => this.call(def, { wallet, amount: value, accumulated }),
      watchStates: (listener) => {
        const onState = (s: CardState): void => {
          listener(s.name);
        };
        this.on('state', onState);
        return () => this.off('state', onState);
      },
      poll: () => this.poll(),
      executedStates: VEND_STATES,
      report: (outcome) => this.emit('uncertain', outcome),
      guard: this.money,
    });
    this.accumulated.set(wallet, accumulated);
    this.vendWatch.begin(def.name);
  }

  cancel(): Promise<VendCancelReply> {
    return this.call(CARD_COMMANDS.VEND_CANCEL, undefined);
  }

  sessionComplete(): Promise<void> {
    return this.call(CARD_COMMANDS.VEND_SESSION_COMPLETE, undefined);
  }

  /** RESET, wait for INACTIVE, SETUP (→ DISABLED), identification. Does not enable. */
  async initialize(): Promise<{ setup: CardSetupReply; identification: Identification }> {
    await this.reset();
    await this.waitInactive();
    const setup = await this.setup();
    const identification = await this.identify();
    this.initialised = true;
    return { setup, identification };
  }

  private async waitInactive(): Promise<void> {
    await this.pollUntilStarted(
      (s) => s.code === 0x01,
      () => `card reader did not become INACTIVE`,
    );
  }

  /**
   * A whole vend: request `price` and wait for VEND OK / VEND FAILED (the POLL loop must be running and a
   * card must be ready).
   */
  async vend(price: Money, options: { wallet?: number; timeoutMs?: number } = {}): Promise<VendResult> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const done = this.waitForState(['VEND_OK', 'VEND_FAILED', 'MALFUNCTION', 'INACTIVE'], timeoutMs);
    done.catch(() => undefined); // when the request itself fails, its error is the one reported
    this.vendDoubt = undefined;
    await this.vendRequest(price, options.wallet ?? 0);
    let s: CardState;
    try {
      s = await done;
    } catch (error) {
      const outcome = this.vendWatch.timeout(this.state, timeoutMs);
      if (!outcome) throw error;
      this.emit('uncertain', outcome);
      throw uncertainError(outcome);
    }
    if (s.name === 'VEND_OK') return 'approved';
    if (s.name === 'VEND_FAILED') return 'denied';
    // MALFUNCTION or INACTIVE before the result: reported as `uncertain` by the POLL handling
    const doubt = this.takeVendDoubt();
    if (doubt) throw uncertainError(doubt);
    throw new KioskbusError(ErrorCode.DeviceError, `the card reader reported ${s.name} and no vend result`, {
      address: this.address,
      raw: s.raw,
    });
  }

  /** The outcome of the last vend that ended in doubt (set by the POLL handling), once. */
  private takeVendDoubt(): UncertainOutcome | undefined {
    const doubt = this.vendDoubt;
    this.vendDoubt = undefined;
    return doubt;
  }

  /** Resolves with the next state (from a later POLL) whose name is in `names`, ignoring the current one. */
  override waitForState(names: readonly string[], timeoutMs = 30_000): Promise<CardState> {
    return this.waitForNextState(names, timeoutMs);
  }

  protected onState(state: CardState, previous: CardState | undefined): void {
    const doubt = this.vendWatch.observe(state);
    if (doubt) {
      this.vendDoubt = doubt;
      this.emit('uncertain', doubt);
    }
    if (state.code === 0x01 && previous !== undefined && previous.code !== 0x01) this.runtime.powerUpSeen();
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
      case 'DELAYED':
        this.emit('delayed', state);
        break;
      case 'BUSY':
        this.emit('busy', state);
        break;
      default:
        break;
    }
  }
}
