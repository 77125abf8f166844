/**
 * The ControllerBox request bus: one command in flight (FIFO queue), the reply matched by PROTOCOL_ID, RESULT_CODEs
 * turned into typed errors. Statuses and events are not its job (inbox.ts). It never resends a command, except the
 * first command refused for its CRC while the CRC variant was still being detected (the box did not execute it).
 */
import { toHex } from '../core/bytes.js';
import type { Clock } from '../core/clock.js';
import { ErrorCode, KioskbusError, toKioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { CommandQueue } from '../core/queue.js';
import { crcVariantName, sameCrcVariant, type ControllerBoxFrame, type FrameError } from './frame.js';
import type { ControllerBoxLink } from './link.js';
import {
  RESULT_CRC_INVALID,
  RESULT_SUCCESS,
  resultName,
  type CommandName,
  type MessageOf,
  type MessageTable,
  type ResponseOf,
} from './messages.js';
import { ControllerBoxResultError } from './results.js';

const log = createLogger('controllerbox:bus');

interface PendingReply {
  id: number;
  resolve: (frame: ControllerBoxFrame) => void;
  reject: (error: KioskbusError) => void;
  /** A frame with this id arrived damaged while we waited (the box answered, we could not read it). */
  damaged: Uint8Array | undefined;
}

export interface BusOptions {
  clock: Clock;
  resultCodes: Readonly<Record<number, string>>;
}

/**
 * Why a command failed in a way that leaves its outcome open: it was written, and no readable answer came. The
 * context of such errors carries `written: true` and, when a reply arrived damaged, `damagedReply` (hex).
 */
export function answerInDoubt(error: unknown): boolean {
  if (!(error instanceof KioskbusError) || error instanceof ControllerBoxResultError) return false;
  return error.context['written'] === true;
}

export class ControllerBoxBus {
  private readonly queue: CommandQueue;
  private pending: PendingReply | undefined;

  constructor(
    private readonly link: ControllerBoxLink,
    private readonly table: MessageTable,
    private readonly options: BusOptions,
  ) {
    this.queue = new CommandQueue(options.clock);
  }

  /** True when a command waits for a reply with this id (its reply is not an unsolicited frame). */
  waitsFor(id: number): boolean {
    return this.pending?.id === id;
  }

  /** A reply frame: settles the waiting command. Returns false when nobody waited for it. */
  onReply(frame: ControllerBoxFrame): boolean {
    const pending = this.pending;
    if (pending?.id !== frame.id) return false;
    pending.resolve(frame);
    return true;
  }

  /** A damaged frame carrying the id of the waiting command: its answer came but cannot be read. */
  onDamagedReply(error: FrameError): boolean {
    const pending = this.pending;
    if (!pending || error.id !== pending.id) return false;
    pending.damaged = error.raw;
    return true;
  }

  /** Fails the waiting command (the port went away). */
  failPending(error: KioskbusError): void {
    this.pending?.reject(error);
  }

  close(reason: string): void {
    this.queue.close(reason);
  }

  /**
   * Sends a command and returns its decoded response (RESULT_SUCCESS only). Rejects with ControllerBoxResultError for
   * other results, TIMEOUT without a readable reply (context `written`, `damagedReply`), UNEXPECTED_REPLY for a reply
   * that cannot be decoded.
   */
  execute<N extends CommandName>(name: N, message: MessageOf<N>, timeoutMs: number): Promise<ResponseOf<N>> {
    const id = this.table.idOf(name);
    let data: Uint8Array;
    try {
      data = this.table.encode(name, message);
    } catch (error) {
      return Promise.reject(toKioskbusError(error, ErrorCode.InvalidArgument, { command: name }));
    }
    let written = false;
    let entry: PendingReply | undefined;
    const run = async (signal: AbortSignal): Promise<ResponseOf<N>> => {
      for (let attempt = 0; ; attempt++) {
        const sentWith = this.link.sendVariant;
        const { promise, pending } = this.waitReply(id, signal);
        entry = pending;
        try {
          await this.link.send(id, data);
        } catch (error) {
          if (this.pending === pending) this.pending = undefined;
          promise.catch(() => undefined);
          throw toKioskbusError(error, ErrorCode.TransportError, { command: name });
        }
        written = true;
        const frame = await promise;
        let response: ResponseOf<N>;
        try {
          response = this.table.decodeResponse(name, frame.data);
        } catch (error) {
          throw new KioskbusError(ErrorCode.UnexpectedReply, `${name}: unreadable reply`, {
            raw: frame.raw,
            command: name,
            written: true,
            cause: error instanceof Error ? error.message : String(error),
          });
        }
        const result = response.result;
        if (
          result === RESULT_CRC_INVALID &&
          attempt === 0 &&
          this.link.autoCrc &&
          !sameCrcVariant(sentWith, this.link.sendVariant)
        ) {
          // the box could not check our frame and the detected CRC variant differs from the one we guessed:
          // the command was not executed, so sending it again once is safe
          log('%s: resending with detected CRC %s', name, crcVariantName(this.link.sendVariant));
          continue;
        }
        if (result !== RESULT_SUCCESS) {
          throw new ControllerBoxResultError(name, result, resultName(result, this.options.resultCodes), frame.raw);
        }
        return response;
      }
    };
    return this.queue.run(run, { timeoutMs, label: name }).catch((error: unknown) => {
      if (error instanceof KioskbusError && written && !(error instanceof ControllerBoxResultError)) {
        const damaged = entry?.damaged;
        const context = { ...error.context, command: name, written: true };
        if (damaged) Object.assign(context, { damagedReply: toHex(damaged, '') });
        const message = damaged ? `${error.message}; a damaged reply came` : error.message;
        throw new KioskbusError(error.code, message.replace(/ \[[A-Z_]+\].*$/, ''), context, { cause: error });
      }
      throw error;
    });
  }

  private waitReply(id: number, signal: AbortSignal): { promise: Promise<ControllerBoxFrame>; pending: PendingReply } {
    let pending!: PendingReply;
    const promise = new Promise<ControllerBoxFrame>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.pending === pending) this.pending = undefined;
        reject(signal.reason as Error);
      };
      pending = {
        id,
        damaged: undefined,
        resolve: (frame) => {
          signal.removeEventListener('abort', onAbort);
          if (this.pending === pending) this.pending = undefined;
          resolve(frame);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          if (this.pending === pending) this.pending = undefined;
          reject(error);
        },
      };
      this.pending = pending;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return { promise, pending };
  }
}
