/**
 * NV11: a note validator with a note float that keeps notes last in, first out. PAYOUT_NOTE pays the last stored
 * note, STACK_NOTE moves it to the cashbox; GET_NOTE_POSITIONS lists the float (by value or by channel, per
 * SET_VALUE_REPORTING_TYPE). The NV11 has no PAYOUT_AMOUNT (research §2 #4): pay amounts note by note.
 */
import type { SspBus } from '../bus.js';
import type { ChannelInfo, NotePositionsResult } from '../commands.js';
import { noteRuntime, PayoutDevice, type PayoutCommonOptions } from './payout-common.js';
import type { NoteInfo, SspValidator, SspValidatorOptions } from './validator.js';

/** ENABLE_PAYOUT_DEVICE options of the NV11. */
export interface Nv11EnableOptions {
  /** Bit 0: NOTE_STORED_IN_PAYOUT carries the value. */
  giveValueOnStored?: boolean;
  /** Bit 1: a paid note is pushed out instead of being held in the bezel. */
  noHoldNoteOnPayout?: boolean;
}

export interface Nv11Options extends SspValidatorOptions, PayoutCommonOptions {
  /** ENABLE_PAYOUT_DEVICE at every start-up (default true), optionally with its option bits. */
  enablePayout?: boolean | Nv11EnableOptions;
  /** How notes are reported (SET_VALUE_REPORTING_TYPE at every start-up; default 'value'). */
  reportBy?: 'value' | 'channel';
}

export class Nv11 extends PayoutDevice {
  readonly runtime: SspValidator;
  private reportBy: 'value' | 'channel';

  constructor(
    bus: SspBus,
    protected readonly options: Nv11Options = {},
  ) {
    super(options);
    this.reportBy = options.reportBy ?? 'value';
    this.runtime = noteRuntime(bus, { pollWithAck: true, ...options }, this.hooks());
  }

  get channels(): readonly ChannelInfo[] {
    return this.runtime.channels;
  }

  get escrow(): NoteInfo | undefined {
    return this.runtime.escrow;
  }

  accept(): void {
    this.runtime.accept();
  }

  reject(): Promise<void> {
    return this.runtime.reject();
  }

  hold(): void {
    this.runtime.hold();
  }

  /** The notes in the float, first stored first (the last one is paid or stacked next). */
  notePositions(): Promise<NotePositionsResult> {
    return this.command('GET_NOTE_POSITIONS');
  }

  /** Pays out the last stored note (`dispensing`, `noteHeldInBezel`, `dispensed` follow). */
  async payoutNote(): Promise<void> {
    await this.moneyCommand('PAYOUT_NOTE', undefined, {});
  }

  /** Moves the last stored note to the cashbox (`noteTransferredToStacker` follows). */
  async stackNote(): Promise<void> {
    await this.moneyCommand('STACK_NOTE', undefined, {});
  }

  async setValueReporting(reportBy: 'value' | 'channel'): Promise<void> {
    await this.whenReady();
    await this.applyValueReporting(reportBy);
  }

  private async applyValueReporting(reportBy: 'value' | 'channel'): Promise<void> {
    await this.exec('SET_VALUE_REPORTING_TYPE', { reportBy });
    this.reportBy = reportBy;
    this.runtime.context = { ...this.runtime.context, valueReporting: reportBy };
  }

  async enablePayout(options: Nv11EnableOptions = {}): Promise<void> {
    await this.enablePayoutDevice(options);
  }

  async disablePayout(): Promise<void> {
    await this.command('DISABLE_PAYOUT_DEVICE');
  }

  protected override async configurePayout(): Promise<void> {
    await super.configurePayout();
    await this.applyValueReporting(this.reportBy);
    const enable = this.options.enablePayout ?? true;
    if (enable !== false) await this.enablePayoutDevice(enable === true ? {} : enable, true);
  }
}
