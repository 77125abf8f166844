import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError, type CliIo } from '../../../src/cli/types.js';
import { isKioskbusError } from '../../../src/core/errors.js';
import { controllerboxCli } from '../../../src/cli/controllerbox/index.js';
import { toHex } from '../../../src/core/bytes.js';
import { encodeFrame, parseCrcSetting, type CrcVariant } from '../../../src/controllerbox/frame.js';
import { ControllerBoxSimulator } from '../../../src/controllerbox/simulator/simulator.js';
import { runScriptLine } from '../../../src/controllerbox/simulator/script.js';
import { controllerboxDemo } from '../../../src/cli/controllerbox/demo.js';
import { memoryIo } from '../../helpers/cli-io.js';
import { prng } from '../../helpers/prng.js';

/**
 * Runs `kioskbus <verb> controllerbox ...` with the exit codes of src/cli/main.ts (usage error 2, device or
 * input error 1), calling the protocol's commands directly so that other protocols' files are not loaded.
 */
async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [verb, protocol, ...args] = argv;
  expect(protocol).toBe('controllerbox');
  const command =
    verb === 'decode' ? controllerboxCli.decode : verb === 'watch' ? controllerboxCli.watch : controllerboxCli.simulate;
  if (!command) throw new Error(`no ${verb ?? ''} command`);
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (isKioskbusError(error)) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - start > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('kioskbus decode controllerbox', () => {
  it('decodes frames with names and fields, detects the CRC, reports garbage and bad CRCs', async () => {
    const crc = parseCrcSetting('arc/id+len+data/le') as CrcVariant;
    const capture = [
      encodeFrame(0x13, Uint8Array.of(1), crc),
      Uint8Array.of(0x00, 0x79),
      encodeFrame(0x51, Uint8Array.of(0, 0, 0x27, 0x10, 0x0b), crc),
      encodeFrame(0x52, Uint8Array.of(1, 1), crc).map((b, i) => (i === 5 ? b ^ 0xff : b)),
      encodeFrame(0x30, Uint8Array.of(0x01, 0x10), crc),
    ];
    const t = memoryIo();
    expect(await runCli(['decode', 'controllerbox', ...capture.map((c) => toHex(c, ''))], t.io)).toBe(0);
    const records = lines(t.out());
    expect(records.map((r) => r.type)).toEqual(['crc-detected', 'frame', 'garbage', 'frame', 'crc-error', 'frame']);
    expect(records[0]).toEqual({ type: 'crc-detected', variant: 'arc/id+len+data/le' });
    expect(records[1]).toMatchObject({
      name: 'PLAY_AUDIO',
      kind: 'command',
      message: { audioIndex: 1 },
      response: { result: 1, resultName: 'RESULT_ERROR' },
    });
    expect(records[2]).toEqual({ type: 'garbage', hex: '00 79' });
    expect(records[3]).toMatchObject({
      name: 'BILL_ACCEPTED',
      kind: 'event',
      message: { value: 10000, status: 11, statusName: 'BILL_REJECTED' },
    });
    expect(records[4]).toMatchObject({ type: 'crc-error', id: '0x52' });
    expect(records[5]).toMatchObject({
      name: 'DEVICE_ERROR',
      message: { flags: 0x0110, errors: ['RFID_ERROR', 'WIFI_ERROR'] },
    });
    expect(t.err()).toContain('3 frame(s), 2 problem(s)');
  });

  it('reads stdin with -, honours a fixed CRC and --from', async () => {
    const frames = `${toHex(encodeFrame(0x13, Uint8Array.of(2)))}\n${toHex(encodeFrame(0x31, Uint8Array.of(5)))}\n`;
    const t = memoryIo(frames);
    expect(await runCli(['decode', 'controllerbox', '--crc', 'arc', '--from', 'box', '-'], t.io)).toBe(0);
    const records = lines(t.out());
    expect(records.map((r) => r.name)).toEqual(['PLAY_AUDIO', 'BILL_ACCEPTOR_STATUS']);
    expect(records[0]?.message).toBeUndefined();
    expect(records[0]?.response).toEqual({ result: 2, resultName: 'RESULT_COMM_PROTOCOL_ID_INVALID' });
    expect(records[1]?.message).toEqual({ code: 5, codeName: 'VALIDATOR_JAMMED' });
    const xmodem = memoryIo();
    await runCli(['decode', 'controllerbox', '--crc', 'xmodem', toHex(encodeFrame(0x13, Uint8Array.of(2)))], xmodem.io);
    expect(lines(xmodem.out()).map((r) => r.type)).toEqual(['crc-error']);
  });

  it('reports unknown ids, impossible lengths, the 0x37 status id and cut frames without crashing', async () => {
    const capture = [
      encodeFrame(0x66, Uint8Array.of(1, 2)),
      encodeFrame(0x32, Uint8Array.of(1, 2)),
      encodeFrame(0x37, Uint8Array.of(1, 0, 1, 0)),
      Uint8Array.of(0x78, 0x52, 0x02, 0x01),
    ];
    const t = memoryIo();
    expect(await runCli(['decode', 'controllerbox', '--crc', 'arc', ...capture.map((c) => toHex(c))], t.io)).toBe(0);
    const records = lines(t.out());
    expect(records[0]).toMatchObject({ name: 'UNKNOWN', kind: 'unknown', id: '0x66' });
    expect(records[1]).toMatchObject({ name: 'TCD_STATUS' });
    expect(String(records[1]?.error)).toContain('DATA_LEN 2');
    expect(records[2]).toMatchObject({
      name: 'TCD_STATUS',
      legacyId: true,
      message: { tcd: 1, error: false, low: true, empty: false },
    });
    expect(records[3]).toMatchObject({ type: 'bad-frame', reason: 'truncated', id: '0x52' });
  });

  it('never crashes on random bytes', async () => {
    const rand = prng(7);
    const random = Array.from({ length: 3000 }, () => (rand() < 1 / 7 ? 0x78 : Math.floor(rand() * 256)));
    const t = memoryIo();
    expect(await runCli(['decode', 'controllerbox', toHex(Uint8Array.from(random), '')], t.io)).toBe(0);
    const records = lines(t.out());
    expect(records.length).toBeGreaterThan(0);
    expect(
      records.every((r) => ['garbage', 'bad-frame', 'crc-error', 'frame', 'crc-detected'].includes(String(r.type))),
    ).toBe(true);
  });

  it('rejects bad options and bad hex with a clear message', async () => {
    const crc = memoryIo();
    expect(await runCli(['decode', 'controllerbox', '--crc', 'crc32', '00'], crc.io)).toBe(2);
    expect(crc.err()).toContain('unknown CRC "crc32"');
    const from = memoryIo();
    expect(await runCli(['decode', 'controllerbox', '--from', 'nobody', '00'], from.io)).toBe(2);
    const hex = memoryIo();
    expect(await runCli(['decode', 'controllerbox', '7g'], hex.io)).toBe(2);
    expect(hex.err()).toContain('not hex');
  });
});

