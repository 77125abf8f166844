/**
 * `kioskbus decode|watch|simulate controllerbox ...`
 */
import { parseHex } from '../../core/bytes.js';
import { isKioskbusError, type KioskbusError } from '../../core/errors.js';
import { parseServeArgs, SERVE_OPTIONS, SERVE_USAGE, serveUntilAborted } from '../serve.js';
import { CliFailure, ExitCode, openFailure, startupFailure } from '../exit.js';
import { eventPrinter, recordPrinter, wantsJson } from '../output.js';
import { UsageError, type CliCommand, type ProtocolCli } from '../types.js';
import { forEachStdinLine, intOption, parseCommandArgs, readHexInput } from '../util.js';
import { closeOnAbort, forwardEvents, loss, untilAbortedOrLost, watchTarget, watchTransport } from '../watch.js';
import { decodeCapture } from '../../controllerbox/capture.js';
import { crcVariantName, parseCrcSetting, type CrcSetting } from '../../controllerbox/frame.js';
import {
  BOX_EVENTS,
  ControllerBoxHost,
  CONTROLLERBOX_SERIAL_DEFAULTS,
  type ControllerBoxHostEventMap,
} from '../../controllerbox/host.js';
import { runScriptLine, SCRIPT_HELP } from '../../controllerbox/simulator/script.js';
import { ControllerBoxSimulator, type ControllerBoxSimulatorOptions } from '../../controllerbox/simulator/simulator.js';

const CRC_USAGE = `  --crc CRC             auto, arc, xmodem, or algorithm/coverage/order such as xmodem/id+len+data/le
  --crc-coverage C      data (default), id+len+data or start..data
  --crc-order O         be (default, high byte first) or le`;

const CRC_OPTIONS = {
  crc: { type: 'string' },
  'crc-coverage': { type: 'string' },
  'crc-order': { type: 'string' },
} as const;

function crcFromArgs(values: { crc?: string; 'crc-coverage'?: string; 'crc-order'?: string }, fallback: string) {
  try {
    return parseCrcSetting(values.crc ?? fallback, {
      coverage: values['crc-coverage'],
      order: values['crc-order'],
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

// ---------------------------------------------------------------------------------------------

const DECODE_USAGE = `kioskbus decode controllerbox [--crc auto] [--from host|box|any] [HEX... | -]

Decodes a ControllerBox UART capture (hex bytes as arguments, or on stdin with - or no argument) into one JSON
line per frame: message name, kind, fields with names (read as the first frame of an exchange and/or as its
response), bad CRCs, bad frames and garbage. With --crc auto (default) the CRC variant is detected.
${CRC_USAGE}
  --from WHO            who wrote the bytes: host, box or any (default any: both readings)
  --json                JSON lines even on a terminal (the default when piped)`;

export const decode: CliCommand = {
  summary: 'decode a ControllerBox UART capture',
  usage: DECODE_USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      ...CRC_OPTIONS,
      from: { type: 'string' },
      json: { type: 'boolean' },
    });
    const crc = crcFromArgs(values, 'auto');
    const from = values.from ?? 'any';
    if (from !== 'host' && from !== 'box' && from !== 'any') {
      throw new UsageError(`--from must be host, box or any, got "${from}"`);
    }
    let bytes: Uint8Array;
    try {
      bytes = parseHex(await readHexInput(positionals, io.stdin));
    } catch (error) {
      throw new UsageError(`the capture is not hex: ${error instanceof Error ? error.message : String(error)}`);
    }
    const print = recordPrinter(io.stdout, wantsJson(io.stdout, values.json));
    let frames = 0;
    let problems = 0;
    for (const record of decodeCapture(bytes, { crc, from })) {
      if (record.type === 'frame') frames++;
      else if (record.type !== 'crc-detected') problems++;
      print(record);
    }
    io.stderr.write(`${bytes.length} bytes: ${frames} frame(s), ${problems} problem(s)\n`);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------

const WATCH_USAGE = `kioskbus watch controllerbox <path-or-url> [options]

Opens the ControllerBox (a serial port path, serial://...?baudRate=N or tcp://host:port), reads its versions,
switches status polling on and prints every status and event until Ctrl-C: readable lines on a terminal, JSON
lines with --json or when piped. A lost box is reported once (offline), reached again and reported back
(online); with --once the command ends with exit code 1 instead.
${CRC_USAGE}
  --baud N              serial baud rate (default ${CONTROLLERBOX_SERIAL_DEFAULTS.baudRate}: the document gives none)
  --polling on|off      switch status polling on at start (default on)
  --currency CODE       currency of money values (default VND)
  --json                JSON lines even on a terminal
  --once                exit (code 1) when the box is lost`;

/** What `watch` prints: what the box saw, what the host could not read, and its errors. */
const WATCHED_EVENTS = [
  ...BOX_EVENTS,
  'unknown',
  'frameError',
  'crcDetected',
  'duplicate',
  'error',
] as const satisfies readonly (keyof ControllerBoxHostEventMap)[];

export const watch: CliCommand = {
  summary: 'print ControllerBox statuses and events',
  usage: WATCH_USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      ...CRC_OPTIONS,
      baud: { type: 'string' },
      polling: { type: 'string' },
      currency: { type: 'string' },
      json: { type: 'boolean' },
      once: { type: 'boolean' },
    });
    const target = watchTarget(positionals);
    const crc: CrcSetting = crcFromArgs(values, 'auto');
    const polling = values.polling ?? 'on';
    if (polling !== 'on' && polling !== 'off') throw new UsageError('--polling must be on or off');
    const baudRate = intOption(values.baud, 'baud', 50, 4_000_000) ?? CONTROLLERBOX_SERIAL_DEFAULTS.baudRate;
    const transport = watchTransport(target, { ...CONTROLLERBOX_SERIAL_DEFAULTS, baudRate });
    const host = new ControllerBoxHost(transport, {
      crc,
      ...(values.currency === undefined ? {} : { currency: values.currency }),
    });
    const print = eventPrinter(io.stdout, wantsJson(io.stdout, values.json));
    const label = 'controllerbox';
    forwardEvents(print, label, host, [...WATCHED_EVENTS, 'offline', 'online']);
    const box = loss<KioskbusError>();
    const stopAbort = closeOnAbort(io.signal, host);
    try {
      try {
        await host.open();
      } catch (error) {
        if (io.signal.aborted) return ExitCode.Interrupted;
        throw openFailure(target, error);
      }
      try {
        print(label, 'version', { ...(await host.version()) });
      } catch (error) {
        if (io.signal.aborted) return ExitCode.Interrupted;
        throw startupFailure(
          {
            protocol: 'ControllerBox',
            target,
            tried: `REQUEST_VERSION at ${String(baudRate)} 8N1, CRC ${values.crc ?? 'auto'}`,
            hint:
              'a wrong baud rate (--baud), TX/RX swapped or no common ground, the Android app still holding the ' +
              'port, the box not powered (kioskbus help controllerbox)',
          },
          error,
        );
      }
      if (polling === 'on' && !io.signal.aborted) {
        try {
          await host.setStatusPolling(true);
        } catch (error) {
          print(label, 'error', {
            command: 'SETTING',
            ...(isKioskbusError(error) ? { code: error.code } : {}),
            message: String(error),
          });
        }
      }
      // the shared life-cycle: offline once, reopen with back-off, online once
      host.on('offline', (error) => {
        if (values.once === true) box.lose(error);
      });
      await host.start();
      const gone = await untilAbortedOrLost(io.signal, box.lost);
      const variant = host.crcVariant;
      io.stderr.write(
        `stopped; CRC ${variant ? crcVariantName(variant) : 'not detected'}; ${JSON.stringify(host.stats)}\n`,
      );
      if (gone) throw new CliFailure(`the box on ${target} was lost: ${gone.value.message}`);
      return ExitCode.Interrupted;
    } finally {
      stopAbort();
      await host.close().catch(() => undefined);
    }
  },
};

