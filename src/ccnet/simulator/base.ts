/**
 * Simulator core shared by the four device classes: decodes the controller's frames with the same codec
 * tables as the host, answers with ACK / data / ILLEGAL COMMAND / NAK, keeps the event of a POLL reply
 * until the controller ACKs it (a reply without ACK within t-response counts as NAKed and is repeated),
 * and answers a repeated command (host resend after a lost reply) from its cache instead of running it
 * twice.
 */
import { EventEmitter } from 'node:events';
import { bytesEqual, toHex } from '../../core/bytes.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { isKioskbusError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { Transport } from '../../transport/types.js';
import { findCommand, type CommandDef, type DeviceClass } from '../commands.js';
import {
  ACK_BYTE,
  CcnetFramer,
  encodeAck,
  encodeNak,
  encodeReply,
  ILLEGAL_COMMAND_BYTE,
  NAK_BYTE,
  type CcnetFrame,
} from '../frame.js';

const log = createLogger('ccnet:sim');

/** What a command handler answers. */
export type SimAnswer = { ack: true } | { data: Uint8Array } | { illegal: string };

export const ACK: SimAnswer = { ack: true };
export const illegal = (why: string): SimAnswer => ({ illegal: why });

/** One transient POLL answer, shown until the controller ACKs a reply carrying it. */
export interface SimStep {
  bytes: Uint8Array;
  /** Runs once when the controller ACKs a POLL reply carrying this step. */
  after?: () => void;
  /** Set once a POLL reply carried this step (the controller may have seen it). */
  sent?: boolean;
}

/** Faults a test can inject; each counter is used up one reply at a time. */
export interface SimFaults {
  /** Do not answer the next n commands at all (host sees a timeout). */
  dropReplies: number;
  /** Flip a bit in the next n replies (host sees a bad CRC). */
  corruptReplies: number;
  /** Answer the next n commands with NAK (as if their CRC were bad). */
  nakCommands: number;
  /** Ignore the next n ACKs from the controller (so the last POLL reply is repeated). */
  loseAcks: number;
}

export interface SimulatorOptions {
  clock?: Clock;
  /**
   * A command identical to the previous one within this time, with nothing in between and the device's state
   * unchanged, is a resend. Default 1000 ms.
   */
  repeatWindowMs?: number;
}

export interface SimulatorEventMap {
  /** A command was executed (not a cached resend). */
  command: [name: string, data: Uint8Array];
  /** A command was answered from the cache (host resend). */
  resend: [name: string];
  /** ILLEGAL COMMAND was answered. */
  illegal: [name: string, why: string];
  /** The power went off (`powerCycle`). */
  powerDown: [];
  /** The power came back: the device is in its POWER UP state. */
  powerUp: [];
}

interface PendingReply {
  /** The command payload this answered. */
  command: Uint8Array;
  /** The reply payload sent. */
  reply: Uint8Array;
  kind: 'ack' | 'data' | 'illegal';
  at: number;
  acked: boolean;
  isPoll: boolean;
  /** The POLL answer right after this command ran: a resend comes while it is unchanged. */
  view: Uint8Array;
}

export abstract class PeripheralSimulator<E extends SimulatorEventMap = SimulatorEventMap> extends EventEmitter<
  E | SimulatorEventMap
