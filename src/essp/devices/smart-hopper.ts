/**
 * SMART Hopper (unit type 0x03, default address 0x10): a coin store with an attached coin mechanism. The payout
 * family of `PayoutDevice` plus SET_DENOMINATION_LEVEL, the hopper options register (every REG0 bit, named), coin
 * mech inhibits (per coin and global) and the coin mech options. Coins accepted by the coin mech are reported with
 * `coinCredit` (once each).
 */
import type { SspBus } from '../bus.js';
import type { HopperOptions } from '../commands.js';
import { coinRuntime, PayoutDevice, type PayoutCommonOptions } from './payout-common.js';
import type { SspDevice, SspDeviceOptions } from './runtime.js';

export const SMART_HOPPER_ADDRESS = 0x10;
/** The SMART Hopper's no-command watchdog (GA973 §7.4). */
export const SMART_HOPPER_WATCHDOG_MS = 5000;

/** The named REG0 bits of SET_HOPPER_OPTIONS / GET_HOPPER_OPTIONS. */
export type HopperOptionName = Exclude<keyof HopperOptions, 'reg1'>;

export interface SmartHopperOptions extends SspDeviceOptions, PayoutCommonOptions {
  /** Enable (true) or inhibit (false) the attached coin mech at every start-up; default: leave it. */
  coinMech?: boolean;
  /** Hopper options to set at every start-up (the other bits keep the device's values). */
  hopperOptions?: Partial<Record<HopperOptionName, boolean>>;
}

export class SmartHopper extends PayoutDevice {
  readonly runtime: SspDevice;

  constructor(
    bus: SspBus,
    protected readonly options: SmartHopperOptions = {},
  ) {
    super(options);
    // GA973 §7.4: the SMART Hopper disables itself after 5 s without a command (note validators: 10 s)
    this.runtime = coinRuntime(
      bus,
      { address: SMART_HOPPER_ADDRESS, pollWithAck: true, watchdogMs: SMART_HOPPER_WATCHDOG_MS, ...options },
      this.hooks(),
    );
  }

  /** Adds `count` coins of a denomination to its level (0 clears the level). */
  async setDenominationLevel(value: number, count: number, currency?: string): Promise<void> {
    await this.command('SET_DENOMINATION_LEVEL', { value, count, currency: this.currencyOf(currency) });
  }

  /** Every REG0 bit, named, and REG1. */
  hopperOptions(): Promise<Required<HopperOptions>> {
    return this.command('GET_HOPPER_OPTIONS');
  }

  /** Changes the given bits, keeping the others as the device has them (reads them first). */
  async setHopperOptions(options: Partial<Record<HopperOptionName, boolean>> & { reg1?: number }): Promise<void> {
    const current = await this.hopperOptions();
    await this.command('SET_HOPPER_OPTIONS', { ...current, ...options });
  }

  /** Accept or inhibit one coin of the attached coin mech. */
  async setCoinInhibited(value: number, inhibited: boolean, currency?: string): Promise<void> {
    await this.command('SET_COIN_MECH_INHIBITS', { value, inhibited, currency: this.currencyOf(currency) });
  }

  /** Enable or inhibit the attached coin mech as a whole. */
  async setCoinMechEnabled(enable: boolean): Promise<void> {
    await this.command('SET_COIN_MECH_GLOBAL_INHIBIT', { enable });
  }

  /** Report ccTalk errors of the coin mech (`coinMechError`). */
  async setCoinMechOptions(options: { ccTalk: boolean }): Promise<void> {
    await this.command('COIN_MECH_OPTIONS', options);
  }

  protected override async configurePayout(): Promise<void> {
    await super.configurePayout();
    // from the start-up sequence: ungated commands (`exec`), the application's calls wait for it to end
    const options = this.options.hopperOptions;
    if (options) await this.exec('SET_HOPPER_OPTIONS', { ...(await this.exec('GET_HOPPER_OPTIONS')), ...options });
    if (this.options.coinMech !== undefined) {
      await this.exec('SET_COIN_MECH_GLOBAL_INHIBIT', { enable: this.options.coinMech });
    }
  }
}
