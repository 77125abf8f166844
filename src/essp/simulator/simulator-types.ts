/** Options, statistics, state snapshot and events of the eSSP device simulator (`SspSimulator`). */
import type { Clock } from '../../core/clock.js';
import type { KioskbusError } from '../../core/errors.js';
import type { SimEvent } from './event-queue.js';
import type { PayoutSimOptions } from './payout/types.js';
import type { NoteTiming, SimChannel, SimDeviceName } from './profiles.js';
import type { ValidatorState } from './validator.js';

export interface SspSimulatorOptions {
  device: SimDeviceName;
  /** SSP address (default: the profile's, 0 for validators). */
  address?: number;
  /**
   * Delay before each reply, on the clock. Default: 0 on an in-memory transport, 5 ms on real links (the older JS
   * library loses replies that come back faster than its drain callback).
   */
  replyLatencyMs?: number;
  /** Alias of `replyLatencyMs` (contract name). */
  latencyMs?: number;
  clock?: Clock;
  /** Fixed part of the AES key (default 0x0123456701234567). */
  fixedKey?: bigint;
  /** Replaces the profile's channel set. */
  channels?: SimChannel[];
  /** Protocol version at power-up (default min(6, max)); HOST_PROTOCOL_VERSION may raise it up to the max. */
  protocolVersion?: number;
  /** Highest protocol version accepted (default: the profile's). */
  maxProtocolVersion?: number;
  serialNumber?: number;
  /** 4 ASCII digits of SETUP_REQUEST ("0430"). */
  firmware?: string;
  /** Random source in [0, 1) for the DH secret and the packet packing (tests: deterministic). */
  random?: () => number;
  /** Note path timing overrides (ms). */
  timing?: Partial<NoteTiming>;
  /** No-command watchdog (default 10 000 ms). */
  watchdogMs?: number;
  /** Notes in the cashbox before STACKER_FULL. */
  cashboxCapacity?: number;
  /** Command codes this unit answers with COMMAND_NOT_KNOWN (an older firmware, e.g. `[0x56]`: no POLL_WITH_ACK). */
  unsupportedCommands?: readonly number[];
  /** Payout devices: initial levels, routes, timing (see payout/types.ts). */
  payout?: PayoutSimOptions;
}

export interface SimulatorStats {
  /** Frames addressed to this device (good CRC). */
  frames: number;
  /** Commands executed (not replayed). */
  commands: number;
  /** Retransmissions answered with the stored reply. */
  replays: number;
  /** Retransmissions whose bytes differed from the first transmission (answered with the stored reply anyway). */
  replaysWithOtherBytes: number;
  syncs: number;
  /** Encrypted packets dropped: bad inner CRC or length. */
  decryptErrors: number;
  /** Encrypted packets dropped: wrong eCOUNT. */
  countErrors: number;
  /** Frames for other addresses. */
  otherAddress: number;
  /** Frames received while the device was rebooting. */
  whileResetting: number;
  /** Frames dropped by the decoders (bad CRC, bad frame). */
  badFrames: number;
}

export interface SimulatorState {
  device: SimDeviceName;
  model: string;
  address: number;
  /** False while the device reboots (RESET, power cycle). */
  powered: boolean;
  enabled: boolean;
  protocolVersion: number;
  /** A key is negotiated. */
  encrypted: boolean;
  /** The eCOUNT the next encrypted command must carry. */
  count: number;
  /** Sequence flag of the last answered command (undefined after SYNC and power-up). */
  lastSeq: 0 | 1 | undefined;
  validator: ValidatorState;
  pendingEvents: readonly SimEvent[];
  awaitingAck: readonly SimEvent[];
}

export interface SimulatorEventMap {
  /** A command was executed (`replayed` ones were answered from the stored reply). */
  command: [info: { name: string; code: number; encrypted: boolean; replayed: boolean; reply: number | undefined }];
  /** An event was queued for the next poll. */
  event: [event: SimEvent];
  /** Something happened to the device (human-readable, for the CLI). */
  note: [message: string];
  /** Bad bytes from the host (framing, decryption, counter); the device goes on. */
  error: [error: KioskbusError];
}