// ---------------------------------------------------------------------------------------------

const SIMULATE_USAGE = `kioskbus simulate controllerbox (--tcp HOST:PORT | --pty PATH) [options]

Serves a simulated ControllerBox (commands answered, statuses reported while polling is on, card dispensers,
bill acceptor, RFID reader) until Ctrl-C.
${SERVE_USAGE}
${CRC_USAGE.replace('auto, arc', 'arc')}
  --tcds N              card dispensers (default 2)
  --cards N             cards per dispenser (default 50)
  --status-interval MS  status report period while polling is on (default 1000)
  --layout L            fields (default) or documented: DATA_LEN values as printed in the document
  --legacy-status-ids   send statuses with id 0x37 as the document's tables do
  --quiet               do not print the commands received

While it runs, type commands on stdin:
${SCRIPT_HELP.replace(/^commands \(one per line\):\n/, '')}`;

export const simulate: CliCommand = {
  summary: 'serve a simulated ControllerBox',
  usage: SIMULATE_USAGE,
  async run(args, io) {
    const target = parseServeArgs(args);
    const { values, positionals } = parseCommandArgs(args, {
      ...SERVE_OPTIONS,
      ...CRC_OPTIONS,
      tcds: { type: 'string' },
      cards: { type: 'string' },
      'status-interval': { type: 'string' },
      layout: { type: 'string' },
      'legacy-status-ids': { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
    const crc = crcFromArgs(values, 'arc');
    if (crc === 'auto') throw new UsageError('the simulator needs a fixed CRC (arc, xmodem, ...), not auto');
    const layout = values.layout ?? 'fields';
    if (layout !== 'fields' && layout !== 'documented') throw new UsageError('--layout must be fields or documented');
    const options: ControllerBoxSimulatorOptions = {
      crc,
      layout,
      legacyStatusIds: values['legacy-status-ids'] ?? false,
    };
    const tcds = intOption(values.tcds, 'tcds', 1, 255);
    if (tcds !== undefined) options.tcds = tcds;
    const cards = intOption(values.cards, 'cards', 0, 0xffff);
    if (cards !== undefined) options.cardsPerTcd = cards;
    const interval = intOption(values['status-interval'], 'status-interval', 10, 3_600_000);
    if (interval !== undefined) options.statusIntervalMs = interval;
    const sim = new ControllerBoxSimulator(options);
    if (!values.quiet) {
      sim.on('command', (c) => {
        io.stderr.write(`[box] ${c.name} -> 0x${c.result.toString(16).padStart(2, '0')}\n`);
      });
    }
    const stopScript = forEachStdinLine(io, (line) => runScriptLine(sim, line));
    try {
      return await serveUntilAborted(
        target,
        (transport) => sim.attach(transport),
        io,
        `ControllerBox simulator (CRC ${crcVariantName(crc)})`,
      );
    } finally {
      stopScript();
      sim.close();
    }
  },
};

export const controllerboxCli: ProtocolCli = { name: 'controllerbox', decode, watch, simulate };
