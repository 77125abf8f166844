/**
 * Host runtime for ITL note validators (NV9USB, NV10USB, NV200, BV20/50/100, ...): typed events (`credit` exactly
 * once per note, `escrow`, `rejected` with the LAST_REJECT_CODE reason, `stacked`, jams, fraud, cashbox, ...),
 * escrow control (`hold`, `accept`, `reject`), channels enabled by value, bar code tickets, bezel and counters.
 */
import { ErrorCode, KioskbusError, toKioskbusError } from '../../core/errors.js';
import type { SspBus } from '../bus.js';
import type { BezelArgs, ChannelInfo } from '../commands.js';
import type { BarCodeData, BarCodeReaders, CountersResult } from '../decoders.js';
import type { SspEvent } from '../events.js';
import type { RejectReason } from '../tables/reject.js';
import { SspDevice, type ReinitialiseReason, type SspDeviceEvents, type SspDeviceOptions } from './runtime.js';

export interface NoteInfo {
  /** 1-based channel. */
  channel: number;
  /** Minor units (undefined if the channel is not in the set-up table). */
  value: number | undefined;
  currency: string | undefined;
}

/** A credited note: always with its value (minor units) and currency. */
export interface CreditInfo {
  /** 1-based channel (0 for a SMART Currency note reported by value). */
  channel: number;
  /** Minor units. */
  value: number;
  currency: string;
}

/**
 * A CREDIT_NOTE for a channel that is not in the set-up table, even after the set-up was read again: the device took
 * a note the host cannot value. Reported once, like a credit (and acknowledged to the device), so the application
 * can settle it by hand; never guessed into a `credit`.
 */
export interface UnknownCreditInfo {
  channel: number;
  /** The event as it came from the device (code and channel byte). */
  raw: Uint8Array;
  /** The channels the set-up table lists. */
  known: number[];
}

export interface SspValidatorOptions extends SspDeviceOptions {
  /**
   * Channels to accept, by note value in minor units (e.g. [500, 1000, 2000]); notes of other values are inhibited.
   * Default: every channel.
   */
  acceptValues?: readonly number[];
  /** Channels to accept by number (1-based); combined with `acceptValues` when both are given. */
  acceptChannels?: readonly number[];
  /**
   * Keep every note in escrow until `accept()` or `reject()` (HOLD is re-sent every poll interval meanwhile). Default
   * false: a note in escrow is accepted by the next poll unless the `escrow` listener calls `hold()` or `reject()`.
   */
  holdInEscrow?: boolean;
  /** Bar code tickets: which readers to enable and the ticket length (NV200 with a bar code reader). */
  barCode?: { readers: BarCodeReaders; numChar?: number; acceptNotes?: boolean };
}

export interface SspValidatorEvents extends SspDeviceEvents {
  /** A note is being read (not yet identified). */
  reading: [];
  /** A note is held in escrow (READ_NOTE with a channel). Call `hold()`, `accept()` or `reject()`. */
  escrow: [note: NoteInfo];
  /** The note was credited: reported once per note, always with its value and currency. */
  credit: [note: CreditInfo];
  /**
   * A note was credited on a channel the set-up table does not know (not even after reading it again): reported once,
   * instead of a `credit` (see UnknownCreditInfo).
   */
  unknownCredit: [info: UnknownCreditInfo];
  rejecting: [];
  /** The note was given back, with the reason from LAST_REJECT_CODE. */
  rejected: [reason: RejectReason];
  stacking: [];
  stacked: [];
  jammed: [info: { safe: boolean }];
  fraud: [info: { channel: number }];
  stackerFull: [];
  cashboxRemoved: [];
  cashboxReplaced: [];
  /** The device reports itself disabled (emitted when it becomes so, not on every poll). */
  disabled: [];
  /** The device accepts notes again (after `disabled`). */
  enabled: [];
  /** A note was cleared from the note path at reset (to the front or into the cashbox). */
  noteCleared: [info: NoteInfo & { to: 'front' | 'cashbox' }];
  notePathOpen: [];
  channelDisable: [];
  /** A bar code ticket is held in escrow: its data. Accept or reject like a note. */
  barcode: [ticket: BarCodeData];
  /** The bar code ticket was stacked. */
  barcodeStacked: [];
}

/** A note validator on an eSSP bus. */
export class SspValidator extends SspDevice<SspValidatorEvents> {
  private readonly validatorOptions: SspValidatorOptions;
  private holding = false;
  private escrowNote: NoteInfo | undefined;
  /** The host's view of DISABLED (kept across start-ups, so that one DISABLED episode is reported once). */
  private deviceDisabled: boolean | undefined;
  private acceptValues: readonly number[] | undefined;
  private acceptChannels: readonly number[] | undefined;
  /** Progress events (reading, stacking, rejecting) of the previous poll: they repeat while the state lasts. */
  private previousProgress = new Set<string>();
  private currentProgress = new Set<string>();

  constructor(bus: SspBus, options: SspValidatorOptions = {}) {
    super(bus, options);
    this.validatorOptions = options;
    this.acceptValues = options.acceptValues;
    this.acceptChannels = options.acceptChannels;
  }

