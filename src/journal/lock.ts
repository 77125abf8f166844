/**
 * One writer at a time: a lock file created exclusively (`wx`) holding the writer's pid. A lock left by a process that
 * no longer exists (kill -9, power cut) is taken over; a lock of a live process is refused with its pid.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { ErrorCode, KioskbusError } from '../core/errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Takes the lock at `path`; returns the function that releases it. */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch (error) {
      if (errno(error) === 'ENOENT') continue;
      throw error;
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new KioskbusError(
        ErrorCode.Busy,
        `journal is in use by process ${owner} (lock ${path}); stop that service first, or delete the lock file if ` +
          `that process is not a kioskbus service`,
        { lock: path, pid: owner },
      );
    }
    if (owner === process.pid) {
      throw new KioskbusError(ErrorCode.Busy, `journal is already open in this process (lock ${path})`, { lock: path });
    }
    try {
      unlinkSync(path); // stale: its writer is gone
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
    }
  }
  throw new KioskbusError(ErrorCode.Busy, `could not take the journal lock ${path}`, { lock: path });
}
