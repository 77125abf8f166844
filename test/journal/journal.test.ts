import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { decodeLine, encodeLine, FileJournal } from '../../src/journal/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-journal-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function credit(journal: FileJournal, amount: number): number {
  return journal.append('credit', { device: 'nv200-0', amount, currency: 'EUR' }).seq;
}

describe('journal lines', () => {
  it('round-trips a record and rejects any changed byte', () => {
    const line = encodeLine({ seq: 7, ts: 1, type: 'credit', body: { amount: 500, currency: 'EUR' } });
    expect(line.endsWith('}\n')).toBe(true);
    const text = line.slice(0, -1);
    expect(decodeLine(text)).toEqual({ seq: 7, ts: 1, type: 'credit', body: { amount: 500, currency: 'EUR' } });
    for (let i = 0; i < text.length; i += 1) {
      const bytes = Buffer.from(text);
      bytes[i] = (bytes[i] ?? 0) ^ 0x04;
      expect(decodeLine(bytes.toString('latin1'))).toBeUndefined();
    }
  });
});

describe('FileJournal', () => {
  it('keeps credits pending until acknowledged, across a restart, in order', () => {
    const dir = tempDir();
    let journal = new FileJournal({ dir });
    const a = credit(journal, 500);
    const b = credit(journal, 1000);
    const c = credit(journal, 2000);
    expect(journal.ack(b)).toBe(true);
    journal.close();
    expect((statSync(join(dir, 'journal.jsonl')).mode & 0o777).toString(8)).toBe('600');

    journal = new FileJournal({ dir });
    expect(journal.pending().map((r) => r.seq)).toEqual([a, c]);
    expect(journal.ack(a)).toBe(true);
    expect(journal.ack(a)).toBe(true); // twice: still acknowledged, nothing appended
    expect(journal.ack(999)).toBe(false);
    expect(journal.pending().map((r) => r.body.amount)).toEqual([2000]);
    expect(journal.lastSeq).toBe(5);
    expect(journal.since(3).map((r) => r.type)).toEqual(['ack', 'ack']);
    journal.close();
  });

  it('stores a payout under its transaction and finds it again after a restart', () => {
    const dir = tempDir();
    let journal = new FileJournal({ dir });
    journal.append('payout_request', { transaction: 't-1', device: 'hopper', amount: 150, currency: 'EUR' });
    journal.close();
    journal = new FileJournal({ dir });
    expect(journal.transaction('t-1')?.result).toBeUndefined();
    journal.append('payout_result', { transaction: 't-1', status: 'paid', paid: { amount: 150, currency: 'EUR' } });
    expect(journal.transaction('t-1')?.result?.body.status).toBe('paid');
    expect(journal.transaction('t-2')).toBeUndefined();
    journal.close();
  });

  it('lets one writer at a time open it and takes over a lock of a dead process', () => {
    const dir = tempDir();
    const journal = new FileJournal({ dir });
    expect(() => new FileJournal({ dir })).toThrow(/already open/);
    journal.close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, 'journal.lock'), `${dead.stdout.toString()}\n`);
    const again = new FileJournal({ dir });
    expect(again.lastSeq).toBe(0);
    again.close();
    writeFileSync(join(dir, 'journal.lock'), `${process.ppid}\n`); // a live process that is not this one
    expect(() => new FileJournal({ dir })).toThrow(/in use by process/);
  });

  it('compacts to the pending credits and payouts, keeps seq growing, and renames into place', () => {
    const dir = tempDir();
    const journal = new FileJournal({ dir, compactAboveBytes: 1_000_000 });
    const seqs = [500, 1000, 2000, 5000].map((v) => credit(journal, v));
    journal.append('payout_request', { transaction: 'x', device: 'p', amount: 10, currency: 'EUR' });
    journal.append('note', { device: 'nv200-0', what: 'jammed' });
    for (const seq of seqs.slice(0, 3)) journal.ack(seq);
    const before = journal.lastSeq;
    journal.compact();
    expect(journal.lastSeq).toBe(before + 1);
    expect(journal.pending().map((r) => r.seq)).toEqual([seqs[3]]);
    expect(journal.ack(seqs[0] ?? 0)).toBe(true);
    const next = credit(journal, 10);
    expect(next).toBe(before + 2);
    journal.close();
    const reopened = new FileJournal({ dir });
    expect(reopened.since(0).map((r) => r.type)).toEqual(['credit', 'payout_request', 'compacted', 'credit']);
    expect(reopened.transaction('x')).toBeDefined();
    expect(reopened.pending().map((r) => r.seq)).toEqual([seqs[3], next]);
    reopened.close();
  });

  it('compacts by itself once the file is bigger than the limit', () => {
    const dir = tempDir();
    const journal = new FileJournal({ dir, compactAboveBytes: 2048 });
    for (let i = 0; i < 100; i += 1) journal.ack(credit(journal, 100));
    expect(statSync(join(dir, 'journal.jsonl')).size).toBeLessThan(2048 * 2);
    expect(journal.lastSeq).toBeGreaterThan(200);
    journal.close();
  });
});

