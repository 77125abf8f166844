/**
 * The validator runtime (SspBus + SspValidator) against the real simulator over an in-memory link; fake timers drive
 * the poll loop, the note path and the retransmissions.
 */
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, type KioskbusError } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import { SspValidator, type NoteInfo, type SspValidatorOptions } from '../../src/essp/devices/validator.js';
import type { startSimulatorPair, SimulatorPair } from '../../src/essp/simulator/pair.js';
import type { RejectReason } from '../../src/essp/tables/reject.js';
import { useValidatorRig } from './validator-rig.js';

/** For `.then(unexpected, (e) => e)`: a request that should fail but resolved. */
const unexpected = (): never => {
  throw new Error('expected a rejection');
};

let pair: SimulatorPair;
let bus: SspBus;
let validator: SspValidator;
let log: string[];
let commands: string[];
let progress: string[];

const rigs = useValidatorRig();

async function setup(
  options: SspValidatorOptions = {},
  sim: Parameters<typeof startSimulatorPair>[0] = {},
  busOptions: ConstructorParameters<typeof SspBus>[1] = {},
): Promise<void> {
  log = [];
  progress = [];
  ({ pair, bus, validator, commands } = await rigs.start(options, sim, busOptions, (v) => {
    v.on('reading', () => progress.push('reading'));
    v.on('stacking', () => progress.push('stacking'));
    const note = (n: NoteInfo): string => `${n.channel}:${String(n.value)} ${String(n.currency)}`;
    v.on('escrow', (n) => log.push(`escrow ${note(n)}`));
    v.on('credit', (n) => log.push(`credit ${note(n)}`));
    v.on('stacked', () => log.push('stacked'));
    v.on('rejected', (r: RejectReason) => log.push(`rejected ${r.code} ${r.name}`));
    v.on('disabled', () => log.push('disabled'));
    v.on('enabled', () => log.push('enabled'));
    v.on('jammed', (j) => log.push(`jammed ${j.safe ? 'safe' : 'unsafe'}`));
    v.on('fraud', (f) => log.push(`fraud ${f.channel}`));
    v.on('cashboxRemoved', () => log.push('cashboxRemoved'));
    v.on('cashboxReplaced', () => log.push('cashboxReplaced'));
    v.on('reinitialising', (r) => log.push(`reinitialising ${r.reason}`));
    v.on('offline', () => log.push('offline'));
    v.on('online', () => log.push('online'));
    v.on('error', (e) => log.push(`error ${e.code}`));
  }));
}

const credits = (): string[] => log.filter((l) => l.startsWith('credit'));

/** Fault injection: the returned function makes the next frame the host writes get lost on the wire. */
function dropper(): () => void {
  let dropNext = false;
  const write = pair.host.write.bind(pair.host);
  pair.host.write = (data: Uint8Array): Promise<void> => {
    if (dropNext) {
      dropNext = false;
      return Promise.resolve();
    }
    return write(data);
  };
  return () => {
    dropNext = true;
  };
}

describe('SspValidator start-up', () => {
  it('runs SYNC, key exchange, protocol version (stepping down), setup, serial number, inhibits, enable, then polls', async () => {
    await setup({}, { maxProtocolVersion: 6 });
    expect(commands.slice(0, 11)).toEqual([
      'SYNC',
      'SET_GENERATOR',
      'SET_MODULUS',
      'REQUEST_KEY_EXCHANGE',
      'HOST_PROTOCOL_VERSION',
      'HOST_PROTOCOL_VERSION',
      'HOST_PROTOCOL_VERSION',
      'SETUP_REQUEST',
      'GET_SERIAL_NUMBER',
      'SET_CHANNEL_INHIBITS',
      'ENABLE',
    ]);
    expect(validator.protocolVersion).toBe(6);
    expect(bus.isEncrypted(0)).toBe(true);
    expect(validator.channels.map((c) => `${c.value} ${c.currency}`)).toEqual([
      '500 EUR',
      '1000 EUR',
      '2000 EUR',
      '5000 EUR',
      '10000 EUR',
      '20000 EUR',
      '50000 EUR',
    ]);
    expect(pair.simulator.state.validator.inhibits.every(Boolean)).toBe(true);
    expect(pair.simulator.state.enabled).toBe(true);
    const before = commands.length;
    await vi.advanceTimersByTimeAsync(1000);
    // encrypted: POLL_WITH_ACK by default (credits repeat until EVENT_ACK)
    expect(commands.slice(before).filter((c) => c.startsWith('POLL'))).toEqual(Array(5).fill('POLL_WITH_ACK'));
    // the power-up SLAVE_RESET of the first poll does not trigger a second start-up
    expect(log).not.toContain('reinitialising reset');
  });

  it('polls at the configured interval and refuses intervals outside 200..1000 ms', async () => {
    await setup({ pollIntervalMs: 500 });
    const before = commands.length;
    await vi.advanceTimersByTimeAsync(2000);
    expect(commands.slice(before).filter((c) => c.startsWith('POLL'))).toEqual(Array(4).fill('POLL_WITH_ACK'));
    expect(() => new SspValidator(bus, { pollIntervalMs: 100 })).toThrow(/200\.\.1000/);
    expect(() => new SspValidator(bus, { pollIntervalMs: 1500 })).toThrow(/200\.\.1000/);
  });

  it('enables only the channels with the given values', async () => {
    await setup({ acceptValues: [500, 2000] });
    expect(pair.simulator.state.validator.inhibits).toEqual([true, false, true, false, false, false, false]);
    await validator.setAcceptedValues([50000]);
    expect(pair.simulator.state.validator.inhibits).toEqual([false, false, false, false, false, false, true]);
    await expect(validator.setAcceptedValues([123])).rejects.toThrow(/no channel has the value/);
  });
});

