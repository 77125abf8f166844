/**
 * `kioskbus decode|watch|simulate ccnet ...`.
 */
import { parseArgs } from 'node:util';
import { concatBytes, parseHex } from '../../core/bytes.js';
import { isKioskbusError } from '../../core/errors.js';
import { parseServeArgs, SERVE_USAGE, serveUntilAborted } from '../serve.js';
import { UsageError, type CliCommand, type CliIo, type ProtocolCli } from '../types.js';
import { forEachStdinLine, readHexInput, untilAborted, writeJsonLine } from '../util.js';
import { createTransport } from '../../transport/open.js';
import { CcnetBus } from '../../ccnet/bus.js';
import { CaptureDescriber } from '../../ccnet/describe.js';
import { BillToBill, BillValidator } from '../../ccnet/devices/bill.js';
import { CardReader } from '../../ccnet/devices/card-reader.js';
import { CCNET_SERIAL_DEFAULTS } from '../../ccnet/line.js';
import { CoinChanger } from '../../ccnet/devices/coin-changer.js';
import type { CcnetSimulator } from '../../ccnet/simulator/base.js';
import { BillSimulator } from '../../ccnet/simulator/bill.js';
import { CardReaderSimulator } from '../../ccnet/simulator/card.js';
import { CoinSimulator } from '../../ccnet/simulator/coin.js';
import { scriptSimulator } from '../../ccnet/simulator/script.js';

function line(io: CliIo, value: unknown): void {
  writeJsonLine(io.stdout, value);
}

export const decodeCommand: CliCommand = {
  summary: 'decode a CCNET hex capture',
  usage: `kioskbus decode ccnet [HEX... | -] [--pairs]

Decodes CCNET frames from hex given as arguments (or from stdin with "-" or no argument) and prints one JSON
line per frame: address, device class, CRC, command or state name (POLL, ENABLE_BILL_TYPES, ESCROW_POSITION,
BILL_STACKED ...) with decoded arguments and replies. Frames are read in order, so a frame from an address
that was just sent a command is decoded as its reply. Garbage and bad CRCs are reported as their own lines.
  --pairs   read B2B DISPENSE as type/count pairs (newer firmware) instead of the rev 2.3.1 mask`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { pairs: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    const text = await readHexInput(positionals, io.stdin);
    const describer = new CaptureDescriber({ dispenseFormat: values.pairs ? 'pairs' : 'mask' });
    const parts: Uint8Array[] = [];
    let badInput = 0;
    for (const token of text.split(/\s+/).filter((t) => t.length > 0)) {
      try {
        parts.push(parseHex(token));
      } catch (error) {
        badInput += 1;
        line(io, { type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    }
    for (const l of describer.push(concatBytes(parts))) line(io, l);
    for (const l of describer.end()) line(io, l);
    line(io, { type: 'summary', ...describer.stats, badInput });
    return 0;
  },
};

function parseAddress(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 15) throw new UsageError(`--address must be 1..15, got "${text}"`);
  return n;
}

/** Minimal view of a typed EventEmitter for forwarding events by name. */
interface Forwardable {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

function forward(io: CliIo, emitter: Forwardable, address: number, events: readonly string[]): void {
  for (const event of events) {
    emitter.on(event, (...args: unknown[]) => {
      const payload = args[0];
      line(io, {
        event,
        address,
        ...(payload === undefined
          ? {}
          : isKioskbusError(payload)
            ? { code: payload.code, message: payload.message }
            : { data: payload }),
      });
    });
  }
}

export const watchCommand: CliCommand = {
  summary: 'watch a CCNET device',
  usage: `kioskbus watch ccnet <path-or-url> [--address N] [--baud 9600|19200]

Initialises the device at --address (3 bill validator (default), 1 Bill-to-Bill, 2 coin changer, 4 card reader),
enables it, polls it and prints its typed events as JSON lines until Ctrl-C. The port is a serial device
(9600 8N1 by default), serial://PATH?baudRate=19200 or tcp://HOST:PORT (e.g. a simulator).`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { address: { type: 'string' }, baud: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const target = positionals[0];
    if (target === undefined) throw new UsageError('watch ccnet: give a port path or tcp://HOST:PORT');
    const address = parseAddress(values.address ?? '3');
    const baud = Number(values.baud ?? '9600');
    if (baud !== 9600 && baud !== 19200) throw new UsageError(`--baud must be 9600 or 19200`);
    const transport = createTransport(target, { ...CCNET_SERIAL_DEFAULTS, baudRate: baud });
    await transport.open();
    const bus = new CcnetBus(transport, { responseTimeoutMs: 200 });
    const common = ['state', 'offline', 'online', 'problem'];
    let stop: () => void = () => undefined;
    try {
      if (address === 2) {
        const cc = new CoinChanger(bus, { address });
        forward(io, cc, address, [...common, 'coin', 'rejected', 'manualDispense', 'fault']);
        const info = await cc.initialize();
        line(io, { event: 'initialized', address, ...info });
        await cc.enable();
        cc.start();
        stop = () => {
          cc.stop();
        };
      } else if (address === 4) {
        const cr = new CardReader(bus, { address });
        forward(io, cr, address, [...common, 'cardReady', 'vendApproved', 'vendDenied', 'fault']);
        const info = await cr.initialize();
        line(io, { event: 'initialized', address, ...info });
        await cr.enable();
        cr.start();
        stop = () => {
          cr.stop();
        };
      } else {
        const dev = address === 1 ? new BillToBill(bus, { address }) : new BillValidator(bus, { address });
        forward(io, dev, address, [
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
        ]);
        const info = await dev.initialize();
        line(io, { event: 'initialized', address, ...info });
        await dev.enable();
        dev.start();
        stop = () => {
          dev.stop();
        };
      }
      await untilAborted(io.signal);
      return 0;
    } finally {
      stop();
      bus.close();
      await transport.close();
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
  usage: `kioskbus simulate ccnet --device bill-validator|b2b|coin-changer|card-reader (--tcp HOST:PORT | --pty PATH)

Serves a simulated CCNET peripheral (bill validator at 03, Bill-to-Bill at 01, coin changer at 02, card reader
at 04). Lines on stdin act on it: "bill 3", "coupon 12345678", "jam", "remove-cassette", "clear" (bill devices),
"coin 2" (coin changer), "tap EUR 1250 2", "deny", "remove" (card reader).
${SERVE_USAGE}`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { device: { type: 'string' }, tcp: { type: 'string' }, pty: { type: 'string' } },
      strict: true,
    });
    const device = (values.device ?? 'bill-validator') as DeviceName;
    if (!['bill-validator', 'b2b', 'coin-changer', 'card-reader'].includes(device)) {
      throw new UsageError(`--device must be bill-validator, b2b, coin-changer or card-reader, got "${device}"`);
    }
    const sim = createSimulator(device);
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
