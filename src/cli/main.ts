#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ErrorCode, isKioskbusError } from '../core/errors.js';
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
    const { listSerialPorts } = await import('../transport/serial.js');
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
    const { runDemo } = await import('./demo.js');
    return runDemo(io, { quiet: values.quiet ?? false });
  },
};

type Verb = 'decode' | 'watch' | 'simulate';
const VERB_SUMMARY: Record<Verb, string> = {
  decode: 'decode a hex capture (readable lines on a terminal, JSON lines with --json or when piped)',
  watch: 'start a device and print its events, levels and losses; commands on stdin',
  simulate: 'serve a device simulator on TCP or a pty',
};

function verbCommand(verb: Verb, protocols: readonly ProtocolCli[]): CliCommand | undefined {
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

async function loadProtocols(): Promise<readonly ProtocolCli[]> {
  return (await import('./protocols.js')).protocols;
}

async function verbLoader(verb: Verb): Promise<CliCommand | undefined> {
  return verbCommand(verb, await loadProtocols());
}

/**
 * Every command, loaded only when it runs (or when the full list is shown): `kioskbus serve` must not pay for
 * loading every protocol's CLI, the probe and the MQTT client before it listens.
 */
const LOADERS: ReadonlyMap<string, () => Promise<CliCommand | undefined>> = new Map([
  ['ports', () => Promise.resolve(portsCommand)],
  ['demo', () => Promise.resolve(demoCommand)],
  ['probe', async () => (await import('./probe.js')).probeCommand],
  ['serve', async () => (await import('./serve-service.js')).serveServiceCommand],
  ['fleet-demo', async () => (await import('./fleet-demo.js')).fleetDemoCommand],
  ['decode', () => verbLoader('decode')],
  ['watch', () => verbLoader('watch')],
  ['simulate', () => verbLoader('simulate')],
  ['completion', async () => (await allCommands()).get('completion')],
]);

/** Every command (for the command list, `help` and completion): loads them all. */
async function allCommands(): Promise<Map<string, CliCommand>> {
  const map = new Map<string, CliCommand>();
  for (const [name, load] of LOADERS) {
    if (name === 'completion') continue;
    const command = await load();
    if (command) map.set(name, command);
  }
  const protocols = await loadProtocols();
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
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(`${mainUsage(await allCommands())}\n`);
    return ExitCode.Ok;
  }
  if (first === 'help') return helpCommand(rest, io, await allCommands());
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version()}\n`);
    return ExitCode.Ok;
  }
  const command = await LOADERS.get(first)?.();
  if (!command) {
    const names = [...LOADERS.keys()].join(', ');
    io.stderr.write(`kioskbus: unknown command "${first}" (commands: ${names})\nsee 'kioskbus --help'\n`);
    return ExitCode.Usage;
  }
  if (rest.length > 0 && (rest[0] === '--help' || rest[0] === '-h')) {
    io.stdout.write(`${command.usage}\n`);
    return ExitCode.Ok;
  }
  // errors name the command as typed: "kioskbus watch essp: ..."
  const verbName =
    ['decode', 'watch', 'simulate'].includes(first) && (await loadProtocols()).some((p) => p.name === rest[0]);
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
