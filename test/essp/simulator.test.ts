import { describe, expect, it, vi } from 'vitest';
import { parseHex, toHex } from '../../src/core/bytes.js';
import { encryptPacket } from '../../src/essp/crypto.js';
import { decodeChannelValues, decodeCounters, decodeSetupRequest, decodeUnitData } from '../../src/essp/decoders.js';
import { encodeFrame } from '../../src/essp/frame.js';
import { PROFILES, type ValidatorDeviceName } from '../../src/essp/simulator/profiles.js';

const VALIDATORS: readonly ValidatorDeviceName[] = ['nv200', 'nv9usb', 'nv10usb', 'bv20', 'bv50', 'bv100'];
import { startSimulatorPair } from '../../src/essp/simulator/pair.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { CaptureTransport, TestHost } from './simulator-harness.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

useFakeTimeAndCloser();

describe('SspSimulator: link rules', () => {
  it('answers the manual SYNC frame byte for byte', () => {
    const host = new TestHost();
    const replies = host.feed(parseHex('7F 80 01 11 65 82'));
    expect(replies.map((r) => toHex(r.raw))).toEqual(['7f 80 01 f0 23 80']);
  });

  it('accepts SYNC with seq 0 (the older JS library) and treats the next seq-0 command as new', () => {
    const host = new TestHost();
    expect(toHex(host.feed(parseHex('7f 00 01 11 66 08'))[0]?.raw ?? new Uint8Array())).toBe('7f 00 01 f0 20 0a');
    // POLL with seq 0 right after: executed (first poll after power-up reports SLAVE_RESET), not a replay
    const first = host.sendFrame(Uint8Array.of(0x07), 0);
    expect(toHex(first?.frame.data ?? new Uint8Array())).toBe('f0 f1 e8');
    // the same again (seq 0) is a retransmission: same bytes, no second execution
    const again = host.sendFrame(Uint8Array.of(0x07), 0);
    expect(again?.raw).toEqual(first?.raw);
    expect(host.sim.stats.replays).toBe(1);
    // the next flag is new: SLAVE_RESET is gone, DISABLED stays (status)
    expect(toHex(host.sendFrame(Uint8Array.of(0x07), 1)?.frame.data ?? new Uint8Array())).toBe('f0 e8');
  });

  it('replays the last reply for a retransmission and does not execute it again (credit once)', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(1);
    vi.advanceTimersByTime(700);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'READ_NOTE 1']);
    expect(host.pollNames()).toEqual(['NOTE_STACKING']);
    vi.advanceTimersByTime(1300);
    // a poll whose reply is "lost": the host resends the same frame
    const seq = host.nextSeq;
    const first = host.sendFrame(Uint8Array.of(0x07), seq);
    const resent = host.sendFrame(Uint8Array.of(0x07), seq);
    expect(toHex(first?.frame.data ?? new Uint8Array())).toBe('f0 ee 01 eb');
    expect(resent?.raw).toEqual(first?.raw);
    host.nextSeq = seq === 0 ? 1 : 0;
    expect(host.pollNames()).toEqual([]);
    expect(host.sim.state.validator.counters.stacked).toBe(1);
  });

  it('does not re-report events after a resync (SYNC executes, the next poll is new)', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(2);
    vi.advanceTimersByTime(700);
    host.poll();
    host.poll(); // accept
    vi.advanceTimersByTime(1300);
    expect(host.pollNames()).toEqual(['CREDIT_NOTE 2', 'NOTE_STACKED']);
    host.sync();
    host.sync(0);
    expect(host.pollNames()).toEqual([]);
  });

  it('ignores frames for other addresses and keeps answering its own', () => {
    const host = new TestHost({ address: 0x10 });
    expect(host.feed(encodeFrame({ address: 0, seq: 1, data: Uint8Array.of(0x11) }))).toEqual([]);
    expect(host.sim.stats.otherAddress).toBe(1);
    expect(host.sync()).toEqual(Uint8Array.of(0xf0));
  });

  it('answers unknown and unimplemented commands with F2 and wrong argument counts with F3', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.sync();
    expect(host.cmd([0x99])).toEqual(Uint8Array.of(0xf2));
    expect(host.cmd([0x54, 1, 2, 3, 0])).toEqual(Uint8Array.of(0xf2)); // CONFIGURE_BEZEL: not an NV9USB command
    expect(host.cmd([0x06])).toEqual(Uint8Array.of(0xf3));
    expect(host.cmd([0x02])).toEqual(Uint8Array.of(0xf3));
  });

  it('handles HOST_PROTOCOL_VERSION up to the device maximum and F8 above (manual: 9 on an NV9USB)', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.sync();
    expect(host.cmd([0x06, 0x07])).toEqual(Uint8Array.of(0xf0));
    expect(host.sim.state.protocolVersion).toBe(7);
    expect(toHex(host.sendFrame(Uint8Array.of(0x06, 0x09), host.nextSeq)?.raw ?? new Uint8Array())).toBe(
      host.nextSeq === 1 ? '7f 80 01 f8 10 00' : toHex(encodeFrame({ address: 0, seq: 0, data: Uint8Array.of(0xf8) })),
    );
    expect(host.sim.state.protocolVersion).toBe(7);
  });
});