  /** Channels from SETUP_REQUEST (empty before the start-up). */
  get channels(): readonly ChannelInfo[] {
    return this.context.channels ?? [];
  }

  /** The note in escrow, if any. */
  get escrow(): NoteInfo | undefined {
    return this.escrowNote;
  }

  // ---- escrow ----------------------------------------------------------------------------------------------------

  /** Keeps the note in escrow: the poll loop sends HOLD instead of POLL (well inside the device's escrow time-out). */
  hold(): void {
    if (!this.escrowNote) {
      throw new KioskbusError(ErrorCode.WrongMode, 'no note in escrow to hold', { address: this.address });
    }
    this.holding = true;
  }

  /** Accepts the note in escrow: the next POLL stacks it (`credit` follows). */
  accept(): void {
    this.holding = false;
  }

  /** Gives the note in escrow back (REJECT_BANKNOTE); `rejected` follows. */
  async reject(): Promise<void> {
    this.holding = false;
    await this.command('REJECT_BANKNOTE');
  }

  // ---- device control --------------------------------------------------------------------------------------------

  /** Accepts notes of these values only (minor units); sends SET_CHANNEL_INHIBITS now if started. */
  async setAcceptedValues(values: readonly number[]): Promise<void> {
    this.acceptValues = values;
    this.acceptChannels = undefined;
    if (this.setup) {
      await this.whenReady();
      await this.applyInhibits();
    }
  }

  /** Accepts these channels only (1-based). */
  async setAcceptedChannels(channels: readonly number[]): Promise<void> {
    this.acceptChannels = channels;
    this.acceptValues = undefined;
    if (this.setup) {
      await this.whenReady();
      await this.applyInhibits();
    }
  }

  async lastRejectReason(): Promise<RejectReason> {
    return this.command('LAST_REJECT_CODE');
  }

  async getCounters(): Promise<CountersResult> {
    return this.command('GET_COUNTERS');
  }

  async resetCounters(): Promise<void> {
    await this.command('RESET_COUNTERS');
  }

  async serialNumber(): Promise<number> {
    return (await this.command('GET_SERIAL_NUMBER', {})).serialNumber;
  }

  /** Bezel colour (NV200 and others with an RGB bezel). */
  async setBezel(colour: BezelArgs): Promise<void> {
    await this.command('CONFIGURE_BEZEL', colour);
  }

  async displayOn(): Promise<void> {
    await this.command('DISPLAY_ON');
  }

  async displayOff(): Promise<void> {
    await this.command('DISPLAY_OFF');
  }

  // ---- runtime hooks ---------------------------------------------------------------------------------------------

  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the same set-up for every reason
  protected override async configure(reason: ReinitialiseReason): Promise<void> {
    this.holding = false;
    this.escrowNote = undefined;
    await this.applyInhibits();
    const barCode = this.validatorOptions.barCode;
    if (barCode) {
      await this.execute('SET_BAR_CODE_CONFIGURATION', { enable: barCode.readers, numChar: barCode.numChar ?? 18 });
      await this.execute('SET_BAR_CODE_INHIBIT_STATUS', {
        currencyRead: barCode.acceptNotes ?? true,
        barCode: barCode.readers !== 'none',
      });
    }
  }

  protected override pollCommand(): 'HOLD' | undefined {
    return this.holding && this.escrowNote ? 'HOLD' : undefined;
  }

  /** HOLD refused (FAIL / CANNOT_PROCESS): the note is not in escrow any more; poll to learn what became of it. */
  protected override pollCommandRefused(): void {
    this.holding = false;
    this.escrowNote = undefined;
  }

  protected override async handleEvents(events: SspEvent[]): Promise<void> {
    for (const event of events) await this.handle(event);
  }

  private async applyInhibits(): Promise<void> {
    const channels = this.channels;
    const values = this.acceptValues;
    const numbers = this.acceptChannels;
    if (values) {
      const known = new Set(channels.map((c) => c.value));
      const missing = values.filter((v) => !known.has(v));
      if (missing.length > 0) {
        throw new KioskbusError(
          ErrorCode.InvalidArgument,
          `no channel has the value(s) ${missing.join(', ')}; the device has ${channels.map((c) => `${c.value} ${c.currency}`).join(', ')}`,
          { address: this.address },
        );
      }
    }
    const mask = channels.map(
      (c) =>
        (values === undefined && numbers === undefined) ||
        (values?.includes(c.value) ?? false) ||
        (numbers?.includes(c.channel) ?? false),
    );
    await this.execute('SET_CHANNEL_INHIBITS', { channels: mask });
  }

  private note(channel: number, value?: { value: number; currency: string }): NoteInfo {
    const info = value ?? this.channels.find((c) => c.channel === channel);
    return { channel, value: info?.value, currency: info?.currency };
  }

