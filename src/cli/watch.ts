/**
 * What every protocol's `watch` command shares: the one port it is given, a transport whose I/O errors are left to
 * the life-cycle (reported as `offline`), Ctrl-C closing what runs, the events printed as fields, and the wait for
 * Ctrl-C or the loss of the device (`--once`).
 */
import { isKioskbusError } from '../core/errors.js';
import { createTransport, type SerialDefaults } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import { CliFailure, ExitCode, openFailure } from './exit.js';
import type { EventPrinter } from './output.js';
import { UsageError } from './types.js';
import { untilAborted } from './util.js';

/** The one port of a watch command (a path, serial://... or tcp://...): none or several is a `UsageError`. */
export function watchTarget(positionals: readonly string[]): string {
  const target = positionals[0];
  if (target === undefined) throw new UsageError('give a port path or tcp://HOST:PORT');
  if (positionals.length > 1) throw new UsageError(`one port only, got ${positionals.join(' ')}`);
  return target;
}

/**
 * A transport to `target` for a watch. An I/O error is followed by `disconnected` (reported as offline), so it
 * never ends the process by itself.
 */
export function watchTransport(target: string, settings: SerialDefaults): Transport {
  const transport = createTransport(target, settings);
  transport.on('error', () => undefined);
  return transport;
}

/**
 * Opens the watch's transport unless it is open: true once open, false when Ctrl-C came meanwhile (the command ends
 * as interrupted); a port that cannot be opened is an `openFailure` in words. `giveUp` runs first when it fails.
 */
export async function openWatched(
  transport: Transport,
  target: string,
  signal: AbortSignal,
  giveUp: () => void = () => undefined,
): Promise<boolean> {
  if (transport.isOpen) return true;
  try {
    await transport.open();
    return true;
  } catch (error) {
    giveUp();
    if (signal.aborted) return false;
    throw openFailure(target, error);
  }
}

/** Closes `what` (errors ignored) when `signal` aborts, as Ctrl-C does; returns the function that stops listening. */
export function closeOnAbort(signal: AbortSignal, what: { close(): Promise<unknown> }): () => void {
  const onAbort = (): void => {
    void what.close().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
  };
}

/** The loss of a watched device: `lose(value)` settles `lost` (the first call counts). */
export interface Loss<T> {
  readonly lost: Promise<T>;
  lose(value: T): void;
}

export function loss<T = void>(): Loss<T> {
  let lose: (value: T) => void = () => undefined;
  const lost = new Promise<T>((resolve) => {
    lose = resolve;
  });
  return { lost, lose };
}

/** Waits for Ctrl-C (undefined) or the loss of the device (what it was lost with, when Ctrl-C has not come too). */
export async function untilAbortedOrLost<T>(signal: AbortSignal, lost: Promise<T>): Promise<{ value: T } | undefined> {
  const gone = await Promise.race([untilAborted(signal).then(() => undefined), lost.then((value) => ({ value }))]);
  return signal.aborted ? undefined : gone;
}

/**
 * Waits for Ctrl-C (exit code Interrupted) or the loss of the device `label` (with `--once`: a `CliFailure`, exit
 * code 1).
 */
export async function watchUntilStopped(
  signal: AbortSignal,
  lost: Promise<unknown>,
  label: string,
  target: string,
): Promise<number> {
  if (await untilAbortedOrLost(signal, lost)) throw new CliFailure(`${label} on ${target} was lost (--once)`);
  return ExitCode.Interrupted;
}

/** Minimal view of a typed EventEmitter for forwarding events by name. */
export interface Forwardable {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** The fields of an event payload as a watch prints them (an error as its code and message). */
export function eventFields(payload: unknown): Record<string, unknown> {
  if (payload === undefined) return {};
  if (isKioskbusError(payload)) return { code: payload.code, message: payload.message };
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    return { ...(payload as Record<string, unknown>) };
  }
  return { data: payload };
}

/**
 * Forwards the events to `print`; a `problem` is printed once until it changes or the device is back (a device
 * that keeps failing does not fill the screen five times a second).
 */
export function forwardEvents(
  print: EventPrinter,
  label: string,
  emitter: Forwardable,
  events: readonly string[],
): void {
  let lastProblem: string | undefined;
  for (const event of events) {
    emitter.on(event, (...args: unknown[]) => {
      const fields = eventFields(args[0]);
      if (event === 'problem') {
        const key = `${String(fields.code)} ${String(fields.message)}`;
        if (key === lastProblem) return;
        lastProblem = key;
      } else if (event === 'online' || event === 'offline') {
        lastProblem = undefined;
      }
      print(label, event, fields);
    });
  }
}
