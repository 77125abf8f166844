import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { ErrorCode, KioskbusError, toKioskbusError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { Transport, TransportEventMap } from './types.js';

const log = createLogger('transport:pty');

export interface PtyBridgeOptions {
  /** Path of the symlink to the pseudo-terminal that other programs open, e.g. `/tmp/ttyNV200`. */
  path: string;
  /** socat executable (default `socat` from PATH). */
  socat?: string;
  /** How long to wait for the link to appear (default 5000 ms). */
  startTimeoutMs?: number;
}

const live = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGTERM');
  });
}

/**
 * The device end of a pseudo-terminal: `socat pty,raw,echo=0,link=PATH STDIO` is spawned and its stdio
 * bridged, so a simulator behind this transport looks like a serial port at PATH to any program.
 * Closing kills socat (by PID) and removes the link.
 */
export class PtyBridgeTransport extends EventEmitter<TransportEventMap> implements Transport {
  private child: ChildProcessWithoutNullStreams | undefined;

  constructor(readonly options: PtyBridgeOptions) {
    super();
  }

  get description(): string {
    return `pty:${this.options.path}`;
  }

  get isOpen(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  open(): Promise<void> {
    if (this.child) return Promise.resolve();
    const { path } = this.options;
    if (existsSync(path)) {
      return Promise.reject(
        new KioskbusError(ErrorCode.InvalidArgument, `${path} already exists; choose another pty path or remove it`),
      );
    }
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.socat ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${path}`, 'STDIO'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let started = false;
      let stderr = '';
      const deadline = Date.now() + (this.options.startTimeoutMs ?? 5000);
      const fail = (error: KioskbusError): void => {
        if (started) return;
        started = true;
        child.kill('SIGTERM');
        reject(error);
      };
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          fail(
            new KioskbusError(
              ErrorCode.SocatMissing,
              'socat is not installed; a pty needs it (Debian/Ubuntu: apt-get install socat), or serve on TCP instead',
            ),
          );
        } else {
          fail(toKioskbusError(error, ErrorCode.TransportError, { path }));
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (stderr.length > 4096) stderr = stderr.slice(-4096);
      });
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (!started) {
          fail(
            new KioskbusError(
              ErrorCode.TransportError,
              `socat exited (${code ?? signal ?? '?'}) before ${path} appeared: ${stderr.trim()}`,
            ),
          );
          return;
        }
        if (this.child === child) {
          this.child = undefined;
          removeLink(path);
          this.emit('disconnected', new KioskbusError(ErrorCode.Disconnected, `socat for ${path} exited`));
          this.emit('close');
        }
      });
      child.stdout.on('data', (chunk: Buffer) => {
        this.emit('data', chunk);
      });
      const waitForLink = (): void => {
        if (started) return;
        if (existsSync(path)) {
          started = true;
          this.child = child;
          live.add(child);
          installExitHook();
          log('pty ready at %s (socat pid %d)', path, child.pid);
          this.emit('open');
          resolve();
        } else if (Date.now() > deadline) {
          fail(new KioskbusError(ErrorCode.Timeout, `socat did not create ${path} in time: ${stderr.trim()}`));
        } else {
          setTimeout(waitForLink, 10);
        }
      };
      setTimeout(waitForLink, 5);
    });
  }

  write(data: Uint8Array): Promise<void> {
    const child = this.child;
    if (!child) {
      return Promise.reject(new KioskbusError(ErrorCode.NotOpen, `${this.description} is not open`, { raw: data }));
    }
    return new Promise((resolve, reject) => {
      child.stdin.write(data, (error) => {
        if (error) reject(toKioskbusError(error, ErrorCode.TransportError, { raw: data }));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    this.child = undefined;
    return new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        removeLink(this.options.path);
        this.emit('close');
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

function removeLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // already gone: socat removes its link on a clean exit
  }
}

/** True when a `socat` executable is on PATH. */
export function hasSocat(): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((dir) => dir !== '' && existsSync(`${dir}/socat`));
}