describe('SspSimulator: device data', () => {
  it('reports serial number, firmware and dataset per the profile', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.sync();
    // manual example: serial 1873452 -> F0 00 1C 96 2C
    expect(toHex(host.cmd([0x0c]))).toBe('f0 00 1c 96 2c');
    expect(Buffer.from(host.cmd([0x20]).subarray(1)).toString('latin1')).toBe(PROFILES.nv9usb.firmwareVersion);
    expect(Buffer.from(host.cmd([0x21]).subarray(1)).toString('latin1')).toBe(PROFILES.nv9usb.datasetVersion);
  });

  it.each(VALIDATORS)('%s: SETUP_REQUEST at v6 carries the profile channels', (device) => {
    const host = new TestHost({ device });
    host.sync();
    host.cmd([0x06, 6]);
    const reply = host.cmd([0x05]);
    expect(reply[0]).toBe(0xf0);
    const setup = decodeSetupRequest(reply.subarray(1));
    expect(setup.kind).toBe('validator');
    expect(setup.unitType).toBe(0);
    expect(setup.firmware).toBe(PROFILES[device].firmware);
    expect(setup.channels.map((c) => [c.value, c.currency])).toEqual(
      PROFILES[device].channels.map((c) => [c.value, c.currency]),
    );
  });

  it('UNIT_DATA, CHANNEL_VALUE_REQUEST and CHANNEL_SECURITY_DATA follow the protocol version', () => {
    const host = new TestHost({ device: 'nv200', protocolVersion: 5 });
    host.sync();
    const unit = decodeUnitData(host.cmd([0x0d]).subarray(1));
    expect(unit).toMatchObject({ unitType: 0, firmware: '0430', currency: 'EUR', protocolVersion: 5 });
    const v5 = decodeChannelValues(host.cmd([0x0e]).subarray(1), { protocolVersion: 5, valueMultiplier: 100 });
    expect(v5.expandedValues).toBeUndefined();
    expect(v5.channelValues.slice(0, 3)).toEqual([5, 10, 20]);
    host.cmd([0x06, 8]);
    const v8 = decodeChannelValues(host.cmd([0x0e]).subarray(1), { protocolVersion: 8 });
    expect(v8.expandedValues).toEqual([500, 1000, 2000, 5000, 10000, 20000, 50000]);
    expect(toHex(host.cmd([0x0f]))).toBe('f0 07 02 02 02 02 02 02 02');
  });

  it('NV200: bezel, display and bar code configuration', () => {
    const host = new TestHost({ device: 'nv200' });
    host.sync();
    expect(host.cmd([0x54, 0xff, 0x00, 0x00, 0x01, 0x01])).toEqual(Uint8Array.of(0xf0));
    expect(host.sim.state.validator.bezel).toEqual({ red: 255, green: 0, blue: 0, volatile: false, type: 1 });
    expect(host.cmd([0x54, 0xff, 0x00, 0x00, 0x01, 0x07])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x04])).toEqual(Uint8Array.of(0xf0));
    expect(host.sim.state.validator.display).toBe(false);
    expect(host.cmd([0x24, 0x03, 0x01, 0x12])).toEqual(Uint8Array.of(0xf0));
    expect(toHex(host.cmd([0x23]))).toBe('f0 01 03 01 12');
    expect(host.cmd([0x24, 0x03, 0x02, 0x12])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x26, 0xfd])).toEqual(Uint8Array.of(0xf0));
    expect(toHex(host.cmd([0x25]))).toBe('f0 fd');
  });

  it('NV9USB: counters count stacked and rejected notes and reset', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.start();
    host.insertUntilStacked(1);
    host.poll();
    host.sim.insertNote(2, { counterfeit: true });
    vi.advanceTimersByTime(2000);
    host.poll();
    const counters = decodeCounters(host.cmd([0x58]).subarray(1));
    expect(counters).toMatchObject({ stacked: 1, rejected: 1, stored: 0, dispensed: 0, transferredToStack: 0 });
    expect(host.cmd([0x59])).toEqual(Uint8Array.of(0xf0));
    expect(decodeCounters(host.cmd([0x58]).subarray(1)).counters).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('SspSimulator: note path', () => {
  it('accepts a note: READ 0 -> READ ch (escrow) -> STACKING -> CREDIT -> STACKED', () => {
    const host = new TestHost();
    host.start();
    expect(host.sim.insertNote(3)).toEqual({ taken: true });
    expect(host.pollNames()).toEqual(['READ_NOTE 0']);
    vi.advanceTimersByTime(300);
    expect(host.pollNames()).toEqual(['READ_NOTE 0']);
    vi.advanceTimersByTime(300);
    expect(host.pollNames()).toEqual(['READ_NOTE 3']);
    // a poll after the escrow report accepts the note
    expect(host.pollNames()).toEqual(['NOTE_STACKING']);
    vi.advanceTimersByTime(200);
    expect(host.pollNames()).toEqual(['NOTE_STACKING']);
    vi.advanceTimersByTime(300);
    expect(host.pollNames()).toEqual(['CREDIT_NOTE 3', 'NOTE_STACKING']);
    vi.advanceTimersByTime(700);
    expect(host.pollNames()).toEqual(['NOTE_STACKED']);
    expect(host.pollNames()).toEqual([]);
    expect(host.sim.state.validator.cashbox.byChannel).toEqual({ 3: 1 });
  });

  it('rejects a counterfeit with its reason retrievable by LAST_REJECT_CODE', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(1, { rejectCode: 0x04 });
    vi.advanceTimersByTime(600);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'NOTE_REJECTING']);
    vi.advanceTimersByTime(1000);
    expect(host.pollNames()).toEqual(['NOTE_REJECTED']);
    expect(toHex(host.cmd([0x17]))).toBe('f0 04');
  });

  it('rejects a note of an inhibited channel (code 06)', () => {
    const host = new TestHost();
    host.sync();
    host.cmd([0x02, 0x01, 0x00]); // only channel 1
    host.cmd([0x0a]);
    host.poll();
    host.sim.insertNote(2);
    vi.advanceTimersByTime(1600);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'NOTE_REJECTING', 'NOTE_REJECTED']);
    expect(toHex(host.cmd([0x17]))).toBe('f0 06');
  });

  it('CHANNEL_DISABLE (protocol >= 7) when the last accepting channel is inhibited while enabled', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.start();
    host.cmd([0x02, 0x00, 0x00]);
    expect(host.pollNames()).toEqual([]); // protocol 6: no such event
    host.cmd([0x06, 7]);
    host.cmd([0x02, 0x03, 0x00]);
    host.cmd([0x02, 0x00, 0x00]);
    expect(host.pollNames()).toEqual(['CHANNEL_DISABLE']);
    expect(host.sim.insertNote(1)).toEqual({ taken: false, reason: 'all channels inhibited' });
  });

  it('REJECT returns an escrowed note (code 08); HOLD keeps it and answers F8 without a note', () => {
    const host = new TestHost();
    host.start();
    expect(host.cmd([0x18])).toEqual(Uint8Array.of(0xf8));
    host.sim.insertNote(1);
    vi.advanceTimersByTime(600);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'READ_NOTE 1']);
    // HOLD keeps the note in escrow for as long as it keeps coming
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(5000);
      expect(host.cmd([0x18])).toEqual(Uint8Array.of(0xf0));
    }
    expect(host.sim.state.validator.note?.phase).toBe('escrow');
    expect(host.cmd([0x08])).toEqual(Uint8Array.of(0xf0));
    expect(host.cmd([0x08])).toEqual(Uint8Array.of(0xf5));
    vi.advanceTimersByTime(1000);
    expect(host.pollNames()).toEqual(['NOTE_REJECTING', 'NOTE_REJECTED']);
    expect(toHex(host.cmd([0x17]))).toBe('f0 08');
  });

  it('watchdog: 10 s without a command disables the device and rejects the escrowed note (code 13)', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(1);
    vi.advanceTimersByTime(600);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'READ_NOTE 1']);
    vi.advanceTimersByTime(9_999);
    expect(host.sim.state.enabled).toBe(true);
    vi.advanceTimersByTime(1);
    expect(host.sim.state.enabled).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(host.pollNames()).toEqual(['NOTE_REJECTING', 'NOTE_REJECTED', 'DISABLED']);
    expect(toHex(host.cmd([0x17]))).toBe('f0 13');
    expect(host.sim.insertNote(1)).toEqual({ taken: false, reason: 'disabled' });
  });

  it('polls every 200 ms keep the watchdog quiet', () => {
    const host = new TestHost();
    host.start();
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(200);
      host.poll();
    }
    expect(host.sim.state.enabled).toBe(true);
  });

  it('DISABLE rejects an escrowed note (code 0C) and reports DISABLED on every poll', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(1);
    vi.advanceTimersByTime(600);
    host.poll();
    host.cmd([0x09]);
    vi.advanceTimersByTime(1000);
    expect(host.pollNames()).toEqual(['NOTE_REJECTING', 'NOTE_REJECTED', 'DISABLED']);
    expect(host.pollNames()).toEqual(['DISABLED']);
    expect(toHex(host.cmd([0x17]))).toBe('f0 0c');
  });

  it('refuses notes when disabled, busy, all inhibited', () => {
    const host = new TestHost();
    host.sync();
    expect(host.sim.insertNote(1)).toEqual({ taken: false, reason: 'disabled' });
    host.cmd([0x0a]);
    expect(host.sim.insertNote(1)).toEqual({ taken: false, reason: 'all channels inhibited' });
    host.cmd([0x02, 0xff]);
    expect(host.sim.insertNote(1).taken).toBe(true);
    expect(host.sim.insertNote(1)).toEqual({ taken: false, reason: 'busy (a note is reading)' });
  });

  it('unsafe jam: reported on every poll, ENABLE refused, no credit; cleared by service', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(1);
    vi.advanceTimersByTime(600);
    host.poll();
    host.poll(); // accepted, stacking
    host.sim.jam('unsafe');
    vi.advanceTimersByTime(5000);
    expect(host.pollNames()).toEqual(['UNSAFE_NOTE_JAM']);
    expect(host.pollNames()).toEqual(['UNSAFE_NOTE_JAM']);
    expect(host.cmd([0x0a])).toEqual(Uint8Array.of(0xf5));
    host.sim.clearJam();
    expect(host.pollNames()).toEqual([]);
    expect(host.sim.state.validator.counters.stacked).toBe(0);
  });

  it('safe jam after the credit point: the credit stands and the note ends in the cashbox', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(4);
    vi.advanceTimersByTime(600);
    host.poll();
    host.poll();
    vi.advanceTimersByTime(500);
    host.sim.jam('safe');
    expect(host.pollNames()).toEqual(['CREDIT_NOTE 4', 'SAFE_NOTE_JAM']);
    host.sim.clearJam();
    expect(host.sim.state.validator.cashbox.byChannel).toEqual({ 4: 1 });
  });

  it('fraud: FRAUD_ATTEMPT with the channel, no credit (NV200); NV9USB has no such event', () => {
    const host = new TestHost({ device: 'nv200' });
    host.start();
    host.sim.insertNote(2);
    vi.advanceTimersByTime(600);
    host.poll();
    host.sim.fraud();
    expect(host.pollNames()).toEqual(['FRAUD_ATTEMPT 2']);
    vi.advanceTimersByTime(3000);
    expect(host.pollNames()).toEqual([]);
    expect(() => {
      new TestHost({ device: 'nv9usb' }).sim.fraud();
    }).toThrow(/no FRAUD_ATTEMPT/);
  });

  it('cashbox removed (repeated while out) and replaced; notes refused meanwhile (NV200)', () => {
    const host = new TestHost({ device: 'nv200' });
    host.start();
    host.sim.removeCashbox();
    expect(host.pollNames()).toEqual(['CASHBOX_REMOVED']);
    expect(host.pollNames()).toEqual(['CASHBOX_REMOVED']);
    expect(host.sim.insertNote(1)).toEqual({ taken: false, reason: 'cashbox removed' });
    host.sim.replaceCashbox();
    expect(host.pollNames()).toEqual(['CASHBOX_REPLACED']);
    expect(host.pollNames()).toEqual([]);
    expect(() => {
      new TestHost({ device: 'nv9usb' }).sim.removeCashbox();
    }).toThrow(/does not detect its cashbox/);
  });

  it('stacker full after the last note that fits; emptied by replacing the cashbox', () => {
    const host = new TestHost({ device: 'nv200', cashboxCapacity: 2 });
    host.start();
    host.sim.setCashboxLevel(1);
    host.sim.insertNote(1);
    vi.advanceTimersByTime(600);
    host.poll();
    host.poll();
    vi.advanceTimersByTime(1200);
    expect(host.pollNames()).toEqual(['CREDIT_NOTE 1', 'NOTE_STACKED', 'STACKER_FULL']);
    expect(host.sim.insertNote(1)).toEqual({ taken: false, reason: 'stacker full' });
    host.sim.removeCashbox();
    host.sim.replaceCashbox();
    expect(host.sim.insertNote(1).taken).toBe(true);
  });

  it('note path open (NV200) blocks notes and is reported while open', () => {
    const host = new TestHost({ device: 'nv200' });
    host.start();
    host.sim.setNotePathOpen(true);
    expect(host.pollNames()).toEqual(['NOTE_PATH_OPEN']);
    expect(host.pollNames()).toEqual(['NOTE_PATH_OPEN']);
    expect(host.sim.insertNote(1).taken).toBe(false);
    host.sim.setNotePathOpen(false);
    expect(host.pollNames()).toEqual([]);
  });
});

