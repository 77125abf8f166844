import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/types.js';
import { forEachStdinLine, intOption, jsonText, readHexInput, untilAborted } from '../../src/cli/util.js';
import { ErrorCode, KioskbusError } from '../../src/core/errors.js';
import { memoryIo } from '../helpers/cli-io.js';

describe('cli util', () => {
  it('untilAborted resolves on abort, at once when already aborted, not before', async () => {
    const controller = new AbortController();
    let done = false;
    const waiting = untilAborted(controller.signal).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    controller.abort();
    await waiting;
    expect(done).toBe(true);
    await expect(untilAborted(controller.signal)).resolves.toBeUndefined();
  });

  it('readHexInput joins the arguments, or reads all of stdin for none or "-"', async () => {
    const stdin = (): Readable => Readable.from([Buffer.from('7F 80\n'), '01 11']);
    expect(await readHexInput(['7F80', '01'], stdin())).toBe('7F80 01');
    expect(await readHexInput([], stdin())).toBe('7F 80\n01 11');
    expect(await readHexInput(['-'], stdin())).toBe('7F 80\n01 11');
    expect(await readHexInput(['-', '00'], stdin())).toBe('- 00');
  });

  it('jsonText prints bytes as hex, bigints as decimal, errors as code and message only when asked', () => {
    const error = new KioskbusError(ErrorCode.InvalidArgument, 'bad', { raw: Uint8Array.of(1) });
    const value = { raw: Uint8Array.of(0x7f, 0x0a), n: 2n ** 64n, error };
    expect(jsonText(value)).toBe(
      '{"raw":"7f 0a","n":"18446744073709551616","error":{"code":"INVALID_ARGUMENT","context":{"raw":"01"},"name":"KioskbusError"}}',
    );
    expect(jsonText(value, { hexSeparator: '', errorsAsCode: true })).toBe(
      `{"raw":"7f0a","n":"18446744073709551616","error":{"code":"INVALID_ARGUMENT","message":${JSON.stringify(error.message)}}}`,
    );
  });

  it('intOption takes decimal and 0x hex in range, refuses the rest with a UsageError', () => {
    expect(intOption(undefined, 'n', 0, 10)).toBeUndefined();
    expect(intOption('7', 'n', 0, 10)).toBe(7);
    expect(intOption('0x0A', 'n', 0, 10)).toBe(10);
    expect(() => intOption('11', 'n', 0, 10)).toThrow(UsageError);
    expect(() => intOption('1.5', 'n', 0, 10)).toThrow('--n must be an integer 0..10, got "1.5"');
    expect(() => intOption('x', 'n', 0, 10)).toThrow(UsageError);
  });

  it('forEachStdinLine runs lines in order, skips blanks, reports errors, stops with the signal', async () => {
    const stdin = new PassThrough();
    const io = memoryIo(stdin);
    const seen: string[] = [];
    const stop = forEachStdinLine(io, async (line) => {
      seen.push(line);
      if (line === 'slow') await new Promise((r) => setTimeout(r, 20));
      if (line === 'bad') throw new Error('bad line');
      return line === 'quiet' ? '' : `ok ${line}`;
    });
    stdin.write('slow\n\n  \nfast\nbad\nquiet\n');
    await new Promise((r) => setTimeout(r, 60));
    expect(seen).toEqual(['slow', 'fast', 'bad', 'quiet']);
    expect(io.out()).toBe('ok slow\nok fast\n');
    expect(io.err()).toBe('bad line\n');
    io.abort();
    stdin.write('late\n');
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(4);
    stop();
  });
});
