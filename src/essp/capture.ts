/**
 * Offline decoder of eSSP captures: frames (good and bad), host commands with their arguments, replies decoded in
 * the context of the command before them (POLL replies as events), encrypted frames decrypted with a given key.
 * Used by `kioskbus decode essp`. Never throws on capture bytes: everything odd becomes a record.
 */
import { bytesEqual, toHex } from '../core/bytes.js';
import { isKioskbusError } from '../core/errors.js';
import { frameErrorToKioskbusError, type FrameError } from '../core/framer.js';
import { commandByCode, type CommandSpec, type SspContext } from './commands.js';
import { decryptPacket, SSP_STEX } from './crypto.js';
import { contextFromSetup, type SetupRequestResult } from './decoders.js';
import { decodeEvents, type SspEvent } from './events.js';
import { SspFramer } from './frame.js';
import { GENERIC_NAMES, genericName, replyError } from './generic.js';

export interface DecodeOptions {
  /** 16-byte AES key (fixed key u64 LE ‖ negotiated key u64 LE) to decrypt encrypted frames. */
  key?: Uint8Array;
  /** Protocol version; inferred from lengths (and HOST_PROTOCOL_VERSION, SETUP_REQUEST) when not given. */
  protocolVersion?: number;
}

/**
 * One JSON line of `kioskbus decode essp`: `frame` (a good frame: host command or reply), `bad-frame` (bad CRC,
 * impossible length, cut by a new STX) or `garbage` (bytes between frames); the other fields depend on the kind.
 */
export type DecodeRecord = { type: 'frame' | 'bad-frame' | 'garbage' } & Record<string, unknown>;

interface AddressState {
  ctx: SspContext;
  /** True once the protocol version is known (given, HOST_PROTOCOL_VERSION, SETUP_REQUEST or unambiguous lengths). */
  versionKnown: boolean;
  inferred: boolean;
  pending?: { spec: CommandSpec; args: unknown; seq: 0 | 1; data: Uint8Array };
  /** The last host frame of this address had a command code the tables do not know: the next frame is its reply. */
  unknownCommand?: { seq: 0 | 1; data: Uint8Array };
}

