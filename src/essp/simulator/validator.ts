/**
 * The banknote path of an ITL validator (NV200, NV9USB, NV10USB, BV20, BV50, BV100) as a state machine on the
 * injected clock:
 *
 *   insert → reading (READ_NOTE 0) → escrow (READ_NOTE ch) → [next POLL] stacking (NOTE_STACKING)
 *          → CREDIT_NOTE ch → NOTE_STACKED                      (accepted)
 *   reading/escrow → rejecting (NOTE_REJECTING) → NOTE_REJECTED  (bad note, inhibited channel, REJECT, watchdog, DISABLE)
 *
 * plus the cashbox (removed/replaced, full), jams (safe/unsafe), fraud, the note path (NV200), the last reject code,
 * the counters and the cosmetic settings (display, bezel, bar code). Commands that only this part answers are handled
 * here; the device core handles link, encryption and the generic commands.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import { BEZEL_TYPES } from '../commands.js';
import { BAR_CODE_READERS, validatorSetup } from '../decoders.js';
import type { Handlers, PowerUpOptions, SimBehaviour, SimCore } from './behaviour.js';
import type { SimEvent } from './event-queue.js';
import type { SimChannel } from './profiles.js';
import { cannotProcess, fail } from './replies.js';

/** LAST_REJECT_CODE values the simulator produces (research §3.9). */
export const RejectCode = {
  Accepted: 0x00,
  LengthFail: 0x01,
  AverageFail: 0x02,
  CoastlineFail: 0x03,
  ChannelInhibit: 0x06,
  RejectByHost: 0x08,
  DisabledByHost: 0x0c,
  FraudChannel: 0x0f,
  EscrowTimeout: 0x13,
  UnableToStack: 0x1d,
} as const;

export type NotePhase = 'reading' | 'escrow' | 'stacking' | 'rejecting' | 'jammed';

export interface NoteInPath {
  /** Channel of the note (0 = not recognised). */
  channel: number;
  phase: NotePhase;
  /** CREDIT_NOTE was queued (the note passed the point of no return). */
  credited: boolean;
  /** READ_NOTE with the channel was carried by a poll reply: the next POLL accepts the note. */
  escrowReported: boolean;
  /** Why the note is rejected after reading (when set). */
  rejectCode?: number;
  /** A bar code ticket (its data) instead of a banknote: escrow is BAR_CODE_TICKET_VALIDATED, no credit. */
  ticket?: string;
}

export interface InsertNoteOptions {
  /** Reject the note after reading with this LAST_REJECT_CODE value (e.g. 0x02 average fail). */
  rejectCode?: number;
  /** A counterfeit: rejected after reading (reject code 0x02 unless `rejectCode` is given). */
  counterfeit?: boolean;
}

export type InsertResult = { taken: true } | { taken: false; reason: string };

export interface ValidatorCounters {
  stacked: number;
  stored: number;
  dispensed: number;
  transferred: number;
  rejected: number;
}

export interface ValidatorState {
  /** Channel acceptance, index 0 = channel 1 (true: enabled by SET_INHIBITS). */
  inhibits: boolean[];
  note: NoteInPath | undefined;
  jam: 'safe' | 'unsafe' | undefined;
  cashbox: { present: boolean; notes: number; capacity: number; byChannel: Record<number, number> };
  stackerFull: boolean;
  notePathOpen: boolean;
  lastRejectCode: number;
  counters: ValidatorCounters;
  display: boolean;
  bezel: { red: number; green: number; blue: number; volatile: boolean; type: number };
  barcode: {
    enabled: number;
    format: number;
    characters: number;
    inhibit: number;
    /** The last ticket and its GET_BAR_CODE_DATA status (1 escrow, 2 stacked, 3 rejected). */
    last?: { data: string; status: number };
  };
}

function initialCounters(): ValidatorCounters {
  return { stacked: 0, stored: 0, dispensed: 0, transferred: 0, rejected: 0 };
}

export class NoteValidator implements SimBehaviour {
  readonly name = 'validator';
  readonly state: ValidatorState;
  /** Payout devices: takes an accepted note into the payout store instead of the cashbox (true when it did). */
  storeNote: ((channel: number) => boolean) | undefined;
  /** Payout devices: told of every note that goes into the cashbox (money accounting). */
  onCashbox: ((channel: number) => void) | undefined;

