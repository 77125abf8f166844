/** The `kioskbus probe` command: arguments, output, exit codes. */
import { ErrorCode, isKioskbusError } from '../../core/errors.js';
import { ExitCode, openFailure } from '../exit.js';
import { UsageError, type CliCommand, type CliIo } from '../types.js';
import { parseCommandArgs } from '../util.js';
import { formatDevice } from './format.js';
import { probePort } from './port.js';
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  PROBE_PROTOCOLS,
  type ProbeOptions,
  type ProbeProtocol,
  type ProtocolProbeResult,
} from './types.js';

function parseAddressList(text: string): number[] {
  const out: number[] = [];
  for (const item of text.split(',')) {
    const t = item.trim();
    const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0x7d) {
      throw new UsageError(`--essp-addresses: "${t}" is not an eSSP address (0..0x7D, decimal or 0x..)`);
    }
    out.push(n);
  }
  return out;
}

export const PROBE_USAGE = `kioskbus probe <path-or-url> [--protocol essp|ccnet|controllerbox|all] [--json] [--timeout MS]
               [--essp-addresses LIST] [--fixed-key HEX]

Looks for devices on a port: for each protocol (default all, in the order eSSP, CCNET, ControllerBox) the port
is opened with that protocol's line settings (eSSP 9600 8N2, CCNET 9600 8N1, ControllerBox 115200 8N1), the
usual addresses are asked, what can be read without side effects is printed, and the port is closed again.

  <path-or-url>          /dev/ttyUSB0, COM3, serial:///dev/ttyUSB0?baudRate=19200, tcp://host:port
  --protocol, -p P       essp, ccnet, controllerbox or all (repeat or comma-separate for several)
  --timeout MS           wait for each reply (default ${DEFAULT_PROBE_TIMEOUT_MS}); every request is sent at most twice
  --essp-addresses LIST  eSSP addresses to ask (default 0x00,0x10,0x40,0x41)
  --fixed-key HEX        eSSP: negotiate a key with this fixed key (16 hex digits, e.g. 0123456701234567) to read
                         devices that answer KEY_NOT_SET in plain text (payout devices)
  --json                 one JSON object per device on stdout (notes about empty protocols go to stderr)

Asks: eSSP SYNC, SETUP_REQUEST, GET_SERIAL_NUMBER, GET_FIRMWARE_VERSION, GET_DATASET_VERSION; CCNET
IDENTIFICATION at 01-04 (never RESET or POLL); ControllerBox REQUEST_VERSION with CRC auto-detection.
Exit code: 0 when a device answered, 3 when none did, 1 when the port cannot be opened, 2 for bad options.`;

function parseProtocols(values: readonly string[] | undefined): ProbeProtocol[] {
  if (!values || values.length === 0) return [...PROBE_PROTOCOLS];
  const wanted = new Set<ProbeProtocol>();
  for (const value of values.flatMap((v) => v.split(','))) {
    const name = value.trim().toLowerCase();
    if (name === 'all') PROBE_PROTOCOLS.forEach((p) => wanted.add(p));
    else if ((PROBE_PROTOCOLS as readonly string[]).includes(name)) wanted.add(name as ProbeProtocol);
    else throw new UsageError(`--protocol: expected essp, ccnet, controllerbox or all, got "${value}"`);
  }
  return PROBE_PROTOCOLS.filter((p) => wanted.has(p));
}

export const probeCommand: CliCommand = {
  summary: 'probe a port for devices (eSSP, CCNET, ControllerBox)',
  usage: PROBE_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      protocol: { type: 'string', short: 'p', multiple: true },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      'essp-addresses': { type: 'string' },
      'fixed-key': { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one port (path or URL)');
    const target = positionals[0] ?? '';
    let timeoutMs = DEFAULT_PROBE_TIMEOUT_MS;
    if (values.timeout !== undefined) {
      timeoutMs = Number(values.timeout);
      if (!/^\d+$/.test(values.timeout) || timeoutMs < 1 || timeoutMs > 60_000) {
        throw new UsageError(`--timeout expects 1..60000 ms, got "${values.timeout}"`);
      }
    }
    const protocols = parseProtocols(values.protocol);
    const json = values.json ?? false;
    const options: ProbeOptions = {
      protocols,
      timeoutMs,
      signal: io.signal,
      onDevice: (device) => {
        io.stdout.write(`${json ? JSON.stringify(device) : formatDevice(device)}\n`);
      },
      onProtocol: (result) => {
        if (result.devices.length > 0) return;
        (json ? io.stderr : io.stdout).write(`${result.protocol}: no device answered (${result.asked})\n`);
      },
    };
    if (values['essp-addresses'] !== undefined) options.esspAddresses = parseAddressList(values['essp-addresses']);
    if (values['fixed-key'] !== undefined) {
      const key = values['fixed-key'];
      if (!/^(0x)?[0-9a-f]{1,16}$/i.test(key)) {
        throw new UsageError('--fixed-key expects up to 16 hex digits (e.g. 0123456701234567)');
      }
      options.fixedKey = key;
    }
    let results: ProtocolProbeResult[];
    try {
      results = await probePort(target, options);
    } catch (error) {
      if (isKioskbusError(error, ErrorCode.Cancelled) || io.signal.aborted) return ExitCode.Interrupted;
      if (isKioskbusError(error) && error.context.opening === true) throw openFailure(target, error.cause ?? error);
      throw error;
    }
    return results.some((r) => r.devices.length > 0) ? ExitCode.Ok : ExitCode.NoAnswer;
  },
};