describe('SspValidator notes', () => {
  it('reports escrow, then exactly one credit with value and currency, then stacked', async () => {
    await setup();
    pair.simulator.insertNote(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(log).toEqual(['escrow 2:1000 EUR', 'credit 2:1000 EUR', 'stacked']);
    expect(progress).toEqual(['reading', 'stacking']); // once per state, not once per poll
    expect(pair.simulator.state.validator.cashbox.notes).toBe(1);
  });

  it('credits once per note even when replies are lost and the poll is resent', async () => {
    await setup();
    // drop two replies of the device (the host resends the identical POLL; the device replays)
    let drop = 0;
    const write = pair.device.write.bind(pair.device);
    pair.device.write = (data: Uint8Array): Promise<void> => {
      if (drop > 0) {
        drop--;
        return Promise.resolve();
      }
      return write(data);
    };
    pair.simulator.insertNote(1);
    for (let i = 0; i < 40; i++) {
      if (i % 5 === 0) drop = 1;
      await vi.advanceTimersByTimeAsync(200);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(credits()).toEqual(['credit 1:500 EUR']);
    expect(commands.some((c) => c.endsWith('(replay)'))).toBe(true);
    expect(bus.stats.retransmits).toBeGreaterThan(0);
  });

  it('hold() keeps the note in escrow with HOLD until accept()', async () => {
    await setup({ holdInEscrow: true });
    pair.simulator.insertNote(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(log).toEqual(['escrow 3:2000 EUR']);
    expect(validator.escrow?.channel).toBe(3);
    const before = commands.length;
    await vi.advanceTimersByTimeAsync(15_000); // longer than the device's escrow and watchdog time-outs
    expect(commands.slice(before).every((c) => c === 'HOLD')).toBe(true);
    expect(pair.simulator.state.validator.note?.phase).toBe('escrow');
    expect(credits()).toEqual([]);
    validator.accept();
    await vi.advanceTimersByTimeAsync(5000);
    expect(credits()).toEqual(['credit 3:2000 EUR']);
  });

  it('hold() from the escrow listener works without holdInEscrow', async () => {
    await setup();
    validator.once('escrow', () => {
      validator.hold();
    });
    pair.simulator.insertNote(1);
    await vi.advanceTimersByTimeAsync(8000);
    expect(credits()).toEqual([]);
    validator.accept();
    await vi.advanceTimersByTimeAsync(5000);
    expect(credits()).toEqual(['credit 1:500 EUR']);
    expect(() => {
      validator.hold();
    }).toThrow(/no note in escrow/);
  });

  it('reject() gives the note back with the reason from LAST_REJECT_CODE', async () => {
    await setup({ holdInEscrow: true });
    pair.simulator.insertNote(4);
    await vi.advanceTimersByTimeAsync(2000);
    await validator.reject();
    await vi.advanceTimersByTimeAsync(3000);
    expect(log).toHaveLength(2);
    expect(log[0]).toBe('escrow 4:5000 EUR');
    expect(log[1]).toMatch(/^rejected 8 /);
    expect(credits()).toEqual([]);
  });

  it('a counterfeit is rejected with its reason and never credited', async () => {
    await setup();
    pair.simulator.insertNote(1, { counterfeit: true });
    await vi.advanceTimersByTimeAsync(4000);
    expect(log.some((l) => /^rejected 2 /.test(l))).toBe(true);
    expect(credits()).toEqual([]);
  });

  it('an inhibited channel is rejected (channel inhibit)', async () => {
    await setup({ acceptChannels: [1] });
    pair.simulator.insertNote(5);
    await vi.advanceTimersByTimeAsync(4000);
    expect(log.some((l) => /^rejected 6 /.test(l))).toBe(true);
    expect(credits()).toEqual([]);
  });
});

describe('SspValidator poll command', () => {
  it('polls with POLL when asked to', async () => {
    await setup({ pollWithAck: false });
    const before = commands.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(commands.slice(before)).toEqual(Array(5).fill('POLL'));
  });

  it('falls back to POLL for good when the firmware does not know POLL_WITH_ACK, losing no credit', async () => {
    await setup({}, { unsupportedCommands: [0x56] });
    pair.simulator.insertNote(2);
    await vi.advanceTimersByTimeAsync(5000);
    const polls = commands.filter((c) => c.startsWith('POLL'));
    expect(polls[0]).toBe('POLL_WITH_ACK');
    expect(polls.slice(1).every((c) => c === 'POLL')).toBe(true);
    expect(polls.length).toBeGreaterThan(10);
    expect(credits()).toEqual(['credit 2:1000 EUR']);
  });

  it('acknowledges credits with EVENT_ACK by default on an encrypted link', async () => {
    await setup();
    pair.simulator.insertNote(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(commands).toContain('EVENT_ACK');
    expect(credits()).toEqual(['credit 3:2000 EUR']);
  });
});

describe('SspValidator device states', () => {
  it('keeps polling while disabled and reports disabled/enabled on change only', async () => {
    await setup();
    await validator.disable();
    await vi.advanceTimersByTimeAsync(2000);
    expect(log.filter((l) => l === 'disabled')).toHaveLength(1);
    const before = commands.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(commands.slice(before).filter((c) => c === 'POLL_WITH_ACK').length).toBeGreaterThanOrEqual(4);
    await validator.enable();
    await vi.advanceTimersByTimeAsync(1000);
    expect(log).toEqual(['disabled', 'enabled']);
  });

  it('reports jams, fraud and the cashbox', async () => {
    await setup();
    pair.simulator.removeCashbox();
    await vi.advanceTimersByTimeAsync(400);
    pair.simulator.replaceCashbox();
    await vi.advanceTimersByTimeAsync(400);
    pair.simulator.fraud(2);
    await vi.advanceTimersByTimeAsync(400);
    expect(log).toContain('cashboxRemoved');
    expect(log).toContain('cashboxReplaced');
    expect(log).toContain('fraud 2');
    pair.simulator.jam('unsafe');
    await vi.advanceTimersByTimeAsync(400);
    expect(log).toContain('jammed unsafe');
  });

  it('re-initialises by itself after a power cycle (KEY_NOT_SET / SLAVE_RESET) and credits again', async () => {
    await setup();
    const ready = vi.fn();
    validator.on('ready', ready);
    pair.simulator.powerCycle();
    await vi.advanceTimersByTimeAsync(6000);
    expect(log.some((l) => l.startsWith('reinitialising'))).toBe(true);
    expect(ready).toHaveBeenCalled();
    expect(pair.simulator.state.encrypted).toBe(true);
    expect(pair.simulator.state.enabled).toBe(true);
    pair.simulator.insertNote(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(credits()).toEqual(['credit 1:500 EUR']);
  });

  it('goes offline when the device is silent, and re-initialises when it answers again', async () => {
    await setup();
    // cut the reply path
    const write = pair.device.write.bind(pair.device);
    let cut = true;
    pair.device.write = (data: Uint8Array): Promise<void> => (cut ? Promise.resolve() : write(data));
    await vi.advanceTimersByTimeAsync(25_000);
    expect(log).toContain('offline');
    expect(bus.isOnline(0)).toBe(false);
    cut = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log).toContain('online');
    expect(log.filter((l) => l === 'reinitialising online')).toHaveLength(1);
    expect(log.filter((l) => l === 'offline')).toHaveLength(1);
    expect(log.indexOf('online')).toBeLessThan(log.indexOf('reinitialising online'));
    pair.simulator.insertNote(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(credits()).toEqual(['credit 2:1000 EUR']);
  });
});

describe('SspValidator transport loss', () => {
  it('a disconnected port is offline once, reopened by the poll loop, then the device is re-initialised', async () => {
    await setup();
    pair.host.disconnect();
    await vi.advanceTimersByTimeAsync(1000);
    expect(log.filter((l) => l === 'offline')).toHaveLength(1);
    expect(log.filter((l) => l.startsWith('error'))).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(pair.host.isOpen).toBe(true);
    expect(log).toContain('online');
    expect(log).toContain('reinitialising online');
    pair.simulator.insertNote(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(credits()).toEqual(['credit 1:500 EUR']);
  });
});

describe('SspValidator commands', () => {
  it('counters and serial number (NV9USB); a command the device lacks is a typed error', async () => {
    await setup({}, { device: 'nv9usb', serialNumber: 1873452 });
    pair.simulator.insertNote(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect((await validator.getCounters()).stacked).toBe(1);
    await validator.resetCounters();
    expect((await validator.getCounters()).stacked).toBe(0);
    expect(await validator.serialNumber()).toBe(1873452);
    await expect(validator.setBezel({ red: 1, green: 2, blue: 3, volatile: true })).rejects.toMatchObject({
      code: ErrorCode.UnknownCommandAtDevice,
    });
  });

  it('bezel, display and bar code set-up (NV200)', async () => {
    await setup({ barCode: { readers: 'both', numChar: 18 } });
    expect(pair.simulator.state.validator.barcode).toMatchObject({ enabled: 3, characters: 18 });
    expect(pair.simulator.state.validator.barcode.inhibit & 3).toBe(0); // 0 = enabled: notes and tickets
    await validator.setBezel({ red: 255, green: 0, blue: 0, volatile: true });
    expect(pair.simulator.state.validator.bezel).toMatchObject({ red: 255, green: 0, blue: 0 });
    await validator.displayOff();
    expect(pair.simulator.state.validator.display).toBe(false);
  });

  it('refuses a command that must be encrypted before sending when no key is set', async () => {
    await setup({ encryption: false });
    expect(bus.isEncrypted(0)).toBe(false);
    const frames = pair.simulator.stats.frames;
    const error = await validator.command('EVENT_ACK').then(unexpected, (e: unknown) => e as KioskbusError);
    expect(error.code).toBe(ErrorCode.EncryptionRequired);
    expect(pair.simulator.stats.frames).toBe(frames);
  });

  it('POLL_WITH_ACK: the credit is reported once and acknowledged with EVENT_ACK', async () => {
    await setup({ pollWithAck: true });
    pair.simulator.insertNote(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(credits()).toEqual(['credit 2:1000 EUR']);
    expect(commands).toContain('EVENT_ACK');
    expect(commands.filter((c) => c === 'POLL')).toEqual([]);
  });

  it('POLL_WITH_ACK: a lost EVENT_ACK makes the device repeat the credit, which is not reported twice', async () => {
    await setup({ pollWithAck: true }, {}, { retries: 0 });
    const dropNextWrite = dropper();
    validator.on('credit', () => {
      dropNextWrite(); // the EVENT_ACK that follows this poll never reaches the device
    });
    pair.simulator.insertNote(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(credits()).toEqual(['credit 1:500 EUR']);
    // the device repeated the credit after the lost acknowledgement and got its EVENT_ACK in the end
    expect(commands.filter((c) => c === 'EVENT_ACK').length).toBeGreaterThanOrEqual(1);
    expect(pair.simulator.state.awaitingAck).toEqual([]);
  });

  it('POLL_WITH_ACK: after a lost EVENT_ACK and a power cut, the same event after SLAVE_RESET is a new one', async () => {
    await setup({ pollWithAck: true }, {}, { retries: 0 });
    const cleared: string[] = [];
    validator.on('noteCleared', (n) => cleared.push(`${n.to} ${n.channel}`));
    const dropNextWrite = dropper();
    let cuts = 0;
    validator.on('noteCleared', () => {
      if (++cuts > 1) return;
      // the EVENT_ACK of this report never arrives, and the power goes again with another note of channel 1 inside
      dropNextWrite();
      pair.simulator.powerCycle({ noteInside: { channel: 1, to: 'cashbox' } });
    });
    pair.simulator.powerCycle({ noteInside: { channel: 1, to: 'cashbox' } });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(cleared).toEqual(['cashbox 1', 'cashbox 1']);
  });
});
