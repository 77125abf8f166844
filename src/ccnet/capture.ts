/**
 * Human-readable descriptions of CCNET frames for `kioskbus decode ccnet` and traces. Commands and replies
 * look alike on the wire (`30` is RESET or ILLEGAL COMMAND, `41` GET BILL TABLE or DROP CASSETTE FULL), so
 * a capture is read in order: a frame from an address that was just sent a command is that command's reply.
 */
import { toHex } from '../core/bytes.js';
import type { FrameError, FramerStats } from '../core/framer.js';
import { CcnetFramer, type CcnetFrame } from './frame.js';
import { commandTable, deviceClassOf, findCommand, type CommandDef, type DeviceClass } from './commands.js';
import { decodeBillState, decodeCardState, decodeCoinState } from './states.js';

export interface FrameDescription {
  type: 'frame';
  address: number;
  device: DeviceClass | 'unknown';
  crc: 'ok';
  wide?: number;
  kind: 'ACK' | 'NAK' | 'ILLEGAL_COMMAND' | 'command' | 'reply' | 'state' | 'unknown';
  /** Command name (`POLL`, `ENABLE_BILL_TYPES`) for commands and replies. */
  command?: string;
  args?: unknown;
  /** POLL state name (`ESCROW_POSITION`, `BILL_STACKED`) and its fields. */
  state?: string;
  fields?: Record<string, unknown>;
  reply?: unknown;
  /** A reply seen without its command, named by its shape (IDENTIFICATION, GET_BILL_TABLE, GET_STATUS). */
  byShape?: true;
  /** DISPENSE layout read from the bytes when not given: the rev 2.3.1 type mask or the newer [type, count] pairs. */
  layout?: 'mask' | 'pairs';
  error?: string;
  hex: string;
}

export interface ProblemDescription {
  type: 'garbage' | 'bad-crc' | 'bad-length';
  hex: string;
}

export type CaptureLine = FrameDescription | ProblemDescription;

/** JSON replacer: byte arrays as hex strings. */
export function jsonBytes(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? toHex(value) : value;
}

function pollState(cls: DeviceClass, data: Uint8Array): { state: string; fields: Record<string, unknown> } {
  const s =
    cls === 'coin-changer'
      ? decodeCoinState(data)
      : cls === 'card-reader'
        ? decodeCardState(data)
        : decodeBillState(data, cls === 'b2b');
  const fields: Record<string, unknown> = { ...s };
  for (const k of ['name', 'raw', 'code', 'description']) Reflect.deleteProperty(fields, k);
  const name = s.name;
  return { state: name, fields };
}

/**
 * Data lengths rev 2.3.1 declares for the fixed-size replies of bill devices: a reply of another length is reported
 * (`error`) with what could be read, not shown as if it were right.
 */
const BILL_REPLY_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  GET_STATUS: [6, 9],
  GET_BILL_TABLE: [120],
};

const printable = (b: number): boolean => b >= 0x20 && b <= 0x7e;

/**
 * The reply a frame without its command must be, by shape (rev 2.3.1 tables): IDENTIFICATION is 34 bytes whose part
 * and serial numbers (27 bytes) are printable ASCII; GET BILL TABLE 120 bytes (24 × 5) from a bill device; GET STATUS
 * 6 or 9 bytes from a bill device. Undefined when the shape says nothing.
 */
function replyByShape(cls: DeviceClass, p: Uint8Array): CommandDef<never, unknown> | undefined {
  const table = commandTable(cls);
  const bill = cls === 'bill-validator' || cls === 'b2b';
  if ((p.length === 34 || p.length > 60) && p.subarray(0, 27).every(printable)) return table.IDENTIFICATION;
  if (bill && p.length === 120) return table.GET_BILL_TABLE;
  if (bill && (p.length === 6 || p.length === 9)) return table.GET_STATUS;
  return undefined;
}

/**
 * DISPENSE (3CH) arguments: the rev 2.3.1 layout is a 3-byte type mask and one count per set bit, so its length is
 * exactly 3 + bits; the newer layout is [type, count] pairs with types 0..23 and counts > 0. Whichever fits.
 */
function dispenseLayout(data: Uint8Array): 'mask' | 'pairs' {
  if (data.length >= 3) {
    let bits = 0;
    for (const b of data.subarray(0, 3)) for (let v = b; v > 0; v >>= 1) bits += v & 1;
    if (data.length === 3 + bits) return 'mask';
  }
  let pairs = data.length > 0 && data.length % 2 === 0;
  for (let i = 0; pairs && i < data.length; i += 2) pairs = (data[i] ?? 24) < 24 && (data[i + 1] ?? 0) > 0;
  return pairs ? 'pairs' : 'mask';
}

/** Reads a capture in order and describes each frame; keeps the last command per address. */
export class CaptureDescriber {
  private readonly awaiting = new Map<number, { key: string; def: CommandDef<never, unknown> }>();
  private readonly framer: CcnetFramer;
  /** The lines of the running push (or `end`), in wire order: the framer reports frames and dropped bytes in order. */
  private out: CaptureLine[] = [];
  /** Bytes of the last bad-CRC frame still to come as "garbage" (already shown in the bad-crc line). */
  private shadow = 0;

