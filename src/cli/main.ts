#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ErrorCode, isKioskbusError } from '../core/errors.js';
import { listSerialPorts } from '../transport/serial.js';
import { runDemo } from './demo.js';
import { fleetDemoCommand } from './fleet-demo.js';
import { probeCommand } from './probe.js';
import { serveServiceCommand } from './serve-service.js';
import { protocols } from './protocols.js';
import { CliFailure, EXIT_CODES_HELP, ExitCode } from './exit.js';
import { completionCommand, HELP_TOPICS, helpCommand } from './help.js';
import { UsageError, type CliCommand, type CliIo, type ProtocolCli } from './types.js';

function version(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const candidate of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, `file://${here}`), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'kioskbus' && pkg.version) return pkg.version;
    } catch {
      // try the next location (src/cli when run by tsx, dist/cli when built)
    }
  }
  return 'unknown';
}

const portsCommand: CliCommand = {
  summary: 'list serial ports with their USB vendor and product ids',
  usage: `kioskbus ports [--json]

Lists the serial ports of this machine. --json prints one JSON object per line.`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    const ports = await listSerialPorts();
    if (values.json) {
      for (const p of ports) io.stdout.write(`${JSON.stringify(p)}\n`);
      return 0;
    }
    if (ports.length === 0) {
      io.stdout.write('no serial ports found\n');
      return 0;
    }
    for (const p of ports) {
      const usb = p.vendorId ? ` usb ${p.vendorId}:${p.productId ?? '????'}` : '';
      const maker = p.manufacturer ? ` ${p.manufacturer}` : '';
      const serial = p.serialNumber ? ` serial ${p.serialNumber}` : '';
      io.stdout.write(`${p.path}${usb}${maker}${serial}\n`);
    }
    return 0;
  },
};

const demoCommand: CliCommand = {
  summary: 'run the demo: hosts against the built-in simulators',
  usage: `kioskbus demo [--quiet]

Runs every protocol's host against its built-in simulator and prints what happens.`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { quiet: { type: 'boolean' } }, strict: true });
    return runDemo(io, { quiet: values.quiet ?? false });
  },
};

type Verb = 'decode' | 'watch' | 'simulate';
const VERB_SUMMARY: Record<Verb, string> = {
  decode: 'decode a hex capture (readable lines on a terminal, JSON lines with --json or when piped)',
  watch: 'start a device and print its events, levels and losses; commands on stdin',
  simulate: 'serve a device simulator on TCP or a pty',
};

function verbCommand(verb: Verb): CliCommand | undefined {
  const withVerb = protocols.filter((p): p is ProtocolCli & Record<Verb, CliCommand> => p[verb] !== undefined);
  if (withVerb.length === 0) return undefined;
  const names = withVerb.map((p) => p.name);
  return {
    summary: `${VERB_SUMMARY[verb]} (${names.join(', ')})`,
    usage: `kioskbus ${verb} <${names.join('|')}> ...\n\n${withVerb.map((p) => p[verb].usage).join('\n\n')}`,
    async run(args, io) {
      const [name, ...rest] = args;
      const protocol = withVerb.find((p) => p.name === name);
      if (!protocol) throw new UsageError(`expected a protocol (${names.join(', ')}), got "${name ?? ''}"`, verb);
      if (rest.includes('--help') || rest.includes('-h')) {
        io.stdout.write(`${protocol[verb].usage}\n`);
        return ExitCode.Ok;
      }
      try {
        return await protocol[verb].run(rest, io);
      } catch (error) {
        if (error instanceof UsageError && error.command === undefined) {
          throw new UsageError(error.message, `${verb} ${protocol.name}`);
        }
        if (error instanceof TypeError && 'code' in error)
          throw new UsageError(error.message, `${verb} ${protocol.name}`);
        throw error;
      }
    },
  };
}

function commands(): Map<string, CliCommand> {
  const map = new Map<string, CliCommand>([
    ['ports', portsCommand],
    ['demo', demoCommand],
    ['probe', probeCommand],
    ['serve', serveServiceCommand],
    ['fleet-demo', fleetDemoCommand],
  ]);
  for (const verb of ['decode', 'watch', 'simulate'] as const) {
    const command = verbCommand(verb);
    if (command) map.set(verb, command);
  }
  map.set(
    'completion',
    completionCommand(() => map, protocols),
  );
  return map;
}

