/**
 * Card reader (04) simulator: INACTIVE → SETUP → DISABLED → ENABLE → IDLING; a card tapped with wallets
 * (currency, balance, decimals); BEGIN SESSION → READY FOR TRANSACTION; VEND REQUEST → VENDING → VEND OK
 * (balance drawn) or VEND FAILED (insufficient funds or `denyNext`); refunds, cancel, session complete. A
 * VEND REQUEST whose accumulated amount was already processed (host resend) is not drawn twice. The spec's other
 * states on demand: MALFUNCTION (09H; a card error is transient, shown once, communications errors and reader
 * failures are held until cleared; either aborts a vend in progress, not drawn), DELAYED (10H, a vend waiting for
 * the bank) and BUSY (11H, internal operations: commands other than POLL are refused meanwhile).
 */
import { CARD_COMMANDS, type CardCommandName, type CommandDef, type VendRequestArgs } from '../commands.js';
import type { Identification } from '../codec.js';
import { cardStateCode } from '../states.js';
import {
  ACK,
  illegal,
  PeripheralSimulator,
  type SimAnswer,
  type SimulatorEventMap,
  type SimulatorOptions,
} from './base.js';

export interface SimWallet {
  currency: string;
  /** Composite balance (binary, `decimals` places). */
  balance: number;
  decimals: number;
}

export interface SimCard {
  /** Stored value card (wallets) or a no-value card (bank card: approval by the reader). */
  storedValue: boolean;
  wallets: SimWallet[];
}

export interface CardSimulatorEventMap extends SimulatorEventMap {
  vend: [result: 'approved' | 'denied' | 'aborted', amount: number, wallet: number];
  refund: [amount: number, wallet: number];
}

export interface CardSimulatorOptions extends SimulatorOptions {
  identification?: Identification;
  /** SETUP reply options: refunds possible (b0), continuous payment (b1). Default refunds. */
  fundRestoring?: boolean;
  continuousPayment?: boolean;
  /** POLLs in VENDING before the result (default 1). */
  vendPolls?: number;
}

const S = (name: string): Uint8Array => Uint8Array.of(cardStateCode(name));

export class CardReaderSimulator extends PeripheralSimulator<CardSimulatorEventMap> {
  card: SimCard | undefined;
  identification: Identification;
  /** The next vend is denied whatever the funds (bank declined). */
  denyNext = false;
  enabledFlag = false;
  readonly vends: { wallet: number; amount: number; result: 'approved' | 'denied' | 'aborted' }[] = [];
  private sessionOpen = false;
  private readonly processed = new Map<number, number>();
  private pendingVend: (VendRequestArgs & { refund: boolean }) | undefined;
  private readonly opts: CardSimulatorOptions;
  private busyUntil = -Infinity;
  private delayNext = 0;

  constructor(options: CardSimulatorOptions = {}) {
    super(0x04, 'card-reader', options);
    this.current = S('INACTIVE');
    this.opts = options;
    this.identification = options.identification ?? {
      partNumber: 'CR-100-EU',
      serialNumber: '55CR00000001',
      assetNumber: '00000000000001',
    };
  }

  get stateName(): number {
    return this.pollData()[0] ?? 0;
  }

  protected override acked(key: string, reply: Uint8Array): boolean {
    if (!super.acked(key, reply)) return false;
    if (this.steps.length === 0 && this.pendingVend) this.finishVend();
    return true;
  }

  /** A card is presented (before or after BEGIN SESSION). */
  tapCard(card: SimCard): void {
    this.card = { storedValue: card.storedValue, wallets: card.wallets.map((w) => ({ ...w })) };
    if (this.sessionOpen && this.current[0] === 0x06) this.current = S('READY_FOR_TRANSACTION');
  }

  /** The stored value card is taken away. */
  removeCard(): void {
    this.card = undefined;
    if (this.current[0] === 0x07) {
      this.current = S('IDLING');
      this.sessionOpen = false;
    }
  }

