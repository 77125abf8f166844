import { describe, expect, it } from 'vitest';
import { CcnetBus } from '../../src/ccnet/bus.js';
import { CaptureDescriber } from '../../src/ccnet/capture.js';
import {
  B2B_COMMANDS,
  commandTable,
  findCommand,
  VALIDATOR_COMMANDS,
  type CommandDef,
} from '../../src/ccnet/commands.js';
import { BillToBill, BillValidator } from '../../src/ccnet/devices/bill.js';
import { encodeCommand } from '../../src/ccnet/frame.js';
import { BillSimulator } from '../../src/ccnet/simulator/bill.js';
import { ErrorCode } from '../../src/core/errors.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { settle, useFakeTimersPerTest } from './helpers.js';

const B2B_ONLY = [0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40];
const VALIDATOR_ONLY = [0x39, 0x3a, 0x51, 0x60];

describe('one command table per bill class', () => {
  it('3BH–40H are no bill-validator commands; 39H/3AH/51H/60H no Bill-to-Bill commands', () => {
    for (const code of B2B_ONLY) {
      expect(findCommand('bill-validator', Uint8Array.of(code, 0, 0, 0, 1))).toBeUndefined();
      expect(findCommand('b2b', Uint8Array.of(code, 0, 0, 0, 1))?.def.code).toBe(code);
    }
    for (const code of VALIDATOR_ONLY) {
      expect(findCommand('b2b', Uint8Array.of(code, 1, 12))).toBeUndefined();
      expect(findCommand('bill-validator', Uint8Array.of(code, 1, 12))?.def.code).toBe(code);
    }
    const shared = Object.keys(commandTable('bill-validator')).filter((k) => k in commandTable('b2b'));
    expect(shared.sort()).toEqual(
      [
        'RESET',
        'GET_STATUS',
        'SET_SECURITY',
        'POLL',
        'ENABLE_BILL_TYPES',
        'STACK',
        'RETURN',
        'IDENTIFICATION',
        'HOLD',
        'GET_BILL_TABLE',
        'DOWNLOAD',
        'DOWNLOAD_STATUS',
        'DOWNLOAD_BLOCK_SIZE',
        'DOWNLOAD_WRITE',
        'DOWNLOAD_EXIT',
      ].sort(),
    );
  });

  it('a capture names 3CH to address 01 DISPENSE but not to address 03', () => {
    const d = new CaptureDescriber();
    const [toB2b] = d.push(encodeCommand(0x01, 0x3c, Uint8Array.of(0x00, 0x00, 0x02, 0x01)));
    const [toBv] = d.push(encodeCommand(0x03, 0x3c, Uint8Array.of(0x00, 0x00, 0x02, 0x01)));
    expect(toB2b).toMatchObject({ kind: 'command', command: 'DISPENSE' });
    expect(toBv).not.toMatchObject({ command: 'DISPENSE' });
  });

  describe('against the simulators', () => {
    useFakeTimersPerTest();

    it('the bill-validator simulator answers ILLEGAL COMMAND to 3BH–40H sent raw', async () => {
      const [host, device] = createMemoryPair();
      const sim = new BillSimulator();
      sim.attach(device);
      const bus = new CcnetBus(host);
      const illegal: string[] = [];
      sim.on('illegal', (name) => illegal.push(name));
      const defs: CommandDef<void, unknown>[] = [B2B_COMMANDS.CASSETTE_STATUS, B2B_COMMANDS.RECYCLING_CASSETTE_STATUS];
      for (const def of defs) {
        await expect(settle(bus.execute(0x03, def, undefined))).rejects.toMatchObject({
          code: ErrorCode.IllegalCommand,
        });
      }
      expect(illegal).toEqual(['3b', '3e']);
    });

    it('the Bill-to-Bill simulator answers ILLEGAL COMMAND to GET CRC32 (51H)', async () => {
      const [host, device] = createMemoryPair();
      new BillSimulator({ kind: 'b2b' }).attach(device);
      const bus = new CcnetBus(host);
      await expect(settle(bus.execute(0x01, VALIDATOR_COMMANDS.GET_CRC32, undefined))).rejects.toMatchObject({
        code: ErrorCode.IllegalCommand,
      });
    });

    it('each host sends only commands of its own table', async () => {
      const [host, device] = createMemoryPair();
      new BillSimulator().attach(device);
      const bv = new BillValidator(new CcnetBus(host));
      const cassette = B2B_COMMANDS.CASSETTE_STATUS as unknown as CommandDef<undefined, unknown>;
      await expect(bv.call(cassette, undefined)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
      const [host2, device2] = createMemoryPair();
      new BillSimulator({ kind: 'b2b' }).attach(device2);
      const b2b = new BillToBill(new CcnetBus(host2));
      await expect(b2b.getCrc32()).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
      expect(await settle(b2b.cassetteStatus())).not.toHaveLength(0);
    });
  });
});
