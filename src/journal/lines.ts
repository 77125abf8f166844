/**
 * One journal line: `{"s":seq,"ts":ms,"t":type,"b":{...},"k":crc32}` and a newline. The CRC32 (zlib) covers the line's
 * text without the `,"k":...` member, so a check needs no re-serialisation. `scanJournal` reads a whole file: a torn or
 * bad last line is cut off, a bad line with lines after it makes the file unreadable (it is kept for a human).
 */
import { crc32 } from 'node:zlib';
import { ErrorCode, KioskbusError } from '../core/errors.js';
import type { JournalRecord } from './types.js';

const CRC_MEMBER = ',"k":';

export function encodeLine(record: JournalRecord): string {
  const text = JSON.stringify({ s: record.seq, ts: record.ts, t: record.type, b: record.body });
  const open = text.slice(0, -1);
  return `${open}${CRC_MEMBER}${crc32(`${open}}`)}}\n`;
}

/** Decodes one line (without its newline); undefined when its CRC or shape is wrong. */
export function decodeLine(line: string): JournalRecord | undefined {
  const at = line.lastIndexOf(CRC_MEMBER);
  if (at < 0 || !line.endsWith('}')) return undefined;
  const crcText = line.slice(at + CRC_MEMBER.length, -1);
  if (!/^\d{1,10}$/.test(crcText)) return undefined;
  if (crc32(`${line.slice(0, at)}}`) !== Number(crcText)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { s, ts, t, b } = parsed as Record<string, unknown>;
  if (!Number.isSafeInteger(s) || typeof ts !== 'number' || typeof t !== 'string') return undefined;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return undefined;
  return { seq: s as number, ts, type: t, body: b as Record<string, unknown> };
}

export interface ScanResult {
  records: JournalRecord[];
  /** Bytes of the file that hold whole good lines; the file is cut to this length before appending. */
  goodBytes: number;
  /** The last good line had no newline: one must be written before the next line. */
  needsNewline: boolean;
  /** Bytes cut off at the end (a torn or bad last line). */
  cutBytes: number;
}

/** Reads a journal file's bytes. Throws CRC_MISMATCH (with the line number) on a bad line that has lines after it. */
export function scanJournal(data: Buffer, file: string): ScanResult {
  const records: JournalRecord[] = [];
  let offset = 0;
  let line = 0;
  let needsNewline = false;
  while (offset < data.length) {
    line += 1;
    const nl = data.indexOf(0x0a, offset);
    const end = nl < 0 ? data.length : nl;
    const record = decodeLine(data.subarray(offset, end).toString('utf8'));
    const isLast = nl < 0 || nl + 1 === data.length;
    const previous = records.at(-1);
    if (record === undefined || (previous !== undefined && record.seq <= previous.seq)) {
      if (isLast) break;
      throw new KioskbusError(
        ErrorCode.CrcMismatch,
        `journal ${file}: line ${line} is damaged and good lines follow it; refusing to open (the file is kept as it ` +
          `is; restore it from a backup or move it aside)`,
        { file, line, offset },
      );
    }
    records.push(record);
    if (nl < 0) {
      needsNewline = true;
      offset = data.length;
    } else {
      offset = nl + 1;
    }
  }
  const goodBytes = Math.min(offset, data.length);
  return { records, goodBytes, needsNewline, cutBytes: data.length - goodBytes };
}