  /**
   * Reports MALFUNCTION with error byte `code` (e.g. 0x81: reader failure, sub-code 1; 0x41: communications error)
   * until cleared (`undefined`). A vend in progress is aborted, not drawn.
   */
  setMalfunction(code: number | undefined): void {
    if (code !== undefined) this.abortVend();
    this.current = code === undefined ? S(this.enabledFlag ? 'IDLING' : 'DISABLED') : Uint8Array.of(0x09, code);
  }

  /**
   * A transient card error (09H, 0010yyyy: e.g. a stored value card removed while a transaction is in progress),
   * reported once. A vend in progress is aborted, not drawn; the session ends.
   */
  cardError(subCode = 0): void {
    const vending = this.abortVend();
    this.steps.push({ bytes: Uint8Array.of(0x09, 0x20 | (subCode & 0x0f)) });
    if (vending) {
      this.card = undefined;
      this.sessionOpen = false;
      this.current = S(this.enabledFlag ? 'IDLING' : 'DISABLED');
    }
  }

  /** The next vend (or the one running) shows DELAYED (10H) for `polls` POLLs before its result (dialing the bank). */
  delayVend(polls: number): void {
    if (this.pendingVend) for (let i = 0; i < polls; i++) this.steps.push({ bytes: S('DELAYED') });
    else this.delayNext = polls;
  }

  /** BUSY (11H) for `ms`: POLL answers BUSY, other commands are refused; then back to the state before. */
  setBusy(ms: number): void {
    this.busyUntil = this.clock.now() + ms;
  }

  protected override pollData(): Uint8Array {
    return this.clock.now() < this.busyUntil ? S('BUSY') : super.pollData();
  }

  /** A resend is judged by the state behind BUSY. */
  protected override stateView(): Uint8Array {
    return super.pollData();
  }

  /** Drops a vend not yet finished (not drawn); returns whether there was one. */
  private abortVend(): boolean {
    const v = this.pendingVend;
    if (!v) return false;
    this.pendingVend = undefined;
    this.steps.length = 0;
    this.current = S('READY_FOR_TRANSACTION');
    this.vends.push({ wallet: v.wallet, amount: v.amount, result: 'aborted' });
    this.emit('vend', 'aborted', v.amount, v.wallet);
    return true;
  }

  private finishVend(): void {
    const v = this.pendingVend;
    this.pendingVend = undefined;
    if (!v) return;
    const wallet = this.card?.wallets[v.wallet];
    let ok: boolean;
    if (v.refund) {
      ok = this.opts.fundRestoring !== false;
      if (ok && wallet) wallet.balance += v.amount;
      if (ok) this.emit('refund', v.amount, v.wallet);
    } else {
      ok = !this.denyNext && (!this.card?.storedValue || (wallet !== undefined && wallet.balance >= v.amount));
      this.denyNext = false;
      if (ok && wallet && this.card?.storedValue) wallet.balance -= v.amount;
      this.vends.push({ wallet: v.wallet, amount: v.amount, result: ok ? 'approved' : 'denied' });
      this.emit('vend', ok ? 'approved' : 'denied', v.amount, v.wallet);
    }
    this.current = S('READY_FOR_TRANSACTION');
    this.steps.push({ bytes: S(ok ? 'VEND_OK' : 'VEND_FAILED') });
  }

  /**
   * A power cut (see `powerCycle`): the reader forgets its set-up, the session and a vend not yet finished (it is
   * not drawn); the card and its wallets are kept (they are on the card). It comes back INACTIVE, waiting for SETUP.
   */
  protected override powerLost(): void {
    this.steps.length = 0;
    this.pendingVend = undefined;
    this.sessionOpen = false;
    this.enabledFlag = false;
    this.current = S('INACTIVE');
  }

