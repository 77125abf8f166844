/**
 * SMART Payout (NV200 + payout module, unit type 0x06, address 0x00) on an eSSP bus: a note validator that stores
 * notes routed to the payout and pays them out. Everything of `SspValidator` (credit, escrow, reject, ...) plus the
 * payout family of `PayoutDevice` (payout, float, empty, smart empty, levels, routes, ...), refill mode and the
 * payout enable options (REQUIRE_FULL_STARTUP, OPTIMISE_FOR_PAYIN_SPEED; firmware >= 4.16).
 */
import type { SspBus } from '../bus.js';
import type { ChannelInfo } from '../commands.js';
import type { RejectReason } from '../tables/reject.js';
import { noteRuntime, PayoutDevice, type PayoutCommonOptions } from './payout-common.js';
import type { NoteInfo, SspValidator, SspValidatorOptions } from './validator.js';

/** ENABLE_PAYOUT_DEVICE options of the SMART Payout (firmware >= 4.16). */
export interface SmartPayoutEnableOptions {
  /** Bit 0: the payout starts only after a full start-up check. */
  requireFullStartup?: boolean;
  /** Bit 1: optimise note handling for pay-in speed. */
  optimiseForPayinSpeed?: boolean;
}

export interface SmartPayoutOptions extends SspValidatorOptions, PayoutCommonOptions {
  /** ENABLE_PAYOUT_DEVICE at every start-up (default true), optionally with its option bits; false: leave it. */
  enablePayout?: boolean | SmartPayoutEnableOptions;
}

export class SmartPayout extends PayoutDevice {
  readonly runtime: SspValidator;

  constructor(
    bus: SspBus,
    protected readonly options: SmartPayoutOptions = {},
  ) {
    super(options);
    // Payout events (DISPENSED, INCOMPLETE_PAYOUT, ...) repeat until acknowledged: poll with ACK by default.
    this.runtime = noteRuntime(bus, { pollWithAck: true, ...options }, this.hooks());
  }

  // ---- the note validator ----------------------------------------------------------------------------------------

  get channels(): readonly ChannelInfo[] {
    return this.runtime.channels;
  }

  get escrow(): NoteInfo | undefined {
    return this.runtime.escrow;
  }

  hold(): void {
    this.runtime.hold();
  }

  accept(): void {
    this.runtime.accept();
  }

  reject(): Promise<void> {
    return this.runtime.reject();
  }

  setAcceptedValues(values: readonly number[]): Promise<void> {
    return this.runtime.setAcceptedValues(values);
  }

  lastRejectReason(): Promise<RejectReason> {
    return this.runtime.lastRejectReason();
  }

  // ---- the payout ------------------------------------------------------------------------------------------------

  /** ENABLE_PAYOUT_DEVICE with its options: notes routed to the payout are stored, payouts are accepted. */
  async enablePayout(options: SmartPayoutEnableOptions = {}): Promise<void> {
    await this.enablePayoutDevice(options);
  }

  /** DISABLE_PAYOUT_DEVICE: every note goes to the cashbox, payouts are refused (DEVICE_DISABLED). */
  async disablePayout(): Promise<void> {
    await this.command('DISABLE_PAYOUT_DEVICE');
  }

  /** Refill mode: notes routed to the payout but unfit for storage are rejected instead of stacked. */
  async setRefillMode(on: boolean): Promise<void> {
    await this.command('SET_REFILL_MODE', { mode: on ? 'on' : 'off' });
  }

  async refillMode(): Promise<boolean> {
    return (await this.command('SET_REFILL_MODE', { mode: 'get' })).enabled === true;
  }

  protected override async configurePayout(): Promise<void> {
    await super.configurePayout();
    const enable = this.options.enablePayout ?? true;
    if (enable !== false) await this.enablePayoutDevice(enable === true ? {} : enable, true);
  }
}
