import { describe, expect, it, vi } from 'vitest';
import { parseHex, toHex } from '../../src/core/bytes.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../src/core/errors.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import {
  ControllerBoxHost,
  ControllerBoxResultError,
  SuspectFrameError,
  encodeIssueDate,
  guessIssueDate,
} from '../../src/controllerbox/host.js';
import {
  ALL_CRC_VARIANTS,
  crcVariantName,
  DEFAULT_CRC_VARIANT,
  encodeFrame,
  parseCrcSetting,
  type CrcVariant,
} from '../../src/controllerbox/frame.js';
import { ControllerBoxSimulator } from '../../src/controllerbox/simulator/simulator.js';
import { useBoxRigs } from './rig.js';
import { tick as settle } from '../helpers/settle.js';

const rig = useBoxRigs({ fakeTimers: false });

describe('ControllerBox host <-> simulator: commands', () => {
  it('resets the box', async () => {
    const { host, sim, hostWrites } = rig();
    await host.reset();
    expect(sim.state.resets).toBe(1);
    expect(hostWrites).toEqual(['78 01 00 00 00 79']);
  });

  it('reads firmware and board versions', async () => {
    const { host } = rig({}, { firmware: { major: 3, minor: 1, patch: 7 }, board: { major: 1, minor: 0, patch: 2 } });
    expect(await host.version()).toEqual({
      firmware: { major: 3, minor: 1, patch: 7 },
      board: { major: 1, minor: 0, patch: 2 },
    });
  });

  it('switches status polling on (periodic reports) and off', async () => {
    vi.useFakeTimers();
    const { host, sim, events } = rig({}, { statusIntervalMs: 500, tcds: 2 });
    await host.setStatusPolling(true);
    expect(sim.state.statusPolling).toBe(true);
    await vi.advanceTimersByTimeAsync(499);
    expect(events.tcdStatus ?? []).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(events.deviceError).toHaveLength(1);
    expect(events.billAcceptorStatus).toHaveLength(1);
    expect(events.tcdStatus?.map((e) => e.tcd)).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.deviceError).toHaveLength(3);
    await host.setStatusPolling(false);
    expect(sim.state.statusPolling).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(events.deviceError).toHaveLength(3);
  });

  it('dispenses a card: SUCCESS, then a card event, and one card fewer', async () => {
    const { host, sim, events } = rig({}, { cardsPerTcd: 10 });
    await host.dispenseCard(1);
    expect(sim.state.tcds[1]?.cards).toBe(9);
    await settle(20);
    expect(events.cardEvent).toEqual([
      {
        tcd: 1,
        direction: 'out',
        directionCode: 0,
        requested: true,
        raw: toHex(encodeFrame(0x52, Uint8Array.of(1, 0)), ''),
      },
    ]);
    expect(sim.state.acks).toBe(1);
  });

  it('refuses to dispense from an empty or missing TCD with a typed result error', async () => {
    const { host, sim } = rig({}, { cardsPerTcd: 0, tcds: 1 });
    const error = await host.dispenseCard(0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControllerBoxResultError);
    const result = error as ControllerBoxResultError;
    expect(result.code).toBe(ErrorCode.Failure);
    expect(result.result).toBe(0x01);
    expect(result.resultName).toBe('RESULT_ERROR');
    expect(result.context.command).toBe('DISPENSE_CARD');
    expect(toHex(result.context.raw ?? new Uint8Array())).toBe(toHex(encodeFrame(0x11, Uint8Array.of(1))));
    await expect(host.dispenseCard(3)).rejects.toThrow(/DISPENSE_CARD refused/);
    expect(sim.state.tcds[0]?.cards).toBe(0);
  });

  it('writes an RFID card (hex id, Money, ISO issue date)', async () => {
    const { host, sim, hostWrites } = rig();
    await host.updateRfid({
      rfidIndex: 1,
      rfid: 'de ad be ef',
      money: { amount: 50000, currency: 'VND' },
      issueDate: '2024-05-17',
    });
    expect(hostWrites[0]).toBe(toHex(encodeFrame(0x12, parseHex('01 04 de ad be ef 00 00 c3 50 18 05 11'))));
    expect(sim.state.rfidWrites).toEqual([
      { rfidIndex: 1, rfid: parseHex('de ad be ef'), money: 50000, issueDate: Uint8Array.of(24, 5, 17) },
    ]);
  });

  it('refuses RFID money in another currency or not a whole protocol unit, before sending', async () => {
    const { host, hostWrites } = rig({ currency: 'EUR', minorUnitsPerUnit: 100 });
    const base = { rfid: Uint8Array.of(1), issueDate: Uint8Array.of(1, 2, 3) };
    await expect(host.updateRfid({ ...base, money: { amount: 500, currency: 'USD' } })).rejects.toThrow(
      /configured for EUR/,
    );
    await expect(host.updateRfid({ ...base, money: { amount: 550, currency: 'EUR' } })).rejects.toThrow(/whole number/);
    await expect(host.updateRfid({ ...base, money: 1.5 })).rejects.toMatchObject({ code: ErrorCode.InvalidMoney });
    expect(hostWrites).toEqual([]);
    await host.updateRfid({ ...base, money: { amount: 500, currency: 'EUR' } });
    expect(hostWrites).toHaveLength(1);
  });

  it('refuses a bad currency setup without touching the transport', () => {
    const [hostEnd] = createMemoryPair();
    expect(() => new ControllerBoxHost(hostEnd, { currency: 'euro' })).toThrow(/ISO 4217/);
    expect(() => new ControllerBoxHost(hostEnd, { minorUnitsPerUnit: 0 })).toThrow(/positive integer/);
    expect(hostEnd.listenerCount('data')).toBe(0);
  });

  it('plays audio and drives IOs', async () => {
    const { host, sim, hostWrites } = rig();
    await host.playAudio(1);
    await host.playAudio(4);
    await host.setIo(0b0110, 0b0100);
    await host.setIo(0b0001, 0b0001);
    expect(sim.state.audio).toEqual([1, 4]);
    expect(sim.state.io).toEqual({ select: 0b0001, level: 0b0101 });
    expect(hostWrites[0]).toBe('78 13 01 01 c0 c1 79');
  });

  it('rejects bad arguments with INVALID_ARGUMENT and sends nothing', async () => {
    const { host, hostWrites } = rig();
    await expect(host.playAudio(300)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(host.setIo(-1, 0)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(host.updateRfid({ rfid: 'zz', money: 1, issueDate: '2024-01-01' })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(host.updateRfid({ rfid: '01', money: 1, issueDate: '2024-02-30' })).rejects.toThrow(/YYYY-MM-DD/);
    expect(hostWrites).toEqual([]);
  });

  it('surfaces every non-success result code as a typed error, unknown codes raw', async () => {
    const { host, sim } = rig({ resultCodes: { 0x77: 'RESULT_VENDOR_SPECIFIC' } });
    const cases: [number, ErrorCode, string][] = [
      [0x02, ErrorCode.UnknownCommandAtDevice, 'RESULT_COMM_PROTOCOL_ID_INVALID'],
      [0x03, ErrorCode.CrcMismatch, 'RESULT_COMM_PROTOCOL_CRC_INVALID'],
      [0x04, ErrorCode.BadFrame, 'RESULT_COMM_PROTOCOL_START_STOP_BYTE_INVALID'],
      [0x05, ErrorCode.Timeout, 'RESULT_COMM_PROTOCOL_TIMEOUT'],
      [0x11, ErrorCode.Timeout, 'RESULT_CMD_RESET_TIMEOUT'],
      [0x12, ErrorCode.DeviceBusy, 'RESULT_CMD_TRANSFER_OTA_DATA_IN_PROGRESS'],
      [0x42, ErrorCode.DeviceError, 'UNKNOWN_0x42'],
      [0x77, ErrorCode.DeviceError, 'RESULT_VENDOR_SPECIFIC'],
    ];
    for (const [result, code, name] of cases) {
      sim.injectResult('PLAY_AUDIO', result);
      const error = (await host.playAudio(2).catch((e: unknown) => e)) as ControllerBoxResultError;
      expect(error).toBeInstanceOf(ControllerBoxResultError);
      expect([error.code, error.result, error.resultName]).toEqual([code, result, name]);
      expect(error.context.raw?.[3]).toBe(result);
    }
    expect(sim.state.audio).toEqual([]);
    await host.playAudio(2);
    expect(sim.state.audio).toEqual([2]);
  });

  it('sends any table command through request()', async () => {
    const { host } = rig();
    const reply = await host.request('REQUEST_VERSION', {});
    expect(reply.result).toBe(0);
    expect(reply.firmware).toEqual({ major: 1, minor: 4, patch: 2 });
  });

  it('keeps one request in flight: concurrent calls go out one after the other', async () => {
    const { host, hostEnd, sim } = rig();
    const order: string[] = [];
    hostEnd.onWrite = (bytes) => order.push(`tx ${bytes[1]}`);
    sim.on('command', (e) => order.push(`box ${e.name}`));
    await Promise.all([host.playAudio(1), host.setIo(1, 1), host.reset()]);
    expect(order).toEqual(['tx 19', 'box PLAY_AUDIO', 'tx 20', 'box CONTROL_IO', 'tx 1', 'box RESET']);
  });
});

describe('ControllerBox host <-> simulator: statuses and events', () => {
  it('emits deviceError with named flags and answers it', async () => {
    const { sim, events, hostWrites } = rig();
    await sim.raiseError(0x0111);
    await settle();
    expect(events.deviceError?.[0]).toMatchObject({
      flags: 0x0111,
      errors: ['BILL_ACCEPTOR_ERROR', 'RFID_ERROR', 'WIFI_ERROR'],
    });
    expect(hostWrites).toEqual([toHex(encodeFrame(0x30, Uint8Array.of(0)))]);
    await settle();
    expect(sim.state.acks).toBe(1);
  });

  it('emits billAcceptorStatus and tcdStatus (low, empty, error)', async () => {
    const { sim, events } = rig({}, { cardsPerTcd: 6, lowThreshold: 5 });
    await sim.setBillAcceptorStatus(0x05);
    await sim.setTcd(0, { cards: 3 });
    await sim.setTcd(1, { cards: 0, error: true });
    await settle();
    expect(events.billAcceptorStatus?.map((e) => [e.code, e.name])).toEqual([[5, 'VALIDATOR_JAMMED']]);
    expect(events.tcdStatus?.map(({ tcd, error, low, empty }) => ({ tcd, error, low, empty }))).toEqual([
      { tcd: 0, error: false, low: true, empty: false },
      { tcd: 1, error: true, low: true, empty: true },
    ]);
  });

  it('reports a TCD running low, then empty, as cards are dispensed', async () => {
    const { host, events } = rig({}, { cardsPerTcd: 2, lowThreshold: 1, tcds: 1 });
    await host.dispenseCard(0);
    await settle(20);
    await host.dispenseCard(0);
    await settle(20);
    await expect(host.dispenseCard(0)).rejects.toBeInstanceOf(ControllerBoxResultError);
    expect(events.cardEvent).toHaveLength(2);
    expect(events.tcdStatus?.map((e) => [e.low, e.empty])).toEqual([
      [true, false],
      [true, true],
    ]);
  });

  it('emits billAccepted with Money in the configured currency, exactly once per frame', async () => {
    const { sim, events } = rig({ currency: 'EUR', minorUnitsPerUnit: 100 });
    await sim.acceptBill(20, 0);
    await sim.acceptBill(5, 0x0b);
    await settle();
    expect(events.billAccepted?.map((e) => [e.value, e.status])).toEqual([
      [
        { amount: 2000, currency: 'EUR' },
        { code: 0, name: 'SUCCESS' },
      ],
      [
        { amount: 500, currency: 'EUR' },
        { code: 0x0b, name: 'BILL_REJECTED' },
      ],
    ]);
  });

  it('emits rfidDetected with hex id, Money, raw and guessed issue date, and error', async () => {
    const { sim, events } = rig();
    await sim.tapRfid({
      rfid: parseHex('04 a2 2b 1a'),
      money: 150000,
      issueDate: Uint8Array.of(24, 2, 29),
      error: 0x73,
    });
    await settle();
    expect(events.rfidDetected?.[0]).toMatchObject({
      rfid: '04a22b1a',
      money: { amount: 150000, currency: 'VND' },
      issueDate: { raw: '18021d', guess: '2024-02-29' },
      error: { code: 0x73, name: 'RFID_AUTHEN_FAILED' },
    });
  });

  it('emits cardEvent for a card taken back', async () => {
    const { sim, events } = rig();
    await sim.callbackCard(0);
    await settle();
    expect(events.cardEvent?.map((e) => [e.tcd, e.direction])).toEqual([[0, 'callback']]);
  });

  it('reads a box that sends the documented DATA_LEN values', async () => {
    const { sim, events } = rig({}, { layout: 'documented' });
    await sim.raiseError(0x81);
    await sim.acceptBill(10000);
    await sim.callbackCard(1);
    await sim.tapRfid({ rfid: Uint8Array.of(9), money: 1 });
    await settle();
    expect(events.deviceError?.map((e) => e.errors)).toEqual([['BILL_ACCEPTOR_ERROR', 'TCD_ERROR']]);
    expect(events.billAccepted?.[0]).toEqual({
      value: { amount: 10000, currency: 'VND' },
      raw: toHex(encodeFrame(0x51, parseHex('00 00 27 10')), ''),
    });
    expect(events.cardEvent?.map((e) => [e.tcd, e.direction, e.directionCode])).toEqual([[1, 'unknown', undefined]]);
    expect(events.rfidDetected?.[0]?.money.amount).toBe(1);
    expect(events.rfidDetected?.[0]?.error).toBeUndefined();
    await settle();
    expect(sim.state.acks).toBe(4);
  });

  it('reads statuses sent with the 0x37 id of the seed tables, by DATA_LEN', async () => {
    const { sim, events, hostWrites } = rig({}, { legacyStatusIds: true, cardsPerTcd: 1, lowThreshold: 0 });
    await sim.raiseError(0x0180);
    await sim.setTcd(0, { cards: 0 });
    await sim.setBillAcceptorStatus(3); // 0x37 with DATA_LEN 1: the bill acceptor status the document prints
    await settle();
    expect(events.deviceError?.map((e) => e.errors)).toEqual([['TCD_ERROR', 'WIFI_ERROR']]);
    expect(events.tcdStatus?.map((e) => [e.tcd, e.empty])).toEqual([[0, true]]);
    expect(events.billAcceptorStatus?.map((e) => [e.code, e.name])).toEqual([[3, 'VALIDATOR_BUSY']]);
    expect(events.unknown).toBeUndefined();
    expect(hostWrites).toEqual(Array(3).fill(toHex(encodeFrame(0x37, Uint8Array.of(0)))));
    await settle();
    expect(sim.state.acks).toBe(3);
  });

  it('does not answer statuses and events when ackEvents is off', async () => {
    const { sim, events, hostWrites } = rig({ ackEvents: false });
    await sim.acceptBill(1000);
    await settle();
    expect(events.billAccepted).toHaveLength(1);
    expect(hostWrites).toEqual([]);
  });

  it('answers an event of impossible length as damaged (CRC_INVALID) and reports it as a suspect frame', async () => {
    const { host, boxEnd, events, hostWrites } = rig();
    const suspects: SuspectFrameError[] = [];
    host.on('suspectFrame', (e) => suspects.push(e));
    const frame = encodeFrame(0x51, parseHex('00 01 02'));
    await boxEnd.write(frame);
    await settle();
    expect(suspects).toHaveLength(1);
    expect(suspects[0]).toBeInstanceOf(SuspectFrameError);
    expect(suspects[0]?.code).toBe(ErrorCode.BadFrame);
    expect(suspects[0]?.messageName).toBe('BILL_ACCEPTED');
    expect(suspects[0]?.reason).toMatch(/DATA_LEN 3/);
    expect(toHex(suspects[0]?.context.raw ?? new Uint8Array())).toBe(toHex(frame));
    expect(events.billAccepted).toBeUndefined();
    expect(hostWrites).toEqual([toHex(encodeFrame(0x51, Uint8Array.of(0x03)))]);
  });

  it('answers with RESULT_ERROR instead when the CRC covers the id (the box really sent it so)', async () => {
    const variant: CrcVariant = { algorithm: 'arc', coverage: 'id+len+data', order: 'be' };
    const { boxEnd, hostWrites } = rig({ crc: variant });
    await boxEnd.write(encodeFrame(0x51, parseHex('00 01 02'), variant));
    await settle();
    expect(hostWrites).toEqual([toHex(encodeFrame(0x51, Uint8Array.of(0x01), variant))]);
  });

  it('surfaces unknown ids and unsolicited replies raw, without answering them', async () => {
    const { boxEnd, events, hostWrites } = rig();
    await boxEnd.write(encodeFrame(0x66, parseHex('01 02')));
    await boxEnd.write(encodeFrame(0x13, parseHex('00')));
    await settle();
    expect(events.unknown?.map((e) => [e.id, e.data, e.reason])).toEqual([
      [0x66, '0102', 'unknown protocol id'],
      [0x13, '00', 'reply without a request waiting for it'],
    ]);
    expect(hostWrites).toEqual([]);
  });

  it('reads box frames that arrive byte by byte, several per chunk, with garbage and bad CRCs between', async () => {
    const { host, boxEnd, events } = rig({ billDenominations: null });
    const bill = encodeFrame(0x51, parseHex('00 00 78 79 00'));
    const card = encodeFrame(0x52, parseHex('00 01'));
    const bad = card.slice();
    bad[4] = 0x78;
    for (const b of bill) await boxEnd.write(Uint8Array.of(b));
    await boxEnd.write(Uint8Array.from([0x00, 0x79, ...bad, ...card, ...bill]));
    await settle();
    expect(events.billAccepted?.map((e) => e.value.amount)).toEqual([0x7879, 0x7879]);
    expect(events.cardEvent).toHaveLength(1);
    // the CRC error resynchronises on the 0x78 inside it, a false start that gives way to the card frame
    expect(events.frameError?.map((e) => e.kind)).toEqual(['garbage', 'crc', 'truncated']);
    expect(host.stats).toEqual({ frames: 3, crcErrors: 1, badFrames: 1, garbageBytes: 2 });
  });

  it('drops a frame cut short after the idle timeout and reads the next one', async () => {
    vi.useFakeTimers();
    const { boxEnd, events } = rig({ rxIdleMs: 50 });
    await boxEnd.write(parseHex('78 51 40 00 00'));
    await vi.advanceTimersByTimeAsync(49);
    expect(events.frameError ?? []).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(events.frameError?.map((e) => e.kind)).toEqual(['truncated']);
    await boxEnd.write(encodeFrame(0x31, Uint8Array.of(0)));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.billAcceptorStatus).toHaveLength(1);
  });

  it('does not crash when an answer cannot be written and nobody listens for errors', async () => {
    const [hostEnd, boxEnd] = createMemoryPair();
    const host = new ControllerBoxHost(hostEnd);
    const bills: unknown[] = [];
    host.on('billAccepted', (e) => bills.push(e));
    hostEnd.write = () => Promise.reject(new KioskbusError(ErrorCode.NotOpen, 'gone'));
    await boxEnd.write(encodeFrame(0x51, Uint8Array.of(0, 0, 0x27, 0x10, 0)));
    await settle();
    expect(bills).toHaveLength(1);
    await host.close();
  });

  it('keeps working when an event listener throws', async () => {
    const { host, sim, events } = rig();
    const errors: KioskbusError[] = [];
    host.on('error', (e) => errors.push(e));
    host.prependListener('billAccepted', () => {
      throw new Error('listener bug');
    });
    await sim.acceptBill(1000);
    await sim.acceptBill(2000);
    await settle();
    expect(errors.map((e) => e.message)).toEqual(['listener bug [SOFTWARE_ERROR]', 'listener bug [SOFTWARE_ERROR]']);
    expect(events.billAccepted ?? []).toHaveLength(0); // the throwing listener ran first
    await host.playAudio(1);
  });
});

describe('ControllerBox host: CRC variants', () => {
  const variants = ALL_CRC_VARIANTS;

  it.each(variants.map((v) => [`${v.algorithm}/${v.coverage}/${v.order}`, v] as const))(
    'runs every command and event with the fixed variant %s',
    async (_, crc) => {
      const { host, sim, events } = rig({ crc }, { crc });
      await host.reset();
      await host.version();
      await host.setStatusPolling(false);
      await host.playAudio(3);
      await host.setIo(1, 0);
      await host.updateRfid({ rfid: 'aabb', money: 5, issueDate: Uint8Array.of(1, 1, 1) });
      await host.dispenseCard(0);
      await sim.acceptBill(500);
      await sim.tapRfid({ rfid: Uint8Array.of(1), money: 2 });
      await sim.reportStatus();
      await settle(20);
      expect(events.billAccepted).toHaveLength(1);
      expect(events.rfidDetected).toHaveLength(1);
      expect(events.cardEvent).toHaveLength(1);
      expect(events.tcdStatus).toHaveLength(2);
      expect(events.frameError).toBeUndefined();
      // bill, rfid, card event, device error, bill acceptor status, 2 TCD statuses
      expect(sim.state.acks).toBe(7);
      expect(host.crcVariant).toEqual(crc);
    },
  );

  it.each(ALL_CRC_VARIANTS.map((v) => [crcVariantName(v), v] as const))(
    'auto mode talks to a box using %s',
    async (_, crc) => {
      const { host, sim, events } = rig({ crc: 'auto' }, { crc });
      await host.playAudio(2);
      const version = await host.version();
      expect(version.firmware).toEqual({ major: 1, minor: 4, patch: 2 });
      expect(host.crcVariant).toEqual(crc);
      expect(events.crcDetected?.map((e) => e.variant)).toEqual([crc]);
      expect(sim.state.audio).toEqual([2]);
    },
  );

  it('detects the box variant in auto mode: the first command is refused for its CRC and resent once', async () => {
    const crc = parseCrcSetting('xmodem/start..data/le') as CrcVariant;
    const { host, sim, events, hostWrites } = rig({ crc: 'auto' }, { crc });
    expect(host.crcVariant).toBeUndefined();
    await host.playAudio(2);
    expect(host.crcVariant).toEqual(crc);
    expect(events.crcDetected?.map((e) => e.name)).toEqual(['xmodem/start..data/le']);
    expect(hostWrites).toEqual([
      toHex(encodeFrame(0x13, Uint8Array.of(2), DEFAULT_CRC_VARIANT)),
      toHex(encodeFrame(0x13, Uint8Array.of(2), crc)),
    ]);
    expect(sim.state.audio).toEqual([2]);
    await host.dispenseCard(0);
    expect(hostWrites).toHaveLength(3);
  });

  it('detects the variant from an event before any command', async () => {
    const crc = parseCrcSetting('arc/start..data/be') as CrcVariant;
    const { host, sim, events, hostWrites } = rig({ crc: 'auto' }, { crc });
    await sim.acceptBill(10000);
    await settle();
    expect(host.crcVariant).toEqual(crc);
    expect(events.billAccepted).toHaveLength(1);
    expect(hostWrites).toEqual([toHex(encodeFrame(0x51, Uint8Array.of(0), crc))]);
    await host.reset();
    expect(sim.state.resets).toBe(1);
  });

  it('does not resend after a CRC refusal when the variant did not change', async () => {
    const { host, sim, hostWrites } = rig({ crc: 'auto' });
    sim.injectResult('PLAY_AUDIO', 0x03);
    await expect(host.playAudio(1)).rejects.toMatchObject({ code: ErrorCode.CrcMismatch, result: 0x03 });
    expect(hostWrites).toHaveLength(1);
    expect(sim.state.audio).toEqual([]);
  });

  it('cannot read a box with another fixed variant: CRC errors and a timeout, never a false reply', async () => {
    vi.useFakeTimers();
    const xmodem = parseCrcSetting('xmodem') as CrcVariant;
    const { host, sim, events } = rig({ crc: DEFAULT_CRC_VARIANT, timeoutMs: 300 }, { crc: xmodem });
    const outcome = host.playAudio(1).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(300);
    expect(isKioskbusError(await outcome, ErrorCode.Timeout)).toBe(true);
    expect(events.frameError?.map((e) => [e.kind, e.id])).toEqual([['crc', 0x13]]);
    expect(sim.state.audio).toEqual([]);
  });
});

describe('ControllerBox host: timeouts and closing', () => {
  it('times out when the box does not answer, then serves the next request', async () => {
    vi.useFakeTimers();
    const [hostEnd, boxEnd] = createMemoryPair();
    const host = new ControllerBoxHost(hostEnd, { timeoutMs: 800, resetTimeoutMs: 2500 });
    const first = host.playAudio(1).catch((e: unknown) => e);
    const second = host.reset().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(799);
    let done = false;
    void first.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await first;
    expect(isKioskbusError(error, ErrorCode.Timeout)).toBe(true);
    expect((error as KioskbusError).message).toContain('PLAY_AUDIO timed out after 800 ms');
    // RESET has its own, longer timeout; a box attached now answers it
    const sim = new ControllerBoxSimulator();
    sim.attach(boxEnd);
    await vi.advanceTimersByTimeAsync(2500);
    expect(isKioskbusError(await second, ErrorCode.Timeout)).toBe(true); // sent before the box was there
    await expect(host.reset()).resolves.toBeUndefined();
    sim.close();
    await host.close();
  });

  it('ignores a late reply after a timeout (no answer is matched to the wrong request)', async () => {
    vi.useFakeTimers();
    const [hostEnd, boxEnd] = createMemoryPair();
    const host = new ControllerBoxHost(hostEnd, { timeoutMs: 100 });
    const unknown: unknown[] = [];
    host.on('unknown', (e) => unknown.push(e));
    const late = host.playAudio(1).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(isKioskbusError(await late, ErrorCode.Timeout)).toBe(true);
    await boxEnd.write(encodeFrame(0x13, Uint8Array.of(0)));
    await vi.advanceTimersByTimeAsync(0);
    expect(unknown).toHaveLength(1);
    await host.close();
  });

  it('fails the waiting request when the transport disconnects, and everything after close', async () => {
    const [hostEnd] = createMemoryPair();
    const host = new ControllerBoxHost(hostEnd);
    const pending = host.version().catch((e: unknown) => e);
    await settle();
    hostEnd.disconnect();
    expect(isKioskbusError(await pending, ErrorCode.Disconnected)).toBe(true);
    await host.close();
    await expect(host.reset()).rejects.toMatchObject({ code: ErrorCode.Closed });
    await expect(host.open()).rejects.toMatchObject({ code: ErrorCode.Closed });
  });
});

describe('issue dates', () => {
  it('guesses ymd and dmy, and rejects impossible dates', () => {
    expect(guessIssueDate(Uint8Array.of(24, 5, 17))).toBe('2024-05-17');
    expect(guessIssueDate(Uint8Array.of(17, 5, 24), 'dmy')).toBe('2024-05-17');
    expect(guessIssueDate(Uint8Array.of(23, 2, 29))).toBeUndefined();
    expect(guessIssueDate(Uint8Array.of(24, 13, 1))).toBeUndefined();
    expect(guessIssueDate(Uint8Array.of(24, 1))).toBeUndefined();
    expect(toHex(encodeIssueDate('2031-12-31'))).toBe('1f 0c 1f');
    expect(toHex(encodeIssueDate('2031-12-31', 'dmy'))).toBe('1f 0c 1f');
    expect(toHex(encodeIssueDate('2024-01-02', 'dmy'))).toBe('02 01 18');
    expect(() => encodeIssueDate('1999-01-01')).toThrow(/2000..2255/);
  });

  it('uses a custom issue date decoder', async () => {
    const { sim, events } = rig({ issueDateFormat: (b) => `day ${b[0] ?? 0}` });
    await sim.tapRfid({ rfid: Uint8Array.of(1), money: 0, issueDate: Uint8Array.of(3, 0, 0) });
    await settle();
    expect(events.rfidDetected?.[0]?.issueDate).toEqual({ raw: '030000', guess: 'day 3' });
  });
});
