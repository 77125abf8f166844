/**
 * The host side of the ControllerBox UART protocol (what the Android app does on the real kiosk): sends
 * commands one at a time, turns RESULT_CODEs into typed errors, answers statuses and events, and emits them
 * as typed events.
 */
import { EventEmitter } from 'node:events';
import type { FramerStats } from '../core/accumulator.js';
import { parseHex, toHex } from '../core/bytes.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ErrorCode, KioskbusError, toKioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { assertCurrency, assertMinorUnits, type Money } from '../core/money.js';
import { CommandQueue } from '../core/queue.js';
import { createTransport } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import {
  crcVariantName,
  sameCrcVariant,
  type ControllerBoxFrame,
  type CrcVariant,
  type FrameError,
  type FrameErrorKind,
} from './frame.js';
import { plausibleMessage } from './decode.js';
import { ControllerBoxLink, type LinkOptions } from './link.js';
import {
  BILL_ACCEPTOR_STATUS_CODES,
  codeName,
  deviceErrorNames,
  MessageTable,
  RESULT_CRC_INVALID,
  RESULT_ERROR,
  RESULT_SUCCESS,
  resultName,
  RFID_ERROR_CODES,
  type CodecOptions,
  type CommandName,
  type MessageName,
  type MessageOf,
  type ResponseOf,
  type VersionTriple,
} from './messages.js';

const log = createLogger('controllerbox:host');

/** Line settings assumed for `ControllerBoxHost.open(path)`: the document gives no baud rate. */
export const CONTROLLERBOX_SERIAL_DEFAULTS = { baudRate: 115200, dataBits: 8, stopBits: 1, parity: 'none' } as const;

// ---------------------------------------------------------------------------------------------
// errors

const RESULT_ERROR_CODES: Readonly<Record<number, ErrorCode>> = {
  0x01: ErrorCode.Failure,
  0x02: ErrorCode.UnknownCommandAtDevice,
  0x03: ErrorCode.CrcMismatch,
  0x04: ErrorCode.BadFrame,
  0x05: ErrorCode.Timeout,
  0x11: ErrorCode.Timeout,
  0x12: ErrorCode.DeviceBusy,
  0x13: ErrorCode.DeviceBusy,
};

/** A command answered with a RESULT_CODE other than RESULT_SUCCESS. */
export class ControllerBoxResultError extends KioskbusError {
  readonly result: number;
  readonly resultName: string;

  constructor(command: string, result: number, name: string, raw: Uint8Array) {
    super(
      RESULT_ERROR_CODES[result] ?? ErrorCode.DeviceError,
      `${command} refused by the ControllerBox: ${name} (0x${result.toString(16).padStart(2, '0')})`,
      { raw, command, result, resultName: name },
    );
    this.name = 'ControllerBoxResultError';
    this.result = result;
    this.resultName = name;
  }
}

// ---------------------------------------------------------------------------------------------
// events

export interface NamedCode {
  code: number;
  name: string;
}

export interface DeviceErrorEvent {
  flags: number;
  /** Names of the set bits (`BILL_ACCEPTOR_ERROR`, ..., `BIT_12`). */
  errors: string[];
  /** The whole frame in hex. */
  raw: string;
}

export interface BillAcceptorStatusEvent extends NamedCode {
  raw: string;
}

export interface TcdStatusEvent {
  tcd: number;
  error: boolean;
  low: boolean;
  empty: boolean;
  raw: string;
}

export interface IssueDate {
  /** The three ISSUE_DATE bytes in hex (their format is not documented). */
  raw: string;
  /** `YYYY-MM-DD` read with the `issueDateFormat` option, when the bytes make a valid date. */
  guess?: string;
}

export interface RfidDetectedEvent {
  /** RFID id bytes in hex, wire order, no separators. */
  rfid: string;
  money: Money;
  issueDate: IssueDate;
  /** Absent when the box sent the documented length without the ERROR byte. */
  error?: NamedCode;
  raw: string;
}

export interface BillAcceptedEvent {
  value: Money;
  /** Bill acceptor status sent with the bill; absent when the box sent the documented 4-byte DATA. */
  status?: NamedCode;
  raw: string;
}

