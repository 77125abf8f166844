/**
 * Per-address eSSP link state: the sequence flag, the encryption key and the packet counter (eCOUNT), kept apart for
 * every slave address on a bus. Pure state and decisions; the bus does the I/O and the timers.
 *
 * Rules (research/essp.md §3.1, §3.2):
 * - a new command goes out with the current flag; the flag toggles only after a valid reply to it;
 * - a retransmission repeats the identical bytes (same flag, same eCOUNT); the slave replays its last reply;
 * - SYNC goes out with flag 1, so the command after it carries flag 0;
 * - the host encrypts with count C and increments to C+1; the reply must carry C+1 (the host does not increment on
 *   receive); the count is 0 after a key exchange.
 */
import { ErrorCode, KioskbusError } from '../core/errors.js';
import { DEFAULT_FIXED_KEY, decryptPacket, encryptPacket, SSP_STEX, type RandomBytes } from './crypto.js';
import { encodeFrame, SSP_MAX_ADDRESS, type SspFrame } from './frame.js';

export const SSP_CMD_SYNC = 0x11;
export const SSP_CMD_SET_GENERATOR = 0x4a;
export const SSP_CMD_SET_MODULUS = 0x4b;
export const SSP_CMD_REQUEST_KEY_EXCHANGE = 0x4c;
export const SSP_CMD_SET_FIXED_KEY = 0x60;
export const SSP_CMD_RESET_FIXED_KEY = 0x61;
export const SSP_REPLY_OK = 0xf0;

/** One command on the wire, ready to be (re)sent. */
export interface SspRequest {
  readonly address: number;
  readonly seq: 0 | 1;
  /** The plain data (command code + args). */
  readonly data: Uint8Array;
  readonly encrypted: boolean;
  /** For encrypted requests: the eCOUNT the reply must carry. */
  readonly replyCount: number;
  /** The encoded frame; every retransmission writes exactly these bytes. */
  readonly raw: Uint8Array;
}

/** What a received frame means for the pending request. */
export type SspReplyVerdict =
  | { kind: 'reply'; data: Uint8Array; encrypted: boolean }
  /** For another address, or nothing pending: dropped. */
  | { kind: 'stray' }
  /** A repeat of an earlier reply (wrong flag for the pending request, or a stale eCOUNT): dropped. */
  | { kind: 'duplicate' }
  /** The slave answered the request but the answer is unusable (decrypt failure, eCOUNT jump, plain text where a
   * cipher text was due). The request fails with this error; the flag has toggled. */
  | { kind: 'error'; error: KioskbusError };

