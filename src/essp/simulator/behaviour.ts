/**
 * How the eSSP simulator is put together: a device core (link state, protocol version, enable flag, event queue,
 * clock) and a stack of behaviours. A command goes to the behaviours in order; the first that answers wins. Each
 * behaviour also contributes the status events of its part of the machine (note path, cashbox, payout, ...).
 *
 * A payout device is a profile plus a payout behaviour placed before the validator behaviour (it may answer
 * SETUP_REQUEST differently, add PAYOUT_AMOUNT, ...), without touching the link layer or the note path.
 */
import type { Clock } from '../../core/clock.js';
import type { DecodedArgs, ReplyInput, SspCommandName, SspContext } from '../commands.js';
import type { EventQueue, SimEvent } from './event-queue.js';
import type { DeviceProfile, NoteTiming } from './profiles.js';

/** A command as the behaviours see it: its table name, its arguments decoded through the table, the raw bytes. */
export interface SimCommand<N extends SspCommandName = SspCommandName> {
  code: number;
  name: N;
  args: DecodedArgs<N>;
  /** The argument bytes as received (after the code byte). */
  raw: Uint8Array;
  encrypted: boolean;
}

/** What a handler returns to let the next behaviour answer the command. */
export const PASS: unique symbol = Symbol('pass');
export type Pass = typeof PASS;

/**
 * Answers one command: the typed result the table encodes after F0, or PASS. A refusal is thrown as a typed error
 * (see replies.ts); the simulator turns it into the generic reply (F3, F4, F5 + error byte, F8, ...) in one place.
 */
export type Handler<N extends SspCommandName> = (args: DecodedArgs<N>, command: SimCommand<N>) => ReplyInput<N> | Pass;

/** Handlers by command name: a misspelt name or a wrong result type does not compile. */
export type Handlers = { readonly [N in SspCommandName]?: Handler<N> };

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

export interface SimBehaviour {
  readonly name: string;
  /**
   * The commands this behaviour answers. Asked once, when the simulator is built; a command goes to the handlers of
   * the behaviours in order until one does not PASS (none: COMMAND_NOT_KNOWN).
   */
  handlers?(): Handlers;
  /** Called before every executed (not replayed) command, whoever answers it. */
  beforeCommand?(): void;
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
