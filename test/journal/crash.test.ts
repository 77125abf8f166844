/**
 * The journal under kill -9: a child appends and acknowledges credits as fast as it can and is killed after a random
 * number of appends. Every credit it reported is in the journal once, every acknowledged one stays acknowledged, the
 * unacknowledged ones are pending (delivered again), and the next writer takes over the stale lock.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileJournal } from '../../src/journal/index.js';

const ROUNDS = 6;
const dir = mkdtempSync(join(tmpdir(), 'kioskbus-journal-crash-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it has reported `appends` credits, then SIGKILLs it; returns what it printed. */
function runWriter(appends: number): Promise<{ appended: number[]; acked: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/journal/crash-writer.ts', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const appended: number[] = [];
    const acked: number[] = [];
    let rest = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, seq] = line.split(' ');
        if (kind === 'A') appended.push(Number(seq));
        if (kind === 'K') acked.push(Number(seq));
      }
      if (appended.length >= appends) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer ended with ${String(code)}: ${errors}`));
      else resolve({ appended, acked });
    });
  });
}

describe('journal under kill -9', () => {
  it(`keeps every reported credit once and every acknowledgement over ${ROUNDS} kills`, async () => {
    const everAcked = new Set<number>();
    let seed = 12345;
    for (let round = 0; round < ROUNDS; round += 1) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const { appended, acked } = await runWriter(20 + (seed % 400));
      for (const seq of acked) everAcked.add(seq);

      const journal = new FileJournal({ dir });
      try {
        const all = journal.since(0, Number.MAX_SAFE_INTEGER);
        const credits = all.filter((r) => r.type === 'credit');
        const seqs = credits.map((r) => r.seq);
        const numbers = credits.map((r) => r.body.n);
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(new Set(numbers).size).toBe(numbers.length);
        const pending = journal.pending().map((r) => r.seq);
        for (const seq of appended) {
          // reported as written: present (or acknowledged and compacted away)
          expect(seqs.includes(seq) || everAcked.has(seq)).toBe(true);
        }
        for (const seq of everAcked) expect(pending).not.toContain(seq);
        // not known to be acknowledged: pending, unless the writer's ack reached the journal before it died
        const ackedInFile = new Set(all.filter((r) => r.type === 'ack').map((r) => Number(r.body.credit)));
        for (const seq of appended.filter((s) => !everAcked.has(s))) {
          expect(pending.includes(seq) || ackedInFile.has(seq)).toBe(true);
        }
        expect(pending.length).toBeLessThanOrEqual(2);
        // the application takes the pending credits again and acknowledges them
        for (const seq of pending) {
          expect(journal.ack(seq)).toBe(true);
          everAcked.add(seq);
        }
        expect(journal.pending()).toEqual([]);
      } finally {
        journal.close();
      }
    }
  }, 60_000);
});
