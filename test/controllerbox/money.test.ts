/**
 * Money safety of the ControllerBox host against the real simulator, with line faults on cue (issue 10 items 7-9,
 * issue 13): phantom credits, damaged frames, the box's resends, doubtful dispenses.
 */
import { describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { encodeFrame } from '../../src/controllerbox/frame.js';
import { ControllerBoxHost, SuspectFrameError, UncertainOutcomeError } from '../../src/controllerbox/host.js';
import { defaultBillDenominations } from '../../src/controllerbox/denominations.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { damageId, tamperFrames } from './helpers.js';
import { firsts, useBoxRigs } from './rig.js';

const rig = useBoxRigs();

const answer = (id: number, result: number): string => toHex(encodeFrame(id, Uint8Array.of(result)));

describe('phantom credit (defect 7): a frame counts only when id, length and values fit the table', () => {
  it('a TCD status whose PROTOCOL_ID was damaged into BILL_ACCEPTED is no credit; the real status follows', async () => {
    const { host, sim, boxEnd, hostWrites, seen } = rig();
    // the line turns id 0x32 into 0x51 once; the default CRC covers DATA only, so the frame still passes it
    damageId(boxEnd, 0x32, 0x51);
    await sim.setTcd(1, { cards: 40 });
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(seen, 'billAccepted')).toEqual([]); // was: 16 777 216 VND credited
    const suspects = firsts(seen, 'suspectFrame');
    expect(suspects).toHaveLength(1);
    expect(suspects[0]).toBeInstanceOf(SuspectFrameError);
    expect(suspects[0]?.code).toBe(ErrorCode.BadFrame);
    expect(suspects[0]?.reason).toMatch(/16777216 .*not a configured denomination/);
    expect(toHex(suspects[0]?.context.raw ?? new Uint8Array())).toBe(
      toHex(encodeFrame(0x51, Uint8Array.of(1, 0, 0, 0))),
    );
    // answered as damaged (never success), so the box, still waiting for an answer to 0x32, sends it again
    expect(hostWrites).toEqual([answer(0x51, 0x03)]);
    await vi.advanceTimersByTimeAsync(300);
    expect(firsts(seen, 'tcdStatus').map((e) => [e.tcd, e.low, e.empty])).toEqual([[1, false, false]]);
    expect(hostWrites).toEqual([answer(0x51, 0x03), answer(0x32, 0x00)]);
    expect(sim.state.outbox).toMatchObject({ delivered: 1, resent: 1, lostEvents: 0 });
    expect(host.stats.crcErrors).toBe(0);
  });

  it('credits only notes of the currency: VND by default, configurable, minor units', async () => {
    expect(defaultBillDenominations('VND')).toContain(500_000);
    expect(defaultBillDenominations('EUR')).toEqual([500, 1000, 2000, 5000, 10_000, 20_000, 50_000]);
    const { sim, seen } = rig();
    await sim.acceptBill(50_000);
    await sim.acceptBill(123);
    await sim.acceptBill(500_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(seen, 'billAccepted').map((e) => e.value.amount)).toEqual([50_000, 500_000]);
    // answered as damaged: the box sends it again (at once) until it gives up; never a credit
    expect(firsts(seen, 'suspectFrame').map((e) => e.messageName)).toEqual(Array(4).fill('BILL_ACCEPTED'));
    expect(sim.state.outbox.lostEvents).toBe(1);

    const euro = rig({ currency: 'EUR', minorUnitsPerUnit: 100 });
    await euro.sim.acceptBill(5);
    await euro.sim.acceptBill(7);
    const own = rig({ billDenominations: [123] });
    await own.sim.acceptBill(123);
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(euro.seen, 'billAccepted').map((e) => e.value)).toEqual([{ amount: 500, currency: 'EUR' }]);
    expect(firsts(own.seen, 'billAccepted').map((e) => e.value.amount)).toEqual([123]);
    const [a] = createMemoryPair();
    expect(() => new ControllerBoxHost(a, { currency: 'XTS' })).toThrow(/billDenominations/);
  });

  it('refuses values outside the tables: TCD flags, card direction, bill status', async () => {
    const { boxEnd, seen, hostWrites } = rig();
    await boxEnd.write(encodeFrame(0x32, Uint8Array.of(0, 2, 0, 0)));
    await boxEnd.write(encodeFrame(0x52, Uint8Array.of(0, 7)));
    await boxEnd.write(encodeFrame(0x51, Uint8Array.of(0, 0, 0x27, 0x10, 0x42)));
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(seen, 'suspectFrame').map((e) => e.messageName)).toEqual([
      'TCD_STATUS',
      'CARD_EVENT',
      'BILL_ACCEPTED',
    ]);
    expect(firsts(seen, 'tcdStatus')).toEqual([]);
    expect(firsts(seen, 'cardEvent')).toEqual([]);
    expect(firsts(seen, 'billAccepted')).toEqual([]);
    expect(hostWrites).toEqual([answer(0x32, 3), answer(0x52, 3), answer(0x51, 3)]);
  });

  it('after the full field list of a message, its shorter documented DATA_LEN is a suspect frame', async () => {
    // the 3 % soak's phantom card: `78 52 01 00 00 00 79` (zero DATA, CRC 0000) read as a 1-byte CARD_EVENT of TCD 0
    const zeros = encodeFrame(0x52, Uint8Array.of(0));
    const fresh = rig();
    await fresh.boxEnd.write(zeros);
    const { sim, boxEnd, seen, hostWrites } = rig();
    await sim.callbackCard(1);
    await vi.advanceTimersByTimeAsync(0);
    await boxEnd.write(zeros);
    await sim.acceptBill(10_000);
    await vi.advanceTimersByTimeAsync(0);
    await boxEnd.write(encodeFrame(0x51, Uint8Array.of(0, 0, 0x27, 0x10)));
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(fresh.seen, 'cardEvent').map((e) => [e.tcd, e.direction])).toEqual([[0, 'unknown']]);
    expect(firsts(seen, 'cardEvent').map((e) => [e.tcd, e.direction])).toEqual([[1, 'callback']]);
    expect(firsts(seen, 'billAccepted').map((e) => e.value.amount)).toEqual([10_000]);
    expect(firsts(seen, 'suspectFrame').map((e) => [e.messageName, e.reason])).toEqual([
      ['CARD_EVENT', 'DATA_LEN 1: the box sends this message with its full field list'],
      ['BILL_ACCEPTED', 'DATA_LEN 4: the box sends this message with its full field list'],
    ]);
    expect(hostWrites.filter((w) => w.startsWith('78 52'))).toEqual([answer(0x52, 0), answer(0x52, 3)]);
  });

  it('with `tcds`, a card event or TCD status of a dispenser the box does not have is no card', async () => {
    // the soak's phantom card: the box's RESULT_ID_INVALID reply `78 53 01 02 ..` with its id damaged into 0x52 reads
    // as a 1-byte CARD_EVENT (the documented DATA_LEN) of TCD 2
    const phantom = encodeFrame(0x52, Uint8Array.of(0x02));
    const loose = rig();
    await loose.boxEnd.write(phantom);
    const strict = rig({ tcds: 2 });
    await strict.boxEnd.write(phantom);
    await strict.boxEnd.write(encodeFrame(0x32, Uint8Array.of(2, 0, 0, 0)));
    await strict.boxEnd.write(encodeFrame(0x52, Uint8Array.of(1, 0)));
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(loose.seen, 'cardEvent').map((e) => [e.tcd, e.direction])).toEqual([[2, 'unknown']]);
    expect(firsts(strict.seen, 'suspectFrame').map((e) => e.reason)).toEqual([
      'TCD 2 (the box has 2)',
      'TCD 2 (the box has 2)',
    ]);
    expect(firsts(strict.seen, 'cardEvent').map((e) => [e.tcd, e.direction])).toEqual([[1, 'out']]);
    expect(strict.hostWrites).toEqual([answer(0x52, 3), answer(0x32, 3), answer(0x52, 0)]);
  });
});

