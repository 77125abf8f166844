/**
 * A simulated ControllerBox: answers every command of the message table, reports its statuses while status
 * polling is on, and can be told to accept a bill, read an RFID card, dispense or take back a card, raise
 * errors and run a card dispenser (TCD) low or empty.
 */
import { EventEmitter } from 'node:events';
import { toHex } from '../../core/bytes.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { ErrorCode, KioskbusError, toKioskbusError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { Transport } from '../../transport/types.js';
import { DEFAULT_CRC_VARIANT, type ControllerBoxFrame, type CrcVariant, type FrameError } from '../frame.js';
import { answerProblem, commandProblem } from '../checks.js';
import { ControllerBoxLink } from '../link.js';
import { SuspectFrameError } from '../results.js';
import { Outbox } from './outbox.js';
import {
  LEGACY_STATUS_ID,
  MessageTable,
  RESULT_CRC_INVALID,
  RESULT_ERROR,
  RESULT_ID_INVALID,
  RESULT_START_STOP_INVALID,
  RESULT_SUCCESS,
  type CommandName,
  type MessageOf,
  type StatusOrEventName,
  type VersionTriple,
} from '../messages.js';

import type {
  ControllerBoxSimulatorEventMap,
  ControllerBoxSimulatorOptions,
  ControllerBoxSimulatorState,
  TapRfidOptions,
  TcdState,
} from './types.js';

export type * from './types.js';

const log = createLogger('controllerbox:sim');

const RESULT_COMM_TIMEOUT = 0x05;
const RESULT_RESET_TIMEOUT = 0x11;
const RESULT_OTA_IN_PROGRESS = 0x12;
const RESULT_OTA_DATA = 0x13;
/** execute(): the answer comes later. */
const DEFERRED = -1;

export class ControllerBoxSimulator extends EventEmitter<ControllerBoxSimulatorEventMap> {
  readonly table: MessageTable;
  readonly crc: CrcVariant;
  readonly state: ControllerBoxSimulatorState;
  private firmware: VersionTriple;
  private readonly board: VersionTriple;
  private readonly lowThreshold: number;
  private readonly statusIntervalMs: number;
  private readonly dispenseDelayMs: number;
  private readonly legacyStatusIds: boolean;
  private readonly rxIdleMs: number | undefined;
  private readonly clock: Clock;
  private readonly links = new Set<ControllerBoxLink>();
  private readonly timers = new Set<TimerHandle>();
  private statusTimer: TimerHandle | undefined;
  private readonly injected = new Map<CommandName, number[]>();
  private readonly outboxes = new Map<ControllerBoxLink, Outbox>();
  private readonly resend: { on: boolean; answerTimeoutMs: number; maxTries: number };
  private readonly keepQueueOnPowerCut: boolean;
  private readonly resetMs: number;
  private powerTimer: TimerHandle | undefined;

  constructor(options: ControllerBoxSimulatorOptions = {}) {
    super();
    const tableOptions: ConstructorParameters<typeof MessageTable>[0] = {
      codec: { ...options.codec, layout: options.layout ?? 'fields' },
    };
    if (options.ids) tableOptions.ids = options.ids;
    this.table = new MessageTable(tableOptions);
    this.crc = options.crc ?? DEFAULT_CRC_VARIANT;
    this.firmware = options.firmware ?? { major: 1, minor: 4, patch: 2 };
    this.board = options.board ?? { major: 2, minor: 0, patch: 1 };
    this.lowThreshold = options.lowThreshold ?? 5;
    this.statusIntervalMs = options.statusIntervalMs ?? 1000;
    this.dispenseDelayMs = options.dispenseDelayMs ?? 100;
    this.legacyStatusIds = options.legacyStatusIds ?? false;
    this.rxIdleMs = options.rxIdleMs;
    this.clock = options.clock ?? systemClock;
    const resend = options.resend ?? true;
    this.resend = {
      on: resend !== false,
      answerTimeoutMs: (typeof resend === 'object' ? resend.answerTimeoutMs : undefined) ?? 300,
      maxTries: (typeof resend === 'object' ? resend.maxTries : undefined) ?? 4,
    };
    this.keepQueueOnPowerCut = options.keepQueueOnPowerCut ?? false;
    this.resetMs = options.resetMs ?? 0;
    const tcds = options.tcds ?? 2;
    const cards = options.cardsPerTcd ?? 50;
    this.state = {
      statusPolling: false,
      errorFlags: 0,
      billAcceptorStatus: 0,
      tcds: Array.from({ length: tcds }, () => ({ cards, error: false })),
      audio: [],
      io: { select: 0, level: 0 },
      rfidWrites: [],
      resets: 0,
      acks: 0,
      suspectFrames: 0,
      powered: true,
      powerCycles: 0,
      ota: undefined,
      cardsOut: 0,
      dispensed: Array.from({ length: tcds }, () => 0),
      bills: [],
      outbox: { queued: 0, resent: 0, delivered: 0, refused: 0, lostEvents: 0, lostByName: {} },
      cardEventsLost: 0,
    };
  }