export interface CardEventEvent {
  tcd: number;
  /** `out` dispensed out, `callback` taken back; `unknown` when the box sent no or an unknown direction. */
  direction: 'out' | 'callback' | 'unknown';
  directionCode?: number;
  raw: string;
}

/** A frame the host could not use: unknown id, impossible length, a reply nobody waited for. */
export interface UnknownFrameEvent {
  id: number;
  name?: string;
  /** DATA in hex. */
  data: string;
  raw: string;
  reason: string;
}

export interface FrameErrorEvent {
  kind: FrameErrorKind;
  id?: number;
  raw: string;
}

export interface CrcDetectedEvent {
  variant: CrcVariant;
  name: string;
}

export interface ControllerBoxHostEventMap {
  deviceError: [event: DeviceErrorEvent];
  billAcceptorStatus: [event: BillAcceptorStatusEvent];
  tcdStatus: [event: TcdStatusEvent];
  rfidDetected: [event: RfidDetectedEvent];
  billAccepted: [event: BillAcceptedEvent];
  cardEvent: [event: CardEventEvent];
  unknown: [event: UnknownFrameEvent];
  frameError: [event: FrameErrorEvent];
  crcDetected: [event: CrcDetectedEvent];
  /** An event frame repeated within `duplicateWindowMs`: answered, not emitted as an event again. */
  duplicate: [event: { id: number; name: string; raw: string; sinceMs: number }];
  /** Failures outside a request: an answer that could not be written, a listener that threw. */
  error: [error: KioskbusError];
}

// ---------------------------------------------------------------------------------------------
// options

export type IssueDateFormat = 'ymd' | 'dmy';

export interface ControllerBoxHostOptions extends LinkOptions {
  /** Reply timeout per command in ms (default 1000). */
  timeoutMs?: number;
  /** Reply timeout of RESET in ms (default 3000). */
  resetTimeoutMs?: number;
  /** Answer statuses and events with a response frame `78 <id> 01 <RESULT> ..` (default true). */
  ackEvents?: boolean;
  /**
   * An event frame (RFID detected, bill accepted, card event) byte-identical to the previous event frame with
   * the same id and received within this many ms is answered but not emitted again: `duplicate` is emitted
   * instead (default 0: off). For boxes that resend an event whose answer was lost. A bill acceptor needs seconds per bill, so a
   * window of about 1000 ms cannot swallow a real second bill; the box's resend behaviour is not documented.
   */
  duplicateWindowMs?: number;
  /**
   * Currency of MONEY and BILL_VALUE (default `VND`: the firmware family comes from Vietnam and VND has no
   * minor unit, so one protocol unit is one dong). Set it to what your box is configured for.
   */
  currency?: string;
  /** Minor units of `currency` per protocol unit (default 1: values are minor units). */
  minorUnitsPerUnit?: number;
  /** Extra or vendor-specific RESULT_CODE names. */
  resultCodes?: Readonly<Record<number, string>>;
  /** Message id overrides (research §5.2). */
  ids?: Partial<Record<MessageName, number>>;
  /** Status id dispatched by DATA_LEN (default 0x37; null disables). */
  legacyStatusId?: number | null;
  codec?: Partial<CodecOptions>;
  /** How to read ISSUE_DATE bytes for the `guess` (default `ymd`: year - 2000, month, day). */
  issueDateFormat?: IssueDateFormat | ((bytes: Uint8Array) => string | undefined);
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

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** Reads 3 ISSUE_DATE bytes as `ymd` (year-2000, month, day) or `dmy`; undefined when not a valid date. */
export function guessIssueDate(bytes: Uint8Array, format: IssueDateFormat = 'ymd'): string | undefined {
  if (bytes.length !== 3) return undefined;
  const [a = 0, b = 0, c = 0] = bytes;
  const [year, month, day] = format === 'ymd' ? [2000 + a, b, c] : [2000 + c, b, a];
  return validDate(year, month, day) ? `${year}-${pad2(month)}-${pad2(day)}` : undefined;
}

/** Writes `YYYY-MM-DD` (years 2000..2255) as 3 ISSUE_DATE bytes. */
export function encodeIssueDate(text: string, format: IssueDateFormat = 'ymd'): Uint8Array {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  if (!match || year < 2000 || year > 2255 || !validDate(year, month, day)) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `issue date must be YYYY-MM-DD (2000..2255), got "${text}"`);
  }
  return format === 'ymd' ? Uint8Array.of(year - 2000, month, day) : Uint8Array.of(day, month, year - 2000);
}