function mainUsage(map: Map<string, CliCommand>): string {
  const width = Math.max(...[...map.keys()].map((k) => k.length));
  const lines = [...map].map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `kioskbus ${version()} — drivers and simulators for eSSP, CCNET and ControllerBox peripherals

Usage: kioskbus <command> [options]

Commands:
${lines.join('\n')}

Options:
  --help, -h     help for kioskbus or for a command (kioskbus <command> --help)
  --version, -v  print the version

Help topics: kioskbus help <${HELP_TOPICS.join('|')}>

${EXIT_CODES_HELP}

Debug logs: DEBUG=kioskbus:* kioskbus ...`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A usage error: one line, then where the help is. */
function usageError(io: CliIo, name: string, message: string): number {
  io.stderr.write(`kioskbus ${name}: ${message}\nsee 'kioskbus ${name} --help'\n`);
  return ExitCode.Usage;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code (see `EXIT_CODES_HELP`). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const map = commands();
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(`${mainUsage(map)}\n`);
    return ExitCode.Ok;
  }
  if (first === 'help') return helpCommand(rest, io, map);
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version()}\n`);
    return ExitCode.Ok;
  }
  const command = map.get(first);
  if (!command) {
    const names = [...map.keys()].join(', ');
    io.stderr.write(`kioskbus: unknown command "${first}" (commands: ${names})\nsee 'kioskbus --help'\n`);
    return ExitCode.Usage;
  }
  if (rest.length > 0 && (rest[0] === '--help' || rest[0] === '-h')) {
    io.stdout.write(`${command.usage}\n`);
    return ExitCode.Ok;
  }
  // errors name the command as typed: "kioskbus watch essp: ..."
  const verbName = ['decode', 'watch', 'simulate'].includes(first) && protocols.some((p) => p.name === rest[0]);
  const name = verbName ? `${first} ${rest[0] ?? ''}` : first;
  try {
    const code = await command.run(rest, io);
    return io.signal.aborted ? ExitCode.Interrupted : code;
  } catch (error) {
    if (io.signal.aborted) return ExitCode.Interrupted;
    if (error instanceof UsageError) return usageError(io, error.command ?? first, error.message);
    if (error instanceof TypeError && 'code' in error) {
      // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options
      return usageError(io, first, error.message);
    }
    if (error instanceof CliFailure) {
      io.stderr.write(`kioskbus ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (isKioskbusError(error)) {
      // the message ends with its [CODE]; a bad URL or value is the user's: a usage error
      io.stderr.write(`kioskbus ${name}: ${error.message}\n`);
      const usage = error.code === ErrorCode.UnsupportedUrl || error.code === ErrorCode.InvalidArgument;
      return usage ? ExitCode.Usage : ExitCode.Failure;
    }
    io.stderr.write(`kioskbus ${name}: ${errorText(error)}\n`);
    if (process.env.DEBUG) io.stderr.write(`${error instanceof Error ? (error.stack ?? '') : ''}\n`);
    return ExitCode.Failure;
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** How long a command has to close its port after Ctrl-C before the process ends anyway. */
export const INTERRUPT_GRACE_MS = 150;

/**
 * Runs the CLI on this process: argv, stdio, exit code. Ctrl-C (or SIGTERM) aborts the command, which closes its
 * port; the process ends with 130 at the latest INTERRUPT_GRACE_MS later, whatever the command is waiting for.
 */
export function main(): void {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.Interrupted);
    controller.abort();
    setTimeout(() => process.exit(ExitCode.Interrupted), INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: controller.signal,
  }).then(
    (code) => {
      // nothing may keep the process alive once the command is done (a stdin reader, a socket in TIME_WAIT)
      process.exitCode = code;
      process.stdin.destroy();
      setTimeout(() => process.exit(code), INTERRUPT_GRACE_MS).unref();
    },
    (error: unknown) => {
      process.stderr.write(`kioskbus: ${errorText(error)}\n`);
      process.exit(ExitCode.Failure);
    },
  );
}

if (isMain()) main();