describe('answers per the result codes (defect 9, issue 13)', () => {
  it('answers a bill frame damaged on the line with CRC_INVALID; the box resends it; one credit', async () => {
    const { sim, boxEnd, hostWrites, seen } = rig();
    tamperFrames(boxEnd, 0x51, 1, (bytes) => {
      bytes[5] = (bytes[5] ?? 0) ^ 0x04; // one bit of BILL_VALUE
      return bytes;
    });
    await sim.acceptBill(20_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(seen, 'frameError').map((e) => [e.kind, e.id])).toEqual([['crc', 0x51]]);
    expect(firsts(seen, 'billAccepted').map((e) => e.value.amount)).toEqual([20_000]);
    expect(hostWrites).toEqual([answer(0x51, 0x03), answer(0x51, 0x00)]);
    expect(sim.state.outbox).toMatchObject({ queued: 1, resent: 1, delivered: 1 });
  });

  it('answers a frame with a wrong stop byte or cut short with START_STOP_BYTE_INVALID / TIMEOUT', async () => {
    const { boxEnd, hostWrites } = rig({ rxIdleMs: 50 });
    const bad = encodeFrame(0x51, Uint8Array.of(0, 0, 0x27, 0x10, 0));
    bad[bad.length - 1] = 0x00;
    await boxEnd.write(bad);
    await vi.advanceTimersByTimeAsync(0);
    await boxEnd.write(encodeFrame(0x52, Uint8Array.of(0, 0)).slice(0, 4));
    await vi.advanceTimersByTimeAsync(50);
    expect(hostWrites).toEqual([answer(0x51, 0x04), answer(0x52, 0x05)]);
  });

  it('decodes the 1-byte 0x37 status the document prints and answers it only then', async () => {
    const { boxEnd, seen, hostWrites } = rig();
    await boxEnd.write(encodeFrame(0x37, Uint8Array.of(0x05)));
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(seen, 'billAcceptorStatus').map((e) => e.name)).toEqual(['VALIDATOR_JAMMED']);
    expect(hostWrites).toEqual([answer(0x37, 0x00)]);
  });

  it('the simulator resends an unanswered event (then gives up), or not at all when told', async () => {
    const silent = rig({ ackEvents: false });
    await silent.sim.acceptBill(10_000);
    await vi.advanceTimersByTimeAsync(2000);
    // 4 sends; the host reported one bill and took the others for resends: its answers "were lost"
    expect(firsts(silent.seen, 'billAccepted')).toHaveLength(1);
    expect(firsts(silent.seen, 'duplicate').map((d) => d.sinceMs)).toEqual([300, 600, 900]);
    expect(silent.sim.state.outbox).toMatchObject({ queued: 1, resent: 3, delivered: 0, lostEvents: 1 });

    const once = rig({ ackEvents: false }, { resend: false });
    await once.sim.acceptBill(10_000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(once.sim.state.outbox).toMatchObject({ queued: 1, resent: 0 });
    expect(firsts(once.seen, 'duplicate')).toEqual([]);
  });

  it('the simulator produces every result code by itself', async () => {
    const { host, sim, hostEnd, boxEnd } = rig({ rxIdleMs: 50 }, { rxIdleMs: 50 });
    const replies: string[] = [];
    boxEnd.onWrite = (bytes) => replies.push(toHex(bytes));
    const codeOf = async (call: Promise<unknown>): Promise<number | string> => {
      const code = call.then(
        () => 0,
        (e: unknown) =>
          isKioskbusError(e) && typeof e.context['result'] === 'number' ? e.context['result'] : String(e),
      );
      await vi.advanceTimersByTimeAsync(10);
      return code;
    };
    expect(await codeOf(host.playAudio(1))).toBe(0x00);
    await sim.setTcd(0, { cards: 0 });
    expect(await codeOf(host.dispenseCard(0))).toBe(0x01);
    await hostEnd.write(encodeFrame(0x66, new Uint8Array(0)));
    const crc = encodeFrame(0x13, Uint8Array.of(1));
    crc[4] = (crc[4] ?? 0) ^ 1;
    await hostEnd.write(crc);
    const stop = encodeFrame(0x13, Uint8Array.of(1));
    stop[6] = 0x00;
    await hostEnd.write(stop);
    await vi.advanceTimersByTimeAsync(0);
    await hostEnd.write(encodeFrame(0x13, Uint8Array.of(1)).slice(0, 3));
    await vi.advanceTimersByTimeAsync(50);
    expect(replies.slice(-4)).toEqual([answer(0x66, 0x02), answer(0x13, 0x03), answer(0x13, 0x04), answer(0x13, 0x05)]);
    await sim.setTcd(1, { error: true });
    expect(await codeOf(host.reset())).toBe(0x11);
    await sim.setTcd(1, { error: false });
    sim.startOta(1000, 500, 100);
    expect(await codeOf(host.version())).toBe(0x12);
    await vi.advanceTimersByTimeAsync(990);
    expect(await codeOf(host.version())).toBe(0x13);
    await vi.advanceTimersByTimeAsync(600);
    expect(await codeOf(host.version())).toBe(0);
    expect(sim.state.ota).toBeUndefined();
    expect(sim.state.powerCycles).toBe(1);
  });
});

