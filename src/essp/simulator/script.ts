/**
 * A line-based scripting language for driving a running simulator by hand (the CLI reads it from stdin) or from a
 * file: one command per line, `#` starts a comment.
 */
import { ErrorCode, KioskbusError, toKioskbusError } from '../../core/errors.js';
import { isCoinDevice } from '../tables/context.js';
import { EVENT_LINE_HELP, parseEventWords } from './scripted-event.js';
import type { SspSimulator } from './simulator.js';

export const SCRIPT_HELP = `commands (one per line):
  insert CH [reject CODE | counterfeit]   put a note of channel CH in the bezel (CODE: LAST_REJECT_CODE, hex or decimal)
  ticket DATA                             put a bar code ticket in the bezel (reader enabled, DATA of the set length)
  jam safe|unsafe                         jam the note path
  clear-jam                               clear a jam (a stuck note is taken out, not credited)
  fraud [CH]                              a fraud attempt (FRAUD_ATTEMPT)
  remove-cashbox | replace-cashbox [keep] take the cashbox out / put it back (emptied unless "keep")
  cashbox-level N                         set the number of notes in the cashbox (capacity: STACKER_FULL)
  path open|close                         open or close the note path (NV200)
  power-cycle [front CH | cashbox CH | none]   power off and on, optionally with a note left inside
  ${EVENT_LINE_HELP}
  state                                   print the device state
  wait MS                                 (stdin/CLI only) hold the next lines back for MS milliseconds
  help                                    this text`;

/**
 * A script line or a simulator option that cannot be read (unknown command, bad number, bad `--levels` list): an
 * INVALID_ARGUMENT error of its own type, so that a CLI can tell its user's mistakes from device failures.
 */
export class ScriptError extends KioskbusError {
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
    this.name = 'ScriptError';
  }
}

function parseNumber(text: string | undefined, what: string): number {
  if (text === undefined) throw new KioskbusError(ErrorCode.InvalidArgument, `missing ${what}`);
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value))
    throw new KioskbusError(ErrorCode.InvalidArgument, `${what} must be a number, got "${text}"`);
  return value;
}

/** A short human summary of the simulator state. */
export function describeState(sim: SspSimulator): string {
  const s = sim.state;
  const v = s.validator;
  const channels = sim.profile.channels
    .map((c, i) => `${c.channel}:${(c.value / 100).toString()}${c.currency}${v.inhibits[i] ? '' : '(inhibited)'}`)
    .join(' ');
  const parts = [
    `${s.model} addr ${s.address} ${s.powered ? (s.enabled ? 'enabled' : 'disabled') : 'rebooting'}`,
    `protocol ${s.protocolVersion}${s.encrypted ? `, encrypted (eCOUNT ${s.count})` : ''}`,
    `note ${v.note ? `${v.note.phase} ch ${v.note.channel}` : 'none'}`,
    v.jam ? `jam ${v.jam}` : undefined,
    `cashbox ${v.cashbox.present ? `${v.cashbox.notes}/${v.cashbox.capacity}` : 'removed'}${v.stackerFull ? ' FULL' : ''}`,
    `last reject 0x${v.lastRejectCode.toString(16).padStart(2, '0')}`,
    `channels ${channels}`,
    `pending [${s.pendingEvents.map((e) => (e.channel === undefined ? e.name : `${e.name} ${e.channel}`)).join(', ')}]`,
  ];
  return parts.filter((p) => p !== undefined).join('; ');
}

