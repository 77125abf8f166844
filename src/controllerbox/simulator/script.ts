/**
 * One-line commands that drive a running ControllerBox simulator by hand (the CLI reads them from stdin).
 */
import { parseHex } from '../../core/bytes.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { ControllerBoxSimulator } from './simulator.js';

export const SCRIPT_HELP = `commands (one per line):
  bill VALUE [STATUS]          a bill was accepted (VALUE in protocol units)
  rfid HEXID MONEY [ERROR]     an RFID card was read
  dispense TCD                 a card left TCD (card event out)
  callback TCD                 a card was taken back into TCD
  error FLAGS                  set the device error flags (0 clears) and report them
  acceptor CODE                set the bill acceptor status and report it
  tcd N [cards C] [error on|off]   change a card dispenser and report it
  status                       report all statuses now
  power MS                     cut the power for MS ms (silent, then it boots)
  ota [MS]                     run an over-the-air update (MS of download, default 5000)
  state                        print the simulator state as JSON
  help                         this text`;

function int(text: string | undefined, what: string, max = 0xffffffff): number {
  const value = text === undefined ? NaN : /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new KioskbusError(ErrorCode.InvalidArgument, `${what} must be an integer 0..${max}, got "${text ?? ''}"`);
  }
  return value;
}

/** Runs one line; returns what to print (possibly empty). Throws INVALID_ARGUMENT on a bad line. */
export async function runScriptLine(sim: ControllerBoxSimulator, line: string): Promise<string> {
  const [command, ...args] = line.trim().split(/\s+/);
  switch (command) {
    case undefined:
    case '':
      return '';
    case 'help':
      return SCRIPT_HELP;
    case 'bill':
      await sim.acceptBill(int(args[0], 'VALUE'), args[1] === undefined ? 0 : int(args[1], 'STATUS', 255));
      return '';
    case 'rfid':
      await sim.tapRfid({
        rfid: parseHex(args[0] ?? ''),
        money: int(args[1], 'MONEY'),
        error: args[2] === undefined ? 0 : int(args[2], 'ERROR', 255),
      });
      return '';
    case 'dispense':
      await sim.dispense(int(args[0], 'TCD', 255));
      return '';
    case 'callback':
      await sim.callbackCard(int(args[0], 'TCD', 255));
      return '';
    case 'error':
      await sim.raiseError(int(args[0], 'FLAGS', 0xffff));
      return '';
    case 'acceptor':
      await sim.setBillAcceptorStatus(int(args[0], 'CODE', 255));
      return '';
    case 'tcd': {
      const tcd = int(args[0], 'N', 255);
      const change: { cards?: number; error?: boolean } = {};
      for (let i = 1; i < args.length; i += 2) {
        if (args[i] === 'cards') change.cards = int(args[i + 1], 'cards', 0xffff);
        else if (args[i] === 'error' && (args[i + 1] === 'on' || args[i + 1] === 'off')) {
          change.error = args[i + 1] === 'on';
        } else throw new KioskbusError(ErrorCode.InvalidArgument, `tcd: expected "cards C" or "error on|off"`);
      }
      await sim.setTcd(tcd, change);
      return '';
    }
    case 'status':
      await sim.reportStatus();
      return '';
    case 'power':
      void sim.powerCycle(int(args[0], 'MS', 3_600_000));
      return '';
    case 'ota':
      sim.startOta(args[0] === undefined ? 5000 : int(args[0], 'MS', 3_600_000));
      return '';
    case 'state':
      return JSON.stringify(sim.state, (_, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
      );
    default:
      throw new KioskbusError(ErrorCode.InvalidArgument, `unknown command "${command}" (type help)`);
  }
}