describe('SspSimulator: reset and power', () => {
  it('RESET: OK, silent while rebooting, then SLAVE_RESET + DISABLED, inhibits and key gone', () => {
    const host = new TestHost();
    host.start();
    host.negotiate();
    expect(host.cmd([0x01])).toEqual(Uint8Array.of(0xf0));
    expect(host.sendFrame(Uint8Array.of(0x11), 1)).toBeUndefined();
    vi.advanceTimersByTime(1500);
    host.key = undefined;
    host.sync();
    expect(host.pollNames()).toEqual(['SLAVE_RESET', 'DISABLED']);
    const state = host.sim.state;
    expect(state.encrypted).toBe(false);
    expect(state.validator.inhibits.some(Boolean)).toBe(false);
  });

  it('power cycle with a note in escrow: NOTE_CLEARED_FROM_FRONT with its channel', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(2);
    vi.advanceTimersByTime(600);
    host.poll();
    host.sim.powerCycle({ offMs: 0 });
    host.sync();
    expect(host.pollNames()).toEqual(['SLAVE_RESET', 'NOTE_CLEARED_FROM_FRONT 2', 'DISABLED']);
  });

  it('power cycle while stacking before the credit: NOTE_CLEARED_TO_CASHBOX (a pay-in), counted once', () => {
    const host = new TestHost();
    host.start();
    host.sim.insertNote(3);
    vi.advanceTimersByTime(600);
    host.poll();
    host.poll();
    host.sim.powerCycle({ offMs: 0 });
    host.sync();
    expect(host.pollNames()).toEqual(['SLAVE_RESET', 'NOTE_CLEARED_TO_CASHBOX 3', 'DISABLED']);
    expect(host.sim.state.validator.cashbox.byChannel).toEqual({ 3: 1 });
  });

  it('power cycle with an explicit note inside', () => {
    const host = new TestHost({ device: 'bv100' });
    host.sim.powerCycle({ noteInside: { channel: 5, to: 'cashbox' }, offMs: 0 });
    host.sync();
    expect(host.pollNames()).toEqual(['SLAVE_RESET', 'NOTE_CLEARED_TO_CASHBOX 5', 'DISABLED']);
  });
});

