/**
 * One CCNET port, several peripherals (B2B 01, coin changer 02, bill validator 03, card reader 04): every
 * command goes through one queue, so exactly one request is in flight on the wire.
 */
import { toHex } from '../core/bytes.js';
import { CommandQueue } from '../core/queue.js';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { Transport } from '../transport/types.js';
import type { CommandDef } from './commands.js';
import { ILLEGAL_COMMAND_BYTE } from './frame.js';
import { CcnetLink, type CcnetLinkOptions, type LinkReply } from './link.js';

export type CcnetBusOptions = CcnetLinkOptions;

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Names the device's last known state in an ILLEGAL COMMAND error. */
  describeState?: () => string | undefined;
}

export class CcnetBus {
  readonly link: CcnetLink;
  readonly queue: CommandQueue;
  private closing: Promise<void> | undefined;

  constructor(
    readonly transport: Transport,
    options: CcnetBusOptions = {},
  ) {
    this.link = new CcnetLink(transport, options);
    this.queue = new CommandQueue(this.link.clock);
  }

  get clock(): CcnetLink['clock'] {
    return this.link.clock;
  }

  /** Sends a raw payload (`CMD [SUBCMD] DATA`) through the queue. */
  raw(
    address: number,
    payload: Uint8Array,
    options: { slow?: boolean; subcommand?: boolean; label?: string; signal?: AbortSignal; resend?: boolean } = {},
  ): Promise<LinkReply> {
    const label = options.label ?? `command ${toHex(payload.subarray(0, 1))}`;
    return this.queue.run((signal) => this.link.exchange(address, payload, { ...options, label, signal }), {
      label,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Runs one table command: encodes the arguments, checks the reply kind, decodes the answer. */
  async execute<A, R>(address: number, def: CommandDef<A, R>, args: A, options: ExecuteOptions = {}): Promise<R> {
    const data = def.encodeArgs(args);
    const head = def.subcommand === undefined ? [def.code] : [def.code, def.subcommand];
    const payload = new Uint8Array(head.length + data.length);
    payload.set(head);
    payload.set(data, head.length);
    const reply = await this.raw(address, payload, {
      ...(def.slow ? { slow: true } : {}),
      subcommand: def.subcommand !== undefined,
      label: def.name,
      ...(def.movesMoney ? { resend: false } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const isPoll = def.name === 'POLL';
    if (reply.kind === 'data' && !isPoll && reply.data.length === 1 && reply.data[0] === ILLEGAL_COMMAND_BYTE) {
      const state = options.describeState?.();
      throw new KioskbusError(
        ErrorCode.IllegalCommand,
        `${def.name} refused by device ${address}: ILLEGAL COMMAND${state ? ` in state ${state}` : ''}`,
        { address, command: def.name, raw: reply.frame.raw, ...(state ? { state } : {}) },
      );
    }
    if (def.reply === 'ack') {
      if (reply.kind !== 'ack') {
        throw new KioskbusError(
          ErrorCode.UnexpectedReply,
          `${def.name}: expected ACK from device ${address}, got data`,
          {
            address,
            command: def.name,
            raw: reply.frame.raw,
          },
        );
      }
      return def.decodeReply(new Uint8Array(0));
    }
    // a one-byte answer 00 (e.g. DOWNLOAD status "ready") is indistinguishable from an ACK on the wire
    const answer = reply.kind === 'data' ? reply.data : Uint8Array.of(0x00);
    try {
      return def.decodeReply(answer);
    } catch (error) {
      if (error instanceof KioskbusError) {
        throw new KioskbusError(error.code, `${def.name} reply from device ${address}: ${error.message}`, {
          address,
          command: def.name,
          raw: reply.kind === 'data' ? reply.frame.raw : answer,
        });
      }
      throw error;
    }
  }

  /**
   * Rejects queued commands, stops listening and closes the transport (as every kioskbus bus does). Returns at once;
   * `closed` resolves when the transport is closed.
   */
  close(): void {
    if (this.closing) return;
    this.queue.close('CCNET bus closed');
    this.link.detach();
    this.closing = this.transport.close().catch(() => undefined);
  }

  /** Resolves when `close()` has closed the transport (at once when it was never called). */
  get closed(): Promise<void> {
    return this.closing ?? Promise.resolve();
  }
}