describe('FileJournal recovery', () => {
  function sample(): { dir: string; bytes: Buffer; records: number } {
    const dir = tempDir();
    const journal = new FileJournal({ dir });
    credit(journal, 500);
    credit(journal, 1000);
    journal.ack(1);
    journal.append('payout_request', { transaction: 'tx', device: 'p', amount: 300, currency: 'EUR' });
    credit(journal, 2000);
    journal.close();
    return { dir, bytes: readFileSync(join(dir, 'journal.jsonl')), records: 5 };
  }

  it('opens a file cut at every byte offset to an exact prefix and appends after it', () => {
    const { dir, bytes, records } = sample();
    const ends: number[] = [];
    for (let i = 0; i < bytes.length; i += 1) if (bytes[i] === 0x0a) ends.push(i + 1);
    expect(ends.length).toBe(records);
    const file = join(dir, 'journal.jsonl');
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      writeFileSync(file, bytes.subarray(0, cut));
      const journal = new FileJournal({ dir });
      // whole lines survive; a line that lost only its newline is whole too
      const whole = ends.filter((end) => end <= cut + 1).length;
      expect(journal.lastSeq, `cut at ${cut}`).toBe(whole);
      const seq = credit(journal, 1);
      expect(seq).toBe(whole + 1);
      journal.close();
      const again = new FileJournal({ dir });
      expect(again.lastSeq, `reopen after cut at ${cut}`).toBe(whole + 1);
      again.close();
    }
  });

  it('refuses a file with a flipped bit in the middle and leaves it as it was', () => {
    const { dir, bytes } = sample();
    const file = join(dir, 'journal.jsonl');
    const damaged = Buffer.from(bytes);
    const middle = bytes.indexOf('"amount":1000');
    damaged[middle + 10] = (damaged[middle + 10] ?? 0) ^ 0x01;
    writeFileSync(file, damaged);
    let error: unknown;
    try {
      new FileJournal({ dir }).close();
    } catch (e) {
      error = e;
    }
    expect(isKioskbusError(error, ErrorCode.CrcMismatch)).toBe(true);
    expect(String(error)).toMatch(/line 2 is damaged/);
    expect(readFileSync(file).equals(damaged)).toBe(true);
    // the lock was released: the folder can be opened once the file is repaired
    writeFileSync(file, bytes);
    new FileJournal({ dir }).close();
  });

  it('cuts off a damaged last line', () => {
    const { dir, bytes } = sample();
    const file = join(dir, 'journal.jsonl');
    const damaged = Buffer.from(bytes);
    damaged[bytes.length - 5] = (damaged[bytes.length - 5] ?? 0) ^ 0x01;
    writeFileSync(file, damaged);
    const journal = new FileJournal({ dir });
    expect(journal.lastSeq).toBe(4);
    expect(journal.openReport.cutBytes).toBeGreaterThan(0);
    journal.close();
  });
});
