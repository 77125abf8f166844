/**
 * The options, events and reasons of the eSSP device runtime (runtime.ts).
 */
import type { Clock } from '../../core/clock.js';
import type { DeviceState, InitReason } from '../../core/device-loop.js';
import type { KioskbusError } from '../../core/errors.js';
import type { SetupRequestResult } from '../decoders.js';
import type { SspEvent } from '../events.js';

export const MIN_POLL_INTERVAL_MS = 200;
export const MAX_POLL_INTERVAL_MS = 1000;

export interface SspDeviceOptions {
  /** Slave address (default 0x00: validators). */
  address?: number;
  /** The polling period, 200..1000 ms (GA973 §7.4): polls are due at start + k × interval. Default 200. */
  pollIntervalMs?: number;
  /**
   * Poll with POLL_WITH_ACK and acknowledge with EVENT_ACK, so that credit-type events repeat until acknowledged and
   * survive a lost reply. `'auto'` (default): use it whenever the link is encrypted (the manual requires POLL_WITH_ACK
   * to be), and fall back to POLL for good when the device answers it with COMMAND_NOT_KNOWN (older firmware).
   * `false`: plain POLL.
   */
  pollWithAck?: boolean | 'auto';
  /** Negotiate a key and encrypt every command (default true). */
  encryption?: boolean;
  /** Fixed key for the negotiation (default 0x0123456701234567, or the bus's). */
  fixedKey?: bigint | string;
  /** Highest protocol version to ask for; steps down on FAIL (default 8). */
  protocolVersion?: number;
  /** Lowest protocol version to accept (default 4). */
  minProtocolVersion?: number;
  /**
   * Send ENABLE at the end of the start-up (default true). `enable()` / `disable()` change this wish; every later
   * start-up follows the application's last call.
   */
  enable?: boolean;
  /**
   * The device's no-command watchdog in ms (GA973 §7.4: a device disables itself after 10 s without a command, the
   * SMART Hopper after 5 s). A gap between two answers this long (less one poll period) means the device may have
   * lost its set-up: the host runs the start-up again (reason `watchdog`). Default 10 000 (SMART Hopper: 5 000).
   */
  watchdogMs?: number;
  /**
   * How long a command of the application waits while the device starts, is busy or is offline, before it fails
   * with NOT_READY. Default 5000.
   */
  readyTimeoutMs?: number;
  clock?: Clock;
}

/**
 * Why the start-up sequence runs: the shared life-cycle's reasons, and `watchdog` (the device may have disabled
 * itself: no answer for longer than its no-command watchdog, or DISABLED reported although the application wants it
 * enabled).
 */
export type ReinitialiseReason = InitReason | 'watchdog';

export interface SspDeviceEvents {
  /** Every decoded poll event, in order. */
  event: [event: SspEvent];
  /** The start-up sequence finished (first start and every re-initialisation). */
  ready: [info: { reason: ReinitialiseReason; protocolVersion: number; setup: SetupRequestResult }];
  /** The runtime re-initialises by itself (SLAVE_RESET, KEY_NOT_SET, back from offline). */
  reinitialising: [info: { reason: ReinitialiseReason }];
  /** No reply after all retries, or the port was lost (once per outage). The device is set up again when it answers. */
  offline: [error: KioskbusError];
  online: [];
  /** Every change of the life-cycle state (closed, opening, initialising, ready, busy, offline, reopening). */
  state: [to: DeviceState, from: DeviceState];
  /** An event code the tables cannot size, or an event cut short (its bytes and the rest of that reply). */
  unknown: [event: Extract<SspEvent, { name: 'UNKNOWN' }>];
  /** A poll or a background command failed (the loop goes on). */
  error: [error: KioskbusError];
  /**
   * Ack-type events that head a poll reply right after an EVENT_ACK whose answer was lost, identical to the events
   * that EVENT_ACK was for: either the device repeats them (the EVENT_ACK did not arrive: nothing new) or they are new
   * identical events (it did: another note or coin of the same value). The wire cannot tell; they are not reported
   * again as credits, and this says so (once): a credit-bearing one (CREDIT_NOTE, COIN_CREDIT) may be money taken
   * that the application was not told of.
   */
  repeatInDoubt: [info: { events: SspEvent[] }];
}