describe('SspSimulator: encryption', () => {
  it('key exchange, then encrypted commands with eCOUNT; replies in the mode of the command', () => {
    const host = new TestHost();
    host.sync();
    host.negotiate();
    expect(host.sim.state.encrypted).toBe(true);
    expect(toHex(host.cmd([0x0c], { encrypt: true }))).toBe('f0 00 1c 96 2c');
    expect(host.sim.state.count).toBe(1);
    expect(toHex(host.cmd([0x0c]))).toBe('f0 00 1c 96 2c'); // plain still allowed on a validator
    expect(host.poll({ encrypt: true }).map((e) => e.name)).toEqual(['SLAVE_RESET', 'DISABLED']);
    expect(host.sim.state.count).toBe(2);
  });

  it('an encrypted SYNC (older library after key exchange) resets the flag; a resent one is replayed', () => {
    const host = new TestHost();
    host.sync();
    host.negotiate();
    const seq = host.nextSeq;
    const packet = encryptPacket(host.key ?? new Uint8Array(16), host.count, Uint8Array.of(0x11));
    const first = host.sendFrame(packet, seq);
    expect(host.sendFrame(packet, seq)?.raw).toEqual(first?.raw); // retransmission: same bytes back
    host.count += 1;
    const syncs = host.sim.stats.syncs;
    // the next command goes out with the same flag (the library forces it after SYNC): executed, not replayed
    host.nextSeq = seq;
    expect(toHex(host.cmd([0x0c], { encrypt: true }))).toBe('f0 00 1c 96 2c');
    expect(host.sim.stats.syncs).toBe(syncs);
    expect(host.sim.stats.replays).toBe(1);
  });

  it('drops a packet with the wrong eCOUNT or a bad inner CRC, without a reply', () => {
    const host = new TestHost();
    host.sync();
    host.negotiate();
    const key = host.key ?? new Uint8Array(16);
    expect(host.sendFrame(encryptPacket(key, 5, Uint8Array.of(0x07)), host.nextSeq)).toBeUndefined();
    expect(host.sim.stats.countErrors).toBe(1);
    const bad = encryptPacket(key, 0, Uint8Array.of(0x07));
    bad[3] = (bad[3] ?? 0) ^ 0xff;
    expect(host.sendFrame(bad, host.nextSeq)).toBeUndefined();
    expect(host.sim.stats.decryptErrors).toBe(1);
    // the right packet still works afterwards
    expect(host.poll({ encrypt: true }).map((e) => e.name)).toEqual(['SLAVE_RESET', 'DISABLED']);
  });

  it('replays an encrypted reply byte for byte (same count) on retransmission', () => {
    const host = new TestHost();
    host.sync();
    host.negotiate();
    const packet = encryptPacket(host.key ?? new Uint8Array(16), 0, Uint8Array.of(0x0c));
    const a = host.sendFrame(packet, host.nextSeq);
    const b = host.sendFrame(packet, host.nextSeq);
    expect(a).toBeDefined();
    expect(b?.raw).toEqual(a?.raw);
    expect(host.sim.state.count).toBe(1);
  });

  it('SET_GENERATOR / SET_MODULUS refuse non-primes (F4); REQUEST_KEY_EXCHANGE without them fails (F8)', () => {
    const host = new TestHost();
    host.sync();
    expect(host.cmd([0x4c, 1, 0, 0, 0, 0, 0, 0, 0])).toEqual(Uint8Array.of(0xf8));
    expect(host.cmd([0x4a, 4, 0, 0, 0, 0, 0, 0, 0])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x4b, 9, 0, 0, 0, 0, 0, 0, 0])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x4a, 0x8d, 0xa6, 0x13, 0, 0, 0, 0, 0])).toEqual(Uint8Array.of(0xf0)); // 1287821 (manual)
  });

  it('PARAMETER_OUT_OF_RANGE for commands that need encryption sent in plain (GA973), KEY_NOT_SET for encrypted frames without a key', () => {
    const host = new TestHost();
    host.sync();
    expect(host.cmd([0x56])).toEqual(Uint8Array.of(0xf4)); // POLL_WITH_ACK must be encrypted
    expect(host.cmd(encryptPacket(new Uint8Array(16), 0, Uint8Array.of(0x07)))).toEqual(Uint8Array.of(0xfa));
  });

  it('requiresKey profiles (payout devices) answer KEY_NOT_SET to everything but SYNC and the key exchange', () => {
    const host = new TestHost({ device: 'smart-payout' });
    expect(host.sync()).toEqual(Uint8Array.of(0xf0));
    for (const command of [[0x0c], [0x05], [0x07], [0x06, 6], [0x0a]]) {
      expect(host.cmd(command)).toEqual(Uint8Array.of(0xfa));
    }
    host.negotiate();
    expect(host.cmd([0x0c], { encrypt: true })[0]).toBe(0xf0);
    expect(host.cmd([0x0c])[0]).toBe(0xf0); // plain is accepted again once a key exists (optional commands)
    expect(host.cmd([0x33, 0xf4, 0x01, 0, 0, 0x45, 0x55, 0x52, 0x19])).toEqual(Uint8Array.of(0xf4)); // PAYOUT_AMOUNT in plain
  });

  it('a fixed key set with SET_FIXED_ENCRYPTION_KEY is used by the next exchange', () => {
    const host = new TestHost();
    host.sync();
    host.negotiate();
    const fixed = 0x1122334455667788n;
    const bytes = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11];
    expect(host.cmd([0x60, ...bytes], { encrypt: true })).toEqual(Uint8Array.of(0xf0));
    host.negotiate(fixed);
    expect(toHex(host.cmd([0x0c], { encrypt: true }))).toBe('f0 00 1c 96 2c');
  });
});

