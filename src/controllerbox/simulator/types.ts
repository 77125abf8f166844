/** Options, events and the observable state of the ControllerBox simulator (the simulator is simulator.ts). */
import type { KioskbusError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { CrcVariant, FrameError } from '../frame.js';
import type { CodecOptions, CommandName, MessageName, UpdateRfidPayload, VersionTriple } from '../messages.js';
import type { SuspectFrameError } from '../results.js';
import type { OutboxCounters } from './outbox.js';

export interface TcdState {
  cards: number;
  error: boolean;
}

export interface ControllerBoxSimulatorOptions {
  /** CRC variant the box uses (default `arc/data/be`). */
  crc?: CrcVariant;
  firmware?: VersionTriple;
  board?: VersionTriple;
  /** Number of card dispensers (default 2). */
  tcds?: number;
  /** Cards in each TCD at start (default 50). */
  cardsPerTcd?: number;
  /** A TCD reports `low` at or below this many cards (default 5). */
  lowThreshold?: number;
  /** Period of the status reports while polling is on (default 1000 ms). */
  statusIntervalMs?: number;
  /** Time from a DISPENSE_CARD reply to its CARD_EVENT (default 100 ms). */
  dispenseDelayMs?: number;
  /** Encode statuses/events with the field-list lengths (default) or the documented DATA_LEN values. */
  layout?: CodecOptions['layout'];
  /** Send every status with the seed tables' id 0x37 instead of 0x30..0x32 (default false). */
  legacyStatusIds?: boolean;
  /**
   * Resend a status or event that got no answer, or an answer saying it arrived damaged (CRC_INVALID,
   * START_STOP_BYTE_INVALID, TIMEOUT): one frame at a time, `answerTimeoutMs` (default 300) per try, `maxTries` sends
   * in all (default 4), then it is lost. `false`: write every frame once and forget it. Default on.
   */
  resend?: boolean | { answerTimeoutMs?: number; maxTries?: number };
  /** A power cut keeps the statuses and events still waiting to be sent (default false: they are in RAM). */
  keepQueueOnPowerCut?: boolean;
  /** Time a RESET takes; a TCD in error does not come back and RESET answers RESULT_CMD_RESET_TIMEOUT (default 0). */
  resetMs?: number;
  ids?: Partial<Record<MessageName, number>>;
  codec?: Partial<CodecOptions>;
  rxIdleMs?: number;
  clock?: Clock;
}

export interface SimulatorCommandEvent {
  name: CommandName;
  message: unknown;
  result: number;
}

export interface ControllerBoxSimulatorEventMap {
  /** A command was received and answered. */
  command: [event: SimulatorCommandEvent];
  /** The host answered a status or event. */
  ack: [event: { id: number; result: number }];
  /** A bad frame arrived from the host. */
  frameError: [error: FrameError];
  /**
   * A frame passed its CRC but fits no message (id, length, values): not executed, answered CRC_INVALID (the default
   * CRC does not cover the id: most likely damaged) or RESULT_ERROR; a host's answer that fits none is ignored.
   */
  suspectFrame: [error: SuspectFrameError];
  error: [error: KioskbusError];
}

export interface TapRfidOptions {
  rfid: Uint8Array;
  /** MONEY in protocol units. */
  money: number;
  issueDate?: Uint8Array;
  /** RFID error code (0 success, 0x71 invalid format, 0x73 authentication failed). */
  error?: number;
}

/** The simulator's view of the box; tests and the CLI read it. */
export interface ControllerBoxSimulatorState {
  statusPolling: boolean;
  errorFlags: number;
  billAcceptorStatus: number;
  tcds: TcdState[];
  /** Audio indexes played, oldest first. */
  audio: number[];
  /** Last select mask, and the level of every IO driven so far. */
  io: { select: number; level: number };
  /** UPDATE_RFID requests received, oldest first. */
  rfidWrites: UpdateRfidPayload[];
  resets: number;
  acks: number;
  /** Frames from the host that passed the CRC but fit no message, so were not executed (see `suspectFrame`). */
  suspectFrames: number;
  /** False while the power is off (`powerCycle`). */
  powered: boolean;
  powerCycles: number;
  /** While set, an over-the-air update runs: commands are answered OTA_DATA_IN_PROGRESS / OTA_DATA (`startOta`). */
  ota: 'download' | 'install' | undefined;
  /** Ground truth: cards out (net of callbacks), bills accepted (protocol units), and the fate of sent frames. */
  cardsOut: number;
  /** Cards that left each TCD (callbacks not subtracted). */
  dispensed: number[];
  /** CARD_EVENTs never queued: dispenses in motion at a power cut (the card is out). */
  cardEventsLost: number;
  bills: number[];
  outbox: OutboxCounters;
}
