/**
 * Pieces every protocol's CLI commands share: waiting for Ctrl-C, hex input from arguments or stdin, JSON lines,
 * and script lines read from stdin while a simulator runs.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { toHex } from '../core/bytes.js';
import { KioskbusError } from '../core/errors.js';
import { UsageError, type CliIo } from './types.js';

/** Resolves once `signal` aborts (at once if it already has): how long-running commands wait for Ctrl-C. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * An integer option (`--name N`, decimal or 0x hex) in min..max, or undefined when not given; anything else is a
 * `UsageError`.
 */
export function intOption(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer ${min}..${max}, got "${text}"`);
  }
  return value;
}

/** What `parseCommandArgs` returns for the option table `O`. */
export type CommandArgs<O extends CommandOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>;

/** An option table of `parseArgs`. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * The options and positional arguments of a command line (`parseArgs`, strict: an unknown option is an error that
 * the entry reports as a usage error), with the types the option table gives.
 */
export function parseCommandArgs<const O extends CommandOptions>(args: string[], options: O): CommandArgs<O> {
  return parseArgs({ args, options, strict: true, allowPositionals: true });
}

/** Reads a stream to its end as UTF-8 text. */
export async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<unknown>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The hex text of a `decode` command: its positional arguments joined by spaces, or all of stdin when there are
 * none or the only one is `-`. The text is returned unparsed: each command reports bad hex its own way.
 */
export async function readHexInput(positionals: readonly string[], stdin: Readable): Promise<string> {
  const fromStdin = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-');
  return fromStdin ? readText(stdin) : positionals.join(' ');
}

export interface JsonLineOptions {
  /** What stands between the hex digits of two bytes of a `Uint8Array` (default one space). */
  hexSeparator?: string;
  /** Print a `KioskbusError` as `{ code, message }` only (default: as JSON.stringify prints any object). */
  errorsAsCode?: boolean;
}

/** JSON text of a CLI record: `Uint8Array` as hex, `bigint` as a decimal string. */
export function jsonText(value: unknown, options: JsonLineOptions = {}): string {
  const separator = options.hexSeparator ?? ' ';
  const errorsAsCode = options.errorsAsCode ?? false;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return toHex(v, separator);
    if (typeof v === 'bigint') return v.toString();
    if (errorsAsCode && v instanceof KioskbusError) return { code: v.code, message: v.message };
    return v;
  });
}

/** Writes `value` as one JSON line (see `jsonText`). */
export function writeJsonLine(stream: Writable, value: unknown, options: JsonLineOptions = {}): void {
  stream.write(`${jsonText(value, options)}\n`);
}

/** Runs one script line; returns the text to print (nothing when empty or undefined). */
export type ScriptLineRunner = (line: string) => string | undefined | Promise<string | undefined>;

/**
 * Reads script lines from `io.stdin` while a simulator runs and runs them one after the other, in order (a line
 * that waits holds the next ones back); blank lines are skipped, and so is every line once `io.signal` aborts.
 * A line's answer goes to `out` (default `io.stdout`), what it throws to `io.stderr`. Returns a function that stops
 * reading.
 */
export function forEachStdinLine(io: CliIo, run: ScriptLineRunner, out: Writable = io.stdout): () => void {
  const rl = createInterface({ input: io.stdin, terminal: false });
  let chain: Promise<void> = Promise.resolve();
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    chain = chain.then(async () => {
      if (io.signal.aborted) return;
      try {
        const answer = await run(line);
        if (answer !== undefined && answer !== '') out.write(`${answer}\n`);
      } catch (error) {
        io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      }
    });
  });
  return () => {
    rl.close();
  };
}
