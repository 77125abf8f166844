/**
 * `kioskbus watch essp <path-or-url> [--address N] [--fixed-key HEX] ...`: starts a note validator (SYNC, key
 * exchange, protocol version, set-up, inhibits, enable), polls it and prints its typed events as JSON lines until
 * Ctrl-C. Keys are never printed.
 */
import { parseArgs } from 'node:util';
import { isKioskbusError } from '../../core/errors.js';
import { UsageError, type CliCommand, type CliIo } from '../types.js';
import { untilAborted, writeJsonLine } from '../util.js';
import { createTransport } from '../../transport/open.js';
import { SspBus } from '../../essp/bus.js';
import { parseFixedKey } from '../../essp/crypto.js';
import { SspValidator } from '../../essp/devices/validator.js';
import { SSP_MAX_ADDRESS } from '../../essp/frame.js';
import { ESSP_SERIAL_DEFAULTS } from '../../essp/line.js';

function line(io: CliIo, value: Record<string, unknown>): void {
  writeJsonLine(io.stdout, value, { hexSeparator: '' });
}

function parseAddress(text: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > SSP_MAX_ADDRESS) {
    throw new UsageError(`--address must be 0..125 (or 0x00..0x7D), got "${text}"`);
  }
  return value;
}

function parseInterval(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 200 || value > 1000) {
    throw new UsageError(`--poll-interval must be 200..1000 ms, got "${text}"`);
  }
  return value;
}

const USAGE = `kioskbus watch essp <path-or-url> [options]

Starts the note validator at --address as the ITL implementation guide says (SYNC, key exchange, highest
protocol version, SETUP_REQUEST, channel inhibits, ENABLE), polls it and prints its events as JSON lines
(ready, escrow, credit, rejected, stacked, jammed, fraud, cashbox, disabled, offline, online, ...) until Ctrl-C.
The port is a serial device (9600 8N2 by default), serial://PATH?baudRate=... or tcp://HOST:PORT.

  --address N          slave address, decimal or 0x.. (default 0)
  --fixed-key HEX      fixed key for the key exchange, hex of the 64-bit value (default 0123456701234567)
  --no-encryption      do not negotiate a key (commands that need one are refused)
  --no-enable          leave the device disabled (watch only)
  --poll-interval MS   200..1000 (default 200)
  --plain-poll         poll with POLL instead of POLL_WITH_ACK + EVENT_ACK (the default falls back by itself)
  --accept VALUES      comma-separated note values in minor units to accept (default: all channels)
  --trace              also print every frame sent and received (cipher text, never keys)`;

/** Validator events printed as lines, with their argument turned into fields. */
const EVENTS = [
  'reading',
  'escrow',
  'credit',
  'rejecting',
  'rejected',
  'stacking',
  'stacked',
  'jammed',
  'fraud',
  'stackerFull',
  'cashboxRemoved',
  'cashboxReplaced',
  'disabled',
  'enabled',
  'noteCleared',
  'notePathOpen',
  'channelDisable',
  'barcode',
  'barcodeStacked',
  'reinitialising',
  'online',
  'unknown',
] as const;

export const watch: CliCommand = {
  summary: 'watch an eSSP note validator (start-up, poll, typed events)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        address: { type: 'string' },
        'fixed-key': { type: 'string' },
        'no-encryption': { type: 'boolean' },
        'no-enable': { type: 'boolean' },
        'poll-interval': { type: 'string' },
        'plain-poll': { type: 'boolean' },
        accept: { type: 'string' },
        trace: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    const target = positionals[0];
    if (target === undefined) throw new UsageError('watch essp: give a port path or tcp://HOST:PORT');
    if (positionals.length > 1) throw new UsageError(`watch essp: one port only, got ${positionals.join(' ')}`);
    const address = parseAddress(values.address ?? '0');
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

    const transport = createTransport(target, ESSP_SERIAL_DEFAULTS);
    await transport.open();
    const bus = new SspBus(transport);
    if (values.trace) {
      bus.on('tx', (raw, info) => {
        line(io, { trace: 'tx', address: info.address, seq: info.seq, resend: info.retransmit, raw });
      });
      bus.on('rx', (raw, frame) => {
        line(io, { trace: 'rx', address: frame.address, seq: frame.seq, raw });
      });
    }
    const validator = new SspValidator(bus, {
      address,
      encryption: values['no-encryption'] !== true,
      enable: values['no-enable'] !== true,
      pollWithAck: values['plain-poll'] === true ? false : 'auto',
      pollIntervalMs,
      ...(fixedKey !== undefined ? { fixedKey } : {}),
      ...(accept ? { acceptValues: accept } : {}),
    });
    const emitter = validator as unknown as NodeJS.EventEmitter;
    for (const name of EVENTS) {
      emitter.on(name, (info?: unknown) => {
        line(io, { event: name, address, ...(typeof info === 'object' && info !== null ? info : {}) });
      });
    }
    validator.on('ready', (info) => {
      const setup = info.setup;
      line(io, {
        event: 'ready',
        address,
        reason: info.reason,
        protocolVersion: info.protocolVersion,
        unitType: setup.unitType,
        ...('firmware' in setup ? { firmware: setup.firmware } : {}),
        ...('currency' in setup ? { currency: setup.currency } : {}),
        channels: setup.channels,
        encrypted: bus.isEncrypted(address),
      });
    });
    validator.on('offline', (error) => {
      line(io, { event: 'offline', address, message: error.message });
    });
    validator.on('error', (error) => {
      line(io, { event: 'error', address, code: error.code, message: error.message });
    });
    try {
      try {
        await validator.start();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        io.stderr.write(`watch essp: start-up failed: ${message}\n`);
        return isKioskbusError(error) ? 2 : 1;
      }
      await untilAborted(io.signal);
      return 0;
    } finally {
      await validator.close();
      await bus.close();
    }
  },
};
