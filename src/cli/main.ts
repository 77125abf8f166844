#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isKioskbusError } from '../core/errors.js';
import { listSerialPorts } from '../transport/serial.js';
import { runDemo } from './demo.js';
import { probeCommand } from './probe.js';
import { serveServiceCommand } from './serve-service.js';
import { protocols } from './protocols.js';
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
  decode: 'decode a hex capture into one JSON line per frame',
  watch: 'initialise a device and print its events as JSON lines',
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
      if (!protocol) throw new UsageError(`${verb}: expected a protocol (${names.join(', ')}), got "${name ?? ''}"`);
      if (rest.includes('--help') || rest.includes('-h')) {
        io.stdout.write(`${protocol[verb].usage}\n`);
        return 0;
      }
      return protocol[verb].run(rest, io);
    },
  };
}

function commands(): Map<string, CliCommand> {
  const map = new Map<string, CliCommand>([
    ['ports', portsCommand],
    ['demo', demoCommand],
    ['probe', probeCommand],
    ['serve', serveServiceCommand],
  ]);
  for (const verb of ['decode', 'watch', 'simulate'] as const) {
    const command = verbCommand(verb);
    if (command) map.set(verb, command);
  }
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

Debug logs: DEBUG=kioskbus:* kioskbus ...`;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const map = commands();
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const command = topic ? map.get(topic) : undefined;
    io.stdout.write(`${command ? command.usage : mainUsage(map)}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = map.get(first);
  if (!command) {
    io.stderr.write(`kioskbus: unknown command "${first}"\n\n${mainUsage(map)}\n`);
    return 2;
  }
  if (rest.length > 0 && (rest[0] === '--help' || rest[0] === '-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options
      io.stderr.write(`kioskbus ${first}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (isKioskbusError(error)) {
      io.stderr.write(`kioskbus ${first}: ${error.message}\n`);
      return 1;
    }
    throw error;
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

/** Runs the CLI on this process: argv, stdio, exit code; Ctrl-C stops watch/simulate (twice: exit at once). */
export function main(): void {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort();
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
      process.exitCode = code;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
    (error: unknown) => {
      process.stderr.write(`kioskbus: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (isMain()) main();