> {
  readonly faults: SimFaults = { dropReplies: 0, corruptReplies: 0, nakCommands: 0, loseAcks: 0 };
  readonly clock: Clock;
  readonly repeatWindowMs: number;
  /** Commands executed, by name (resends not counted). */
  readonly executed = new Map<string, number>();
  /** Transient POLL answers (events), oldest first; each is dropped when a reply carrying it is ACKed. */
  protected readonly steps: SimStep[] = [];
  /** A fault state shown (after the steps) instead of the steady state. */
  protected fault: Uint8Array | undefined;
  /** The steady POLL answer. */
  protected current: Uint8Array = new Uint8Array(0);
  private last: PendingReply | undefined;
  private poweredFlag = true;
  private powerTimer: ReturnType<Clock['setTimeout']> | undefined;

  protected constructor(
    readonly address: number,
    readonly deviceClass: DeviceClass,
    options: SimulatorOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.repeatWindowMs = options.repeatWindowMs ?? 1000;
  }

  /** DISPENSE layout this device understands (B2B profile). */
  protected get dispenseFormat(): 'mask' | 'pairs' {
    return 'mask';
  }

  /** Runs one decoded command. */
  protected abstract handle(key: string, def: CommandDef<never, unknown>, data: Uint8Array): SimAnswer;

  /**
   * The power goes off at once: the device stops answering (no reply, no NAK) for `offMs`, then comes back in its
   * POWER UP state with what a real unit keeps across a power cut (see each class's `powerLost`).
   */
  powerCycle(offMs = 0): void {
    this.clock.clearTimeout(this.powerTimer);
    this.poweredFlag = false;
    this.last = undefined;
    this.powerLost();
    this.emit('powerDown');
    const up = (): void => {
      this.powerTimer = undefined;
      this.poweredFlag = true;
      this.emit('powerUp');
    };
    if (offMs > 0) this.powerTimer = this.clock.setTimeout(up, offMs);
    else up();
  }

  /** False while the power is off. */
  get powered(): boolean {
    return this.poweredFlag;
  }

  /**
   * The class's part of a power cut: what is lost, what is kept, and the POWER UP state to show. By default the
   * events not yet acknowledged are lost (a real unit keeps them in RAM).
   */
  protected powerLost(): void {
    this.steps.length = 0;
  }

  /** What the next POLL answers: the oldest step, else the fault, else the steady state. */
  protected pollData(): Uint8Array {
    return this.steps[0]?.bytes ?? this.fault ?? this.current;
  }

  /** The device state a resend is checked against (what POLL shows, without time-driven counters). */
  protected stateView(): Uint8Array {
    return this.pollData();
  }

  /** Current POLL answer (what the next POLL returns). */
  get stateBytes(): Uint8Array {
    return this.pollData();
  }

  /**
   * The controller ACKed the data reply to command `key`: a POLL reply carrying the oldest step drops it
   * (and runs its `after`). Returns whether a step was dropped.
   */
  protected acked(key: string, reply: Uint8Array): boolean {
    const head = this.steps[0];
    if (key !== 'POLL' || head?.bytes !== reply) return false;
    this.steps.shift();
    head.after?.();
    return true;
  }

  /** Is `payload` a POLL for this class? */
  protected isPoll(payload: Uint8Array): boolean {
    return payload.length === 1 && findCommand(this.deviceClass, payload, this.dispenseFormat)?.key === 'POLL';
  }

  /** Answers one frame addressed to this device; returns the reply frame (or nothing). */
  receive(frame: CcnetFrame): Uint8Array | undefined {
    if (!this.poweredFlag) return undefined;
    const p = frame.payload;
    if (p.length === 1 && (p[0] === ACK_BYTE || p[0] === NAK_BYTE) && frame.wide === 0) {
      const last = this.last;
      if (p[0] === ACK_BYTE && last && last.kind !== 'ack' && !last.acked) {
        if (this.faults.loseAcks > 0) {
          this.faults.loseAcks -= 1;
          return undefined;
        }
        last.acked = true;
        const found = findCommand(this.deviceClass, last.command, this.dispenseFormat);
        if (found && last.kind === 'data') this.acked(found.key, last.reply);
      }
      return undefined; // a NAK: the controller re-issues the command
    }
    if (this.faults.nakCommands > 0) {
      this.faults.nakCommands -= 1;
      return encodeNak(this.address);
    }
    const now = this.clock.now();
    const last = this.last;
    const poll = this.isPoll(p);
    let answer: { kind: PendingReply['kind']; reply: Uint8Array };
    // a true retransmission only: the same bytes again soon, nothing in between, right after a reply the host
    // may have missed (a data reply it did not ACK; an ACK, which the host never confirms), and (for anything
    // but POLL) the device's state unchanged since. A command that moves money (DISPENSE, UNLOAD, VEND) answered
    // by ACK is never taken from the cache: the device cannot tell a lost ACK from a new command, so, like a real
    // unit, it runs it again (which is why the host never resends it). An identical command after a state change
    // (a second DISPENSE after DISPENSED, ENABLE after a RESET) is a new command and runs.
    const movesMoney = findCommand(this.deviceClass, p, this.dispenseFormat)?.def.movesMoney === true;
    const isResend =
      last !== undefined &&
      bytesEqual(last.command, p) &&
      now - last.at <= this.repeatWindowMs &&
      (poll
        ? !last.acked && last.kind === 'data'
        : (last.kind === 'ack' ? !movesMoney : !last.acked) && bytesEqual(last.view, this.stateView()));
    if (isResend) {
      answer = { kind: last.kind, reply: last.reply };
      const found = findCommand(this.deviceClass, p, this.dispenseFormat);
      this.emit('resend', found?.def.name ?? toHex(p.subarray(0, 1)));
      log('resend of %s answered from cache', toHex(p));
    } else {
      answer = this.execute(p);
    }
    if (poll && this.steps[0]?.bytes === answer.reply) this.steps[0].sent = true;
    this.last = {
      command: p.slice(),
      reply: answer.reply,
      kind: answer.kind,
      at: now,
      acked: false,
      isPoll: poll,
      view: this.stateView().slice(),
    };
    return this.frameFor(answer.reply);
  }

  private execute(p: Uint8Array): { kind: PendingReply['kind']; reply: Uint8Array } {
    const found = findCommand(this.deviceClass, p, this.dispenseFormat);
    if (!found) {
      this.emit('illegal', toHex(p.subarray(0, 1)), 'unknown command');
      return { kind: 'illegal', reply: Uint8Array.of(ILLEGAL_COMMAND_BYTE) };
    }
    let a: SimAnswer;
    try {
      a = this.handle(found.key, found.def, found.data);
    } catch (error) {
      if (!isKioskbusError(error)) throw error;
      a = illegal(error.message);
    }
    this.executed.set(found.def.name, (this.executed.get(found.def.name) ?? 0) + 1);
    if ('illegal' in a) {
      this.emit('illegal', found.def.name, a.illegal);
      log('%s: ILLEGAL COMMAND (%s)', found.def.name, a.illegal);
      return { kind: 'illegal', reply: Uint8Array.of(ILLEGAL_COMMAND_BYTE) };
    }
    this.emit('command', found.def.name, found.data.slice());
    if ('ack' in a) return { kind: 'ack', reply: Uint8Array.of(ACK_BYTE) };
    return { kind: 'data', reply: a.data };
  }

  private frameFor(reply: Uint8Array): Uint8Array | undefined {
    if (this.faults.dropReplies > 0) {
      this.faults.dropReplies -= 1;
      return undefined;
    }
    const frame =
      reply.length === 1 && reply[0] === ACK_BYTE ? encodeAck(this.address) : encodeReply(this.address, reply);
    if (this.faults.corruptReplies > 0) {
      this.faults.corruptReplies -= 1;
      const bad = frame.slice();
      const i = bad.length - 3;
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      return bad;
    }
    return frame;
  }

  /** Serves this simulator alone on a transport. */
  attach(transport: Transport): () => void {
    return attachSimulators(transport, [this]);
  }
}

