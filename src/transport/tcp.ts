import { EventEmitter } from 'node:events';
import net from 'node:net';
import { ErrorCode, KioskbusError, toKioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { Transport, TransportEventMap } from './types.js';

const log = createLogger('transport:tcp');

export interface TcpTransportOptions {
  host: string;
  port: number;
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
}

/** A TCP client carrying the raw byte stream of a device (a serial server, a simulator, a ser2net port). */
export class TcpTransport extends EventEmitter<TransportEventMap> implements Transport {
  private socket: net.Socket | undefined;
  private closing = false;

  constructor(private readonly options: TcpTransportOptions) {
    super();
  }

  get description(): string {
    return `tcp://${this.options.host}:${this.options.port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && this.socket.readyState === 'open';
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    this.closing = false;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.options.host, port: this.options.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KioskbusError(ErrorCode.Timeout, `connecting to ${this.description} timed out`));
      }, this.options.connectTimeoutMs ?? 5000);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onConnectError);
        this.attach(socket);
        log('connected to %s', this.description);
        this.emit('open');
        resolve();
      });
      const onConnectError = (error: Error): void => {
        clearTimeout(timer);
        reject(toKioskbusError(error, ErrorCode.TransportError, { url: this.description }));
      };
      socket.once('error', onConnectError);
    });
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.emit('data', chunk);
    });
    socket.on('error', (error) => {
      this.emit('error', toKioskbusError(error, ErrorCode.TransportError, { url: this.description }));
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (!this.closing) {
        this.emit('disconnected', new KioskbusError(ErrorCode.Disconnected, `${this.description} closed by the peer`));
      }
      this.emit('close');
    });
  }

  write(data: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.isOpen) {
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, `${this.description} is not open`, { raw: data }));
    }
    return new Promise((resolve, reject) => {
      socket.write(data, (error) => {
        if (error) reject(toKioskbusError(error, ErrorCode.TransportError, { raw: data }));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      socket.once('close', () => {
        resolve();
      });
      socket.end();
      socket.destroySoon();
    });
  }
}

/** Wraps an accepted server-side socket as a Transport (used when serving a simulator). */
export class SocketTransport extends EventEmitter<TransportEventMap> implements Transport {
  private openState = true;

  constructor(private readonly socket: net.Socket) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.emit('data', chunk);
    });
    socket.on('error', (error) => {
      this.emit('error', toKioskbusError(error, ErrorCode.TransportError));
    });
    socket.on('close', () => {
      const wasOpen = this.openState;
      this.openState = false;
      if (wasOpen) this.emit('disconnected', new KioskbusError(ErrorCode.Disconnected, `${this.description} left`));
      this.emit('close');
    });
  }

  get description(): string {
    return `tcp-client://${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? 0}`;
  }

  get isOpen(): boolean {
    return this.openState;
  }

  open(): Promise<void> {
    if (!this.openState)
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, 'an accepted socket cannot reopen'));
    return Promise.resolve();
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.openState) {
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, `${this.description} is closed`, { raw: data }));
    }
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => {
        if (error) reject(toKioskbusError(error, ErrorCode.TransportError, { raw: data }));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    if (!this.openState) return Promise.resolve();
    this.openState = false;
    return new Promise((resolve) => {
      this.socket.once('close', () => {
        resolve();
      });
      this.socket.destroy();
    });
  }
}

export interface TcpServerHandle {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves a device to TCP clients: each accepted connection becomes a Transport handed to `onClient`.
 * Like a serial line, one client at a time: a second connection is refused while one is active.
 */
export function serveTcp(
  options: {
    host?: string;
    port: number;
    /** Called when a second client is refused (with its address), e.g. to log it. */
    onRefused?: (remote: string) => void;
    /** Text written to a refused client before its connection is closed (default: none, closed at once). */
    refusedMessage?: string;
  },
  onClient: (transport: Transport) => void,
): Promise<TcpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (sockets.size > 0) {
      const remote = `${socket.remoteAddress ?? '?'}:${String(socket.remotePort ?? '?')}`;
      log('refusing a second client from %s', remote);
      options.onRefused?.(remote);
      if (options.refusedMessage === undefined) socket.destroy();
      else socket.end(options.refusedMessage);
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onClient(new SocketTransport(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      reject(toKioskbusError(error, ErrorCode.TransportError, { host, port: options.port }));
    });
    server.listen(options.port, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        host,
        port,
        url: `tcp://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}