describe('duplicateWindowMs (defect 8): a resend only where our answer may have been lost', () => {
  it('a resend that arrives while the host sets the box up again is still a resend (one card)', async () => {
    // every keep-alive finds the statuses silent, so the host runs its set-up again every poll period; the box
    // meanwhile resends a CARD_EVENT whose answers were lost (was: the set-up forgot the first receipt: two cards)
    const { host, sim, hostEnd, seen } = rig(
      { pollIntervalMs: 100, statusSilenceMs: 1, timeoutMs: 50 },
      { statusIntervalMs: 60_000 },
    );
    await host.start();
    await host.setStatusPolling(true);
    tamperFrames(hostEnd, 0x52, 2, () => undefined);
    await sim.callbackCard(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sim.state.outbox).toMatchObject({ resent: 2, delivered: 1 });
    expect(firsts(seen, 'cardEvent').map((e) => [e.tcd, e.direction])).toEqual([[1, 'callback']]);
    expect(firsts(seen, 'duplicate')).toHaveLength(2);
    await host.stop();
  });

  it('a real second CARD_EVENT from the same dispenser is reported, both cards', async () => {
    const { host, sim, seen } = rig({}, { dispenseDelayMs: 50 });
    await host.dispenseCard(0);
    await host.dispenseCard(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(sim.state.cardsOut).toBe(2);
    expect(firsts(seen, 'cardEvent').map((e) => [e.tcd, e.direction])).toEqual([
      [0, 'out'],
      [0, 'out'],
    ]);
    expect(firsts(seen, 'duplicate')).toEqual([]);
  });

  it('anchors the window at the first receipt: the real next bill of the same value is credited', async () => {
    const { sim, hostEnd, seen } = rig({ duplicateWindowMs: 1000 });
    // our first two answers to the bill are lost: the box sends it 3 times (0, 300, 600 ms)
    tamperFrames(hostEnd, 0x51, 2, () => undefined);
    await sim.acceptBill(10_000);
    await vi.advanceTimersByTimeAsync(1500);
    await sim.acceptBill(10_000); // a real second bill, 1.5 s after the first (900 ms after the last resend)
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(seen, 'billAccepted').map((e) => e.value.amount)).toEqual([10_000, 10_000]);
    expect(firsts(seen, 'duplicate').map((d) => d.sinceMs)).toEqual([300, 600]);
    expect(sim.state.bills).toEqual([10_000, 10_000]);
  });

  it('an identical bill after another frame from the box is new (the box had our answer and moved on)', async () => {
    const { sim, seen } = rig({ duplicateWindowMs: 1000 });
    await sim.acceptBill(10_000);
    await sim.setBillAcceptorStatus(0);
    await sim.acceptBill(10_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts(seen, 'billAccepted')).toHaveLength(2);
    expect(firsts(seen, 'duplicate')).toEqual([]);
  });
});