/** What any device-class simulator offers (the structural view used by the port and the CLI). */
export interface CcnetSimulator {
  readonly address: number;
  /** False while the power is off (then it does not even NAK a damaged command). */
  readonly powered?: boolean;
  readonly faults: SimFaults;
  readonly executed: Map<string, number>;
  receive(frame: CcnetFrame): Uint8Array | undefined;
  attach(transport: Transport): () => void;
}

/** Several simulators on one port (one per address). Returns a function that detaches them. */
export function attachSimulators(transport: Transport, simulators: readonly CcnetSimulator[]): () => void {
  const byAddress = new Map(simulators.map((s) => [s.address, s]));
  const framer = new CcnetFramer({
    frame: (frame) => {
      const sim = byAddress.get(frame.address);
      if (!sim) return;
      const reply = sim.receive(frame);
      if (reply) void transport.write(reply).catch(() => undefined);
    },
    error: (problem) => {
      // a command that arrived damaged: the addressed peripheral answers NAK
      if (problem.kind !== 'crc') return;
      const sim = byAddress.get(problem.raw[1] ?? -1);
      if (sim && sim.powered !== false) void transport.write(encodeNak(sim.address)).catch(() => undefined);
    },
  });
  const onData = (chunk: Uint8Array): void => {
    framer.push(chunk);
  };
  transport.on('data', onData);
  return () => {
    transport.off('data', onData);
  };
}
