/**
 * `kioskbus decode|watch|simulate ccnet ...`.
 */
import { parseArgs } from 'node:util';
import { concatBytes, parseHex } from '../../core/bytes.js';
import { parseServeArgs, SERVE_OPTIONS, SERVE_USAGE, serveUntilAborted } from '../serve.js';
import { ExitCode, startupFailure } from '../exit.js';
import { eventPrinter, recordPrinter, wantsJson } from '../output.js';
import { UsageError, type CliCommand, type ProtocolCli } from '../types.js';
import { forEachStdinLine, parseCommandArgs, readHexInput } from '../util.js';
import {
  closeOnAbort,
  forwardEvents,
  loss,
  openWatched,
  watchTarget,
  watchTransport,
  watchUntilStopped,
  type Forwardable,
} from '../watch.js';
import { CcnetBus } from '../../ccnet/bus.js';
import { CaptureDescriber } from '../../ccnet/capture.js';
import { BillToBill, BillValidator } from '../../ccnet/devices/bill.js';
import { CardReader } from '../../ccnet/devices/card-reader.js';
import { CCNET_SERIAL_DEFAULTS } from '../../ccnet/line.js';
import { CoinChanger } from '../../ccnet/devices/coin-changer.js';
import type { CcnetSimulator } from '../../ccnet/simulator/base.js';
import { BillSimulator } from '../../ccnet/simulator/bill.js';
import { CardReaderSimulator } from '../../ccnet/simulator/card.js';
import { CoinSimulator } from '../../ccnet/simulator/coin.js';
import { CCNET_SCRIPT_HELP, scriptSimulator } from '../../ccnet/simulator/script.js';

export const decodeCommand: CliCommand = {
  summary: 'decode a CCNET hex capture',
  usage: `kioskbus decode ccnet [HEX... | -] [--pairs] [--json]

Decodes CCNET frames from hex given as arguments (or from stdin with "-" or no argument) and prints one line
per frame (readable on a terminal; JSON with a "type" field with --json or when piped): address, device class, CRC, command or state name (POLL, ENABLE_BILL_TYPES, ESCROW_POSITION,
BILL_STACKED ...) with decoded arguments and replies. Frames are read in order, so a frame from an address
that was just sent a command is decoded as its reply. Garbage and bad CRCs are reported as their own lines.
  --pairs   read B2B DISPENSE as type/count pairs (newer firmware) instead of the rev 2.3.1 mask
  --json    JSON lines even on a terminal`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { pairs: { type: 'boolean' }, json: { type: 'boolean' } });
    const text = await readHexInput(positionals, io.stdin);
    let bytes: Uint8Array;
    try {
      bytes = concatBytes(
        text
          .split(/\s+/)
          .filter((t) => t.length > 0)
          .map((token) => parseHex(token)),
      );
    } catch (error) {
      throw new UsageError(`the capture is not hex: ${error instanceof Error ? error.message : String(error)}`);
    }
    const describer = new CaptureDescriber({ dispenseFormat: values.pairs ? 'pairs' : 'mask' });
    const print = recordPrinter(io.stdout, wantsJson(io.stdout, values.json));
    for (const l of describer.push(bytes)) print(l);
    for (const l of describer.end()) print(l);
    print({ type: 'summary', ...describer.stats });
    return ExitCode.Ok;
  },
};

function parseAddress(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 15) throw new UsageError(`--address must be 1..15, got "${text}"`);
  return n;
}

const DEVICE_NAMES: Record<number, string> = { 1: 'b2b', 2: 'coin-changer', 3: 'bill-validator', 4: 'card-reader' };

interface WatchedCcnet extends Forwardable {
  initialize(): Promise<object>;
  enable(): Promise<unknown>;
  start(): void;
  stop(): unknown;
}

