/**
 * `kioskbus watch essp <path-or-url>`: asks the device at the address what it is (a short probe: SYNC, key exchange,
 * SETUP_REQUEST), starts the matching device class (note validator, SMART Payout, NV11, NV4000, SMART Hopper, SMART
 * System), prints its events (readable on a terminal, JSON lines with --json or when piped), reports a lost device
 * once and its return, and takes commands on stdin (payout 5.00 EUR, float, empty, levels, enable, disable).
 * Keys are never printed.
 */
import { isKioskbusError } from '../../core/errors.js';
import { ExitCode, openFailure, startupFailure } from '../exit.js';
import { eventPrinter, wantsJson } from '../output.js';
import { probePort, type EsspProbedDevice } from '../probe.js';
import { UsageError, type CliCommand } from '../types.js';
import { forEachStdinLine, parseCommandArgs } from '../util.js';
import { closeOnAbort, loss, openWatched, watchTarget, watchTransport, watchUntilStopped } from '../watch.js';
import { SspBus } from '../../essp/bus.js';
import { parseFixedKey } from '../../essp/crypto.js';
import { SSP_MAX_ADDRESS } from '../../essp/frame.js';
import { ESSP_SERIAL_DEFAULTS } from '../../essp/line.js';
import type { Transport } from '../../transport/types.js';
import { DEVICE_KINDS, createDevice, deviceKindOf, deviceLabel, type DeviceKind } from './watch-devices.js';
import { runWatchCommand, WATCH_COMMANDS_HELP } from './watch-commands.js';

function parseAddress(text: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > SSP_MAX_ADDRESS) {
    throw new UsageError(`--address must be 0..125 (or 0x00..0x7D), got "${text}"`);
  }
  return value;
}

