/**
 * Offline decoding of a ControllerBox byte capture into plain JSON-ready records: one per frame, bad
 * frame, run of garbage and CRC detection. Used by `kioskbus decode controllerbox`; never throws on bytes.
 */
import { toHex } from '../core/bytes.js';
import { ControllerBoxFramer, crcVariantName, type CrcSetting } from './frame.js';
import {
  BILL_ACCEPTOR_STATUS_CODES,
  CARD_DIRECTIONS,
  codeName,
  deviceErrorNames,
  MessageTable,
  resultName,
  RFID_ERROR_CODES,
  type MessageName,
  type MessageTableOptions,
} from './messages.js';

/** Who wrote the capture: the host (commands, answers to events), the box (replies, statuses, events) or unknown. */
export type CaptureSource = 'host' | 'box' | 'any';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface DecodedFrameRecord {
  type: 'frame';
  id: string;
  /** Message name (`PLAY_AUDIO`), or `UNKNOWN`. */
  name: string;
  kind: 'command' | 'status' | 'event' | 'unknown';
  /** DATA in hex. */
  data: string;
  hex: string;
  /** Read as the first frame of the exchange: a command from the host, a status/event from the box. */
  message?: { [key: string]: JsonValue };
  /** Read as the answer: a command's reply from the box, the host's answer to a status/event. */
  response?: { [key: string]: JsonValue };
  /** Why neither reading worked (impossible DATA_LEN). */
  error?: string;
  /** True when found through the 0x37 status id by DATA_LEN. */
  legacyId?: boolean;
}

export interface DecodedProblemRecord {
  type: 'crc-error' | 'bad-frame' | 'garbage';
  /** For bad frames: no stop byte, DATA_LEN too big, cut short. */
  reason?: string;
  id?: string;
  hex: string;
}

export interface CrcDetectedRecord {
  type: 'crc-detected';
  variant: string;
}

export type DecodedRecord = DecodedFrameRecord | DecodedProblemRecord | CrcDetectedRecord;

function hexId(id: number): string {
  return `0x${id.toString(16).padStart(2, '0')}`;
}

/** Converts decoded payloads to JSON values: bytes become hex, named codes get their names beside them. */
function jsonify(value: unknown): JsonValue {
  if (value instanceof Uint8Array) return toHex(value, '');
  if (Array.isArray(value)) return value.map(jsonify);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonify(v);
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function annotate(name: MessageName, payload: unknown): { [key: string]: JsonValue } {
  const out = jsonify(payload) as { [key: string]: JsonValue };
  const p = payload as Record<string, unknown>;
  switch (name) {
    case 'DEVICE_ERROR':
      out.errors = deviceErrorNames(p.flags as number);
      break;
    case 'BILL_ACCEPTOR_STATUS':
      out.codeName = codeName(BILL_ACCEPTOR_STATUS_CODES, p.code as number);
      break;
    case 'RFID_DETECTED':
      if (typeof p.error === 'number') out.errorName = codeName(RFID_ERROR_CODES, p.error);
      break;
    case 'BILL_ACCEPTED':
      if (typeof p.status === 'number') out.statusName = codeName(BILL_ACCEPTOR_STATUS_CODES, p.status);
      break;
    case 'CARD_EVENT':
      if (typeof p.direction === 'number') out.directionName = codeName(CARD_DIRECTIONS, p.direction);
      break;
    default:
      break;
  }
  return out;
}

function response(table: MessageTable, name: MessageName, data: Uint8Array, extra: Record<number, string>) {
  const decoded = table.decodeResponse(name, data);
  return { ...(jsonify(decoded) as { [key: string]: JsonValue }), resultName: resultName(decoded.result, extra) };
}

/** Whether a frame reads as a known message or as the answer to one (used to steer CRC auto detection). */
export function plausibleMessage(table: MessageTable, id: number, data: Uint8Array): boolean {
  const resolved = table.resolve(id, data.length);
  if (!resolved) return false;
  const { codec } = resolved;
  const readings = [() => codec.decode(data, table.codec), () => codec.decodeResponse(data, table.codec)];
  for (const read of readings) {
    try {
      read();
      return true;
    } catch {
      // try the other reading
    }
  }
  return false;
}

export interface DecodeCaptureOptions extends MessageTableOptions {
  /** CRC variant or `auto` (default). */
  crc?: CrcSetting;
  from?: CaptureSource;
  resultCodes?: Record<number, string>;
}

/** Decodes a whole capture. Every byte ends up in exactly one frame, problem or garbage record. */
export function decodeCapture(bytes: Uint8Array, options: DecodeCaptureOptions = {}): DecodedRecord[] {
  const table = new MessageTable(options);
  const from = options.from ?? 'any';
  const extra = options.resultCodes ?? {};
  const records: DecodedRecord[] = [];
  const framer = new ControllerBoxFramer({
    crc: options.crc ?? 'auto',
    plausible: (id, data) => plausibleMessage(table, id, data),
    onCrcDetected: (variant) => records.push({ type: 'crc-detected', variant: crcVariantName(variant) }),
    error: (error) => {
      const record: DecodedProblemRecord = {
        type: error.kind === 'garbage' ? 'garbage' : error.kind === 'crc' ? 'crc-error' : 'bad-frame',
        hex: toHex(error.raw),
      };
      if (error.kind !== 'garbage' && error.kind !== 'crc') record.reason = error.kind;
      if (error.id !== undefined) record.id = hexId(error.id);
      records.push(record);
    },
    frame: (frame) => {
      const resolved = table.resolve(frame.id, frame.data.length);
      const record: DecodedFrameRecord = {
        type: 'frame',
        id: hexId(frame.id),
        name: resolved?.name ?? 'UNKNOWN',
        kind: resolved?.codec.kind ?? 'unknown',
        data: toHex(frame.data),
        hex: toHex(frame.raw),
      };
      if (resolved) {
        if (resolved.legacy) record.legacyId = true;
        const isCommand = resolved.codec.kind === 'command';
        const wantMessage = from === 'any' || (from === 'host') === isCommand;
        const wantResponse = from === 'any' || (from === 'host') !== isCommand;
        const problems: string[] = [];
        if (wantMessage) {
          try {
            record.message = annotate(resolved.name, resolved.codec.decode(frame.data, table.codec));
          } catch (error) {
            problems.push(error instanceof Error ? error.message : String(error));
          }
        }
        if (wantResponse) {
          try {
            record.response = response(table, resolved.name, frame.data, extra);
          } catch (error) {
            problems.push(error instanceof Error ? error.message : String(error));
          }
        }
        if (!record.message && !record.response) record.error = problems.join('; ');
      }
      records.push(record);
    },
  });
  framer.push(bytes);
  framer.end();
  return records;
}