  constructor(private readonly options: { dispenseFormat?: 'mask' | 'pairs' } = {}) {
    this.framer = new CcnetFramer({
      frame: (frame) => {
        this.out.push(this.describe(frame));
      },
      error: (problem) => {
        this.dropped(problem);
      },
    });
  }

  get stats(): FramerStats {
    return this.framer.stats;
  }

  /** Feeds bytes; returns descriptions of frames and dropped bytes in wire order. */
  push(bytes: Uint8Array): CaptureLine[] {
    const out: CaptureLine[] = [];
    this.out = out;
    this.framer.push(bytes);
    return out;
  }

  /** Reports a trailing partial frame. */
  end(): CaptureLine[] {
    const out: CaptureLine[] = [];
    this.out = out;
    this.framer.reset();
    return out;
  }

  private dropped(p: FrameError): void {
    if (p.kind === 'garbage') {
      const hidden = Math.min(this.shadow, p.raw.length);
      this.shadow -= hidden;
      const raw = p.raw.subarray(hidden);
      if (raw.length === 0) return;
      const last = this.out.at(-1);
      if (last?.type === 'garbage') last.hex += ` ${toHex(raw)}`;
      else this.out.push({ type: 'garbage', hex: toHex(raw) });
      return;
    }
    this.shadow = p.kind === 'crc' ? p.raw.length - 1 : 0;
    this.out.push({ type: p.kind === 'crc' ? 'bad-crc' : 'bad-length', hex: toHex(p.raw) });
  }

  describe(frame: CcnetFrame): FrameDescription {
    const cls = deviceClassOf(frame.address);
    const p = frame.payload;
    const base: FrameDescription = {
      type: 'frame',
      address: frame.address,
      device: cls ?? 'unknown',
      crc: 'ok',
      kind: 'unknown',
      hex: toHex(frame.raw),
    };
    if (frame.wide !== 0) base.wide = frame.wide;
    const awaited = this.awaiting.get(frame.address);
    if (p.length === 1 && p[0] === 0xff) return { ...base, kind: 'NAK' };
    if (p.length === 1 && p[0] === 0x00 && (!awaited || awaited.def.reply === 'ack')) {
      this.awaiting.delete(frame.address);
      return { ...base, kind: 'ACK', ...(awaited ? { command: awaited.def.name } : {}) };
    }
    if (!cls) return base;
    if (awaited) {
      this.awaiting.delete(frame.address);
      const bill = cls === 'bill-validator' || cls === 'b2b';
      const name = awaited.def.name;
      if (p.length === 1 && p[0] === 0x30 && name !== 'POLL')
        return { ...base, kind: 'ILLEGAL_COMMAND', command: name };
      if (name === 'POLL') return { ...base, kind: 'state', command: name, ...pollState(cls, p) };
      try {
        const d: FrameDescription = { ...base, kind: 'reply', command: name, reply: awaited.def.decodeReply(p) };
        const lengths = bill ? BILL_REPLY_LENGTHS[name] : undefined;
        if (lengths && !lengths.includes(p.length)) {
          d.error = `${name} reply has ${p.length} data bytes; the spec declares ${lengths.join(' or ')}`;
        }
        return d;
      } catch (error) {
        return { ...base, kind: 'reply', command: name, error: error instanceof Error ? error.message : String(error) };
      }
    }
    const shaped = p.length >= 34 || p.length === 120 ? replyByShape(cls, p) : undefined;
    if (shaped) return this.shapedReply(base, shaped, p);
    let layout: 'mask' | 'pairs' | undefined;
    if (this.options.dispenseFormat === undefined && cls === 'b2b' && p[0] === 0x3c)
      layout = dispenseLayout(p.subarray(1));
    const found = findCommand(cls, p, this.options.dispenseFormat ?? layout ?? 'mask');
    if (found) {
      this.awaiting.set(frame.address, { key: found.key, def: found.def });
      const d: FrameDescription = { ...base, kind: 'command', command: found.def.name, ...(layout ? { layout } : {}) };
      if (found.data.length > 0) {
        try {
          d.args = found.def.decodeArgs(found.data);
        } catch (error) {
          d.error = error instanceof Error ? error.message : String(error);
        }
      }
      return d;
    }
    // no command with this code: a reply of known shape, else a POLL answer seen without its POLL
    const reply = replyByShape(cls, p);
    if (reply) return this.shapedReply(base, reply, p);
    return { ...base, kind: 'state', ...pollState(cls, p) };
  }

  private shapedReply(base: FrameDescription, def: CommandDef<never, unknown>, p: Uint8Array): FrameDescription {
    const d: FrameDescription = { ...base, kind: 'reply', command: def.name, byShape: true };
    try {
      d.reply = def.decodeReply(p);
    } catch (error) {
      d.error = error instanceof Error ? error.message : String(error);
    }
    return d;
  }
}