  protected handle(key: CardCommandName, _def: CommandDef<never, unknown>, data: Uint8Array): SimAnswer {
    const state = this.pollData()[0] ?? 0;
    if (state === 0x11 && key !== 'POLL') return illegal('BUSY with internal operations');
    switch (key) {
      case 'RESET':
        if ([0x08, 0x11, 0x12, 0x13].includes(state)) return illegal('RESET not valid while vending');
        this.steps.length = 0;
        this.current = S('INACTIVE');
        this.sessionOpen = false;
        this.enabledFlag = false;
        this.pendingVend = undefined;
        return ACK;
      case 'SETUP':
        if (this.current[0] === 0x01) this.current = S('DISABLED');
        return {
          data: CARD_COMMANDS.SETUP.encodeReply({
            level: 1,
            options: 0,
            fundRestoring: this.opts.fundRestoring ?? true,
            continuousPayment: this.opts.continuousPayment ?? false,
          }),
        };
      case 'POLL':
        return { data: this.pollData() };
      case 'ENABLE_DISABLE': {
        const enable = CARD_COMMANDS.ENABLE_DISABLE.decodeArgs(data);
        if (enable && state === 0x05) this.current = S('IDLING');
        else if (!enable && state === 0x06) this.current = S('DISABLED');
        else return illegal(`cannot ${enable ? 'enable' : 'disable'} in state ${state.toString(16)}`);
        this.enabledFlag = enable;
        return ACK;
      }
      case 'IDENTIFICATION':
        return { data: CARD_COMMANDS.IDENTIFICATION.encodeReply(this.identification) };
      case 'VEND_BEGIN_SESSION':
        if (state !== 0x06) return illegal('BEGIN SESSION only in IDLING');
        this.sessionOpen = true;
        this.processed.clear();
        if (this.card) this.current = S('READY_FOR_TRANSACTION');
        return ACK;
      case 'VEND_GET_FUNDS': {
        if (state !== 0x07) return illegal('GET FUNDS only in READY FOR TRANSACTION');
        const card = this.card;
        if (!card?.storedValue) return { data: Uint8Array.of(0xe8) };
        return {
          data: CARD_COMMANDS.VEND_GET_FUNDS.encodeReply({
            flag: 0xe0,
            storedValue: true,
            wallets: card.wallets.map((w, index) => ({
              index,
              currency: w.currency,
              raw: w.balance,
              decimals: w.decimals,
              balance: undefined,
            })),
          }),
        };
      }
      case 'VEND_REQUEST':
      case 'VEND_REQUEST_REFUND': {
        if (state !== 0x07) return illegal('VEND REQUEST only in READY FOR TRANSACTION');
        const a = CARD_COMMANDS.VEND_REQUEST.decodeArgs(data);
        if (this.processed.get(a.wallet) === a.accumulated) return ACK; // retransmission: already drawn
        this.processed.set(a.wallet, a.accumulated);
        this.pendingVend = { ...a, refund: key === 'VEND_REQUEST_REFUND' };
        this.current = S('VENDING');
        for (let i = 0; i < (this.opts.vendPolls ?? 1); i++) this.steps.push({ bytes: S('VENDING') });
        for (let i = 0; i < this.delayNext; i++) this.steps.push({ bytes: S('DELAYED') });
        this.delayNext = 0;
        return ACK;
      }
      case 'VEND_CANCEL':
        if (state !== 0x08 || !this.pendingVend) return illegal('CANCEL only while VENDING');
        this.pendingVend = undefined;
        this.steps.length = 0;
        this.current = S('IDLING');
        this.sessionOpen = false;
        return { data: Uint8Array.of(0x06) };
      case 'VEND_SESSION_COMPLETE':
        if (![0x07, 0x12, 0x13].includes(state) && !this.sessionOpen) return illegal('no session');
        this.steps.length = 0;
        this.sessionOpen = false;
        this.current = S(this.enabledFlag ? 'IDLING' : 'DISABLED');
        return ACK;
      case 'DOWNLOAD':
        return illegal('DOWNLOAD not defined for card readers');
      default:
        return illegal(`unknown ${String(key)}`);
    }
  }
}
