import type { EventEmitter } from 'node:events';
import type { KioskbusError } from '../core/errors.js';

export interface TransportEventMap {
  /** Bytes received, in whatever chunks the OS delivers. */
  data: [chunk: Uint8Array];
  /** A non-fatal I/O error (the transport may still be open). */
  error: [error: KioskbusError];
  /** The transport was opened (also after a reopen). */
  open: [];
  /** The peer went away without being asked to (USB unplugged, TCP reset). `open()` may reconnect. */
  disconnected: [error: KioskbusError];
  /** The transport was closed on request or after a disconnect. */
  close: [];
}

/**
 * A byte pipe to one device (or one bus of devices). Protocol code only ever sees this interface.
 */
export interface Transport extends EventEmitter<TransportEventMap> {
  /** Human-readable description, e.g. `serial:/dev/ttyUSB0@9600` or `tcp://127.0.0.1:4000`. */
  readonly description: string;
  readonly isOpen: boolean;
  /** Opens (or reopens after a disconnect). Resolves when bytes can be written. */
  open(): Promise<void>;
  /** Writes bytes; rejects with `NOT_OPEN` when closed. */
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
