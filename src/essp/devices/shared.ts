/**
 * Helpers the device classes share (runtime, validator, payout facades); not part of the public API.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { SspEvent } from '../events.js';

/**
 * The error reported when a listener of `event` threw `error`. A listener that throws must not cost the other events
 * of the same poll reply (another credit after it) nor the EVENT_ACK that follows them: its exception is reported as
 * an `error` event (LISTENER_FAILED, the exception as its cause) and the runtime goes on.
 */
export function listenerFailed(event: string, error: unknown, address: number): KioskbusError {
  const message = error instanceof Error ? error.message : String(error);
  return new KioskbusError(
    ErrorCode.ListenerFailed,
    `a '${event}' listener threw: ${message}`,
    { address },
    { cause: error },
  );
}

/** A string that is equal for two events exactly when their names and fields are (raw bytes included). */
export function eventKey(event: SspEvent): string {
  return JSON.stringify(event, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v));
}
