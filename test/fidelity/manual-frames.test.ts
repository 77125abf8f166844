/**
 * Every CRC-valid example frame of the vendor manuals through the capture decoders. The frames come from the
 * committed fixture `manual-frames.json`, written by `scripts/extract-manual-frames.ts` from ITL GA138 / GA973 (394
 * eSSP frames) and from the CCNET research note (the CCNET spec names its examples without bytes). Each frame must be
 * named in its role: a host frame by its command, a reply as a reply (in the context of the host frame printed just
 * before it) with every event named. Frames the manual itself got wrong are listed below with the reason; the test
 * fails when a frame decodes with a problem that is not listed, or a listed one decodes cleanly.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureDescriber, type CaptureLine } from '../../src/ccnet/capture.js';
import { parseHex } from '../../src/core/bytes.js';
import { decodeCapture, type DecodeRecord } from '../../src/essp/capture.js';
import type { SspEvent } from '../../src/essp/events.js';

interface ManualFrame {
  source: string;
  line: number;
  label: 'host' | 'slave' | 'none';
  hex: string;
}
const fixture = JSON.parse(readFileSync(new URL('manual-frames.json', import.meta.url), 'utf8')) as {
  essp: ManualFrame[];
  ccnet: ManualFrame[];
};

const GA138 = 'itl-ssp-protocol-manual-GA138.txt';
const NO_F0 = 'the reply lacks its generic byte F0 (decoded as the reply, with a note)';
const NO_CODE = 'the event code is missing: the data starts right after F0';

/**
 * Frames of GA138 that the manual printed wrongly, by line. `named`: whether the decoder still names the frame in
 * its role (a reply of that command, every event named).
 */
const MANUAL_ERRORS: Readonly<Record<number, { reason: string; named: boolean }>> = {
  2304: { reason: 'POLL example "F0 F1 F8": F8 is no event code (a generic FAIL inside an event list)', named: false },
  2627: {
    reason: 'CHANNEL_VALUE_REQUEST v6 example: stray 00 bytes inside the currency list, 2 bytes over its length',
    named: true,
  },
  3681: { reason: `GET_NOTE_POSITIONS: ${NO_F0}`, named: true },
  3827: { reason: 'REQUEST_KEY_EXCHANGE reply without the 8-byte slave intermediate key', named: true },
  4378: { reason: `printer 0x70 sub-command: ${NO_F0}`, named: true },
  5426: { reason: `0x71 Enable Reverse Validator: ${NO_F0}`, named: true },
  5448: { reason: `0x71 Disable Reverse Validator: ${NO_F0}`, named: true },
  5856: { reason: `SLAVE_RESET example: ${NO_F0} (F1 is the event)`, named: true },
  6253: { reason: `DISPENSING (0xDA) v<6 example: ${NO_CODE}`, named: false },
  6256: { reason: `DISPENSING (0xDA) v6 example: ${NO_CODE}`, named: false },
  6405: { reason: `FLOATING (0xD7) v<6 example: ${NO_CODE}`, named: false },
  6502: { reason: `INCOMPLETE_PAYOUT (0xDC) v<6 example: ${NO_CODE} (D8 is then read as FLOATED)`, named: false },
  6505: { reason: `INCOMPLETE_PAYOUT (0xDC) v6 example: ${NO_CODE}`, named: false },
  6598: { reason: `COIN_CREDIT (0xDF) v<6 example: ${NO_CODE}`, named: false },
  6696: {
    reason: 'SMART_EMPTYING v6 example without the currency of its one value (the next example has it)',
    named: false,
  },
  6865: { reason: 'ERROR_DURING_PAYOUT example without the currency of its second value (EUR)', named: true },
};

/** The host frame printed just before a reply (same manual, a few lines up), for the reply's context. */
function commandBefore(i: number): ManualFrame | undefined {
  const frame = fixture.essp[i];
  const prev = fixture.essp[i - 1];
  if (!frame || !prev || frame.label === 'host' || prev.label !== 'host') return undefined;
  return prev.source === frame.source && frame.line - prev.line < 6 ? prev : undefined;
}

function judge(frame: ManualFrame, record: DecodeRecord, hasCommand: boolean): { named: boolean; problem: boolean } {
  if (record.type !== 'frame') return { named: false, problem: true };
  if (record.direction === 'host') {
    const named = frame.label !== 'slave' && record.command !== 'UNKNOWN' && record.argsError === undefined;
    return { named, problem: !named };
  }
  const events = (record.events ?? []) as SspEvent[];
  const named =
    frame.label !== 'host' &&
    !String(record.status).startsWith('UNKNOWN') &&
    (!hasCommand || typeof record.command === 'string') &&
    !events.some((e) => e.name === 'UNKNOWN' && e.reason !== 'truncated');
  const note = typeof record.note === 'string' ? record.note : '';
  const problem =
    !named ||
    record.replyError !== undefined ||
    record.stopped !== undefined ||
    /generic response byte|not decoded/.test(note);
  return { named, problem };
}

describe('manual frames through the decoders', () => {
  it('the fixture holds the 394 CRC-valid eSSP frames of GA138 and GA973', () => {
    expect(fixture.essp).toHaveLength(394);
    expect(fixture.essp.filter((f) => f.source === GA138).length).toBeGreaterThan(380);
  });

  it('eSSP: at least 385 of 394 named in their role; every other problem is a listed manual error', () => {
    let named = 0;
    const problems: Record<number, boolean> = {};
    fixture.essp.forEach((frame, i) => {
      const before = commandBefore(i);
      const bytes = before ? [...parseHex(before.hex), ...parseHex(frame.hex)] : [...parseHex(frame.hex)];
      const record = decodeCapture(Uint8Array.from(bytes)).at(-1);
      expect(record, `${frame.source}:${frame.line}`).toBeDefined();
      const verdict = judge(frame, record as DecodeRecord, before !== undefined);
      if (verdict.named) named += 1;
      if (verdict.problem) {
        expect(frame.source, `${frame.line} ${frame.hex}`).toBe(GA138);
        problems[frame.line] = verdict.named;
      }
    });
    const listed = Object.fromEntries(Object.entries(MANUAL_ERRORS).map(([line, e]) => [line, e.named]));
    expect(problems).toEqual(listed);
    expect(named).toBeGreaterThanOrEqual(385);
  });

  it('CCNET: every frame of the research note named on its own (command, reply by shape, state, ACK)', () => {
    expect(fixture.ccnet.length).toBeGreaterThanOrEqual(29);
    for (const frame of fixture.ccnet) {
      const lines: CaptureLine[] = new CaptureDescriber().push(parseHex(frame.hex));
      expect(lines, frame.hex).toHaveLength(1);
      const [line] = lines;
      expect(line?.type, frame.hex).toBe('frame');
      if (line?.type !== 'frame') continue;
      expect(line.kind, frame.hex).not.toBe('unknown');
      expect(line.error, frame.hex).toBeUndefined();
      if (line.kind === 'state') expect(line.state, frame.hex).not.toBe('UNKNOWN');
    }
  });
});
