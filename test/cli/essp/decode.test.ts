import { describe, expect, it } from 'vitest';
import { parseHex, toHex } from '../../../src/core/bytes.js';
import { encryptPacket } from '../../../src/essp/crypto.js';
import { decodeCommand } from '../../../src/cli/essp/decode.js';
import { decodeCapture } from '../../../src/essp/capture.js';
import { encodeFrame } from '../../../src/essp/frame.js';
import { UsageError } from '../../../src/cli/types.js';
import { memoryIo } from '../../helpers/cli-io.js';
import { prng } from '../../helpers/prng.js';

interface Run {
  code: number;
  lines: Record<string, unknown>[];
  stdout: string;
  stderr: string;
}

async function run(args: string[], stdin?: string, viaMain = false): Promise<Run> {
  const io = memoryIo(stdin ?? '');
  // the whole CLI is loaded only by the tests that go through it (it loads every protocol)
  const code = viaMain
    ? await (await import('../../../src/cli/main.js')).runCli(['decode', 'essp', ...args], io)
    : await decodeCommand.run(args, io);
  return { code, lines: io.lines(), stdout: io.out(), stderr: io.err() };
}

describe('kioskbus decode essp', () => {
  it('research §4.1 frames: command names, replies in the context of the command, events with seed names', async () => {
    const capture = [
      '7F 80 01 11 65 82',
      '7F 80 01 F0 23 80',
      '7F 80 01 0C 2B 82',
      '7F 80 05 F0 00 1C 96 2C D4 97',
      '7F 80 01 07 12 02',
      '7F 80 04 F0 EE 01 EB B9 48',
      '7F 80 09 33 F4 01 00 00 45 55 52 58 C3 EE',
      '7F 80 02 F5 02 30 3E',
    ].join(' ');
    const { code, lines } = await run([capture], undefined, true);
    expect(code).toBe(0);
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatchObject({ address: 0, seq: 1, crc: 'ok', direction: 'host', command: 'SYNC' });
    expect(lines[1]).toMatchObject({ direction: 'reply', command: 'SYNC', status: 'OK' });
    expect(lines[3]).toMatchObject({ command: 'GET_SERIAL_NUMBER', result: { serialNumber: 1873452 } });
    expect(lines[5]).toMatchObject({
      command: 'POLL',
      events: [
        { name: 'CREDIT_NOTE', channel: 1 },
        { name: 'NOTE_STACKED', code: 0xeb },
      ],
    });
    expect(lines[6]).toMatchObject({
      command: 'PAYOUT_AMOUNT',
      args: { amount: 500, currency: 'EUR', test: false },
    });
    expect(lines[7]).toMatchObject({
      command: 'PAYOUT_AMOUNT',
      status: 'COMMAND_CANNOT_BE_PROCESSED',
      error: { code: 'CANNOT_PAY_EXACT' },
    });
  });

  it('reads stdin (spaces optional) when no hex is given or with "-"', async () => {
    const a = await run([], '7f8001071202\n7f8003f0f1e8bf8c\n');
    expect(a.lines.map((l) => l.command)).toEqual(['POLL', 'POLL']);
    expect(a.lines[1]).toMatchObject({ events: [{ name: 'SLAVE_RESET' }, { name: 'DISABLED' }] });
    const b = await run(['-'], '7F 80 01 07 12 02');
    expect(b.lines[0]).toMatchObject({ command: 'POLL' });
  });

  it('garbage and bad CRCs are reported, the good frames around them decoded', async () => {
    const { code, lines } = await run([
      '01 02 03 7F 80 01 07 12 02 AA 7F 80 04 F0 EE 01 EB B9 49 7F 80 01 07 12 02 7F 80 03 F0 F1 E8 BF 8C 7F 80',
    ]);
    expect(code).toBe(0);
    expect(lines[0]).toEqual({ type: 'garbage', garbage: '01 02 03', bytes: 3 });
    expect(lines[1]).toMatchObject({ command: 'POLL', crc: 'ok' });
    expect(lines[2]).toEqual({ type: 'garbage', garbage: 'aa', bytes: 1 });
    expect(lines[3]).toMatchObject({ crc: 'bad', address: 0, seq: 1, error: { code: 'CRC_MISMATCH' } });
    const reset = lines.find((l) => Array.isArray(l.events));
    expect(reset).toMatchObject({ events: [{ name: 'SLAVE_RESET' }, { name: 'DISABLED' }] });
    // a credit that arrived with a bad CRC is never shown as an event
    expect(lines.some((l) => JSON.stringify(l.events ?? []).includes('CREDIT_NOTE'))).toBe(false);
    expect(lines.at(-1)).toMatchObject({ garbage: '7f 80', note: expect.stringMatching(/incomplete/) as unknown });
  });

  it('an encrypted capture with its key (research §4.2): decrypted, eCOUNT shown, reply decoded after the command', async () => {
    const key = parseHex('67452301674523019565000000000000');
    // the host's GET_SERIAL_NUMBER (count 0) then the device's real reply (count 1)
    const command = encodeFrame({ address: 0, seq: 0, data: encryptPacket(key, 0, Uint8Array.of(0x0c)) });
    const reply = '7F 00 11 7E 70 2F FE 1D 41 19 44 AD DA D1 DF D6 77 F5 33 CC 63 1D';
    const { lines } = await run(['--key', toHex(key, ''), toHex(command), reply]);
    expect(lines[0]).toMatchObject({ encrypted: true, eCount: 0, command: 'GET_SERIAL_NUMBER', direction: 'host' });
    expect(lines[1]).toMatchObject({
      encrypted: true,
      eCount: 1,
      direction: 'reply',
      command: 'GET_SERIAL_NUMBER',
      result: { serialNumber: 0x004a78b4 },
    });
    // the key never appears in the output
    expect(JSON.stringify(lines)).not.toContain('6745230167452301');
  });

  it('ssp-rs known-key vector: encrypted HOST_PROTOCOL_VERSION 6', async () => {
    const { lines } = await run([
      '--key',
      '67452301674523015EFAE50D00000000',
      '7F 80 11 7E 86 01 F3 A7 85 EC 6F 4B 3D 0F F0 FE D4 8D 16 64 2A 23',
    ]);
    expect(lines[0]).toMatchObject({
      encrypted: true,
      eCount: 0,
      command: 'HOST_PROTOCOL_VERSION',
      args: { version: 6 },
    });
  });

  it('encrypted frames without a key or with a wrong key are reported, not decoded', async () => {
    const frame = '7F 80 11 7E 86 01 F3 A7 85 EC 6F 4B 3D 0F F0 FE D4 8D 16 64 2A 23';
    const none = await run([frame]);
    expect(none.lines[0]).toMatchObject({ encrypted: true, note: expect.stringMatching(/--key/) as unknown });
    const wrong = await run(['--key', '00'.repeat(16), frame]);
    expect(wrong.lines[0]).toMatchObject({ encrypted: true, error: { code: 'DECRYPT_FAILED' } });
  });

  it('infers the protocol version from lengths; --protocol-version forces it', () => {
    const poll = '7F 80 01 07 12 02';
    const reply = encodeFrame({ address: 0, seq: 1, data: parseHex('F0 DA E8 03 00 00') });
    const inferred = decodeCapture(parseHex(`${poll} ${toHex(reply)}`));
    expect(inferred[1]).toMatchObject({
      events: [{ name: 'DISPENSING', values: [{ value: 1000 }] }],
      protocolVersion: 5,
      inferred: true,
    });
    const forced = decodeCapture(parseHex(`${poll} ${toHex(reply)}`), { protocolVersion: 6 });
    expect(forced[1]).toMatchObject({ events: [{ name: 'UNKNOWN', reason: 'truncated' }] });
  });

  it('SETUP_REQUEST teaches the channels: later credits carry their value', () => {
    const setup = '7F 80 01 05 1D 82';
    const setupReply = encodeFrame({
      address: 0,
      seq: 1,
      data: parseHex('F0 00 30 34 30 30 45 55 52 00 00 01 02 05 0a 02 02 00 00 64 05'),
    });
    const poll = encodeFrame({ address: 0, seq: 0, data: Uint8Array.of(0x07) });
    const credit = encodeFrame({ address: 0, seq: 0, data: parseHex('F0 EE 02') });
    const records = decodeCapture(parseHex(`${setup} ${toHex(setupReply)} ${toHex(poll)} ${toHex(credit)}`));
    expect(records[1]).toMatchObject({ command: 'SETUP_REQUEST', result: { kind: 'validator', currency: 'EUR' } });
    expect(records[3]).toMatchObject({
      events: [{ name: 'CREDIT_NOTE', channel: 2, value: { value: 1000, currency: 'EUR' } }],
    });
  });

  it('unknown commands and replies without a command before them', () => {
    const unknown = encodeFrame({ address: 0, seq: 1, data: Uint8Array.of(0x2f, 1) });
    const lone = encodeFrame({ address: 0, seq: 1, data: parseHex('F0 01 02') });
    const records = decodeCapture(parseHex(`${toHex(lone)} ${toHex(unknown)}`));
    expect(records[0]).toMatchObject({
      direction: 'reply',
      status: 'OK',
      note: expect.stringMatching(/no command/) as unknown,
    });
    expect(records[1]).toMatchObject({ direction: 'host', command: 'UNKNOWN', code: '0x2f' });
  });

  it('bad options and non-hex input are usage errors (exit 2 through the CLI), and the key is not echoed', async () => {
    await expect(run(['--key', '1234', '7F'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--protocol-version', 'x', '7F'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['hello'])).rejects.toBeInstanceOf(UsageError);
    const viaMain = await run(['--key', 'deadbeefdeadbeef', '7F'], undefined, true);
    expect(viaMain.code).toBe(2);
    expect(viaMain.stderr).not.toContain('deadbeef');
  });

  it('random bytes never crash the decoder', () => {
    const rand = prng(7);
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(64);
      for (let j = 0; j < bytes.length; j++) bytes[j] = j % 9 === 0 ? 0x7f : Math.floor(rand() * 256);
      expect(() => decodeCapture(bytes)).not.toThrow();
    }
  });
});