  private async handle(event: SspEvent): Promise<void> {
    switch (event.name) {
      case 'READ_NOTE':
        if (event.channel === 0 && event.value === undefined) {
          if (this.progress('reading')) this.emitTyped('reading');
          return;
        }
        if (this.escrowNote?.channel === event.channel) return; // still in escrow (reported again)
        this.escrowNote = this.note(event.channel, event.value);
        if (this.validatorOptions.holdInEscrow) this.holding = true;
        this.emitTyped('escrow', this.escrowNote);
        return;
      case 'CREDIT_NOTE':
        this.escrowNote = undefined;
        this.holding = false;
        await this.credit(event.code, event.channel, event.value);
        return;
      case 'NOTE_REJECTING':
        if (this.progress('rejecting')) this.emitTyped('rejecting');
        return;
      case 'NOTE_REJECTED': {
        this.escrowNote = undefined;
        this.holding = false;
        let reason: RejectReason;
        try {
          reason = await this.execute('LAST_REJECT_CODE');
        } catch (error) {
          this.emitTyped('error', toKioskbusError(error, ErrorCode.DeviceError, { address: this.address }));
          reason = { code: -1, name: 'UNKNOWN', reason: 'LAST_REJECT_CODE could not be read' };
        }
        this.emitTyped('rejected', reason);
        return;
      }
      case 'NOTE_STACKING':
        if (this.progress('stacking')) this.emitTyped('stacking');
        return;
      case 'NOTE_STACKED':
        this.emitTyped('stacked');
        return;
      case 'SAFE_NOTE_JAM':
      case 'UNSAFE_NOTE_JAM':
        this.emitTyped('jammed', { safe: event.name === 'SAFE_NOTE_JAM' });
        return;
      case 'FRAUD_ATTEMPT':
        this.escrowNote = undefined;
        this.holding = false;
        this.emitTyped('fraud', { channel: event.channel ?? 0 });
        return;
      case 'STACKER_FULL':
        this.emitTyped('stackerFull');
        return;
      case 'CASHBOX_REMOVED':
        this.emitTyped('cashboxRemoved');
        return;
      case 'CASHBOX_REPLACED':
        this.emitTyped('cashboxReplaced');
        return;
      case 'DISABLED':
        if (this.deviceDisabled !== true) {
          this.deviceDisabled = true;
          this.emitTyped('disabled');
          // disabled by the device itself (e.g. its no-command watchdog after a dark line) while the application
          // wants it enabled: the start-up runs again (once per episode: the flag resets only when DISABLED goes)
          this.disabledByDevice();
        }
        return;
      case 'NOTE_CLEARED_FROM_FRONT':
      case 'NOTE_CLEARED_TO_CASHBOX':
        this.emitTyped('noteCleared', {
          ...this.note(event.channel, event.value),
          to: event.name === 'NOTE_CLEARED_FROM_FRONT' ? 'front' : 'cashbox',
        });
        return;
      case 'NOTE_PATH_OPEN':
        this.emitTyped('notePathOpen');
        return;
      case 'CHANNEL_DISABLE':
        this.emitTyped('channelDisable');
        return;
      case 'BAR_CODE_TICKET_VALIDATED':
        try {
          this.emitTyped('barcode', await this.execute('GET_BAR_CODE_DATA'));
        } catch (error) {
          this.emitTyped('error', toKioskbusError(error, ErrorCode.DeviceError, { address: this.address }));
        }
        return;
      case 'BAR_CODE_TICKET_ACKNOWLEDGE':
        this.emitTyped('barcodeStacked');
        return;
      default:
        return;
    }
  }

  /**
   * Reports a credited note once: as a `credit` with its value, reading the set-up again first when the channel is
   * not in the table (a dataset changed behind the host's back); as `unknownCredit` when it is still unknown or the
   * set-up cannot be read now. Never throws: the poll's EVENT_ACK follows, the note has been reported.
   */
  private async credit(
    code: number,
    channel: number,
    carried: { value: number; currency: string } | undefined,
  ): Promise<void> {
    const known = (): { value: number; currency: string } | undefined =>
      carried ?? this.channels.find((c) => c.channel === channel);
    if (known() === undefined) {
      try {
        await this.refreshSetup();
      } catch (error) {
        this.emitTyped('error', toKioskbusError(error, ErrorCode.DeviceError, { address: this.address }));
      }
    }
    const info = known();
    if (info) {
      this.emitTyped('credit', { channel, value: info.value, currency: info.currency });
      return;
    }
    const raw = Uint8Array.of(code, channel);
    this.emitTyped('unknownCredit', { channel, raw, known: this.channels.map((c) => c.channel) });
  }

  /** Records a progress event of this poll; true when the previous poll did not report it (a new state). */
  private progress(name: string): boolean {
    this.currentProgress.add(name);
    return !this.previousProgress.has(name);
  }

  /** Called after every POLL reply: progress bookkeeping, and DISABLED gone means enabled again. */
  protected override afterPoll(events: SspEvent[]): void {
    this.previousProgress = this.currentProgress;
    this.currentProgress = new Set();
    if (this.deviceDisabled === true && !events.some((e) => e.name === 'DISABLED')) {
      this.deviceDisabled = false;
      this.emitTyped('enabled');
    }
  }
}
