/**
 * The CCNET card reader in the service (`CardReader` of kioskbus/ccnet): card taps are events, and a vend charges a
 * card: BEGIN SESSION, wait for the card, GET FUNDS, VEND REQUEST (sent once; in doubt: `uncertain`), SESSION COMPLETE.
 */
import { ErrorCode, isKioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { CardReader } from '../../ccnet/index.js';
import type { CardReaderSimulator } from '../../ccnet/simulator/index.js';
import { payoutFailure, refused } from './base.js';
import { CcnetServiceDevice, type Common } from './ccnet-common.js';
import type { PayoutResult, SimAction } from './types.js';

/** How long a vend waits for a card by default. */
export const VEND_CARD_WAIT_MS = 30_000;

export class CcnetCardDevice extends CcnetServiceDevice<CardReader, CardReaderSimulator> {
  private readonly currency: string;
  private vending = false;

  constructor(options: Common & { host: CardReader; sim?: CardReaderSimulator; currency?: string }) {
    super(options, ['tap', 'power-cut', 'lose-answer'], 'VEND_REQUEST');
    this.snap.canVend = true;
    this.currency = options.currency ?? 'EUR';
    const host = this.host;
    host.on('cardReady', () => {
      this.report({ type: 'card_ready' });
    });
    host.on('vendApproved', () => {
      this.report({ type: 'vend_approved' });
    });
    host.on('vendDenied', () => {
      this.report({ type: 'vend_denied' });
    });
    host.on('fault', (state) => {
      this.report({ type: 'fault', state: state.name });
    });
    this.followLink(host);
  }

  protected async open(): Promise<void> {
    const { identification } = await this.host.initialize();
    this.host.start();
    this.update({ model: identification.partNumber, currency: this.currency });
  }

  /**
   * Charges `amount` to a card: opens a vend session (when the reader idles), waits up to `waitMs` for a card, reads
   * its funds, sends VEND REQUEST once and waits for VEND OK / VEND FAILED, then completes the session. `paid` is what
   * the card was charged; a denied vend is `refused`; a VEND REQUEST whose answer is in doubt is `uncertain`.
   */
  async vend(amount: Money, waitMs = VEND_CARD_WAIT_MS): Promise<PayoutResult> {
    if (!this.snap.online) return refused(amount, `${this.id} is offline`, ErrorCode.Offline);
    if (!this.snap.enabled) return refused(amount, `${this.id} is disabled`, ErrorCode.DeviceDisabled);
    if (this.vending) return refused(amount, `${this.id} runs another vend`, ErrorCode.DeviceBusy);
    this.vending = true;
    this.setState('busy');
    let requested = false;
    try {
      // the state as it is now (the poll loop's last one may be older than a SESSION COMPLETE)
      const now = await this.host.poll();
      if (now.name !== 'READY_FOR_TRANSACTION') {
        if (now.name !== 'IDLING') {
          return refused(amount, `${this.id} cannot start a vend in state ${now.name}`, ErrorCode.DeviceBusy);
        }
        const ready = this.host.waitForState(['READY_FOR_TRANSACTION'], waitMs);
        ready.catch(() => undefined);
        await this.host.beginSession();
        this.report({ type: 'vend_waiting_for_card', amount });
        await ready;
      }
      await this.host.getFunds();
      requested = true;
      const result = await this.host.vend(amount);
      if (result === 'approved') return { status: 'paid', requested: amount, paid: amount };
      return refused(amount, 'the card reader denied the vend', ErrorCode.PayoutRefused);
    } catch (error) {
      if (!requested) {
        const code = isKioskbusError(error) ? error.code : undefined;
        return refused(amount, `no vend: ${error instanceof Error ? error.message : String(error)}`, code);
      }
      return payoutFailure(error, amount);
    } finally {
      await this.host.sessionComplete().catch(() => undefined);
      this.vending = false;
      this.setState(this.idleState());
    }
  }

  protected override act(action: SimAction): void {
    const sim = this.simFor(action);
    if (this.actCommon(action)) return;
    if (action.action === 'tap') {
      const balance = action.value ?? { amount: 5000, currency: this.currency };
      sim.tapCard({
        storedValue: true,
        wallets: [{ currency: balance.currency, balance: balance.amount, decimals: 2 }],
      });
      this.report({ type: 'card_tapped', balance });
    } else {
      throw this.unsupported(action);
    }
  }
}