  /** Serves the box on a transport (several may be attached); returns a function that detaches it. */
  attach(transport: Transport): () => void {
    const linkOptions: ConstructorParameters<typeof ControllerBoxLink>[1] = {
      crc: this.crc,
      clock: this.clock,
      name: 'box',
    };
    if (this.rxIdleMs !== undefined) linkOptions.rxIdleMs = this.rxIdleMs;
    const link = new ControllerBoxLink(transport, linkOptions);
    link.on('frame', (frame) => {
      this.receiveFrame(link, frame);
    });
    link.on('frameError', (error) => {
      this.receiveFrameError(link, error);
    });
    this.links.add(link);
    this.outboxes.set(
      link,
      new Outbox(
        (id, data) =>
          this.state.powered && link.transport.isOpen ? link.send(id, data).then(() => undefined) : Promise.resolve(),
        {
          resend: this.resend.on,
          answerTimeoutMs: this.resend.answerTimeoutMs,
          maxTries: this.resend.maxTries,
          limit: 64,
          clock: this.clock,
        },
        this.state.outbox,
        (error) => {
          this.fail(error);
        },
      ),
    );
    return () => {
      link.detach();
      this.outboxes.get(link)?.clear();
      this.outboxes.delete(link);
      this.links.delete(link);
    };
  }

  /** Stops timers and detaches every transport. */
  close(): void {
    this.setPolling(false);
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.clock.clearTimeout(this.powerTimer);
    for (const outbox of this.outboxes.values()) outbox.clear();
    this.outboxes.clear();
    for (const link of this.links) link.detach();
    this.links.clear();
  }

  /**
   * Cuts the power for `offMs`: the box is silent and deaf, then boots again. It keeps what is physical or in flash
   * (cards in the TCDs, their error flags, firmware and board versions, RFID writes done, the bill acceptor status)
   * and loses what is in RAM: status polling (off after boot, as after RESET), IO levels (all low), a dispense in
   * motion (the card is out, its CARD_EVENT never sent) and, unless `keepQueueOnPowerCut`, the statuses and events
   * not yet delivered. It sends nothing at boot (the document names no power-up message).
   */
  powerCycle(offMs: number): Promise<void> {
    this.powerOff();
    return new Promise((resolve) => {
      this.powerTimer = this.clock.setTimeout(() => {
        this.powerTimer = undefined;
        this.powerOn();
        resolve();
      }, offMs);
    });
  }

  private kept: Map<ControllerBoxLink, ReturnType<Outbox['clear']>> | undefined;
  /** DISPENSE_CARDs executed whose CARD_EVENT is not queued yet. */
  private cardsInMotion = 0;

  private powerOff(): void {
    if (!this.state.powered) return;
    this.state.powered = false;
    this.state.ota = undefined;
    this.setPolling(false);
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    // a card in motion is out, its CARD_EVENT never sent
    this.state.cardEventsLost += this.cardsInMotion;
    this.cardsInMotion = 0;
    const kept = new Map<ControllerBoxLink, ReturnType<Outbox['clear']>>();
    for (const [link, outbox] of this.outboxes) kept.set(link, outbox.clear());
    this.kept = this.keepQueueOnPowerCut ? kept : undefined;
    this.state.io = { select: 0, level: 0 };
    log('power off');
  }

  private powerOn(): void {
    this.state.powered = true;
    this.state.powerCycles += 1;
    log('power on');
    const kept = this.kept;
    this.kept = undefined;
    if (kept) for (const [link, items] of kept) this.outboxes.get(link)?.restore(items);
  }

