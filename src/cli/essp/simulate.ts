/**
 * `kioskbus simulate essp --device nv200 (--tcp HOST:PORT | --pty PATH) [--latency MS] [--fixed-key HEX] ...`
 *
 * Serves a simulated eSSP device until interrupted. Lines typed on stdin drive it (`insert 2`, `jam safe`, `state`,
 * `help`; see script.ts); what the device does is printed on stderr unless --quiet.
 */
import { delay, systemClock } from '../../core/clock.js';
import { parseServeArgs, SERVE_OPTIONS, SERVE_USAGE, serveUntilAborted } from '../serve.js';
import { UsageError, type CliCommand, type CliIo } from '../types.js';
import { forEachStdinLine, intOption, parseCommandArgs } from '../util.js';
import { parseFixedKey } from '../../essp/crypto.js';
import { SIM_DEVICE_NAMES, type SimDeviceName } from '../../essp/simulator/profiles.js';
import { parseLevels, PAYOUT_SCRIPT_HELP, runPayoutScriptLine } from '../../essp/simulator/payout/script.js';
import { runScriptLine, SCRIPT_HELP, scriptDelayMs } from '../../essp/simulator/script.js';
import { SspSimulator, type SspSimulatorOptions } from '../../essp/simulator/simulator.js';

export const SIMULATE_USAGE = `kioskbus simulate essp --device ${SIM_DEVICE_NAMES.join('|')} (--tcp HOST:PORT | --pty PATH) [options]

Serves a simulated ITL eSSP device (SYNC/sequence rules, key exchange and encryption, note path with escrow,
watchdog) until Ctrl-C. Other programs connect to the TCP port or open the pty like a serial port.
${SERVE_USAGE}
  --device NAME     ${SIM_DEVICE_NAMES.join(', ')} (default nv200, as the README)
  --latency MS      delay before each reply (default 5)
  --fixed-key HEX   fixed part of the AES key, as the 16 hex digits of the u64 (default 0123456701234567)
  --address N       SSP address (default 0)
  --protocol N      protocol version at power-up (default 6 or the device maximum if lower)
  --quiet           do not print what the device does
  --levels LIST     payout devices: starting store levels, VALUExCOUNT in minor units (500x10,1000x5)

While it runs, type commands on stdin (one per line):
${SCRIPT_HELP.replace(/^commands \(one per line\):\n/, '')}
${PAYOUT_SCRIPT_HELP}`;

const OPTIONS = {
  ...SERVE_OPTIONS,
  device: { type: 'string' },
  latency: { type: 'string' },
  'fixed-key': { type: 'string' },
  address: { type: 'string' },
  protocol: { type: 'string' },
  quiet: { type: 'boolean' },
  levels: { type: 'string' },
} as const;

/** Parses the simulate options (without --tcp/--pty) into simulator options. */
export function parseSimulateArgs(args: string[]): SspSimulatorOptions & { quiet: boolean } {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  const device = (values.device ?? 'nv200').toLowerCase();
  if (!(SIM_DEVICE_NAMES as readonly string[]).includes(device)) {
    throw new UsageError(`--device must be one of ${SIM_DEVICE_NAMES.join(', ')}, got "${device}"`);
  }
  const options: SspSimulatorOptions & { quiet: boolean } = { device: device as SimDeviceName, quiet: !!values.quiet };
  const latency = intOption(values.latency, 'latency', 0, 10_000);
  if (latency !== undefined) options.replyLatencyMs = latency;
  const address = intOption(values.address, 'address', 0, 0x7d);
  if (address !== undefined) options.address = address;
  const protocol = intOption(values.protocol, 'protocol', 1, 255);
  if (protocol !== undefined) options.protocolVersion = protocol;
  if (values.levels !== undefined) {
    try {
      options.payout = { levels: parseLevels(values.levels) };
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  const fixedKey = values['fixed-key'];
  if (fixedKey !== undefined) {
    try {
      options.fixedKey = parseFixedKey(fixedKey);
    } catch (error) {
      throw new UsageError(`--fixed-key: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return options;
}

/**
 * Reads script lines from stdin until the signal aborts; answers on stdout, errors on stderr. Lines run in order;
 * `wait MS` holds the following lines back, so a piped file can script a whole session.
 */
function readScript(sim: SspSimulator, io: CliIo): () => void {
  return forEachStdinLine(io, async (line) => {
    const ms = scriptDelayMs(line);
    if (ms === undefined) return runPayoutScriptLine(sim, line) ?? runScriptLine(sim, line);
    await delay(ms, systemClock, io.signal).catch(() => undefined);
    return undefined;
  });
}

export const simulate: CliCommand = {
  summary: 'serve a simulated eSSP note validator (NV200, NV9USB, NV10USB, BV20, BV50, BV100)',
  usage: SIMULATE_USAGE,
  async run(args, io) {
    const target = parseServeArgs(args);
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] ?? '';
      if (a === '--tcp' || a === '--pty') i++;
      else if (!a.startsWith('--tcp=') && !a.startsWith('--pty=')) rest.push(a);
    }
    const { quiet, ...options } = parseSimulateArgs(rest);
    const sim = new SspSimulator(options);
    if (!quiet) {
      sim.on('note', (message) => {
        io.stderr.write(`[${sim.profile.model}] ${message}\n`);
      });
      sim.on('command', (c) => {
        if (c.name !== 'POLL' && c.name !== 'POLL_WITH_ACK' && !c.replayed) {
          io.stderr.write(
            `[${sim.profile.model}] ${c.encrypted ? 'encrypted ' : ''}${c.name} -> 0x${(c.reply ?? 0).toString(16)}\n`,
          );
        }
      });
    }
    const stopScript = readScript(sim, io);
    try {
      return await serveUntilAborted(
        target,
        (transport) => sim.attach(transport),
        io,
        `eSSP ${sim.profile.model} simulator (address ${sim.address})`,
      );
    } finally {
      stopScript();
      sim.close();
    }
  },
};
