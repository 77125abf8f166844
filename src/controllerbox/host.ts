/**
 * The host side of the ControllerBox UART protocol (what the Android app does on the real kiosk): the device. It
 * composes the request bus (bus.ts), the inbox of statuses and events (inbox.ts) and, once started, the shared
 * life-cycle and poll loop of src/core (device-loop.ts), and adds the typed commands and the money rules.
 */
import { EventEmitter } from 'node:events';
import type { FramerStats } from '../core/accumulator.js';
import { parseHex, toHex } from '../core/bytes.js';
import { systemClock, type Clock } from '../core/clock.js';
import { DeviceLoop, type DeviceState, type InitReason } from '../core/device-loop.js';
import { ErrorCode, KioskbusError, toKioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { assertCurrency, assertMinorUnits, type Money } from '../core/money.js';
import { createTransport } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import { answerInDoubt, ControllerBoxBus } from './bus.js';
import { plausibleMessage } from './capture.js';
import { billDenominationSet } from './denominations.js';
import { CardLedger, type DispenseTicket } from './dispense.js';
import type { ControllerBoxHostEventMap, UnknownFrameEvent } from './events.js';
import { crcVariantName, type ControllerBoxFrame, type CrcVariant } from './frame.js';
import { ControllerBoxInbox } from './inbox.js';
import { encodeIssueDate, guessIssueDate, type IssueDate, type IssueDateFormat } from './issue-date.js';
import { ControllerBoxLink, type LinkOptions } from './link.js';
import {
  MessageTable,
  type CodecOptions,
  type CommandName,
  type MessageName,
  type MessageOf,
  type ResponseOf,
  type VersionTriple,
} from './messages.js';
import { UncertainOutcomeError, type UncertainOutcome } from './results.js';

export * from './events.js';
export * from './issue-date.js';
export * from './results.js';

const log = createLogger('controllerbox:host');

/** Line settings assumed for `ControllerBoxHost.open(path)`: the document gives no baud rate. */
export const CONTROLLERBOX_SERIAL_DEFAULTS = { baudRate: 115200, dataBits: 8, stopBits: 1, parity: 'none' } as const;

export interface ControllerBoxHostOptions extends LinkOptions {
  /** Reply timeout per command in ms (default 1000). */
  timeoutMs?: number;
  /** Reply timeout of RESET in ms (default 3000). */
  resetTimeoutMs?: number;
  /** Answer statuses and events with a response frame `78 <id> 01 <RESULT> ..` (default true). */
  ackEvents?: boolean;
  /**
   * An event frame byte-identical to the last frame from the box, within this many ms of its FIRST receipt, with no
   * other frame from the box in between, is the box's resend of an event whose answer it missed: answered, reported
   * as `duplicate`, not again as an event (default 1000; 0: off). A CARD_EVENT out on a dispenser with a dispense
   * waiting for its card is never taken for a resend. Keep it below the shortest time between two real bills.
   */
  duplicateWindowMs?: number;
  /**
   * Currency of MONEY and BILL_VALUE (default `VND`: the firmware family comes from Vietnam and VND has no
   * minor unit, so one protocol unit is one dong). Set it to what your box is configured for.
   */
  currency?: string;
  /** Minor units of `currency` per protocol unit (default 1: values are minor units). */
  minorUnitsPerUnit?: number;
  /**
   * Bill values (minor units of `currency`) the host credits; any other BILL_ACCEPTED is a suspect frame, never a
   * credit. Default: the notes of the currency (VND 100 .. 500 000; see denominations.ts); `null` credits any value.
   */
  billDenominations?: readonly number[] | null;
  /**
   * Number of card dispensers (TCD indexes 0..tcds-1). A CARD_EVENT or TCD_STATUS for another index is a suspect frame,
   * never a card: a box's reply `78 xx 01 <result>` whose id is damaged into 0x52 reads as a 1-byte CARD_EVENT of TCD
   * `<result>`. Default: any index.
   */
  tcds?: number;
  /** Extra or vendor-specific RESULT_CODE names. */
  resultCodes?: Readonly<Record<number, string>>;
  /** Message id overrides (research §5.2). */
  ids?: Partial<Record<MessageName, number>>;
  /** Status id dispatched by DATA_LEN (default 0x37; null disables). */
  legacyStatusId?: number | null;
  /** What a 1-byte status on the legacy id is (default BILL_ACCEPTOR_STATUS). */
  legacyOneByteStatus?: 'BILL_ACCEPTOR_STATUS' | 'DEVICE_ERROR';
  codec?: Partial<CodecOptions>;
  /** How to read ISSUE_DATE bytes for the `guess` (default `ymd`: year - 2000, month, day). */
  issueDateFormat?: IssueDateFormat | ((bytes: Uint8Array) => string | undefined);
  /** How long a DISPENSE_CARD whose answer was in doubt waits for its CARD_EVENT out (default 5000 ms). */
  dispenseConfirmMs?: number;
  // -- the poll loop (`start()`)
  /** Period of the keep-alive (REQUEST_VERSION) once started (default 1000 ms). */
  pollIntervalMs?: number;
  /** Silence after which a started box is `offline` (default 3000 ms). */
  offlineAfterMs?: number;
  /** Back-off of reopen and probe attempts while offline: first wait (default 250 ms), doubling up to reopenMaxMs. */
  reopenMinMs?: number;
  reopenMaxMs?: number;
  /** Longest wait of a command while the started box is not ready (default 5000 ms), then NOT_READY. */
  readyTimeoutMs?: number;
  /**
   * With status polling on: no status for this long means the box lost its setting (a power cut shorter than the
   * offline time), and the host sets the box up again (default 5000 ms; 0: never).
   */
  statusSilenceMs?: number;
}

export interface UpdateRfidOptions {
  /** RFID module index (default 0). */
  rfidIndex?: number;
  /** Card id: bytes, or hex text. */
  rfid: Uint8Array | string;
  /** Money on the card: a Money in the host's currency, or integer protocol units. */
  money: Money | number;
  /** ISSUE_DATE: 3 raw bytes, or `YYYY-MM-DD` written with the `ymd`/`dmy` issueDateFormat. */
  issueDate: Uint8Array | string;
}

export interface ControllerBoxVersion {
  firmware: VersionTriple;
  board: VersionTriple;
}

/**
 * ControllerBox host over a transport. Either call `open()` and then the commands, or `start()` to run it on the
 * shared life-cycle (keep-alive, `offline`/`online`, reopen, set-up again); listen for the typed events.
 *
 * ```ts
 * const box = await ControllerBoxHost.open('/dev/ttyS1', { crc: 'auto' });
 * box.on('billAccepted', (e) => credit(e.value));
 * await box.setStatusPolling(true);
 * await box.dispenseCard(0);
 * ```
 */
export class ControllerBoxHost extends EventEmitter<ControllerBoxHostEventMap> {
  readonly link: ControllerBoxLink;
  readonly table: MessageTable;
  readonly currency: string;
  private readonly bus: ControllerBoxBus;
  private readonly inbox: ControllerBoxInbox;
  private readonly cards: CardLedger;
  private readonly options: ControllerBoxHostOptions;
  private readonly timeoutMs: number;
  private readonly resetTimeoutMs: number;
  private readonly minorUnitsPerUnit: number;
  private readonly issueDateFormat: IssueDateFormat | ((bytes: Uint8Array) => string | undefined);
  private readonly clock: Clock;
  private loop: DeviceLoop | undefined;
  /** The status polling the application asked for (restored after an outage or power cut). */
  private wantedStatusPolling: boolean | undefined;
  private lastStatusAt = 0;
  private closed = false;
  private readonly onTransportGone = (): void => {
    this.bus.failPending(
      new KioskbusError(ErrorCode.Disconnected, `${this.transport.description} closed while waiting for a reply`),
    );
  };

  /** Opens a serial port path or URL (`tcp://host:port`, `serial://...`) and returns the open host. */
  static async open(target: string, options: ControllerBoxHostOptions = {}): Promise<ControllerBoxHost> {
    const host = new ControllerBoxHost(createTransport(target, CONTROLLERBOX_SERIAL_DEFAULTS), options);
    await host.open();
    return host;
  }

  constructor(
    readonly transport: Transport,
    options: ControllerBoxHostOptions = {},
  ) {
    super();
    this.options = options;
    this.currency = assertCurrency(options.currency ?? 'VND');
    this.minorUnitsPerUnit = options.minorUnitsPerUnit ?? 1;
    if (!Number.isSafeInteger(this.minorUnitsPerUnit) || this.minorUnitsPerUnit < 1) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'minorUnitsPerUnit must be a positive integer');
    }
    const denominations = billDenominationSet(this.currency, options.billDenominations);
    const clock: Clock = options.clock ?? systemClock;
    this.clock = clock;
    const tableOptions: ConstructorParameters<typeof MessageTable>[0] = {};
    if (options.ids) tableOptions.ids = options.ids;
    if (options.legacyStatusId !== undefined) tableOptions.legacyStatusId = options.legacyStatusId;
    if (options.legacyOneByteStatus) tableOptions.legacyOneByteStatus = options.legacyOneByteStatus;
    if (options.codec) tableOptions.codec = options.codec;
    const table = new MessageTable(tableOptions);
    this.table = table;
    this.link = new ControllerBoxLink(transport, {
      plausible: (id, data) => plausibleMessage(table, id, data),
      ...options,
      clock,
      name: options.name ?? 'host',
    });
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.resetTimeoutMs = options.resetTimeoutMs ?? 3000;
    this.issueDateFormat = options.issueDateFormat ?? 'ymd';
    this.cards = new CardLedger(clock);
    this.bus = new ControllerBoxBus(this.link, table, { clock, resultCodes: options.resultCodes ?? {} });
    this.inbox = new ControllerBoxInbox(
      this.link,
      table,
      {
        emit: (event, ...args) => {
          this.safeEmit(event, ...args);
        },
        now: () => clock.now(),
        toMoney: (units) => this.toMoney(units),
        guessDate: (bytes) => this.guessDate(bytes),
        cardExpected: (tcd) => this.cards.waiting(tcd),
        cardOut: (tcd) => this.cards.cardOut(tcd),
        heard: (kind) => {
          if (kind === 'status') this.lastStatusAt = clock.now();
        },
      },
      {
        ackEvents: options.ackEvents ?? true,
        duplicateWindowMs: options.duplicateWindowMs ?? 1000,
        checks: {
          denominations,
          minorUnitsPerUnit: this.minorUnitsPerUnit,
          currency: this.currency,
          tcds: options.tcds,
        },
      },
    );
    this.link.on('frame', (frame) => {
      this.receiveFrame(frame);
    });
    this.link.on('frameError', (error) => {
      if (!this.bus.onDamagedReply(error)) this.inbox.receiveFrameError(error);
      else this.safeEmit('frameError', { kind: error.kind, raw: toHex(error.raw, ''), id: error.id ?? 0 });
    });
    this.link.on('crcDetected', (variant) => {
      this.safeEmit('crcDetected', { variant, name: crcVariantName(variant) });
    });
    transport.on('disconnected', this.onTransportGone);
    transport.on('close', this.onTransportGone);
  }

  /** The CRC variant in use (fixed, or detected); undefined while auto detection is still running. */
  get crcVariant(): CrcVariant | undefined {
    return this.link.crcVariant;
  }

  get stats(): Readonly<FramerStats> {
    return this.link.stats;
  }

  /** The life-cycle state: `closed` until `start()`. */
  get state(): DeviceState {
    return this.loop?.state ?? 'closed';
  }

  /** Opens the transport if it is not open yet. */
  async open(): Promise<void> {
    if (this.closed) throw new KioskbusError(ErrorCode.Closed, 'ControllerBox host is closed');
    if (!this.transport.isOpen) await this.transport.open();
  }

  /**
   * Runs the box on the shared life-cycle: opens the port, reads the versions, restores status polling, then sends a
   * keep-alive (REQUEST_VERSION, the document's only request without side effects) every `pollIntervalMs`. A silent
   * box or a lost port gives `offline` once, reopen and probe with back-off, `online` once, and the set-up again.
   * Commands called meanwhile wait (at most `readyTimeoutMs`) and then fail with NOT_READY.
   */
  async start(): Promise<void> {
    if (this.closed) throw new KioskbusError(ErrorCode.Closed, 'ControllerBox host is closed');
    if (!this.loop) {
      const o = this.options;
      const loopOptions: ConstructorParameters<typeof DeviceLoop>[1] = {
        pollIntervalMs: o.pollIntervalMs ?? 1000,
        offlineAfterMs: o.offlineAfterMs ?? 3000,
        clock: this.clock,
      };
      if (o.reopenMinMs !== undefined) loopOptions.reopenMinMs = o.reopenMinMs;
      if (o.reopenMaxMs !== undefined) loopOptions.reopenMaxMs = o.reopenMaxMs;
      if (o.readyTimeoutMs !== undefined) loopOptions.readyTimeoutMs = o.readyTimeoutMs;
      const loop = new DeviceLoop(
        {
          open: () => this.open(),
          initialise: (reason) => this.initialise(reason),
          poll: () => this.keepAlive(),
          probe: () => this.bus.execute('REQUEST_VERSION', {}, this.timeoutMs).then(() => undefined),
        },
        loopOptions,
      );
      loop.on('state', (to, from) => {
        this.safeEmit('state', to, from);
      });
      loop.on('offline', (error) => {
        this.safeEmit('offline', error);
      });
      loop.on('online', () => {
        this.safeEmit('online');
      });
      loop.on('problem', (error) => {
        this.safeEmit('problem', error);
      });
      this.loop = loop;
    }
    await this.loop.start();
  }

  /** Stops the poll loop (the port stays open; `close()` closes it). */
  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** Stops the loop, fails waiting commands, stops listening and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.loop?.stop();
    this.bus.close('ControllerBox host closed');
    this.cards.close();
    this.link.detach();
    this.transport.off('disconnected', this.onTransportGone);
    this.transport.off('close', this.onTransportGone);
    await this.transport.close();
  }

  private async initialise(reason: InitReason): Promise<void> {
    log('set-up (%s)', reason);
    // a dispense not reported by now will not be (after a RESET the host did not send, 'reset', see receiveFrame, the box
    // kept its queue and any card in motion). The resend filter is NOT reset: a set-up (and its retries) can run while
    // the box still resends an event whose answer it missed, and after a real outage its anchored window has passed
    if (reason !== 'start' && reason !== 'reset') this.cards.clear();
    await this.bus.execute('REQUEST_VERSION', {}, this.timeoutMs);
    if (this.wantedStatusPolling !== undefined) {
      await this.bus.execute('SETTING', { statusPolling: this.wantedStatusPolling }, this.timeoutMs);
      this.lastStatusAt = this.clock.now();
    }
  }

  /** One round of the poll loop: the keep-alive, and a set-up again when the box stopped reporting its statuses. */
  private async keepAlive(): Promise<void> {
    await this.bus.execute('REQUEST_VERSION', {}, this.timeoutMs);
    const silenceMs = this.options.statusSilenceMs ?? 5000;
    if (this.wantedStatusPolling === true && silenceMs > 0 && this.clock.now() - this.lastStatusAt > silenceMs) {
      log('no status for %d ms: the box lost its setting', this.clock.now() - this.lastStatusAt);
      this.loop?.requestInit('power-up');
    }
  }

  /** Application calls wait for a started box to be ready (bounded); without `start()` they go straight out. */
  private async ready(): Promise<void> {
    if (this.loop && this.loop.state !== 'closed') await this.loop.whenReady();
  }

  private async command<N extends CommandName>(
    name: N,
    message: MessageOf<N>,
    timeoutMs = this.timeoutMs,
  ): Promise<ResponseOf<N>> {
    await this.ready();
    const response = await this.bus.execute(name, message, timeoutMs);
    this.loop?.answered();
    return response;
  }

  // -------------------------------------------------------------------------------------------
  // commands

  async reset(): Promise<void> {
    await this.command('RESET', {}, this.resetTimeoutMs);
    this.cards.clear();
  }

  async version(): Promise<ControllerBoxVersion> {
    const reply = await this.command('REQUEST_VERSION', {});
    if (!reply.firmware || !reply.board) {
      throw new KioskbusError(ErrorCode.UnexpectedReply, 'REQUEST_VERSION: success without version bytes', {
        command: 'REQUEST_VERSION',
      });
    }
    return { firmware: reply.firmware, board: reply.board };
  }

  /** Turns the box's periodic status reports on or off (restored by the set-up after an outage once started). */
  async setStatusPolling(on: boolean): Promise<void> {
    this.wantedStatusPolling = on;
    await this.command('SETTING', { statusPolling: on });
    this.lastStatusAt = this.clock.now();
  }

  /**
   * Dispenses one card from TCD `tcd`; the card itself is reported by a `cardEvent`. Never resent. When the answer is
   * in doubt (none in time, a damaged one, the port lost after the write), the host waits up to `dispenseConfirmMs`
   * for the CARD_EVENT out that proves the card left (resolving normally when it comes) and checks that the box
   * answers; otherwise it emits `uncertain` and rejects with UNCERTAIN (UncertainOutcomeError) with what it knows.
   */
  async dispenseCard(tcd: number): Promise<void> {
    await this.ready();
    const ticket = this.cards.begin(tcd);
    try {
      await this.command('DISPENSE_CARD', { tcd });
    } catch (error) {
      if (!answerInDoubt(error)) {
        this.cards.refused(ticket);
        throw error;
      }
      await this.settleDispense(ticket, error as KioskbusError);
      return;
    }
    this.cards.succeeded(ticket);
  }

  private async settleDispense(ticket: DispenseTicket, cause: KioskbusError): Promise<void> {
    const tcd = ticket.tcd;
    const waitMs = this.options.dispenseConfirmMs ?? 5000;
    log('DISPENSE_CARD %d in doubt (%s): waiting for its card event', tcd, cause.message);
    const confirmed = this.cards.confirm(ticket, waitMs);
    let boxAnswering = false;
    try {
      await this.bus.execute('REQUEST_VERSION', {}, this.timeoutMs);
      boxAnswering = true;
    } catch {
      // silent or gone: said in the outcome
    }
    if (await confirmed) return;
    const outcome: UncertainOutcome = {
      command: 'DISPENSE_CARD',
      message: { tcd },
      tries: 1,
      cause: cause.message,
      boxAnswering,
      confirmationSeen: false,
      waitedMs: waitMs,
    };
    const damaged = cause.context['damagedReply'];
    if (typeof damaged === 'string') outcome.damagedReply = damaged;
    this.safeEmit('uncertain', outcome);
    throw new UncertainOutcomeError(outcome);
  }

  async updateRfid(options: UpdateRfidOptions): Promise<void> {
    const rfid = typeof options.rfid === 'string' ? parseHex(options.rfid) : options.rfid;
    let issueDate: Uint8Array;
    if (typeof options.issueDate === 'string') {
      if (typeof this.issueDateFormat === 'function') {
        throw new KioskbusError(
          ErrorCode.InvalidArgument,
          'issueDate must be 3 raw bytes when issueDateFormat is a custom function',
        );
      }
      issueDate = encodeIssueDate(options.issueDate, this.issueDateFormat);
    } else {
      issueDate = options.issueDate;
    }
    await this.command('UPDATE_RFID', {
      rfidIndex: options.rfidIndex ?? 0,
      rfid,
      money: this.toUnits(options.money),
      issueDate,
    });
  }

  async playAudio(audioIndex: number): Promise<void> {
    await this.command('PLAY_AUDIO', { audioIndex });
  }

  /** Drives the IOs selected by `selectMask` to the levels of `levelMask`. */
  async setIo(selectMask: number, levelMask: number): Promise<void> {
    await this.command('CONTROL_IO', { selectMask, levelMask });
  }

  /**
   * Sends any command of the table and returns its decoded response (RESULT_SUCCESS only; other results reject with
   * ControllerBoxResultError). DISPENSE_CARD goes through `dispenseCard()` (its doubt is settled the same way).
   */
  async request<N extends CommandName>(
    name: N,
    message: MessageOf<N>,
    timeoutMs = this.timeoutMs,
  ): Promise<ResponseOf<N>> {
    if (name === 'DISPENSE_CARD') {
      await this.dispenseCard((message as MessageOf<'DISPENSE_CARD'>).tcd);
      return { result: 0 } as ResponseOf<N>;
    }
    return this.command(name, message, timeoutMs);
  }

  // -------------------------------------------------------------------------------------------
  // receive

  private toMoney(units: number): Money {
    return { amount: units * this.minorUnitsPerUnit, currency: this.currency };
  }

  private toUnits(value: Money | number): number {
    if (typeof value === 'number') return assertMinorUnits(value, 'money');
    if (value.currency !== this.currency) {
      throw new KioskbusError(
        ErrorCode.InvalidMoney,
        `money is in ${value.currency}, the ControllerBox is configured for ${this.currency}`,
      );
    }
    assertMinorUnits(value.amount);
    if (value.amount % this.minorUnitsPerUnit !== 0) {
      throw new KioskbusError(
        ErrorCode.InvalidMoney,
        `${value.amount} minor units is not a whole number of protocol units (${this.minorUnitsPerUnit} each)`,
      );
    }
    return value.amount / this.minorUnitsPerUnit;
  }

  private guessDate(bytes: Uint8Array): IssueDate {
    const format = this.issueDateFormat;
    const guess = typeof format === 'function' ? format(bytes) : guessIssueDate(bytes, format);
    return guess === undefined ? { raw: toHex(bytes, '') } : { raw: toHex(bytes, ''), guess };
  }

  /**
   * Emits to user listeners; a throwing listener must not break the receive path. Its error goes to the
   * `error` listeners, or (with none) is rethrown outside the receive path, as Node does for listener bugs.
   * An `error` event nobody listens to is only logged: a failed answer must not bring the process down.
   */
  private safeEmit<K extends keyof ControllerBoxHostEventMap>(event: K, ...args: ControllerBoxHostEventMap[K]): void {
    if (event === 'error' && this.listenerCount('error') === 0) {
      log('error (no listener): %s', (args[0] as KioskbusError).message);
      return;
    }
    try {
      // the generic rest tuple does not narrow for EventEmitter's overloads
      (this.emit as (e: K, ...a: ControllerBoxHostEventMap[K]) => boolean)(event, ...args);
    } catch (error) {
      const wrapped = toKioskbusError(error, ErrorCode.SoftwareError, { event });
      if (event !== 'error' && this.listenerCount('error') > 0) this.emit('error', wrapped);
      else
        queueMicrotask(() => {
          throw wrapped;
        });
    }
  }

  private receiveFrame(frame: ControllerBoxFrame): void {
    this.loop?.answered();
    if (this.bus.onReply(frame)) return;
    const resolved = this.table.resolve(frame.id, frame.data.length);
    if (resolved?.codec.kind === 'command') {
      const event: UnknownFrameEvent = {
        id: frame.id,
        name: resolved.name,
        data: toHex(frame.data, ''),
        raw: toHex(frame.raw, ''),
        reason: 'reply without a request waiting for it',
      };
      if (resolved.name === 'RESET' && frame.data.length === 1 && frame.data[0] === 0) {
        // the box reset without a RESET of ours waiting (a late reply, or a damaged frame of ours it read as RESET:
        // the default CRC does not cover the id): its setting is gone, so set it up again now rather than after
        // statusSilenceMs
        event.reason = 'the box answered a RESET no request waits for: it reset; setting it up again';
        this.loop?.requestInit('reset');
      } else if (resolved.name === 'DISPENSE_CARD') {
        event.reason = 'the box answered a DISPENSE_CARD no request waits for (its card event is not requested)';
      }
      this.safeEmit('unknown', event);
      return;
    }
    this.inbox.receiveFrame(frame);
  }
}