/** For `wait MS` lines: the delay in ms; undefined for every other line. Bad numbers throw INVALID_ARGUMENT. */
export function scriptDelayMs(line: string): number | undefined {
  const [verb, arg, extra] = line.replace(/#.*$/, '').trim().split(/\s+/);
  if (verb?.toLowerCase() !== 'wait') return undefined;
  const ms = parseNumber(arg, 'wait time (ms)');
  if (extra !== undefined || ms > 3_600_000) {
    throw new KioskbusError(ErrorCode.InvalidArgument, 'wait: expected one number of milliseconds (at most 3600000)');
  }
  return ms;
}

/** Runs one script line; returns the text to show. Bad lines throw INVALID_ARGUMENT with a hint. */
export function runScriptLine(sim: SspSimulator, line: string): string {
  const text = line.replace(/#.*$/, '').trim();
  if (text === '') return '';
  const [verb = '', ...args] = text.split(/\s+/);
  try {
    switch (verb.toLowerCase()) {
      case 'insert': {
        const channel = parseNumber(args[0], 'channel');
        const mode = args[1]?.toLowerCase();
        const result =
          mode === 'reject'
            ? sim.insertNote(channel, { rejectCode: parseNumber(args[2], 'reject code') })
            : mode === 'counterfeit'
              ? sim.insertNote(channel, { counterfeit: true })
              : mode === undefined
                ? sim.insertNote(channel)
                : (() => {
                    throw new KioskbusError(ErrorCode.InvalidArgument, `insert: unknown option "${mode}"`);
                  })();
        return result.taken ? `note ${channel} inserted` : `note not taken: ${result.reason}`;
      }
      case 'ticket': {
        if (args.length !== 1 || args[0] === undefined) {
          throw new KioskbusError(ErrorCode.InvalidArgument, 'ticket: expected the ticket data (one word)');
        }
        const result = sim.insertTicket(args[0]);
        return result.taken ? `ticket ${args[0]} inserted` : `ticket not taken: ${result.reason}`;
      }
      case 'jam': {
        const kind = args[0]?.toLowerCase();
        if (kind !== 'safe' && kind !== 'unsafe') {
          throw new KioskbusError(ErrorCode.InvalidArgument, 'jam: expected "safe" or "unsafe"');
        }
        sim.jam(kind);
        return `${kind} jam`;
      }
      case 'clear-jam':
        sim.clearJam();
        return 'jam cleared';
      case 'fraud':
        sim.fraud(args[0] === undefined ? undefined : parseNumber(args[0], 'channel'));
        return 'fraud attempt';
      case 'remove-cashbox':
        sim.removeCashbox();
        return 'cashbox removed';
      case 'replace-cashbox':
        sim.replaceCashbox({ empty: args[0]?.toLowerCase() !== 'keep' });
        return 'cashbox replaced';
      case 'cashbox-level':
        sim.setCashboxLevel(parseNumber(args[0], 'note count'));
        return `cashbox holds ${sim.state.validator.cashbox.notes} notes`;
      case 'path': {
        const what = args[0]?.toLowerCase();
        if (what !== 'open' && what !== 'close') {
          throw new KioskbusError(ErrorCode.InvalidArgument, 'path: expected "open" or "close"');
        }
        sim.setNotePathOpen(what === 'open');
        return `note path ${what === 'open' ? 'open' : 'closed'}`;
      }
      case 'power-cycle': {
        const where = args[0]?.toLowerCase();
        if (where === undefined) sim.powerCycle();
        else if (where === 'none') sim.powerCycle({ noteInside: false });
        else if (where === 'front' || where === 'cashbox') {
          sim.powerCycle({ noteInside: { channel: parseNumber(args[1], 'channel'), to: where } });
        } else {
          throw new KioskbusError(
            ErrorCode.InvalidArgument,
            'power-cycle: expected "front CH", "cashbox CH" or "none"',
          );
        }
        return 'power cycled';
      }
      case 'event': {
        const event = parseEventWords(args, isCoinDevice({ protocolVersion: 6, unitType: sim.profile.unitType }));
        sim.raiseEvent(event);
        return `event ${event.name} queued`;
      }
      case 'state':
        return describeState(sim);
      case 'help':
        return SCRIPT_HELP;
      default:
        throw new KioskbusError(ErrorCode.InvalidArgument, `unknown command "${verb}" (try "help")`);
    }
  } catch (error) {
    throw toKioskbusError(error, ErrorCode.InvalidArgument);
  }
}