/** The transport seen through a view whose close() keeps it open (for the probe before the device runs on it). */
function keepOpen(transport: Transport): Transport {
  return new Proxy(transport, {
    get(target, property, receiver) {
      if (property === 'close') return () => Promise.resolve();
      if (property === 'open') return () => (target.isOpen ? Promise.resolve() : target.open());
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function parseInterval(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 200 || value > 1000) {
    throw new UsageError(`--poll-interval must be 200..1000 ms, got "${text}"`);
  }
  return value;
}

const USAGE = `kioskbus watch essp <path-or-url> [options]

Asks the device at --address what it is (SYNC, key exchange, SETUP_REQUEST: a short probe), starts it as
its class (note validator, SMART Payout, NV11, NV4000, SMART Hopper, SMART System) the way the ITL
implementation guide says, polls it and prints its events (ready, escrow, credit, rejected, stacked, dispensing,
dispensed, coinCredit, levels, jammed, offline, online, ...) until Ctrl-C: readable lines on a terminal, JSON lines
with --json or when piped. A lost device is reported once (offline), reached again with back-off, set up again
and reported back (online); with --once the command ends with exit code 1 instead.
The port is a serial device (9600 8N2 by default), serial://PATH?baudRate=... or tcp://HOST:PORT.

  --address N          slave address, decimal or 0x.. (default: 0x00, then 0x10 for a SMART Hopper/System)
  --device KIND        skip the unit-type detection: ${DEVICE_KINDS.join(', ')}
  --json               JSON lines even on a terminal
  --once               exit (code 1) when the device is lost instead of waiting for it
  --fixed-key HEX      fixed key for the key exchange, hex of the 64-bit value (default 0123456701234567)
  --no-encryption      do not negotiate a key (commands that need one are refused)
  --no-enable          leave the device disabled (watch only)
  --poll-interval MS   200..1000 (default 200)
  --plain-poll         poll with POLL instead of POLL_WITH_ACK + EVENT_ACK (the default falls back by itself)
  --accept VALUES      comma-separated note values in minor units to accept (default: all channels)
  --trace              also print every frame sent and received (cipher text, never keys)

${WATCH_COMMANDS_HELP}`;

export const watch: CliCommand = {
  summary: 'watch an eSSP device: validator, SMART Payout, NV11, NV4000, SMART Hopper, SMART System',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      address: { type: 'string' },
      device: { type: 'string' },
      json: { type: 'boolean' },
      once: { type: 'boolean' },
      'fixed-key': { type: 'string' },
      'no-encryption': { type: 'boolean' },
      'no-enable': { type: 'boolean' },
      'poll-interval': { type: 'string' },
      'plain-poll': { type: 'boolean' },
      accept: { type: 'string' },
      trace: { type: 'boolean' },
    });
    const target = watchTarget(positionals);
    const addresses = values.address === undefined ? [0x00, 0x10] : [parseAddress(values.address)];
    let kind: DeviceKind | undefined;
    if (values.device !== undefined) {
      if (!(DEVICE_KINDS as readonly string[]).includes(values.device)) {
        throw new UsageError(`--device must be one of ${DEVICE_KINDS.join(', ')}, got "${values.device}"`);
      }
      kind = values.device as DeviceKind;
    }
    let fixedKey: bigint | undefined;
    if (values['fixed-key'] !== undefined) {
      try {
        fixedKey = parseFixedKey(values['fixed-key']);
      } catch {
        throw new UsageError('--fixed-key must be 1 to 16 hex digits (the 64-bit value as written)');
      }
    }
    const accept = values.accept?.split(',').map((v) => {
      const n = Number(v.trim());
      if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--accept: "${v}" is not a value in minor units`);
      return n;
    });
    const pollIntervalMs = parseInterval(values['poll-interval'] ?? '200');
    const encryption = values['no-encryption'] !== true;
    const print = eventPrinter(io.stdout, wantsJson(io.stdout, values.json));

    // 1. What is there? A short probe (each request sent at most twice, 250 ms each) instead of a long start-up.
    // The probe and the device share one connection (a one-client TCP simulator or serial server would refuse a
    // second one while it still sees the first): the probe's close() leaves it open for the device.
    const transport = watchTransport(target, ESSP_SERIAL_DEFAULTS);
    const kept = keepOpen(transport);
    const stopAbort = closeOnAbort(io.signal, transport);
    let found: EsspProbedDevice | undefined;
    try {
      const results = await probePort(target, {
        createTransport: () => kept,
        protocols: ['essp'],
        esspAddresses: addresses,
        signal: io.signal,
        ...(encryption ? { fixedKey: fixedKey ?? 0x0123456701234567n } : {}),
      });
      found = results[0]?.devices.find((d): d is EsspProbedDevice => d.protocol === 'essp');
    } catch (error) {
      stopAbort();
      await transport.close().catch(() => undefined);
      if (io.signal.aborted) return ExitCode.Interrupted;
      if (isKioskbusError(error) && error.context.opening === true) throw openFailure(target, error.cause ?? error);
      throw error;
    }
    const hex = (a: number): string => `0x${a.toString(16).padStart(2, '0')}`;
    if (!found) {
      stopAbort();
      await transport.close().catch(() => undefined);
      throw startupFailure(
        {
          protocol: 'eSSP',
          target,
          tried: `SYNC to address ${addresses.map(hex).join(' and ')} at 9600 8N2, twice each`,
          hint:
            'the unit is in another protocol mode (ccTalk, SIO, pulse: set SSP), a wrong address (a SMART Hopper is ' +
            '0x10: --address 0x10), a wrong baud rate, TX/RX swapped or no common ground, the unit not powered ' +
            '(kioskbus help essp)',
        },
        'silence',
      );
    }
    const address = found.address;
    kind ??= deviceKindOf(found.unitType);
    const label = deviceLabel(found, kind);

    // 2. Start it as its class on the same connection; Ctrl-C closes the port at once.
    if (!(await openWatched(transport, target, io.signal, stopAbort))) return ExitCode.Interrupted;
    const bus = new SspBus(transport);
    if (values.trace) {
      bus.on('tx', (raw, info) => {
        print(label, 'tx', { address: info.address, seq: info.seq, resend: info.retransmit, raw });
      });
      bus.on('rx', (raw, frame) => {
        print(label, 'rx', { address: frame.address, seq: frame.seq, raw });
      });
    }
    const device = createDevice(kind, bus, {
      address,
      encryption,
      enable: values['no-enable'] !== true,
      pollWithAck: values['plain-poll'] === true ? false : 'auto',
      pollIntervalMs,
      ...(fixedKey !== undefined ? { fixedKey } : {}),
      ...(accept ? { acceptValues: accept } : {}),
    });
    const once = loss();
    device.forward((event, fields) => {
      print(label, event, print.json ? { address, ...fields } : fields);
      if (event === 'offline' && values.once === true) once.lose();
    });
    const stopStdin = forEachStdinLine(io, (line) => runWatchCommand(device, line), io.stdout);
    try {
      try {
        await device.start();
      } catch (error) {
        if (io.signal.aborted) return ExitCode.Interrupted;
        throw startupFailure(
          {
            protocol: `eSSP ${label}`,
            target,
            tried: 'the start-up (SYNC, key exchange, protocol version, SETUP_REQUEST, ENABLE)',
            hint: 'a device that stopped answering during the start-up: cable, power (kioskbus help essp)',
          },
          error,
        );
      }
      return await watchUntilStopped(io.signal, once.lost, label, target);
    } finally {
      stopStdin();
      stopAbort();
      await device.close().catch(() => undefined);
      await bus.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
    }
  },
};