  constructor(
    private readonly core: SimCore,
    private readonly channels: readonly SimChannel[],
    capacity: number,
  ) {
    this.state = {
      inhibits: channels.map(() => false),
      note: undefined,
      jam: undefined,
      cashbox: { present: true, notes: 0, capacity, byChannel: {} },
      stackerFull: false,
      notePathOpen: false,
      lastRejectCode: RejectCode.Accepted,
      counters: initialCounters(),
      display: true,
      bezel: { red: 0, green: 0, blue: 255, volatile: true, type: 0 },
      barcode: { enabled: 0, format: 1, characters: 6, inhibit: 0xfe },
    };
  }

  // ---- scripting -------------------------------------------------------------------------------------------------

  /** A person puts a note into the bezel. Returns whether the device drew it in (and why not). */
  insertNote(channel: number, options: InsertNoteOptions = {}): InsertResult {
    if (!Number.isInteger(channel) || channel < 0 || channel > 255) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `insertNote: channel must be 0..255, got ${String(channel)}`);
    }
    const s = this.state;
    const refuse = this.refusal();
    if (refuse) return { taken: false, reason: refuse };
    const rejectCode =
      options.rejectCode ??
      (options.counterfeit
        ? RejectCode.AverageFail
        : channel === 0 || channel > this.channels.length
          ? RejectCode.CoastlineFail
          : undefined);
    s.note = { channel, phase: 'reading', credited: false, escrowReported: false };
    if (rejectCode !== undefined) s.note.rejectCode = rejectCode;
    this.core.events.push({ name: 'READ_NOTE', channel: 0 });
    this.core.note(`note inserted (channel ${channel})`);
    const note = s.note;
    this.core.schedule(this.core.timing.readMs, () => {
      if (s.note === note && note.phase === 'reading') this.validated(note);
    });
    return { taken: true };
  }

  /**
   * A bar code ticket in the bezel (NV200, SMART Payout with a reader): read → BAR_CODE_TICKET_VALIDATED (escrow,
   * GET_BAR_CODE_DATA returns it) → the next POLL accepts it → NOTE_STACKING → BAR_CODE_TICKET_ACKNOWLEDGE. Refused
   * when no reader is enabled, tickets are inhibited or the data does not have the configured length.
   */
  insertTicket(data: string): InsertResult {
    const s = this.state;
    if (!/^[\x20-\x7e]*$/.test(data)) throw new KioskbusError(ErrorCode.InvalidArgument, 'insertTicket: ASCII data');
    const refuse = this.refusal(true);
    if (refuse) return { taken: false, reason: refuse };
    if (s.barcode.enabled === 0) return { taken: false, reason: 'no bar code reader enabled' };
    if ((s.barcode.inhibit & 0x02) !== 0) return { taken: false, reason: 'bar code tickets inhibited' };
    if (data.length !== s.barcode.characters) {
      return { taken: false, reason: `ticket must have ${s.barcode.characters} characters` };
    }
    const note: NoteInPath = { channel: 0, phase: 'reading', credited: false, escrowReported: false, ticket: data };
    s.note = note;
    this.core.events.push({ name: 'READ_NOTE', channel: 0 });
    this.core.note(`ticket inserted (${data})`);
    this.core.schedule(this.core.timing.readMs, () => {
      if (s.note !== note || note.phase !== 'reading') return;
      if (!this.core.enabled) {
        this.startReject(note, RejectCode.DisabledByHost);
        return;
      }
      note.phase = 'escrow';
      s.barcode.last = { data, status: 1 };
      this.core.events.push({ name: 'BAR_CODE_TICKET_VALIDATED' });
      this.core.note(`ticket in escrow (${data})`);
    });
    return { taken: true };
  }

  /** Why a note would not be drawn in now, or undefined when it would. */
  refusal(ticket = false): string | undefined {
    const s = this.state;
    if (!this.core.enabled) return 'disabled';
    if (s.note) return `busy (a note is ${s.note.phase})`;
    if (s.jam) return `jammed (${s.jam})`;
    if (!s.cashbox.present) return 'cashbox removed';
    if (s.stackerFull) return 'stacker full';
    if (s.notePathOpen) return 'note path open';
    if (!ticket && !s.inhibits.some(Boolean)) return 'all channels inhibited';
    return undefined;
  }

  /** A note jams. With a note in the path it stays stuck (no credit unless it was already credited). */
  jam(kind: 'safe' | 'unsafe'): void {
    const s = this.state;
    s.jam = kind;
    if (s.note) s.note.phase = 'jammed';
    this.core.events.push({ name: kind === 'safe' ? 'SAFE_NOTE_JAM' : 'UNSAFE_NOTE_JAM' });
    this.core.note(`${kind} jam`);
  }

  /** Service clears the jam; a stuck note is taken out by hand (not credited unless it already was). */
  clearJam(): void {
    const s = this.state;
    if (!s.jam) return;
    s.jam = undefined;
    const note = s.note;
    if (note?.credited) this.intoCashbox(note.channel);
    s.note = undefined;
    this.core.note('jam cleared');
  }

  /** A fraud attempt (string, tape): FRAUD_ATTEMPT with the note's channel; a note not yet credited is lost. */
  fraud(channel?: number): void {
    if (!this.core.profile.features.fraud) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `${this.core.profile.model} has no FRAUD_ATTEMPT event`);
    }
    const s = this.state;
    const ch = channel ?? s.note?.channel ?? 0;
    if (s.note && !s.note.credited) s.note = undefined;
    this.core.events.push({ name: 'FRAUD_ATTEMPT', channel: ch });
    this.core.note(`fraud attempt (channel ${ch})`);
  }

  removeCashbox(): void {
    this.needCashboxDetection();
    const s = this.state;
    if (!s.cashbox.present) return;
    s.cashbox.present = false;
    this.core.events.push({ name: 'CASHBOX_REMOVED' });
    this.core.note('cashbox removed');
  }

  /** Puts the cashbox back; `empty` (default true) means it was emptied meanwhile. */
  replaceCashbox(options: { empty?: boolean } = {}): void {
    this.needCashboxDetection();
    const s = this.state;
    if (s.cashbox.present) return;
    s.cashbox.present = true;
    if (options.empty ?? true) {
      s.cashbox.notes = 0;
      s.cashbox.byChannel = {};
      s.stackerFull = false;
    }
    this.core.events.push({ name: 'CASHBOX_REPLACED' });
    this.core.note('cashbox replaced');
  }

  /** Sets how many notes the cashbox holds (reaching the capacity raises STACKER_FULL on the next stack). */
  setCashboxLevel(notes: number): void {
    const s = this.state;
    s.cashbox.notes = Math.max(0, Math.floor(notes));
    if (s.cashbox.notes < s.cashbox.capacity) s.stackerFull = false;
    else this.markFull();
  }

  /** NV200: the note path lid is opened / closed. */
  setNotePathOpen(open: boolean): void {
    if (!this.core.profile.features.notePathOpen) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `${this.core.profile.model} has no NOTE_PATH_OPEN event`);
    }
    const s = this.state;
    if (s.notePathOpen === open) return;
    s.notePathOpen = open;
    if (open) this.core.events.push({ name: 'NOTE_PATH_OPEN' });
  }

  private needCashboxDetection(): void {
    if (!this.core.profile.features.cashboxDetection) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `${this.core.profile.model} does not detect its cashbox (no CASHBOX_REMOVED/REPLACED events)`,
      );
    }
  }

  // ---- the note path ---------------------------------------------------------------------------------------------

  private validated(note: NoteInPath): void {
    const inhibited = note.channel >= 1 && !(this.state.inhibits[note.channel - 1] ?? false);
    const code =
      note.rejectCode ??
      (inhibited ? RejectCode.ChannelInhibit : this.core.enabled ? undefined : RejectCode.DisabledByHost);
    if (code !== undefined) {
      this.startReject(note, code);
      return;
    }
    note.phase = 'escrow';
    this.core.events.push({ name: 'READ_NOTE', channel: note.channel });
    this.core.note(`note in escrow (channel ${note.channel})`);
  }

  private startReject(note: NoteInPath, code: number): void {
    const s = this.state;
    note.phase = 'rejecting';
    s.lastRejectCode = code;
    s.counters.rejected += 1;
    this.core.events.push({ name: 'NOTE_REJECTING' });
    this.core.note(`rejecting note (reason 0x${code.toString(16).padStart(2, '0')})`);
    this.core.schedule(this.core.timing.rejectMs, () => {
      if (s.note !== note || note.phase !== 'rejecting') return;
      s.note = undefined;
      if (note.ticket !== undefined) s.barcode.last = { data: note.ticket, status: 3 };
      this.core.events.push({ name: 'NOTE_REJECTED' });
    });
  }

  private accept(note: NoteInPath): void {
    const s = this.state;
    note.phase = 'stacking';
    s.lastRejectCode = RejectCode.Accepted;
    this.core.events.push({ name: 'NOTE_STACKING' });
    const { creditMs, stackMs } = this.core.timing;
    const ticket = note.ticket;
    if (ticket !== undefined) {
      // a ticket carries no credit: the host reads its value from its own ticket system
      this.core.schedule(stackMs, () => {
        if (s.note !== note || note.phase !== 'stacking') return;
        s.note = undefined;
        s.cashbox.notes += 1;
        s.barcode.last = { data: ticket, status: 2 };
        this.core.events.push({ name: 'BAR_CODE_TICKET_ACKNOWLEDGE' });
        this.core.note(`ticket stacked (${ticket})`);
        if (s.cashbox.notes >= s.cashbox.capacity) this.markFull();
      });
      return;
    }
    this.core.schedule(Math.min(creditMs, stackMs), () => {
      if (s.note !== note || note.phase !== 'stacking') return;
      note.credited = true;
      this.core.events.push({ name: 'CREDIT_NOTE', channel: note.channel });
      this.core.note(`credit (channel ${note.channel})`);
    });
    this.core.schedule(stackMs, () => {
      if (s.note !== note || note.phase !== 'stacking' || !note.credited) return;
      s.note = undefined;
      if (this.storeNote?.(note.channel)) return;
      this.intoCashbox(note.channel);
      this.core.events.push({ name: 'NOTE_STACKED' });
      if (s.cashbox.notes >= s.cashbox.capacity) this.markFull();
    });
  }

  private intoCashbox(channel: number): void {
    const s = this.state;
    s.cashbox.notes += 1;
    s.cashbox.byChannel[channel] = (s.cashbox.byChannel[channel] ?? 0) + 1;
    s.counters.stacked += 1;
    this.onCashbox?.(channel);
  }

  private markFull(): void {
    if (this.state.stackerFull) return;
    this.state.stackerFull = true;
    this.core.events.push({ name: 'STACKER_FULL' });
  }

  // ---- behaviour hooks -------------------------------------------------------------------------------------------

  beforePoll(): void {
    const note = this.state.note;
    if (note?.phase === 'escrow' && note.escrowReported) this.accept(note);
  }

  afterPoll(reported: readonly SimEvent[]): void {
    const note = this.state.note;
    if (note?.phase !== 'escrow') return;
    const escrowEvent = (e: SimEvent): boolean =>
      note.ticket !== undefined
        ? e.name === 'BAR_CODE_TICKET_VALIDATED'
        : e.name === 'READ_NOTE' && e.channel === note.channel;
    if (reported.some(escrowEvent)) note.escrowReported = true;
  }

  statusEvents(): SimEvent[] {
    const s = this.state;
    const out: SimEvent[] = [];
    const note = s.note;
    if (note?.phase === 'reading') out.push({ name: 'READ_NOTE', channel: 0 });
    else if (note?.phase === 'escrow') {
      out.push(
        note.ticket !== undefined
          ? { name: 'BAR_CODE_TICKET_VALIDATED' }
          : { name: 'READ_NOTE', channel: note.channel },
      );
    } else if (note?.phase === 'stacking') out.push({ name: 'NOTE_STACKING' });
    else if (note?.phase === 'rejecting') out.push({ name: 'NOTE_REJECTING' });
    if (s.jam === 'safe') out.push({ name: 'SAFE_NOTE_JAM' });
    if (s.jam === 'unsafe') out.push({ name: 'UNSAFE_NOTE_JAM' });
    if (!s.cashbox.present) out.push({ name: 'CASHBOX_REMOVED' });
    if (s.notePathOpen) out.push({ name: 'NOTE_PATH_OPEN' });
    return out;
  }

  watchdogExpired(): void {
    const note = this.state.note;
    if (note?.phase === 'escrow') this.startReject(note, RejectCode.EscrowTimeout);
  }

  disabled(): void {
    const note = this.state.note;
    if (note?.phase === 'escrow') this.startReject(note, RejectCode.DisabledByHost);
  }

  powerUp(options: PowerUpOptions): void {
    const s = this.state;
    const features = this.core.profile.features;
    let inside = options.noteInside;
    if (inside === undefined && s.note) {
      const note = s.note;
      if (note.credited) {
        this.intoCashbox(note.channel); // already credited: it finishes into the cashbox silently
        inside = false;
      } else if (note.phase === 'stacking') {
        inside = { channel: note.channel, to: 'cashbox' };
      } else {
        inside = { channel: note.phase === 'reading' ? 0 : note.channel, to: 'front' };
      }
    }
    s.note = undefined;
    s.jam = undefined;
    s.inhibits = this.channels.map(() => false);
    if (inside) {
      if (inside.to === 'cashbox') {
        this.intoCashbox(inside.channel);
        if (features.clearedIntoCashbox) {
          this.core.events.push({ name: 'NOTE_CLEARED_TO_CASHBOX', channel: inside.channel });
        }
      } else if (features.clearedFromFront) {
        this.core.events.push({ name: 'NOTE_CLEARED_FROM_FRONT', channel: inside.channel });
      }
    }
  }

  snapshot(): Record<string, unknown> {
    return { ...this.state };
  }

  /** The SETUP_REQUEST content at the current protocol version. */
  setup(): ReturnType<typeof validatorSetup> {
    const p = this.core.profile;
    return validatorSetup({
      unitType: p.unitType,
      firmware: p.firmware,
      currency: p.country,
      channels: this.channels,
      protocolVersion: this.core.protocolVersion,
    });
  }

  // ---- commands --------------------------------------------------------------------------------------------------

  handlers(): Handlers {
    const s = this.state;
    const p = this.core.profile;
    return {
      SETUP_REQUEST: () => this.setup(),
      UNIT_DATA: () => ({
        unitType: p.unitType,
        firmware: p.firmware,
        currency: p.country,
        valueMultiplier: 1,
        protocolVersion: this.core.protocolVersion,
      }),
      CHANNEL_VALUE_REQUEST: () => {
        const setup = this.setup();
        return {
          channelValues: setup.channelValues,
          ...(setup.channelCurrencies ? { channelCurrencies: setup.channelCurrencies } : {}),
          ...(setup.expandedValues ? { expandedValues: setup.expandedValues } : {}),
          channels: [],
        };
      },
      CHANNEL_SECURITY_DATA: () => ({ levels: this.channels.map(() => 2) }),
      SET_CHANNEL_INHIBITS: ({ channels }) => {
        const accepting = s.inhibits.some(Boolean);
        s.inhibits = this.channels.map((_, i) => channels[i] === true);
        // protocol >= 7: an enabled validator whose last channel was inhibited says so once (GA138 0xB5)
        if (accepting && !s.inhibits.some(Boolean) && this.core.enabled && this.core.protocolVersion >= 7) {
          this.core.events.push({ name: 'CHANNEL_DISABLE' });
        }
      },
      REJECT_BANKNOTE: () => {
        const note = s.note;
        if (note?.phase !== 'escrow') cannotProcess(undefined, 'no note in escrow');
        this.startReject(note, RejectCode.RejectByHost);
      },
      // The watchdog restart happens for every command; HOLD only says whether a note is held.
      HOLD: () => {
        if (s.note?.phase !== 'escrow') fail('no note in escrow');
      },
      LAST_REJECT_CODE: () => ({ code: s.lastRejectCode }),
      DISPLAY_ON: () => {
        s.display = true;
      },
      DISPLAY_OFF: () => {
        s.display = false;
      },
      CONFIGURE_BEZEL: (a) => {
        const type = a.type === undefined ? 0 : BEZEL_TYPES.indexOf(a.type);
        s.bezel = { red: a.red, green: a.green, blue: a.blue, volatile: a.volatile, type };
      },
      GET_BAR_CODE_READER_CONFIGURATION: () => ({
        hardware: 'top',
        enabled: BAR_CODE_READERS[s.barcode.enabled & 3] ?? 'none',
        format: s.barcode.format,
        numChar: s.barcode.characters,
      }),
      SET_BAR_CODE_CONFIGURATION: (a) => {
        s.barcode = {
          ...s.barcode,
          enabled: BAR_CODE_READERS.indexOf(a.enable),
          format: a.format,
          characters: a.numChar,
        };
      },
      GET_BAR_CODE_INHIBIT_STATUS: () => ({ raw: s.barcode.inhibit }),
      SET_BAR_CODE_INHIBIT_STATUS: (a) => {
        s.barcode.inhibit = 0xfc | (a.currencyRead ? 0 : 1) | (a.barCode ? 0 : 2);
      },
      GET_BAR_CODE_DATA: () =>
        s.barcode.last ? { statusCode: s.barcode.last.status, data: s.barcode.last.data } : { statusCode: 0, data: '' },
      GET_COUNTERS: () => {
        const c = s.counters;
        return { counters: [c.stacked, c.stored, c.dispensed, c.transferred, c.rejected] };
      },
      RESET_COUNTERS: () => {
        s.counters = initialCounters();
      },
    };
  }
}