describe('SspSimulator: POLL_WITH_ACK', () => {
  it('repeats a credit until EVENT_ACK; EVENT_ACK with nothing pending answers F5', () => {
    const host = new TestHost();
    host.sync();
    host.negotiate();
    host.cmd([0x02, 0xff], { encrypt: true });
    host.cmd([0x0a], { encrypt: true });
    host.poll({ encrypt: true, withAck: true });
    host.sim.insertNote(1);
    vi.advanceTimersByTime(600);
    host.poll({ encrypt: true, withAck: true });
    host.poll({ encrypt: true, withAck: true });
    vi.advanceTimersByTime(1200);
    expect(host.pollNames({ encrypt: true, withAck: true })).toEqual(['CREDIT_NOTE 1', 'NOTE_STACKED']);
    expect(host.pollNames({ encrypt: true, withAck: true })).toEqual(['CREDIT_NOTE 1']);
    expect(host.cmd([0x57], { encrypt: true })).toEqual(Uint8Array.of(0xf0));
    expect(host.pollNames({ encrypt: true, withAck: true })).toEqual([]);
    expect(host.cmd([0x57], { encrypt: true })).toEqual(Uint8Array.of(0xf5));
  });
});

describe('SspSimulator: reply latency', () => {
  it('delays replies by replyLatencyMs on the clock; 5 ms by default on real links, 0 on memory pairs', async () => {
    const slow = new TestHost({ replyLatencyMs: 3 });
    expect(slow.feed(parseHex('7F 80 01 11 65 82'))).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(slow.transport.written).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(slow.transport.written.map((w) => toHex(w))).toEqual(['7f 80 01 f0 23 80']);

    const defaults = new SspSimulator({ device: 'nv9usb' });
    const capture = new CaptureTransport();
    defaults.attach(capture);
    capture.emit('data', parseHex('7F 80 01 11 65 82'));
    vi.advanceTimersByTime(4);
    expect(capture.written).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(capture.written).toHaveLength(1);

    const pair = startSimulatorPair();
    const got: Uint8Array[] = [];
    pair.host.on('data', (d) => got.push(d));
    await pair.host.write(parseHex('7F 80 01 11 65 82'));
    await vi.advanceTimersByTimeAsync(0);
    expect(got.map((g) => toHex(g))).toEqual(['7f 80 01 f0 23 80']);
    await pair.close();
  });
});

describe('SspSimulator: options', () => {
  it('rejects bad options with clear errors', () => {
    expect(() => new TestHost({ device: 'nv999' as 'nv200' })).toThrow(/unknown eSSP simulator device "nv999"/);
    expect(() => new TestHost({ address: 0x7e })).toThrow(/address/);
    expect(() => new TestHost({ device: 'nv9usb', protocolVersion: 8 })).toThrow(/outside 1..7/);
    expect(() => new TestHost({ replyLatencyMs: -1 })).toThrow(/replyLatencyMs/);
  });
});
