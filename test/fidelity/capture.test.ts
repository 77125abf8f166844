/**
 * The capture decoders read a capture as an engineer would: replies seen without their command are named by their
 * shape (CCNET), the newer B2B DISPENSE layout is found without being told, an eSSP reply after its command is a
 * reply even without a generic byte, and an event the tables cannot size stops the parse visibly.
 */
import { describe, expect, it } from 'vitest';
import { parseHex } from '../../src/core/bytes.js';
import { CaptureDescriber, type CaptureLine, type FrameDescription } from '../../src/ccnet/capture.js';
import { encodeCommand, encodeReply } from '../../src/ccnet/frame.js';
import { decodeCapture } from '../../src/essp/capture.js';
import { encodeFrame } from '../../src/essp/frame.js';

function ccnet(...frames: Uint8Array[]): FrameDescription[] {
  const d = new CaptureDescriber();
  const lines: CaptureLine[] = [];
  for (const f of frames) lines.push(...d.push(f));
  return lines.filter((l): l is FrameDescription => l.type === 'frame');
}

describe('CCNET replies without their command', () => {
  it('IDENTIFICATION (research frame of a CashCode FLS): part, serial, asset, not state PAUSE', () => {
    const frame = parseHex(
      '02 03 27 46 4C 53 2D 45 55 31 30 2D 36 39 33 36 33 39 30 37 4B 49 34 31 41 53 37 34 38 32 75 ED 8D C8 03 3F 7B 35 DA',
    );
    const [line] = ccnet(frame);
    expect(line).toMatchObject({
      kind: 'reply',
      command: 'IDENTIFICATION',
      byShape: true,
      reply: { partNumber: 'FLS-EU10-693639', serialNumber: '07KI41AS7482' },
    });
    expect(line?.state).toBeUndefined();
  });

  it('GET BILL TABLE (120 bytes) and GET STATUS (6 bytes) by shape; a 1-byte POLL state stays a state', () => {
    const table = new Uint8Array(120);
    table.set([5, 0x52, 0x55, 0x53, 1], 0);
    const [bills, status, state] = ccnet(
      encodeReply(0x03, table),
      encodeReply(0x03, Uint8Array.of(0xff, 0xff, 0xff, 0, 0, 0)),
      encodeReply(0x03, Uint8Array.of(0x14)),
    );
    expect(bills).toMatchObject({ kind: 'reply', command: 'GET_BILL_TABLE', byShape: true });
    expect(status).toMatchObject({ kind: 'reply', command: 'GET_STATUS', byShape: true });
    expect(state).toMatchObject({ kind: 'state', state: 'IDLING' });
  });

  it('B2B DISPENSE: the [type, count] pair layout is found without --pairs; the type mask layout stays a mask', () => {
    const [pairs] = ccnet(encodeCommand(0x01, 0x3c, Uint8Array.of(2, 5, 4, 1)));
    expect(pairs).toMatchObject({
      kind: 'command',
      command: 'DISPENSE',
      layout: 'pairs',
      args: [
        { billType: 2, count: 5 },
        { billType: 4, count: 1 },
      ],
    });
    const [mask] = ccnet(encodeCommand(0x01, 0x3c, Uint8Array.of(0, 0, 0x04, 3)));
    expect(mask).toMatchObject({ command: 'DISPENSE', layout: 'mask', args: [{ billType: 2, count: 3 }] });
  });
});

const ssp = (seq: 0 | 1, ...data: number[]): Uint8Array =>
  encodeFrame({ address: 0, seq, data: Uint8Array.from(data) });
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('eSSP direction and unsizable events', () => {
  it('a reply without F0 after its command (same seq) is read as the reply; a retransmission stays a command', () => {
    const records = decodeCapture(
      concat(ssp(1, 0x0c), ssp(1, 0x0c), ssp(1, 0x00, 0x1c, 0x95, 0x2c), ssp(0, 0x07), ssp(0, 0xf0, 0xe8)),
    );
    expect(records.map((r) => [r.type, r.direction, r.command])).toEqual([
      ['frame', 'host', 'GET_SERIAL_NUMBER'],
      ['frame', 'host', 'GET_SERIAL_NUMBER'],
      ['frame', 'reply', 'GET_SERIAL_NUMBER'],
      ['frame', 'host', 'POLL'],
      ['frame', 'reply', 'POLL'],
    ]);
    expect(records[2]).toMatchObject({ result: { serialNumber: 0x1c952c } });
    expect(String(records[2]?.note)).toMatch(/without a generic response byte/);
  });

  it('a POLL reply with an event the tables cannot size stops there, with a typed note', () => {
    const records = decodeCapture(concat(ssp(1, 0x07), ssp(1, 0xf0, 0xef, 0x02, 0x42, 0x01, 0x02)));
    const reply = records[1];
    expect(reply?.events).toMatchObject([
      { name: 'READ_NOTE', channel: 2 },
      { name: 'UNKNOWN', code: 0x42, reason: 'unknown-code' },
    ]);
    expect(reply?.stopped).toEqual({ code: '0x42', reason: 'unknown-code', undecodedBytes: 3 });
  });
});

describe('declared lengths', () => {
  it('CCNET: a GET STATUS or BILL TABLE reply of another length than the spec declares is an error', () => {
    const [, status] = ccnet(encodeCommand(0x03, 0x31), encodeReply(0x03, Uint8Array.of(0xff, 0xff, 0xff, 0, 0, 0, 0)));
    expect(status).toMatchObject({ kind: 'reply', command: 'GET_STATUS' });
    expect(status?.error).toMatch(/7 data bytes/);
    const [, table] = ccnet(encodeCommand(0x03, 0x41), encodeReply(0x03, new Uint8Array(115)));
    expect(table?.error).toMatch(/GET_BILL_TABLE reply has 115 data bytes; the spec declares 120/);
    const [, good] = ccnet(encodeCommand(0x03, 0x31), encodeReply(0x03, Uint8Array.of(0xff, 0xff, 0xff, 0, 0, 0)));
    expect(good?.error).toBeUndefined();
  });

  it('eSSP: a channel table whose count does not match its length is an error, not wrong values', () => {
    const records = decodeCapture(concat(ssp(1, 0x0e), ssp(1, 0xf0, 0x03, 0x05, 0x0a)));
    expect(records[1]).toMatchObject({ command: 'CHANNEL_VALUE_REQUEST' });
    expect(records[1]?.replyError).toBeDefined();
    expect(records[1]?.result).toBeUndefined();
  });
});
