/**
 * The bridge's own durable state: the birth/death sequence number (`bdSeq`, incremented on every connect and kept across
 * restarts, so a consumer can tell a stale death from a current one) and the journal cursor (the highest journal `seq`
 * the broker acknowledged). Written to a temporary file, fsynced, then renamed over the old one: a crash leaves either
 * the old or the new state, never a torn one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCode, KioskbusError } from '../../core/errors.js';

export interface BridgeState {
  bdSeq: number;
  /** Every journal record up to this seq has been acknowledged by the broker (PUBACK). */
  cursor: number;
}

/** The bridge's state file in the data folder. */
export const BRIDGE_STATE_FILE = 'mqtt-bridge.json';

/** The journal cursor the bridge stored in `dataDir` (0 when it never ran): the journal's floor before it attaches. */
export function persistedCursor(dataDir: string): number {
  return new BridgeStateFile(join(dataDir, BRIDGE_STATE_FILE)).cursor;
}

export class BridgeStateFile {
  private state: BridgeState;

  constructor(readonly path: string) {
    this.state = BridgeStateFile.read(path);
  }

  get bdSeq(): number {
    return this.state.bdSeq;
  }

  get cursor(): number {
    return this.state.cursor;
  }

  /** The next bdSeq, stored before it is used in a CONNECT. */
  nextBdSeq(): number {
    this.state = { ...this.state, bdSeq: this.state.bdSeq + 1 };
    this.write();
    return this.state.bdSeq;
  }

  /** Moves the cursor forward (never back) and stores it. */
  advance(cursor: number): void {
    if (cursor <= this.state.cursor) return;
    this.state = { ...this.state, cursor };
    this.write();
  }

  private write(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(this.state)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  private static read(path: string): BridgeState {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { bdSeq: 0, cursor: 0 };
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `${path} is not valid JSON: remove it to start the bridge afresh`,
      );
    }
    const { bdSeq, cursor } = (value ?? {}) as Partial<BridgeState>;
    if (!Number.isSafeInteger(bdSeq) || !Number.isSafeInteger(cursor) || (bdSeq ?? -1) < 0 || (cursor ?? -1) < 0) {
      throw new KioskbusError(
        ErrorCode.InvalidArgument,
        `${path} must hold {"bdSeq": n, "cursor": n} with whole numbers >= 0: remove it to start afresh`,
      );
    }
    return { bdSeq: bdSeq ?? 0, cursor: cursor ?? 0 };
  }
}
