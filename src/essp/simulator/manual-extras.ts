/**
 * Commands GA138 lists for a simulated device that neither the note path nor the payout behaviours answer: the
 * real-time clock (SMART System), COMMUNICATION_PASS_THROUGH (SMART Hopper/System), COIN_STIR and COIN_ESCROW (SMART
 * System), ENABLE_TITO_EVENTS (NV200) and the escrow-transaction commands of the SMART Payout escrow firmware
 * (0x76-0x7A). Which profile answers which is decided by the profile's command set; this behaviour only says how.
 * Arguments are read and replies written through the command table's codecs.
 */
import { COMMANDS, type RtcTime } from '../commands.js';
import { Generic, okReply, type SimBehaviour, type SimCommand, type SimCore, type SimReply } from './behaviour.js';

const OK = Uint8Array.of(Generic.Ok);

/** The device clock: set by SET_REAL_TIME_CLOCK, then running on the simulator's clock. */
interface RtcState {
  /** Milliseconds since the epoch (UTC) at `at`. */
  epochMs: number;
  /** `clock.now()` when it was set. */
  at: number;
}

function toRtc(ms: number): RtcTime {
  const d = new Date(ms);
  return {
    day: d.getUTCDate(),
    month: d.getUTCMonth() + 1,
    year: d.getUTCFullYear() - 2000,
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

export class ManualExtras implements SimBehaviour {
  readonly name = 'manual-extras';
  private rtc: RtcState = { epochMs: Date.UTC(2026, 0, 1), at: 0 };
  private titoEvents = false;
  private passThroughUart: number | undefined;
  private escrowSize = 0;
  private stirs = 0;

  constructor(private readonly core: SimCore) {
    this.rtc.at = core.clock.now();
  }

  handle(command: SimCommand): SimReply | undefined {
    const ctx = this.core.context();
    const { args } = command;
    switch (command.name) {
      case 'GET_REAL_TIME_CLOCK_CONFIGURATION':
        COMMANDS.GET_REAL_TIME_CLOCK_CONFIGURATION.decodeArgs(args, ctx);
        return okReply(COMMANDS.GET_REAL_TIME_CLOCK_CONFIGURATION.encodeReply({ persistent: true }, ctx));
      case 'GET_REAL_TIME_CLOCK':
        COMMANDS.GET_REAL_TIME_CLOCK.decodeArgs(args, ctx);
        return okReply(
          COMMANDS.GET_REAL_TIME_CLOCK.encodeReply(toRtc(this.rtc.epochMs + this.core.clock.now() - this.rtc.at), ctx),
        );
      case 'SET_REAL_TIME_CLOCK': {
        const t = COMMANDS.SET_REAL_TIME_CLOCK.decodeArgs(args, ctx);
        const ms = Date.UTC(2000 + t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
        const back = toRtc(ms);
        if (back.day !== t.day || back.month !== t.month || t.hour > 23 || t.minute > 59 || t.second > 59) {
          return Uint8Array.of(Generic.ParameterOutOfRange);
        }
        this.rtc = { epochMs: ms, at: this.core.clock.now() };
        return OK;
      }
      case 'COMMUNICATION_PASS_THROUGH': {
        const a = COMMANDS.COMMUNICATION_PASS_THROUGH.decodeArgs(args, ctx);
        const uart = a?.uart ?? 0;
        if (uart > 1) return Uint8Array.of(Generic.ParameterOutOfRange);
        // A real unit now routes its USB data to the port; nothing is attached to a simulator's ports.
        this.passThroughUart = uart;
        this.core.note(`pass-through to the ${uart === 0 ? 'SSP' : 'ccTalk'} UART (nothing attached)`);
        return OK;
      }
      case 'COIN_STIR': {
        const seconds = COMMANDS.COIN_STIR.decodeArgs(args, ctx)?.data ?? new Uint8Array(0);
        if (seconds.length !== 1) return Uint8Array.of(Generic.WrongParameters);
        if (seconds[0] === 0) return Uint8Array.of(Generic.ParameterOutOfRange);
        this.stirs += 1;
        return OK;
      }
      case 'COIN_ESCROW':
        // sub-commands (open count / open value / close / accept / reject): layout not in GA138, accepted as sent
        COMMANDS.COIN_ESCROW.decodeArgs(args, ctx);
        return OK;
      case 'ENABLE_TITO_EVENTS':
        COMMANDS.ENABLE_TITO_EVENTS.decodeArgs(args, ctx);
        this.titoEvents = true;
        return OK;
      case 'CANCEL_ESCROW_TRANSACTION':
      case 'COMMIT_ESCROW_TRANSACTION':
        // the simulated note path holds one note at a time (READ_NOTE escrow), so the transaction escrow is empty
        if (args.length !== 0) return Uint8Array.of(Generic.WrongParameters);
        return OK;
      case 'READ_ESCROW_VALUE':
        // GA138 gives no reply layout: a u32 value in minor units, 0 for the empty transaction escrow
        if (args.length !== 0) return Uint8Array.of(Generic.WrongParameters);
        return okReply(COMMANDS.READ_ESCROW_VALUE.encodeReply(Uint8Array.of(0, 0, 0, 0), ctx));
      case 'GET_ESCROW_SIZE':
        if (args.length !== 0) return Uint8Array.of(Generic.WrongParameters);
        return okReply(COMMANDS.GET_ESCROW_SIZE.encodeReply(Uint8Array.of(this.escrowSize), ctx));
      case 'SET_ESCROW_SIZE':
        this.escrowSize = COMMANDS.SET_ESCROW_SIZE.decodeArgs(args, ctx).size;
        return OK;
      default:
        return undefined;
    }
  }

  snapshot(): Record<string, unknown> {
    return {
      titoEvents: this.titoEvents,
      passThroughUart: this.passThroughUart,
      escrowSize: this.escrowSize,
      stirs: this.stirs,
    };
  }
}
