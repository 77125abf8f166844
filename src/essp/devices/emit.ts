/**
 * Device events go to application listeners. A listener that throws must not cost the other events of the same poll
 * reply (another credit after it) nor the EVENT_ACK that follows them: its exception is reported as an `error` event
 * (LISTENER_FAILED, the exception as its cause) and the runtime goes on.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';

/** The error reported when a listener of `event` threw `error`. */
export function listenerFailed(event: string, error: unknown, address: number): KioskbusError {
  const message = error instanceof Error ? error.message : String(error);
  return new KioskbusError(
    ErrorCode.ListenerFailed,
    `a '${event}' listener threw: ${message}`,
    { address },
    { cause: error },
  );
}