describe('no blind resend of DISPENSE_CARD: doubt is settled from the box, or reported uncertain', () => {
  it('a lost answer: DISPENSE_CARD is written once, the card event proves the card left, it resolves', async () => {
    const { host, sim, boxEnd, hostWrites, seen } = rig({ timeoutMs: 200 }, { dispenseDelayMs: 400 });
    tamperFrames(boxEnd, 0x11, 1, () => undefined);
    const done = host.dispenseCard(1);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toBeUndefined();
    expect(hostWrites.filter((w) => w.startsWith('78 11'))).toHaveLength(1);
    expect(sim.state.cardsOut).toBe(1);
    expect(firsts(seen, 'cardEvent')).toHaveLength(1);
    expect(firsts(seen, 'uncertain')).toEqual([]);
  });

  it('a command lost on the way: no card, never resent, UNCERTAIN with what is known', async () => {
    const { host, sim, hostEnd, hostWrites, seen } = rig({ timeoutMs: 200, dispenseConfirmMs: 3000 });
    tamperFrames(hostEnd, 0x11, 1, () => undefined);
    const done = host.dispenseCard(0).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3500);
    const error = await done;
    expect(error).toBeInstanceOf(UncertainOutcomeError);
    const uncertain = error as UncertainOutcomeError;
    expect(uncertain.code).toBe(ErrorCode.Uncertain);
    expect(uncertain.outcome).toMatchObject({
      command: 'DISPENSE_CARD',
      message: { tcd: 0 },
      tries: 1,
      boxAnswering: true,
      confirmationSeen: false,
      waitedMs: 3000,
    });
    expect(firsts(seen, 'uncertain')).toEqual([uncertain.outcome]);
    expect(hostWrites.filter((w) => w.startsWith('78 11'))).toHaveLength(0); // dropped before the tap: never resent
    expect(sim.state.cardsOut).toBe(0);
  });

  it('a damaged answer from an empty dispenser: UNCERTAIN, carrying the damaged reply', async () => {
    const { host, sim, boxEnd } = rig({ timeoutMs: 200, dispenseConfirmMs: 1000 });
    await sim.setTcd(0, { cards: 0 });
    tamperFrames(boxEnd, 0x11, 1, (bytes) => {
      bytes[4] = (bytes[4] ?? 0) ^ 0x80;
      return bytes;
    });
    const done = host.dispenseCard(0).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1500);
    const error = (await done) as UncertainOutcomeError;
    expect(error.code).toBe(ErrorCode.Uncertain);
    expect(error.outcome.damagedReply).toMatch(/^7811/);
    expect(sim.state.cardsOut).toBe(0);
  });
});
