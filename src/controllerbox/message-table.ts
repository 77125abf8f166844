/** The ControllerBox message table of one link: the id map (with the legacy status id 0x37), codec options, dispatch. */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { checkByte, type AnyMessageCodec, type MessageCodec } from './codec.js';
import { hexByte } from './codes.js';
import { MESSAGES, type MessageName, type MessageOf, type ResponseOf } from './message-entries.js';
import { DEFAULT_CODEC_OPTIONS, type CodecOptions } from './payloads.js';

/** The id the seed's status tables print for every status (copy-paste); dispatched by DATA_LEN. */
export const LEGACY_STATUS_ID = 0x37;

export interface MessageTableOptions {
  /** Ids other than the defaults (research §5.2: the id map is configurable). */
  ids?: Partial<Record<MessageName, number>>;
  /** Status id dispatched by DATA_LEN (4 TCD status, 2 device error, 1 see below); `null` disables (default 0x37). */
  legacyStatusId?: number | null;
  /**
   * What a 1-byte status on the legacy id is. The document prints DATA_LEN 1 for both Device Error and Bill Acceptor
   * Status under 0x37; Device Error is read as 2 bytes (its 16 flags, research §5.2), so the 1-byte status is the bill
   * acceptor status by default. `DEVICE_ERROR` for a box that sends 8 error flags in one byte and no acceptor status.
   */
  legacyOneByteStatus?: 'BILL_ACCEPTOR_STATUS' | 'DEVICE_ERROR';
  codec?: Partial<CodecOptions>;
}

export interface ResolvedMessage {
  readonly name: MessageName;
  readonly codec: AnyMessageCodec;
  /** True when found through the legacy status id by DATA_LEN. */
  readonly legacy: boolean;
}

/** The message table with the id map and codec options of one link. */
export class MessageTable {
  readonly codec: CodecOptions;
  readonly legacyStatusId: number | undefined;
  readonly legacyOneByteStatus: 'BILL_ACCEPTOR_STATUS' | 'DEVICE_ERROR';
  private readonly names = new Map<number, MessageName>();
  private readonly ids = new Map<MessageName, number>();

  constructor(options: MessageTableOptions = {}) {
    this.codec = { ...DEFAULT_CODEC_OPTIONS, ...options.codec };
    this.legacyStatusId = options.legacyStatusId === null ? undefined : (options.legacyStatusId ?? LEGACY_STATUS_ID);
    this.legacyOneByteStatus = options.legacyOneByteStatus ?? 'BILL_ACCEPTOR_STATUS';
    for (const name of Object.keys(MESSAGES) as MessageName[]) {
      const id = options.ids?.[name] ?? MESSAGES[name].id;
      checkByte('message table', `id of ${name}`, id);
      const clash = this.names.get(id);
      if (clash) {
        throw new KioskbusError(
          ErrorCode.InvalidArgument,
          `message ids clash: ${clash} and ${name} both use ${hexByte(id)}`,
        );
      }
      this.names.set(id, name);
      this.ids.set(name, id);
    }
    if (this.legacyStatusId !== undefined && this.names.has(this.legacyStatusId)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `legacy status id ${hexByte(this.legacyStatusId)} is in use`);
    }
  }

  idOf(name: MessageName): number {
    return this.ids.get(name) ?? MESSAGES[name].id;
  }

  /** The message for a frame id (legacy status id: by DATA_LEN 4, 2 or 1); undefined when unknown. */
  resolve(id: number, dataLength: number): ResolvedMessage | undefined {
    const name = this.names.get(id);
    if (name) return { name, codec: MESSAGES[name], legacy: false };
    if (id === this.legacyStatusId) {
      const legacyName: MessageName | undefined =
        dataLength === 4
          ? 'TCD_STATUS'
          : dataLength === 2
            ? 'DEVICE_ERROR'
            : dataLength === 1
              ? this.legacyOneByteStatus
              : undefined;
      if (legacyName) return { name: legacyName, codec: MESSAGES[legacyName], legacy: true };
    }
    return undefined;
  }

  /** True for ids whose frames come from the box unasked (statuses, events, the legacy status id). */
  isUnsolicited(id: number): boolean {
    if (id === this.legacyStatusId) return true;
    const name = this.names.get(id);
    return name !== undefined && MESSAGES[name].kind !== 'command';
  }

  encode<N extends MessageName>(name: N, message: MessageOf<N>): Uint8Array {
    return (MESSAGES[name] as MessageCodec<MessageOf<N>, unknown>).encode(message, this.codec);
  }

  decode<N extends MessageName>(name: N, data: Uint8Array): MessageOf<N> {
    return (MESSAGES[name] as MessageCodec<MessageOf<N>, unknown>).decode(data, this.codec);
  }

  encodeResponse<N extends MessageName>(name: N, response: ResponseOf<N>): Uint8Array {
    return (MESSAGES[name] as MessageCodec<never, ResponseOf<N>>).encodeResponse(response, this.codec);
  }

  decodeResponse<N extends MessageName>(name: N, data: Uint8Array): ResponseOf<N> {
    return (MESSAGES[name] as MessageCodec<never, ResponseOf<N>>).decodeResponse(data, this.codec);
  }
}
