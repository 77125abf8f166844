/**
 * Commands GA138 lists for a simulated device that neither the note path nor the payout behaviours answer: the
 * real-time clock (SMART System), COMMUNICATION_PASS_THROUGH (SMART Hopper/System), COIN_STIR and COIN_ESCROW (SMART
 * System), ENABLE_TITO_EVENTS (NV200) and the escrow-transaction commands of the SMART Payout escrow firmware
 * (0x76-0x7A). Which profile answers which is decided by the profile's command set; this behaviour only says how.
 * Arguments are read and replies written through the command table's codecs.
 */
import type { RtcTime } from '../commands.js';
import type { Handlers, SimBehaviour, SimCore } from './behaviour.js';
import { outOfRange } from './replies.js';

/** The reply of a raw-bytes command that answers a bare OK. */
const NO_DATA = new Uint8Array(0);

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

  handlers(): Handlers {
    return {
      GET_REAL_TIME_CLOCK_CONFIGURATION: () => ({ persistent: true }),
      GET_REAL_TIME_CLOCK: () => toRtc(this.rtc.epochMs + this.core.clock.now() - this.rtc.at),
      SET_REAL_TIME_CLOCK: (t) => {
        const ms = Date.UTC(2000 + t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
        const back = toRtc(ms);
        if (back.day !== t.day || back.month !== t.month || t.hour > 23 || t.minute > 59 || t.second > 59) {
          outOfRange('no such date');
        }
        this.rtc = { epochMs: ms, at: this.core.clock.now() };
      },
      COMMUNICATION_PASS_THROUGH: (a) => {
        const uart = a.uart ?? 0;
        if (uart > 1) outOfRange('UART 0 (SSP) or 1 (ccTalk)');
        // A real unit now routes its USB data to the port; nothing is attached to a simulator's ports.
        this.passThroughUart = uart;
        this.core.note(`pass-through to the ${uart === 0 ? 'SSP' : 'ccTalk'} UART (nothing attached)`);
      },
      COIN_STIR: ({ seconds }) => {
        // the table refuses 0 s (F4); a real hopper now turns its motor for `seconds`
        this.stirs += 1;
        this.core.note(`coin stir for ${seconds} s`);
      },
      // sub-commands (open count / open value / start / reject / close): layout not in GA138, accepted as sent
      COIN_ESCROW: () => NO_DATA,
      ENABLE_TITO_EVENTS: () => {
        this.titoEvents = true;
      },
      // the simulated note path holds one note at a time (READ_NOTE escrow), so the transaction escrow is empty
      CANCEL_ESCROW_TRANSACTION: () => undefined,
      COMMIT_ESCROW_TRANSACTION: () => undefined,
      // GA138 gives no reply layout: a u32 value in minor units, 0 for the empty transaction escrow
      READ_ESCROW_VALUE: () => Uint8Array.of(0, 0, 0, 0),
      GET_ESCROW_SIZE: () => ({ size: this.escrowSize }),
      SET_ESCROW_SIZE: (a) => {
        this.escrowSize = a.size;
      },
    };
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