describe('kioskbus simulate and watch controllerbox', () => {
  it('serves the simulator on TCP and watches it, with CRC auto detection, until aborted', async () => {
    const script = new PassThrough();
    const sim = memoryIo(script);
    const simDone = runCli(
      [
        'simulate',
        'controllerbox',
        '--tcp',
        '127.0.0.1:0',
        '--crc',
        'xmodem',
        '--crc-coverage',
        'start..data',
        '--crc-order',
        'le',
        '--status-interval',
        '100',
      ],
      sim.io,
    );
    const url = await waitFor(() => /listening on (tcp:\/\/\S+)/.exec(sim.out())?.[1]);
    expect(sim.out()).toContain('CRC xmodem/start..data/le');

    const watch = memoryIo();
    const watchDone = runCli(['watch', 'controllerbox', url], watch.io);
    await waitFor(() => (watch.out().includes('"event":"tcdStatus"') ? true : undefined));
    script.write('bill 20000\nrfid 04a1b2 1500\nstate\nbogus\n');
    await waitFor(() => (watch.out().includes('"event":"rfidDetected"') ? true : undefined));
    watch.abort();
    expect(await watchDone).toBe(130);
    sim.abort();
    script.end();
    expect(await simDone).toBe(0);

    const events = lines(watch.out());
    expect(events.find((e) => e.event === 'crcDetected')).toMatchObject({ name: 'xmodem/start..data/le' });
    expect(events.find((e) => e.event === 'version')).toMatchObject({ firmware: { major: 1, minor: 4, patch: 2 } });
    expect(events.find((e) => e.event === 'billAccepted')).toMatchObject({ value: { amount: 20000, currency: 'VND' } });
    expect(events.find((e) => e.event === 'rfidDetected')).toMatchObject({ rfid: '04a1b2', money: { amount: 1500 } });
    expect(watch.err()).toContain('CRC xmodem/start..data/le');
    expect(sim.err()).toContain('[box] REQUEST_VERSION -> 0x00');
    expect(sim.err()).toContain('unknown command "bogus"');
    expect(sim.out()).toContain('"statusPolling":true');
  });

  it('refuses auto CRC for the simulator and a missing target for watch', async () => {
    const sim = memoryIo();
    expect(await runCli(['simulate', 'controllerbox', '--tcp', '127.0.0.1:0', '--crc', 'auto'], sim.io)).toBe(2);
    expect(sim.err()).toContain('fixed CRC');
    const watch = memoryIo();
    expect(await runCli(['watch', 'controllerbox'], watch.io)).toBe(2);
  });
});

describe('simulator script lines', () => {
  it('drives the simulator state', async () => {
    const sim = new ControllerBoxSimulator({ tcds: 2, cardsPerTcd: 3 });
    await runScriptLine(sim, 'tcd 1 cards 0 error on');
    await runScriptLine(sim, 'error 0x0101');
    await runScriptLine(sim, 'acceptor 5');
    await runScriptLine(sim, 'dispense 0');
    await runScriptLine(sim, 'callback 1');
    expect(sim.state.tcds).toEqual([
      { cards: 2, error: false },
      { cards: 1, error: true },
    ]);
    expect(sim.state.errorFlags).toBe(0x0101);
    expect(sim.state.billAcceptorStatus).toBe(5);
    expect(await runScriptLine(sim, 'help')).toContain('bill VALUE');
    expect(await runScriptLine(sim, '')).toBe('');
    await expect(runScriptLine(sim, 'tcd 9')).rejects.toThrow(/no TCD 9/);
    await expect(runScriptLine(sim, 'bill -5')).rejects.toThrow(/VALUE must be/);
    await expect(runScriptLine(sim, 'tcd 0 colour red')).rejects.toThrow(/cards C/);
  });
});

describe('controllerbox demo section', () => {
  it('runs a card-vending session against the simulator', async () => {
    const said: string[] = [];
    await controllerboxDemo.run((line) => said.push(line), new AbortController().signal);
    expect(said).toContain('bill accepted: 50000 VND (status SUCCESS)');
    expect(said).toContain('card event: TCD 0 out');
    expect(said.some((l) => l.startsWith('RFID updated: balance 50000'))).toBe(true);
    expect(said[0]).toBe("CRC variant detected from the box's frames: xmodem/data/be");
  });
});
