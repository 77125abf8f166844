import { parseArgs } from 'node:util';
import { parseFaultSpec } from '../transport/fault-spec.js';
import { KioskbusError } from '../core/errors.js';
import { FaultTransport } from '../transport/faults.js';
import { pacedAttach, parseLineSettings, type LineSettings } from '../transport/paced.js';
import { PtyBridgeTransport } from '../transport/pty.js';
import { serveTcp } from '../transport/tcp.js';
import type { Transport } from '../transport/types.js';
import { UsageError, type CliIo } from './types.js';
import { untilAborted } from './util.js';

/** Options every `simulate` command takes. */
export const SERVE_OPTIONS = {
  tcp: { type: 'string' },
  pty: { type: 'string' },
  faults: { type: 'string' },
  line: { type: 'string' },
} as const;

export const SERVE_USAGE = `  --tcp HOST:PORT   serve on a TCP port (one client at a time; PORT 0 picks a free one)
  --pty PATH        serve on a pseudo-terminal at PATH (needs socat)
  --faults SPEC     inject line faults on the simulator's side, e.g. corrupt=0.1%,drop=0.1%,delay=0-20ms,seed=7
  --line RATE       release bytes at a real line rate both ways, e.g. 9600-8N2 (eSSP) or 9600-8N1 (CCNET):
                    over TCP or a pty the host then sees wire time, as on a serial cable`;

export interface ServeTarget {
  tcp?: string | undefined;
  pty?: string | undefined;
  /** A fault spec (`parseFaultSpec`) applied to every connection. */
  faults?: string | undefined;
  /** Line settings (`parseLineSettings`: `9600-8N2`) at whose rate every connection is paced. */
  line?: string | undefined;
}

function lineOf(text: string | undefined): LineSettings | undefined {
  if (text === undefined) return undefined;
  try {
    return parseLineSettings(text);
  } catch (error) {
    throw new UsageError(`--line: ${error instanceof KioskbusError ? error.message : String(error)}`);
  }
}

function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(?:(.*):)?(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--tcp expects HOST:PORT or PORT, got "${text}"`);
  }
  return { host: match[1] ?? '127.0.0.1', port };
}

/**
 * Serves a device simulator on TCP or a pty until the CLI's signal aborts. `attach` wires the simulator
 * to a fresh transport (one per TCP client, one for the pty) and returns a function that detaches it.
 */
export async function serveUntilAborted(
  target: ServeTarget,
  attach: (transport: Transport) => () => void,
  io: CliIo,
  label: string,
): Promise<number> {
  if ((target.tcp === undefined) === (target.pty === undefined)) {
    throw new UsageError('give exactly one of --tcp HOST:PORT or --pty PATH');
  }
  const faults = target.faults === undefined ? undefined : parseFaultSpec(target.faults);
  const line = lineOf(target.line);
  // The pacer sits nearest the simulator and the faults on the wire side of it: bytes are damaged on the line.
  const paced = line ? pacedAttach(line, attach) : attach;
  attach = faults ? (t) => paced(new FaultTransport(t, { ...faults, end: 'device' })) : paced;
  const stopped = untilAborted(io.signal);
  if (target.tcp !== undefined) {
    const detachers = new Set<() => void>();
    const where = parseHostPort(target.tcp);
    const busy = `${label} is busy: one client at a time, and one is connected`;
    const options = {
      ...where,
      // a second client is told (a person with nc or socat reads the line), and so is the simulator's user
      refusedMessage: `${busy}\n`,
      onRefused: (remote: string) => {
        io.stderr.write(`refused a second client (${remote}): one client at a time\n`);
      },
    };
    const server = await serveTcp(options, (transport) => {
      io.stderr.write(`client connected (${transport.description})\n`);
      const detach = attach(transport);
      detachers.add(detach);
      transport.once('close', () => {
        detach();
        detachers.delete(detach);
        io.stderr.write('client left\n');
      });
    });
    io.stdout.write(`${label} listening on ${server.url}\n`);
    await stopped;
    for (const detach of detachers) detach();
    await server.close();
    return 0;
  }
  const pty = new PtyBridgeTransport({ path: target.pty ?? '' });
  await pty.open();
  const detach = attach(pty);
  io.stdout.write(`${label} on pty ${target.pty ?? ''} (socat pid ${pty.pid ?? '?'})\n`);
  await stopped;
  detach();
  await pty.close();
  return 0;
}

export function parseServeArgs(args: string[]): ServeTarget {
  const { values } = parseArgs({ args, options: SERVE_OPTIONS, strict: false, allowPositionals: true });
  return {
    tcp: values.tcp as string | undefined,
    pty: values.pty as string | undefined,
    faults: values.faults as string | undefined,
    line: values.line as string | undefined,
  };
}
