import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/types.js';

/** In-memory stdio for running CLI commands in tests. */
export function memoryIo(input = ''): CliIo & { out: () => string; err: () => string; abort: () => void } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const controller = new AbortController();
  return {
    stdout,
    stderr,
    stdin: Readable.from(input === '' ? [] : [Buffer.from(input)]),
    signal: controller.signal,
    out: () => out,
    err: () => err,
    abort: () => {
      controller.abort();
    },
  };
}
