/** What the probes of the three protocols share: opening the port, telling a port failure from silence, messages. */
import { ErrorCode, isKioskbusError, KioskbusError, toKioskbusError } from '../../core/errors.js';
import type { Transport } from '../../transport/types.js';

export function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

export function cancelled(): KioskbusError {
  return new KioskbusError(ErrorCode.Cancelled, 'probe cancelled');
}

/** Longest wait for a port to open (a TCP connect gives up after 5 s by itself; this bounds anything else). */
const OPEN_TIMEOUT_MS = 10_000;

/** Opens the transport within OPEN_TIMEOUT_MS; a port that cannot be opened is a TRANSPORT_ERROR naming it. */
export async function openPort(transport: Transport, target: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const opening = transport.open();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new KioskbusError(ErrorCode.Timeout, `opening ${target} took longer than ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
  });
  try {
    await Promise.race([opening, timeout]);
  } catch (error) {
    // a late open must not leave the port open behind us
    opening.then(
      () => transport.close(),
      () => undefined,
    );
    const cause = toKioskbusError(error, ErrorCode.TransportError);
    throw new KioskbusError(
      ErrorCode.TransportError,
      `cannot open ${target}: ${causeText(cause)}`,
      { target, cause: cause.code, opening: true },
      { cause },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Errors that mean the port itself failed (not "nobody answered"): they end the probe. */
export function isPortFailure(error: unknown): boolean {
  return (
    isKioskbusError(error, ErrorCode.Disconnected) ||
    isKioskbusError(error, ErrorCode.NotOpen) ||
    isKioskbusError(error, ErrorCode.TransportError) ||
    isKioskbusError(error, ErrorCode.Cancelled) ||
    isKioskbusError(error, ErrorCode.Closed)
  );
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message of a wrapped error without its `[CODE]` suffix (the wrapper adds its own). */
export function causeText(error: KioskbusError): string {
  return error.message.replace(/ \[[A-Z_]+\]( \(bytes: [0-9a-f ]*\))?$/, '');
}