export function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > SSP_MAX_ADDRESS) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP address must be 0..0x7D, got ${String(address)}`);
  }
}

export class SspLink {
  /** Flag of the next new command. Starts at 1: the first command is normally SYNC. */
  seq: 0 | 1 = 1;
  /** Packet counter of the next encrypted command. */
  count = 0;
  /** The fixed half of the key used for the next negotiation. */
  fixedKey: bigint;
  /** undefined until the first exchange ends one way or the other. */
  online: boolean | undefined;
  /** Set after a request was given up: the device may or may not have executed it, so the flag is unknown. */
  needsSync = false;
  private aesKey: Uint8Array | undefined;

  constructor(
    readonly address: number,
    fixedKey: bigint = DEFAULT_FIXED_KEY,
  ) {
    checkAddress(address);
    this.fixedKey = fixedKey;
  }

  get encrypted(): boolean {
    return this.aesKey !== undefined;
  }

  /** Installs (or with undefined, drops) the session key; the counter restarts at 0. */
  setKey(key: Uint8Array | undefined): void {
    if (key !== undefined && key.length !== 16) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `eSSP AES key must be 16 bytes, got ${key.length}`);
    }
    this.aesKey = key?.slice();
    this.count = 0;
  }

  /** SYNC resets the flag: the SYNC itself goes out with flag 1. */
  beginSync(): void {
    this.seq = 1;
  }

  /** Builds a new request with the current flag; an encrypted one uses and advances the packet counter. */
  prepare(data: Uint8Array, encrypt: boolean, random?: RandomBytes): SspRequest {
    let payload = data;
    let replyCount = 0;
    if (encrypt) {
      const key = this.aesKey;
      if (!key) {
        throw new KioskbusError(ErrorCode.KeyNotSet, `no encryption key negotiated for address ${this.address}`, {
          address: this.address,
        });
      }
      payload = encryptPacket(key, this.count, data, random);
      this.count = (this.count + 1) >>> 0;
      replyCount = this.count;
    }
    const frame: SspFrame = { address: this.address, seq: this.seq, data: payload };
    return { address: this.address, seq: this.seq, data, encrypted: encrypt, replyCount, raw: encodeFrame(frame) };
  }

  /**
   * Judges a frame received while `request` (for this link) is pending. A verdict of `reply` or `error` means the
   * slave has processed the request: the flag has been toggled.
   */
  judge(request: SspRequest, frame: SspFrame): SspReplyVerdict {
    if (frame.address !== this.address || request.address !== this.address) return { kind: 'stray' };
    if (frame.seq !== request.seq) return { kind: 'duplicate' };
    const data = frame.data;
    const isCipher = data[0] === SSP_STEX && data.length >= 17 && (data.length - 1) % 16 === 0;
    if (isCipher) {
      const key = this.aesKey;
      if (!key) {
        this.toggle();
        return {
          kind: 'error',
          error: new KioskbusError(ErrorCode.UnexpectedReply, 'encrypted reply but no key is set', {
            address: this.address,
            raw: data,
          }),
        };
      }
      let plain;
      try {
        plain = decryptPacket(key, data);
      } catch (error) {
        this.toggle();
        return { kind: 'error', error: error as KioskbusError };
      }
      // A plain command gets an encrypted reply when the reply carries money (GA138's encryption layer: a credit is
      // never sent in clear on a keyed link). The device then counts as if the command had been encrypted: the reply
      // carries eCOUNT + 1 and our next encrypted command must carry that count. It is taken, never refused: the
      // events in it are the device's, and refusing them would lose a credit the device has already reported.
      const expected = request.encrypted ? request.replyCount : (this.count + 1) >>> 0;
      if (request.encrypted && isStale(plain.count, expected)) return { kind: 'duplicate' };
      if (plain.count !== expected) {
        this.toggle();
        return {
          kind: 'error',
          error: new KioskbusError(
            ErrorCode.CountMismatch,
            `encrypted reply carries eCOUNT ${plain.count}, expected ${expected}`,
            { address: this.address, raw: data },
          ),
        };
      }
      if (!request.encrypted) this.count = plain.count;
      this.toggle();
      return { kind: 'reply', data: plain.data, encrypted: true };
    }
    this.toggle();
    if (request.encrypted) {
      // A slave that lost its key answers an encrypted command with a bare generic code (0xFA KEY_NOT_SET and the
      // like). Anything else in plain text (an OK, or data) would bypass the encryption: refuse it.
      const code = data[0] ?? 0;
      if (data.length === 1 && code > SSP_REPLY_OK) return { kind: 'reply', data, encrypted: false };
      return {
        kind: 'error',
        error: new KioskbusError(ErrorCode.UnexpectedReply, 'plain-text reply to an encrypted command refused', {
          address: this.address,
          raw: data,
        }),
      };
    }
    return { kind: 'reply', data, encrypted: false };
  }

  /** A request was given up after its retries: the device may have executed it or not. */
  giveUp(): void {
    this.needsSync = true;
  }

  private toggle(): void {
    this.seq = this.seq === 1 ? 0 : 1;
  }
}

/** A counter from an earlier exchange (within a window, modulo 2^32). */
function isStale(got: number, expected: number): boolean {
  const behind = (expected - got) >>> 0;
  return behind > 0 && behind < 0x10000;
}