function errorRecord(error: unknown): { code: string; message: string } {
  if (isKioskbusError(error)) return { code: error.code, message: error.message };
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Decodes with the known protocol version; when it is not known yet, tries the v>=6 and v<6 layouts: when exactly one
 * fits, that version is learnt for the address; when both fit, the current guess is used.
 */
function withVersion<T>(
  state: AddressState,
  run: (ctx: SspContext) => T,
  fits: (value: T) => boolean,
): { value: T; protocolVersion: number } | { error: unknown } {
  const attempt = (ctx: SspContext): { value: T; protocolVersion: number } | { error: unknown } => {
    try {
      return { value: run(ctx), protocolVersion: ctx.protocolVersion };
    } catch (error) {
      return { error };
    }
  };
  if (state.versionKnown) return attempt(state.ctx);
  const current = state.ctx.protocolVersion;
  const other = current >= 6 ? 5 : 6;
  const a = attempt(state.ctx);
  const b = attempt({ ...state.ctx, protocolVersion: other });
  const aFits = 'value' in a && fits(a.value);
  const bFits = 'value' in b && fits(b.value);
  if (bFits && !aFits) {
    state.ctx = { ...state.ctx, protocolVersion: other };
    state.versionKnown = true;
    state.inferred = true;
    return b;
  }
  if (aFits && !bFits) {
    state.versionKnown = true;
    state.inferred = true;
  }
  return a;
}

function eventsFit(events: SspEvent[]): boolean {
  return !events.some((e) => e.name === 'UNKNOWN' && e.reason === 'truncated');
}

/** Decodes a whole capture into one record per frame (and per stretch of garbage), in capture order. */
export function decodeCapture(bytes: Uint8Array, options: DecodeOptions = {}): DecodeRecord[] {
  const records: DecodeRecord[] = [];
  const states = new Map<number, AddressState>();
  const fixed = options.protocolVersion !== undefined;
  let frameNo = 0;
  let cursor = 0;
  let lastStart = -1;

  const stateOf = (address: number): AddressState => {
    let s = states.get(address);
    if (!s) {
      s = { ctx: { protocolVersion: options.protocolVersion ?? 6 }, versionKnown: fixed, inferred: false };
      states.set(address, s);
    }
    return s;
  };

  /** Reports the bytes between the last located piece and `raw` as garbage, and moves past `raw`. */
  const locate = (raw: Uint8Array): void => {
    let at = indexOf(bytes, raw, cursor);
    if (at < 0) at = indexOf(bytes, raw, lastStart + 1);
    if (at < 0) return;
    if (at > cursor) records.push({ type: 'garbage', garbage: toHex(bytes.subarray(cursor, at)), bytes: at - cursor });
    lastStart = at;
    cursor = Math.max(cursor, at + raw.length);
  };

  const onError = (error: FrameError): void => {
    // bytes outside any frame are reported by `locate` (between the frames it places), not one run per resync
    if (error.kind === 'garbage') return;
    const raw = error.raw;
    locate(raw);
    const record: DecodeRecord = {
      type: 'bad-frame',
      frame: ++frameNo,
      crc: error.kind === 'crc' ? 'bad' : 'n/a',
      error: errorRecord(frameErrorToKioskbusError(error, 'eSSP')),
    };
    record.raw = toHex(raw);
    const seqId = raw[1];
    if (seqId !== undefined && seqId !== SSP_STEX + 1) {
      record.address = seqId & 0x7f;
      record.seq = seqId >> 7;
    }
    records.push(record);
  };

  const decoder = new SspFramer({
    frame: (frame) => {
      locate(frame.raw);
      records.push(
        decodeFrame(frame.address, frame.seq, frame.data, stateOf(frame.address), ++frameNo, options, fixed),
      );
    },
    error: onError,
  });
  decoder.push(bytes);
  if (cursor < bytes.length) {
    records.push({
      type: 'garbage',
      garbage: toHex(bytes.subarray(cursor)),
      bytes: bytes.length - cursor,
      note: 'incomplete frame or trailing bytes',
    });
  }
  return records;
}

function decodeFrame(
  address: number,
  seq: 0 | 1,
  data: Uint8Array,
  state: AddressState,
  frameNo: number,
  options: DecodeOptions,
  fixed: boolean,
): DecodeRecord {
  const record: DecodeRecord = { type: 'frame', frame: frameNo, address, seq, crc: 'ok' };
  let inner = data;
  if (data[0] === SSP_STEX && data.length >= 17 && (data.length - 1) % 16 === 0) {
    record.encrypted = true;
    if (!options.key) {
      record.data = toHex(data);
      record.note = 'encrypted: pass --key to decrypt';
      return record;
    }
    try {
      const plain = decryptPacket(options.key, data);
      record.eCount = plain.count;
      inner = plain.data;
    } catch (error) {
      record.data = toHex(data);
      record.error = errorRecord(error);
      return record;
    }
  }
  const first = inner[0];
  if (first === undefined) {
    record.error = { code: 'EMPTY', message: 'no data' };
    return record;
  }
  if (isReply(seq, inner, state)) return decodeReplyFrame(record, inner, state, fixed);
  return decodeHostFrame(record, inner, state, seq);
}

/**
 * Direction of a frame, as an engineer reads a capture: a generic code (F0..FF) starts a reply; a frame after a host
 * command on the same address with the same sequence flag, and not a retransmission of that command (the same
 * bytes), is its reply even when the capture lost or never had its generic byte. Everything else is a host command.
 */
function isReply(seq: 0 | 1, inner: Uint8Array, state: AddressState): boolean {
  if ((inner[0] ?? 0) >= 0xf0) return true;
  const before = state.pending ?? state.unknownCommand;
  return before !== undefined && before.seq === seq && !bytesEqual(before.data, inner);
}

function decodeHostFrame(record: DecodeRecord, inner: Uint8Array, state: AddressState, seq: 0 | 1): DecodeRecord {
  const code = inner[0] ?? 0;
  const spec = commandByCode(code);
  record.direction = 'host';
  record.code = `0x${code.toString(16).padStart(2, '0')}`;
  record.data = toHex(inner);
  delete state.unknownCommand;
  if (!spec) {
    record.command = 'UNKNOWN';
    delete state.pending;
    state.unknownCommand = { seq, data: inner.slice() };
    return record;
  }
  record.command = spec.name;
  const body = inner.subarray(1);
  const decoded = withVersion(
    state,
    (ctx) => spec.decodeArgs(body, ctx),
    () => true,
  );
  if ('error' in decoded) {
    record.argsError = errorRecord(decoded.error);
    state.pending = { spec, args: undefined, seq, data: inner.slice() };
  } else {
    if (decoded.value !== undefined && body.length > 0) record.args = decoded.value;
    state.pending = { spec, args: decoded.value, seq, data: inner.slice() };
  }
  return record;
}

function decodeReplyFrame(record: DecodeRecord, frame: Uint8Array, state: AddressState, fixed: boolean): DecodeRecord {
  record.direction = 'reply';
  record.data = toHex(frame);
  let inner = frame;
  const first = frame[0] ?? 0;
  if (GENERIC_NAMES[first] === undefined && (state.pending !== undefined || first < 0xf0)) {
    // a reply after its command without a generic byte: read as the data of an OK reply, and say so
    record.note = 'reply without a generic response byte: read as the data of an OK reply';
    inner = Uint8Array.of(0xf0, ...frame);
  }
  const generic = inner[0] ?? 0;
  record.status = genericName(generic);
  const pending = state.pending;
  delete state.pending;
  if (state.unknownCommand) {
    delete state.unknownCommand;
    record.note = 'reply to a command the tables do not know: data not decoded';
    return record;
  }
  if (!pending) {
    if (inner.length > 1) readAsEvents(record, inner.subarray(1), state);
    return record;
  }
  const { spec, args } = pending;
  record.command = spec.name;
  const error = replyError(spec, inner, state.ctx);
  if (error) {
    record.error = errorRecord(error);
    return record;
  }
  const body = inner.subarray(1);
  const isPoll = spec.name === 'POLL' || spec.name === 'POLL_WITH_ACK';
  const decoded = withVersion(
    state,
    (ctx) => spec.decodeReply(body, ctx),
    (value) => !isPoll || eventsFit(value as SspEvent[]),
  );
  if ('error' in decoded) {
    record.replyError = errorRecord(decoded.error);
    return record;
  }
  learn(spec.name, args, decoded.value, state, fixed);
  if (isPoll) {
    const events = decoded.value as SspEvent[];
    record.events = events;
    const last = events.at(-1);
    if (last?.name === 'UNKNOWN') {
      // the tables cannot size this event: the parse stops here, visibly, instead of mis-reading what follows
      record.stopped = {
        code: `0x${last.code.toString(16).padStart(2, '0')}`,
        reason: last.reason,
        ...(last.label ? { event: last.label } : {}),
        undecodedBytes: last.raw.length,
      };
    }
  } else if (decoded.value !== undefined) record.result = decoded.value;
  if (body.length > 0 && !fixed) {
    record.protocolVersion = decoded.protocolVersion;
    if (state.inferred) record.inferred = true;
  }
  return record;
}

/**
 * An OK reply whose command is not in the capture: when its data reads completely as POLL events (every code known,
 * every length right) it is shown as events, with a note saying so; otherwise its data is left undecoded.
 */
function readAsEvents(record: DecodeRecord, body: Uint8Array, state: AddressState): void {
  if (record.status === 'OK') {
    const events = decodeEvents(body, state.ctx);
    if (!events.some((e) => e.name === 'UNKNOWN')) {
      record.events = events;
      record.note = 'no command before this reply: its data reads completely as POLL events';
      return;
    }
  }
  record.note = 'no command before this reply: data not decoded';
}

/** What an OK reply teaches about the device: protocol version, unit type, channels, value reporting. */
function learn(name: string, args: unknown, result: unknown, state: AddressState, fixed: boolean): void {
  if (name === 'HOST_PROTOCOL_VERSION' && !fixed) {
    const version = (args as { version?: number } | undefined)?.version;
    if (version !== undefined) {
      state.ctx = { ...state.ctx, protocolVersion: version };
      state.versionKnown = true;
      state.inferred = false;
    }
  } else if (name === 'SETUP_REQUEST') {
    const setup = result as SetupRequestResult;
    state.ctx = contextFromSetup(setup, state.ctx);
    if (!fixed && 'protocolVersion' in setup) {
      state.ctx.protocolVersion = setup.protocolVersion;
      state.versionKnown = true;
      state.inferred = false;
    }
  } else if (name === 'SET_VALUE_REPORTING_TYPE') {
    const reportBy = (args as { reportBy?: 'value' | 'channel' } | undefined)?.reportBy;
    if (reportBy) state.ctx = { ...state.ctx, valueReporting: reportBy };
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  if (needle.length === 0) return -1;
  const first = needle[0];
  for (let i = Math.max(0, from); i + needle.length <= haystack.length; i++) {
    if (haystack[i] === first && bytesEqual(haystack.subarray(i, i + needle.length), needle)) return i;
  }
  return -1;
}

/** JSON with bytes as hex and bigints as decimal strings. */
export function recordToJson(record: DecodeRecord): string {
  return JSON.stringify(record, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return toHex(v, ' ');
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}