interface PendingReply {
  id: number;
  resolve: (frame: ControllerBoxFrame) => void;
  reject: (error: KioskbusError) => void;
}

/**
 * ControllerBox host over a transport. Call `open()`, then the commands; listen for the typed events.
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
  private readonly queue: CommandQueue;
  private readonly timeoutMs: number;
  private readonly resetTimeoutMs: number;
  private readonly ackEvents: boolean;
  private readonly minorUnitsPerUnit: number;
  private readonly resultCodes: Readonly<Record<number, string>>;
  private readonly issueDateFormat: IssueDateFormat | ((bytes: Uint8Array) => string | undefined);
  private pending: PendingReply | undefined;
  private readonly clock: Clock;
  private readonly duplicateWindowMs: number;
  /** Last event frame per protocol id (a resend of one event may follow another event). */
  private readonly lastEvents = new Map<number, { raw: string; at: number }>();
  private closed = false;
  private readonly onTransportGone = (): void => {
    this.pending?.reject(
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
    this.currency = assertCurrency(options.currency ?? 'VND');
    this.minorUnitsPerUnit = options.minorUnitsPerUnit ?? 1;
    if (!Number.isSafeInteger(this.minorUnitsPerUnit) || this.minorUnitsPerUnit < 1) {
      throw new KioskbusError(ErrorCode.InvalidArgument, 'minorUnitsPerUnit must be a positive integer');
    }
    const clock: Clock = options.clock ?? systemClock;
    const tableOptions: ConstructorParameters<typeof MessageTable>[0] = {};
    if (options.ids) tableOptions.ids = options.ids;
    if (options.legacyStatusId !== undefined) tableOptions.legacyStatusId = options.legacyStatusId;
    if (options.codec) tableOptions.codec = options.codec;
    const table = new MessageTable(tableOptions);
    this.table = table;
    this.link = new ControllerBoxLink(transport, {
      plausible: (id, data) => plausibleMessage(table, id, data),
      ...options,
      clock,
      name: options.name ?? 'host',
    });
    this.queue = new CommandQueue(clock);
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.resetTimeoutMs = options.resetTimeoutMs ?? 3000;
    this.ackEvents = options.ackEvents ?? true;
    this.clock = clock;
    this.duplicateWindowMs = options.duplicateWindowMs ?? 0;
    this.resultCodes = options.resultCodes ?? {};
    this.issueDateFormat = options.issueDateFormat ?? 'ymd';
    this.link.on('frame', (frame) => {
      this.onFrame(frame);
    });
    this.link.on('frameError', (error) => {
      this.onFrameError(error);
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

  /** Opens the transport if it is not open yet. */
  async open(): Promise<void> {
    if (this.closed) throw new KioskbusError(ErrorCode.Closed, 'ControllerBox host is closed');
    if (!this.transport.isOpen) await this.transport.open();
  }

  /** Fails waiting commands, stops listening and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close('ControllerBox host closed');
    this.link.detach();
    this.transport.off('disconnected', this.onTransportGone);
    this.transport.off('close', this.onTransportGone);
    await this.transport.close();
  }

  // -------------------------------------------------------------------------------------------
  // commands

  async reset(): Promise<void> {
    await this.request('RESET', {}, this.resetTimeoutMs);
  }

  async version(): Promise<ControllerBoxVersion> {
    const reply = await this.request('REQUEST_VERSION', {}, this.timeoutMs);
    if (!reply.firmware || !reply.board) {
      throw new KioskbusError(ErrorCode.UnexpectedReply, 'REQUEST_VERSION: success without version bytes', {
        command: 'REQUEST_VERSION',
      });
    }
    return { firmware: reply.firmware, board: reply.board };
  }

  /** Turns the box's periodic status reports on or off. */
  async setStatusPolling(on: boolean): Promise<void> {
    await this.request('SETTING', { statusPolling: on }, this.timeoutMs);
  }

  /** Dispenses one card from TCD `tcd`. Never retried (a retry could dispense a second card). */
  async dispenseCard(tcd: number): Promise<void> {
    await this.request('DISPENSE_CARD', { tcd }, this.timeoutMs);
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
    await this.request(
      'UPDATE_RFID',
      { rfidIndex: options.rfidIndex ?? 0, rfid, money: this.toUnits(options.money), issueDate },
      this.timeoutMs,
    );
  }

  async playAudio(audioIndex: number): Promise<void> {
    await this.request('PLAY_AUDIO', { audioIndex }, this.timeoutMs);
  }

  /** Drives the IOs selected by `selectMask` to the levels of `levelMask`. */
  async setIo(selectMask: number, levelMask: number): Promise<void> {
    await this.request('CONTROL_IO', { selectMask, levelMask }, this.timeoutMs);
  }

  /**
   * Sends any command of the table and returns its decoded response (RESULT_SUCCESS only; other results
   * reject with ControllerBoxResultError).
   */
  request<N extends CommandName>(name: N, message: MessageOf<N>, timeoutMs = this.timeoutMs): Promise<ResponseOf<N>> {
    const id = this.table.idOf(name);
    let data: Uint8Array;
    try {
      data = this.table.encode(name, message);
    } catch (error) {
      return Promise.reject(toKioskbusError(error, ErrorCode.InvalidArgument, { command: name }));
    }
    return this.queue.run(
      async (signal) => {
        for (let attempt = 0; ; attempt++) {
          const sentWith = this.link.sendVariant;
          const reply = this.waitReply(id, signal);
          try {
            await this.link.send(id, data);
          } catch (error) {
            this.pending = undefined;
            reply.catch(() => undefined);
            throw toKioskbusError(error, ErrorCode.TransportError, { command: name });
          }
          const frame = await reply;
          let response: ResponseOf<N>;
          try {
            response = this.table.decodeResponse(name, frame.data);
          } catch (error) {
            throw new KioskbusError(ErrorCode.UnexpectedReply, `${name}: unreadable reply`, {
              raw: frame.raw,
              command: name,
              cause: error instanceof Error ? error.message : String(error),
            });
          }
          const result = response.result;
          if (
            result === RESULT_CRC_INVALID &&
            attempt === 0 &&
            this.link.autoCrc &&
            !sameCrcVariant(sentWith, this.link.sendVariant)
          ) {
            // the box could not check our frame, and the detected CRC variant differs from the one we
            // guessed: the command was not executed, so sending it again once is safe
            log('%s: resending with detected CRC %s', name, crcVariantName(this.link.sendVariant));
            continue;
          }
          if (result !== RESULT_SUCCESS) {
            throw new ControllerBoxResultError(name, result, resultName(result, this.resultCodes), frame.raw);
          }
          return response;
        }
      },
      { timeoutMs, label: name },
    );
  }

  private waitReply(id: number, signal: AbortSignal): Promise<ControllerBoxFrame> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (this.pending === entry) this.pending = undefined;
        reject(signal.reason as Error);
      };
      const entry: PendingReply = {
        id,
        resolve: (frame) => {
          signal.removeEventListener('abort', onAbort);
          this.pending = undefined;
          resolve(frame);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          this.pending = undefined;
          reject(error);
        },
      };
      this.pending = entry;
      signal.addEventListener('abort', onAbort, { once: true });
    });
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

  private unknown(frame: ControllerBoxFrame, reason: string, name?: string): void {
    const event: UnknownFrameEvent = {
      id: frame.id,
      data: toHex(frame.data, ''),
      raw: toHex(frame.raw, ''),
      reason,
    };
    if (name !== undefined) event.name = name;
    log('unhandled frame %s: %s', event.raw, reason);
    this.safeEmit('unknown', event);
  }

  private onFrameError(error: FrameError): void {
    const event: FrameErrorEvent = { kind: error.kind, raw: toHex(error.raw, '') };
    if (error.id !== undefined) event.id = error.id;
    this.safeEmit('frameError', event);
  }

  private onFrame(frame: ControllerBoxFrame): void {
    if (this.table.isUnsolicited(frame.id)) {
      this.onUnsolicited(frame);
      return;
    }
    const resolved = this.table.resolve(frame.id, frame.data.length);
    if (!resolved) {
      this.unknown(frame, 'unknown protocol id');
      return;
    }
    const pending = this.pending;
    if (pending?.id === frame.id) {
      pending.resolve(frame);
      return;
    }
    this.unknown(frame, 'reply without a request waiting for it', resolved.name);
  }

  private ack(id: number, result: number): void {
    if (!this.ackEvents) return;
    this.link.send(id, Uint8Array.of(result)).catch((error: unknown) => {
      this.safeEmit('error', toKioskbusError(error, ErrorCode.TransportError, { command: 'ACK' }));
    });
  }

  private onUnsolicited(frame: ControllerBoxFrame): void {
    const resolved = this.table.resolve(frame.id, frame.data.length);
    if (!resolved) {
      this.ack(frame.id, RESULT_SUCCESS);
      this.unknown(frame, 'status with an ambiguous DATA_LEN');
      return;
    }
    let payload: unknown;
    try {
      payload = resolved.codec.decode(frame.data, this.table.codec);
    } catch (error) {
      this.ack(frame.id, RESULT_ERROR);
      this.unknown(frame, error instanceof Error ? error.message : String(error), resolved.name);
      return;
    }
    this.ack(frame.id, RESULT_SUCCESS);
    const raw = toHex(frame.raw, '');
    if (resolved.codec.kind === 'event' && this.isDuplicate(frame, resolved.name, raw)) return;
    this.dispatch(resolved.name, payload, raw);
  }

  private isDuplicate(frame: ControllerBoxFrame, name: string, raw: string): boolean {
    if (this.duplicateWindowMs <= 0) return false;
    const now = this.clock.now();
    const last = this.lastEvents.get(frame.id);
    this.lastEvents.set(frame.id, { raw, at: now });
    if (last?.raw !== raw || now - last.at > this.duplicateWindowMs) return false;
    log('duplicate %s within %d ms: %s', name, now - last.at, raw);
    this.safeEmit('duplicate', { id: frame.id, name, raw, sinceMs: now - last.at });
    return true;
  }

  private dispatch(name: MessageName, payload: unknown, raw: string): void {
    switch (name) {
      case 'DEVICE_ERROR': {
        const p = payload as MessageOf<'DEVICE_ERROR'>;
        this.safeEmit('deviceError', { flags: p.flags, errors: deviceErrorNames(p.flags), raw });
        return;
      }
      case 'BILL_ACCEPTOR_STATUS': {
        const p = payload as MessageOf<'BILL_ACCEPTOR_STATUS'>;
        this.safeEmit('billAcceptorStatus', {
          code: p.code,
          name: codeName(BILL_ACCEPTOR_STATUS_CODES, p.code),
          raw,
        });
        return;
      }
      case 'TCD_STATUS': {
        const p = payload as MessageOf<'TCD_STATUS'>;
        this.safeEmit('tcdStatus', { ...p, raw });
        return;
      }
      case 'RFID_DETECTED': {
        const p = payload as MessageOf<'RFID_DETECTED'>;
        const event: RfidDetectedEvent = {
          rfid: toHex(p.rfid, ''),
          money: this.toMoney(p.money),
          issueDate: this.guessDate(p.issueDate),
          raw,
        };
        if (p.error !== undefined) event.error = { code: p.error, name: codeName(RFID_ERROR_CODES, p.error) };
        this.safeEmit('rfidDetected', event);
        return;
      }
      case 'BILL_ACCEPTED': {
        const p = payload as MessageOf<'BILL_ACCEPTED'>;
        const event: BillAcceptedEvent = { value: this.toMoney(p.value), raw };
        if (p.status !== undefined) {
          event.status = { code: p.status, name: codeName(BILL_ACCEPTOR_STATUS_CODES, p.status) };
        }
        this.safeEmit('billAccepted', event);
        return;
      }
      case 'CARD_EVENT': {
        const p = payload as MessageOf<'CARD_EVENT'>;
        const event: CardEventEvent = {
          tcd: p.tcd,
          direction: p.direction === 0 ? 'out' : p.direction === 1 ? 'callback' : 'unknown',
          raw,
        };
        if (p.direction !== undefined) event.directionCode = p.direction;
        this.safeEmit('cardEvent', event);
        return;
      }
      default:
        log('no event for %s', name);
    }
  }
}