  /**
   * Starts an over-the-air firmware update: for `downloadMs` every command is answered
   * RESULT_CMD_TRANSFER_OTA_DATA_IN_PROGRESS, then for `installMs` RESULT_CMD_TRANSFER_OTA_DATA, then the box reboots
   * (a power cycle of `rebootMs`) with the patch version one higher. (The document names the two codes without saying
   * when they are sent; this is the simulator's reading.)
   */
  startOta(downloadMs = 5000, installMs = 1000, rebootMs = 500): void {
    this.state.ota = 'download';
    this.later(downloadMs, () => {
      if (this.state.ota !== 'download') return Promise.resolve();
      this.state.ota = 'install';
      this.later(installMs, async () => {
        if (this.state.ota !== 'install') return;
        this.firmware = { ...this.firmware, patch: (this.firmware.patch + 1) & 0xff };
        await this.powerCycle(rebootMs);
      });
      return Promise.resolve();
    });
  }

  /** Answers the next `count` commands `name` with `result` instead of executing them. */
  injectResult(name: CommandName, result: number, count = 1): void {
    const list = this.injected.get(name) ?? [];
    for (let i = 0; i < count; i++) list.push(result);
    this.injected.set(name, list);
  }

  // -------------------------------------------------------------------------------------------
  // things that happen at the box

  /** A bill was accepted: sends BILL_ACCEPTED (value in protocol units, status default 0). */
  acceptBill(value: number, status = 0): Promise<void> {
    this.state.bills.push(value);
    return this.broadcast('BILL_ACCEPTED', { value, status });
  }

  /** A card was held to the RFID reader: sends RFID_DETECTED. */
  tapRfid(options: TapRfidOptions): Promise<void> {
    return this.broadcast('RFID_DETECTED', {
      rfid: options.rfid,
      money: options.money,
      issueDate: options.issueDate ?? Uint8Array.of(24, 1, 1),
      error: options.error ?? 0,
    });
  }

  /** A card left TCD `tcd` (also used by DISPENSE_CARD): one card fewer, CARD_EVENT out, TCD status on change. */
  async dispense(tcd: number): Promise<void> {
    const state = this.tcd(tcd);
    if (state.cards === 0) throw new KioskbusError(ErrorCode.InvalidArgument, `TCD ${tcd} is empty`);
    const before = this.tcdFlags(tcd);
    this.takeCard(tcd, state);
    await this.broadcast('CARD_EVENT', { tcd, direction: 0 });
    await this.reportTcdIfChanged(tcd, before);
  }

  private takeCard(tcd: number, state: TcdState): void {
    state.cards -= 1;
    this.state.cardsOut += 1;
    this.state.dispensed[tcd] = (this.state.dispensed[tcd] ?? 0) + 1;
  }

  /** A dispensed card was taken back into TCD `tcd`: CARD_EVENT callback. */
  async callbackCard(tcd: number): Promise<void> {
    const state = this.tcd(tcd);
    const before = this.tcdFlags(tcd);
    state.cards += 1;
    this.state.cardsOut -= 1;
    await this.broadcast('CARD_EVENT', { tcd, direction: 1 });
    await this.reportTcdIfChanged(tcd, before);
  }

  /** Sets the ERROR_FLAG bits and reports DEVICE_ERROR at once. */
  raiseError(flags: number): Promise<void> {
    this.state.errorFlags = flags & 0xffff;
    return this.broadcastStatus('DEVICE_ERROR', { flags: this.state.errorFlags });
  }

  /** Sets the bill acceptor status and reports it at once. */
  setBillAcceptorStatus(code: number): Promise<void> {
    this.state.billAcceptorStatus = code;
    return this.broadcastStatus('BILL_ACCEPTOR_STATUS', { code });
  }

  /** Changes a TCD (card count, error) and reports its status at once. */
  setTcd(tcd: number, change: Partial<TcdState>): Promise<void> {
    const state = this.tcd(tcd);
    if (change.cards !== undefined) state.cards = change.cards;
    if (change.error !== undefined) state.error = change.error;
    return this.broadcastStatus('TCD_STATUS', this.tcdFlags(tcd));
  }

  /** Sends one round of statuses now (DEVICE_ERROR, BILL_ACCEPTOR_STATUS, TCD_STATUS per TCD). */
  async reportStatus(): Promise<void> {
    await this.broadcastStatus('DEVICE_ERROR', { flags: this.state.errorFlags });
    await this.broadcastStatus('BILL_ACCEPTOR_STATUS', { code: this.state.billAcceptorStatus });
    for (let i = 0; i < this.state.tcds.length; i++) await this.broadcastStatus('TCD_STATUS', this.tcdFlags(i));
  }

  // -------------------------------------------------------------------------------------------

  private tcd(index: number): TcdState {
    const state = this.state.tcds[index];
    if (!state)
      throw new KioskbusError(ErrorCode.InvalidArgument, `no TCD ${index} (box has ${this.state.tcds.length})`);
    return state;
  }