export const watchCommand: CliCommand = {
  summary: 'watch a CCNET device',
  usage: `kioskbus watch ccnet <path-or-url> [--address N] [--baud 9600|19200] [--json] [--once]

Initialises the device at --address (3 bill validator (default), 1 Bill-to-Bill, 2 coin changer, 4 card reader),
enables it, polls it and prints its typed events until Ctrl-C: readable lines on a terminal, JSON lines with
--json or when piped. A lost device is reported once (offline) and again when it is back (online); with --once
the command ends with exit code 1 instead. The port is a serial device (9600 8N1 by default),
serial://PATH?baudRate=19200 or tcp://HOST:PORT (e.g. a simulator).`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      address: { type: 'string' },
      baud: { type: 'string' },
      json: { type: 'boolean' },
      once: { type: 'boolean' },
    });
    const target = watchTarget(positionals);
    const address = parseAddress(values.address ?? '3');
    const baud = Number(values.baud ?? '9600');
    if (baud !== 9600 && baud !== 19200) throw new UsageError(`--baud must be 9600 or 19200`);
    const print = eventPrinter(io.stdout, wantsJson(io.stdout, values.json));
    const label = `${DEVICE_NAMES[address] ?? 'ccnet'}@${address}`;
    const transport = watchTransport(target, { ...CCNET_SERIAL_DEFAULTS, baudRate: baud });
    const stopAbort = closeOnAbort(io.signal, transport);
    if (!(await openWatched(transport, target, io.signal, stopAbort))) return ExitCode.Interrupted;
    const bus = new CcnetBus(transport, { responseTimeoutMs: 200 });
    const common = ['state', 'offline', 'online', 'problem'];
    let device: WatchedCcnet;
    let events: string[];
    if (address === 2) {
      device = new CoinChanger(bus, { address });
      events = [...common, 'coin', 'rejected', 'manualDispense', 'fault'];
    } else if (address === 4) {
      device = new CardReader(bus, { address });
      events = [...common, 'cardReady', 'vendApproved', 'vendDenied', 'fault'];
    } else {
      const Bill = address === 1 ? BillToBill : BillValidator;
      device = new Bill(bus, { address });
      events = [
        ...common,
        'credit',
        'escrow',
        'returned',
        'rejected',
        'coupon',
        'fault',
        'busy',
        'dispensing',
        'completed',
      ];
    }
    forwardEvents(print, label, device, events);
    const once = loss();
    if (values.once === true) {
      device.on('offline', () => {
        once.lose();
      });
    }
    try {
      try {
        const info = await device.initialize();
        print(label, 'initialized', { address, ...info });
        await device.enable();
      } catch (error) {
        if (io.signal.aborted) return ExitCode.Interrupted;
        throw startupFailure(
          {
            protocol: `CCNET ${label}`,
            target,
            tried: `RESET and IDENTIFICATION at address ${String(address)}, ${String(baud)} 8N1`,
            hint:
              'the unit is in another protocol mode (ID003, pulse, ccTalk: set CCNET), a wrong address ' +
              '(--address 1..4), 19200 instead of 9600 (--baud), TX/RX swapped or no common ground, the unit not ' +
              'powered (kioskbus help ccnet)',
          },
          error,
        );
      }
      device.start();
      return await watchUntilStopped(io.signal, once.lost, label, target);
    } finally {
      stopAbort();
      device.stop();
      bus.close();
      await transport.close().catch(() => undefined);
    }
  },
};

type DeviceName = 'bill-validator' | 'b2b' | 'coin-changer' | 'card-reader';

function createSimulator(device: DeviceName): CcnetSimulator {
  switch (device) {
    case 'bill-validator':
      return new BillSimulator();
    case 'b2b':
      return new BillSimulator({ kind: 'b2b' });
    case 'coin-changer':
      return new CoinSimulator();
    case 'card-reader':
      return new CardReaderSimulator();
  }
}

export const simulateCommand: CliCommand = {
  summary: 'serve a CCNET device simulator',
  usage: `kioskbus simulate ccnet --device bill-validator|b2b|coin-changer|card-reader (--tcp HOST:PORT | --pty PATH) [--quiet]

Serves a simulated CCNET peripheral (bill validator at 03, Bill-to-Bill at 01, coin changer at 02, card reader
at 04) and logs on stderr each command it receives (but POLL and ACK) unless --quiet. Lines on stdin act on it:
${CCNET_SCRIPT_HELP}
${SERVE_USAGE}
  --quiet           do not log the commands received`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...SERVE_OPTIONS,
        device: { type: 'string' },
        quiet: { type: 'boolean' },
      },
      strict: true,
    });
    const device = (values.device ?? 'bill-validator') as DeviceName;
    if (!['bill-validator', 'b2b', 'coin-changer', 'card-reader'].includes(device)) {
      throw new UsageError(`--device must be bill-validator, b2b, coin-changer or card-reader, got "${device}"`);
    }
    const sim = createSimulator(device);
    const label = `[CCNET ${device}]`;
    if (values.quiet !== true) {
      const events = sim as unknown as {
        on(event: 'command' | 'illegal' | 'resend', listener: (name: string, extra: unknown) => void): unknown;
      };
      events.on('command', (name) => {
        if (name !== 'POLL' && name !== 'ACK') io.stderr.write(`${label} ${name}\n`);
      });
      events.on('illegal', (name, why) => {
        io.stderr.write(`${label} ${name} -> ILLEGAL COMMAND (${String(why)})\n`);
      });
      events.on('resend', (name) => {
        io.stderr.write(`${label} ${name} again (resent: previous reply repeated)\n`);
      });
    }
    const stopScript = forEachStdinLine(io, (text) => scriptSimulator(sim, text), io.stderr);
    try {
      return await serveUntilAborted(
        parseServeArgs(args),
        (t) => sim.attach(t),
        io,
        `CCNET ${device} simulator (address ${sim.address})`,
      );
    } finally {
      stopScript();
    }
  },
};

export const ccnetCli: ProtocolCli = {
  name: 'ccnet',
  decode: decodeCommand,
  watch: watchCommand,
  simulate: simulateCommand,
};
