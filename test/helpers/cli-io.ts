import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/types.js';

/** In-memory stdio for running CLI commands in tests, with what they printed. */
export interface MemoryIo extends CliIo {
  /** This same object, for call sites that read better as `t.io`. */
  readonly io: CliIo;
  /** Everything written to stdout so far. */
  readonly out: () => string;
  /** Everything written to stderr so far. */
  readonly err: () => string;
  /** The non-empty stdout lines so far, each parsed as JSON. */
  readonly lines: () => Record<string, unknown>[];
  /** Aborts `signal`, as Ctrl-C does. */
  readonly abort: () => void;
}

/** Stdio in memory: stdin is `input` (text that then ends, or a stream the test writes to), stdout and stderr are kept. */
export function memoryIo(input: string | Readable = ''): MemoryIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const controller = new AbortController();
  const io: MemoryIo = {
    stdout,
    stderr,
    stdin: typeof input === 'string' ? Readable.from(input === '' ? [] : [Buffer.from(input)]) : input,
    signal: controller.signal,
    get io() {
      return io;
    },
    out: () => out,
    err: () => err,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    abort: () => {
      controller.abort();
    },
  };
  return io;
}
