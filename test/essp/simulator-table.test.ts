/**
 * The simulator reads arguments and writes replies through the command table: the table's rules are the device's
 * rules (argument counts and ranges), every command a profile lists has a handler, and typed refusals become the
 * generic replies of the manual.
 */
import { describe, expect, it } from 'vitest';
import { commandByCode } from '../../src/essp/commands.js';
import type { Handlers } from '../../src/essp/simulator/behaviour.js';
import { SIM_DEVICE_NAMES } from '../../src/essp/simulator/profiles.js';
import { TestHost } from './simulator-harness.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

useFakeTimeAndCloser();

const F0 = Uint8Array.of(0xf0);

describe('eSSP simulator: the table decides the arguments', () => {
  it('SET_CHANNEL_INHIBITS takes 1..8 mask bytes (the table rule), F3 otherwise', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.sync();
    expect(host.cmd([0x02])).toEqual(Uint8Array.of(0xf3));
    expect(host.cmd([0x02, 0x0f])).toEqual(F0);
    expect(host.cmd([0x02, 0x0f, 0, 0, 0, 0, 0, 0, 0])).toEqual(F0);
    expect(host.sim.state.validator.inhibits).toEqual([true, true, true, true]);
    expect(host.cmd([0x02, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual(Uint8Array.of(0xf3));
  });

  it('bar code configuration and inhibit register are validated by the table (F3 count, F4 range)', () => {
    const host = new TestHost({ device: 'nv200' });
    host.sync();
    expect(host.cmd([0x24, 0x01, 0x01])).toEqual(Uint8Array.of(0xf3));
    expect(host.cmd([0x24, 0x04, 0x01, 0x06])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x24, 0x01, 0x01, 0x19])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x24, 0x03, 0x01, 0x0a])).toEqual(F0);
    expect(host.cmd([0x23])).toEqual(Uint8Array.of(0xf0, 0x01, 0x03, 0x01, 0x0a));
    expect(host.cmd([0x26, 0x01])).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x26, 0xfd])).toEqual(F0);
    expect(host.cmd([0x25])).toEqual(Uint8Array.of(0xf0, 0xfd));
  });

  it('thrown refusals become the generic replies: F5 (REJECT without escrow), F8 (HOLD, protocol version)', () => {
    const host = new TestHost({ device: 'nv9usb' });
    host.sync();
    expect(host.cmd([0x08])).toEqual(Uint8Array.of(0xf5));
    expect(host.cmd([0x18])).toEqual(Uint8Array.of(0xf8));
    expect(host.cmd([0x06, 99])).toEqual(Uint8Array.of(0xf8));
    expect(host.cmd([0x06, 6, 0])).toEqual(Uint8Array.of(0xf3));
  });

  it('a payout refusal carries the table F5 error byte (not enough value, cannot pay exact)', () => {
    const host = new TestHost({ device: 'smart-hopper', payout: { levels: [{ value: 100, count: 2 }] } });
    host.sync();
    host.negotiate();
    expect(host.cmd([0x0a], { encrypt: true })).toEqual(F0);
    const pay = (amount: number): Uint8Array =>
      host.cmd([0x33, amount & 0xff, (amount >> 8) & 0xff, 0, 0, 0x45, 0x55, 0x52, 0x19], { encrypt: true });
    expect(pay(500)).toEqual(Uint8Array.of(0xf5, 0x01));
    expect(pay(150)).toEqual(Uint8Array.of(0xf5, 0x02));
    expect(pay(200)).toEqual(F0);
  });
});

describe('eSSP simulator: escrow transactions, coin stir, TITO through the table', () => {
  it('SMART Payout: SET_ESCROW_SIZE then GET_ESCROW_SIZE gives it back; READ_ESCROW_VALUE of the empty escrow', () => {
    const host = new TestHost({ device: 'smart-payout' });
    host.sync();
    host.negotiate();
    const cmd = (data: number[]): Uint8Array => host.cmd(data, { encrypt: true });
    expect(cmd([0x7a, 3])).toEqual(F0);
    expect(cmd([0x79])).toEqual(Uint8Array.of(0xf0, 3));
    expect(cmd([0x79, 0])).toEqual(Uint8Array.of(0xf3));
    expect(cmd([0x78])).toEqual(Uint8Array.of(0xf0, 0, 0, 0, 0));
    expect(cmd([0x76])).toEqual(F0);
    expect(cmd([0x77, 1])).toEqual(Uint8Array.of(0xf3));
  });

  it('SMART System: COIN_STIR 1..255 s (encrypted), F4 for 0, F3 without the byte', () => {
    const host = new TestHost({ device: 'smart-system' });
    host.sync();
    host.negotiate();
    expect(host.cmd([0x5d, 5], { encrypt: true })).toEqual(F0);
    expect(host.cmd([0x5d, 0], { encrypt: true })).toEqual(Uint8Array.of(0xf4));
    expect(host.cmd([0x5d], { encrypt: true })).toEqual(Uint8Array.of(0xf3));
    expect(host.cmd([0x5d, 5])).toEqual(Uint8Array.of(0xf4)); // encryption required (GA973)
  });

  it('NV200: ENABLE_TITO_EVENTS without parameters; TEBS and printer commands are not an NV200 command (F2)', () => {
    const host = new TestHost({ device: 'nv200' });
    host.sync();
    expect(host.cmd([0x72])).toEqual(F0);
    expect(host.cmd([0x72, 1])).toEqual(Uint8Array.of(0xf3));
    expect(host.cmd([0x65])).toEqual(Uint8Array.of(0xf2));
    expect(host.cmd([0x70, 0x02])).toEqual(Uint8Array.of(0xf2));
  });
});

describe('eSSP simulator: every command a profile lists is answered', () => {
  for (const device of SIM_DEVICE_NAMES) {
    it(`${device}: no listed command answers COMMAND_NOT_KNOWN`, () => {
      const host = new TestHost({ device });
      host.sync();
      host.negotiate();
      const unanswered: string[] = [];
      for (const code of host.sim.profile.commands) {
        // RESET and RESET_FIXED_ENCRYPTION_KEY reboot the device; SYNC and the key exchange ran above
        if ([0x01, 0x61, 0x11, 0x4a, 0x4b, 0x4c].includes(code)) continue;
        const reply = host.cmd([code], { encrypt: true });
        if (reply[0] === 0xf2) unanswered.push(commandByCode(code)?.name ?? code.toString(16));
      }
      expect(unanswered).toEqual([]);
    });
  }
});

describe('eSSP simulator: handlers are typed by command name', () => {
  it('a misspelt command name or a wrong result shape does not compile (checked by tsc)', () => {
    const handlers: Handlers = {
      GET_ESCROW_SIZE: () => ({ size: 1 }),
      // @ts-expect-error -- no such command: a typo is a compile error
      GET_ESCROW_SIZ: () => ({ size: 1 }),
    };
    const wrong: Handlers = {
      // @ts-expect-error -- GET_MINIMUM_PAYOUT answers { value }, not { level }
      GET_MINIMUM_PAYOUT: () => ({ level: 1 }),
    };
    expect(Object.keys(handlers)).toContain('GET_ESCROW_SIZE');
    expect(Object.keys(wrong)).toEqual(['GET_MINIMUM_PAYOUT']);
  });
});