  private tcdFlags(tcd: number): MessageOf<'TCD_STATUS'> {
    const state = this.tcd(tcd);
    return { tcd, error: state.error, low: state.cards <= this.lowThreshold, empty: state.cards === 0 };
  }

  private async reportTcdIfChanged(tcd: number, before: MessageOf<'TCD_STATUS'>): Promise<void> {
    const after = this.tcdFlags(tcd);
    if (after.low !== before.low || after.empty !== before.empty || after.error !== before.error) {
      await this.broadcastStatus('TCD_STATUS', after);
    }
  }

  private setPolling(on: boolean): void {
    this.state.statusPolling = on;
    this.clock.clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    if (on) this.schedulePoll();
  }

  private schedulePoll(): void {
    this.statusTimer = this.clock.setTimeout(() => {
      this.statusTimer = undefined;
      if (!this.state.statusPolling) return;
      this.schedulePoll();
      this.reportStatus().catch((error: unknown) => {
        this.fail(error);
      });
    }, this.statusIntervalMs);
  }

  private fail(error: unknown): void {
    const wrapped = toKioskbusError(error, ErrorCode.TransportError);
    log('error: %s', wrapped.message);
    if (this.listenerCount('error') > 0) this.emit('error', wrapped);
  }

  private later(ms: number, fn: () => Promise<void>): void {
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn().catch((error: unknown) => {
        this.fail(error);
      });
    }, ms);
    this.timers.add(handle);
  }

  private async broadcastStatus<N extends 'DEVICE_ERROR' | 'BILL_ACCEPTOR_STATUS' | 'TCD_STATUS'>(
    name: N,
    message: MessageOf<N>,
  ): Promise<void> {
    // the seed's tables print 0x37 for every status; a legacy box can only be told apart by DATA_LEN, so there the
    // device error always has its 2 bytes (1 byte is the bill acceptor status)
    const legacy = this.legacyStatusIds;
    const id = legacy ? LEGACY_STATUS_ID : this.table.idOf(name);
    let data = this.table.encode(name, message);
    if (legacy && name === 'DEVICE_ERROR' && data.length === 1) data = Uint8Array.of(0, data[0] ?? 0);
    const key = name === 'TCD_STATUS' ? `${name}:${(message as MessageOf<'TCD_STATUS'>).tcd}` : name;
    this.queueAll({ id, data, name, kind: 'status', key });
    return Promise.resolve();
  }

  private broadcast<N extends StatusOrEventName>(name: N, message: MessageOf<N>): Promise<void> {
    this.queueAll({ id: this.table.idOf(name), data: this.table.encode(name, message), name, kind: 'event' });
    return Promise.resolve();
  }

  private queueAll(item: Parameters<Outbox['push']>[0]): void {
    if (!this.state.powered) return;
    for (const [link, outbox] of this.outboxes) if (link.transport.isOpen) outbox.push(item);
  }

  private reply(link: ControllerBoxLink, id: number, data: Uint8Array): void {
    if (!this.state.powered) return;
    link.send(id, data).catch((error: unknown) => {
      this.fail(error);
    });
  }

  private receiveFrameError(link: ControllerBoxLink, error: FrameError): void {
    if (!this.state.powered) return;
    this.emit('frameError', error);
    // a damaged command: say what was wrong, as the result code table allows (the host may send it again)
    if (error.id === undefined) return;
    const resolved = this.table.resolve(error.id, 0);
    if (resolved?.codec.kind !== 'command') return;
    const result =
      error.kind === 'crc'
        ? RESULT_CRC_INVALID
        : error.kind === 'stop'
          ? RESULT_START_STOP_INVALID
          : error.kind === 'truncated'
            ? RESULT_COMM_TIMEOUT
            : undefined;
    if (result !== undefined) this.reply(link, error.id, Uint8Array.of(result));
  }

  /**
   * A frame from the host. Nothing is acted on before its id, its length and its values fit the message table: the
   * default CRC covers DATA only, so a damaged id or DATA_LEN passes it (one dropped id byte turns the answer
   * `78 51 01 00 00 00 79` into `78 01 00 00 00 79`, a valid RESET, which no check can tell from a real one).
   */
  private receiveFrame(link: ControllerBoxLink, frame: ControllerBoxFrame): void {
    if (!this.state.powered) return;
    if (this.table.isUnsolicited(frame.id)) {
      // the host's answer to a status or event; one that does not fit is not answered (the box resends on timeout)
      const problem = answerProblem(frame.data);
      if (problem !== undefined) {
        this.suspect(frame, undefined, problem);
        return;
      }
      const result = frame.data[0] ?? 0;
      this.state.acks += 1;
      this.outboxes.get(link)?.answer(frame.id, result);
      this.emit('ack', { id: frame.id, result });
      return;
    }
    const resolved = this.table.resolve(frame.id, frame.data.length);
    if (!resolved) {
      this.reply(link, frame.id, Uint8Array.of(RESULT_ID_INVALID));
      return;
    }
    const name = resolved.name as CommandName;
    let message: unknown;
    let problem: string | undefined;
    try {
      message = resolved.codec.decode(frame.data, this.table.codec);
      problem = commandProblem(name, frame.data);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem !== undefined) {
      // as the host does: with a CRC that does not cover the id the frame is most likely damaged (the host's command
      // was not executed and may be sent again); with one that does, the host really sent it so
      this.reply(link, frame.id, Uint8Array.of(this.crc.coverage === 'data' ? RESULT_CRC_INVALID : RESULT_ERROR));
      this.suspect(frame, name, problem);
      return;
    }
    const injected = this.injected.get(name)?.shift();
    const ota = this.state.ota;
    const result =
      injected ??
      (ota === 'download'
        ? RESULT_OTA_IN_PROGRESS
        : ota === 'install'
          ? RESULT_OTA_DATA
          : this.execute(link, name, message));
    if (result === DEFERRED) return;
    const data =
      name === 'REQUEST_VERSION' && result === RESULT_SUCCESS
        ? this.table.encodeResponse('REQUEST_VERSION', { result, firmware: this.firmware, board: this.board })
        : Uint8Array.of(result);
    this.reply(link, frame.id, data);
    this.emit('command', { name, message, result });
  }

  private suspect(frame: ControllerBoxFrame, name: string | undefined, reason: string): void {
    this.state.suspectFrames += 1;
    log('suspect frame %s: %s', toHex(frame.raw, ''), reason);
    if (this.listenerCount('suspectFrame') > 0) {
      this.emit('suspectFrame', new SuspectFrameError(frame.id, name, reason, frame.raw));
    }
  }

  /** Carries out a command; returns its RESULT_CODE. */
  private execute(link: ControllerBoxLink, name: CommandName, message: unknown): number {
    switch (name) {
      case 'RESET':
        this.state.resets += 1;
        this.setPolling(false);
        if (this.resetMs > 0 || this.state.tcds.some((t) => t.error)) {
          // the peripherals restart; a TCD in error does not come back in time
          const result = this.state.tcds.some((t) => t.error) ? RESULT_RESET_TIMEOUT : RESULT_SUCCESS;
          this.later(this.resetMs, () => {
            this.reply(link, this.table.idOf('RESET'), Uint8Array.of(result));
            this.emit('command', { name, message, result });
            return Promise.resolve();
          });
          return DEFERRED;
        }
        return RESULT_SUCCESS;
      case 'REQUEST_VERSION':
        return RESULT_SUCCESS;
      case 'SETTING':
        this.setPolling((message as MessageOf<'SETTING'>).statusPolling);
        return RESULT_SUCCESS;
      case 'DISPENSE_CARD': {
        const { tcd } = message as MessageOf<'DISPENSE_CARD'>;
        const state = this.state.tcds[tcd];
        if (!state || state.error || state.cards === 0) return RESULT_ERROR;
        // reserve the card now so that two quick requests cannot both take the last one
        const before = this.tcdFlags(tcd);
        this.takeCard(tcd, state);
        this.cardsInMotion += 1;
        this.later(this.dispenseDelayMs, async () => {
          this.cardsInMotion -= 1;
          await this.broadcast('CARD_EVENT', { tcd, direction: 0 });
          await this.reportTcdIfChanged(tcd, before);
        });
        return RESULT_SUCCESS;
      }
      case 'UPDATE_RFID':
        this.state.rfidWrites.push(message as MessageOf<'UPDATE_RFID'>);
        return RESULT_SUCCESS;
      case 'PLAY_AUDIO':
        this.state.audio.push((message as MessageOf<'PLAY_AUDIO'>).audioIndex);
        return RESULT_SUCCESS;
      case 'CONTROL_IO': {
        const { selectMask, levelMask } = message as MessageOf<'CONTROL_IO'>;
        const io = this.state.io;
        io.select = selectMask;
        io.level = (io.level & ~selectMask) | (levelMask & selectMask);
        return RESULT_SUCCESS;
      }
    }
  }
}
