/**
 * How the eSSP simulator is put together: a device core (link state, protocol version, enable flag, event queue,
 * clock) and a stack of behaviours. A command goes to the behaviours in order; the first that answers wins. Each
 * behaviour also contributes the status events of its part of the machine (note path, cashbox, payout, ...).
 *
 * A payout device is a profile plus a payout behaviour placed before the validator behaviour (it may answer
 * SETUP_REQUEST differently, add PAYOUT_AMOUNT, ...), without touching the link layer or the note path.
 */
import type { Clock } from '../../core/clock.js';
import type { SspContext } from '../commands.js';
import type { EventQueue, SimEvent } from './event-queue.js';
import type { DeviceProfile, NoteTiming } from './profiles.js';

/** A command as the behaviours see it: code, name (from the tables), argument bytes, and whether it came encrypted. */
export interface SimCommand {
  code: number;
  name: string;
  args: Uint8Array;
  encrypted: boolean;
}

/** What the behaviours may read and change in the device core. */
export interface SimCore {
  readonly profile: DeviceProfile;
  readonly clock: Clock;
  readonly timing: NoteTiming;
  readonly events: EventQueue;
  /** Enabled by the host (ENABLE) and not disabled since (DISABLE, watchdog, reset). */
  enabled: boolean;
  /** False while the device reboots (RESET, power cycle): nothing is taken in then. */
  readonly powered: boolean;
  /** The protocol version in use (HOST_PROTOCOL_VERSION). */
  readonly protocolVersion: number;
  /** The codec context of the tables (protocol version, unit type, channels). */
  context(): SspContext;
  /** Schedules `fn` on the device clock; all pending timers are cancelled on reset/power cycle. */
  schedule(ms: number, fn: () => void): void;
  /** Reports a device-level happening to observers of the simulator (for logs and the CLI). */
  note(message: string): void;
}

/** The reply to a command: the generic code first (0xF0 OK, 0xF5 ...), then the data. */
export type SimReply = Uint8Array;

/** Generic reply codes (the tables' SspGeneric has the same values). */
export const Generic = {
  Ok: 0xf0,
  UnknownCommand: 0xf2,
  WrongParameters: 0xf3,
  ParameterOutOfRange: 0xf4,
  CannotProcess: 0xf5,
  Fail: 0xf8,
  KeyNotSet: 0xfa,
} as const;

/** OK followed by `data`. */
export function okReply(data: Uint8Array): SimReply {
  const out = new Uint8Array(1 + data.length);
  out[0] = Generic.Ok;
  out.set(data, 1);
  return out;
}

export interface SimBehaviour {
  readonly name: string;
  /** Answers a command, or returns undefined to let the next behaviour (and finally COMMAND_NOT_KNOWN) answer. */
  handle?(command: SimCommand): SimReply | undefined;
  /** Called before a new (not replayed) POLL / POLL_WITH_ACK collects its events. */
  beforePoll?(): void;
  /** Called with the events a poll reply carried. */
  afterPoll?(reported: readonly SimEvent[]): void;
  /** Events of the current state, re-reported by every poll while it lasts. */
  statusEvents?(): SimEvent[];
  /** The device (re)starts: RESET command or power cycle. Clear volatile state, queue power-up events. */
  powerUp?(options: PowerUpOptions): void;
  /** No command for the watchdog period (10 s): the device disabled itself. */
  watchdogExpired?(): void;
  /** The host disabled the device (DISABLE) or it disabled itself. */
  disabled?(): void;
  /** Inspectable state of this behaviour (plain data). */
  snapshot?(): Record<string, unknown>;
}

/** Where a note left inside the device at power-up ends up (GA138: NOTE_CLEARED_FROM_FRONT / INTO_CASHBOX). */
export interface NoteInsideAtPowerUp {
  /** Channel of the note (0 = unknown). */
  channel: number;
  /** `front`: rejected out of the bezel; `cashbox`: moved into the cashbox (a pay-in: the host should credit it). */
  to: 'front' | 'cashbox';
}

export interface PowerUpOptions {
  /** Overrides what the note path holds; by default it follows the note in the path when the power went. */
  noteInside?: NoteInsideAtPowerUp | false;
}
