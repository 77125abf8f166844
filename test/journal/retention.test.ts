/**
 * Compaction and the consumers that read the journal by seq (the MQTT bridge): a registered consumer's cursor is a
 * retention floor (nothing after it is dropped), up to a hard cap; past the cap the unread records go, a
 * `retention_overflow` record says so and the consumer is told. Vends and card dispenses are kept like payouts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileJournal, type RetentionOverflow } from '../../src/journal/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kioskbus-retention-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Appends `n` device events (records compaction drops when nobody needs them); returns their seqs. */
function events(journal: FileJournal, n: number): number[] {
  return Array.from({ length: n }, (_, i) => journal.append('event', { device: 'nv200-0', type: 'poll', i }).seq);
}

describe('journal retention floor', () => {
  it('keeps every record after the lowest consumer cursor, and drops what every consumer has read', () => {
    const journal = new FileJournal({ dir: tempDir(), compactAboveBytes: 1_000_000 });
    const bridge = journal.retain('mqtt', 0);
    const other = journal.retain('audit', 0);
    const seqs = events(journal, 50);
    journal.compact();
    expect(journal.since(0, 1000).filter((r) => r.type === 'event')).toHaveLength(50);

    bridge.advance(seqs[29] ?? 0);
    other.advance(seqs[39] ?? 0);
    bridge.advance(5); // never back
    expect(bridge.cursor).toBe(seqs[29]);
    journal.compact();
    // the floor is the lower cursor: events 31..50 are kept, 1..30 are gone
    expect(journal.since(0, 1000).flatMap((r) => (r.type === 'event' ? [r.seq] : []))).toEqual(seqs.slice(30));
    expect(journal.since(seqs[29] ?? 0, 1)[0]?.seq).toBe(seqs[30]);

    bridge.release();
    other.release();
    journal.compact();
    expect(journal.since(0, 1000).filter((r) => r.type === 'event')).toEqual([]);
    journal.close();
  });

  it('holds a persisted cursor from the compaction on open, before anyone registers', () => {
    const dir = tempDir();
    const first = new FileJournal({ dir, compactAboveBytes: 1_000_000 });
    const seqs = events(first, 40);
    first.close();
    const reopened = new FileJournal({ dir, compactAboveBytes: 1024, retain: { mqtt: seqs[19] ?? 0 } });
    expect(reopened.since(0, 1000).flatMap((r) => (r.type === 'event' ? [r.seq] : []))).toEqual(seqs.slice(20));
    expect(reopened.since(0, 1000).some((r) => r.type === 'compacted')).toBe(true);
    reopened.close();
  });

  it('keeps vends and card dispenses with their transactions, like payouts', () => {
    const dir = tempDir();
    const journal = new FileJournal({ dir, compactAboveBytes: 1_000_000 });
    journal.append('vend_request', { transaction: 'v1', device: 'card-0', amount: 350, currency: 'EUR' });
    journal.append('vend_result', { transaction: 'v1', device: 'card-0', op: 'vend', status: 'paid' });
    journal.append('dispense_request', { transaction: 'c1', device: 'box-0', tcd: 0 });
    journal.append('uncertain', { transaction: 'c1', device: 'box-0', op: 'dispense_card', status: 'uncertain' });
    events(journal, 10);
    journal.compact();
    journal.close();
    const reopened = new FileJournal({ dir });
    expect(reopened.transaction('v1')?.result?.type).toBe('vend_result');
    expect(reopened.transaction('c1')?.result?.type).toBe('uncertain');
    expect(reopened.since(0, 100).filter((r) => r.type === 'event')).toEqual([]);
    reopened.close();
  });

  it('past the hard cap drops the unread records anyway, journals retention_overflow and tells the consumer', async () => {
    const journal = new FileJournal({ dir: tempDir(), compactAboveBytes: 4096, retainMaxBytes: 8192 });
    const told: RetentionOverflow[] = [];
    const bridge = journal.retain('mqtt', 0, (overflow) => told.push(overflow));
    journal.append('payout_request', { transaction: 'p1', device: 'payout-0', amount: 500, currency: 'EUR' });
    const credit = journal.append('credit', { device: 'nv200-0', amount: 1000, currency: 'EUR' }).seq;
    // below the cap the floor holds through several compactions
    events(journal, 40);
    expect(journal.since(0, 10_000).filter((r) => r.type === 'event')).toHaveLength(40);
    expect(told).toEqual([]);
    // the consumer stays away: the journal grows past the cap
    events(journal, 200);
    await Promise.resolve();
    expect(told.length).toBeGreaterThan(0);
    const overflow = told[0];
    expect(overflow?.consumers).toEqual([{ name: 'mqtt', cursor: 0 }]);
    expect(overflow?.capBytes).toBe(8192);
    expect(overflow?.wouldBeBytes).toBeGreaterThan(8192);
    const records = journal.since(0, 10_000);
    expect(records.some((r) => r.type === 'retention_overflow')).toBe(true);
    // money is never dropped: the payout and the unacknowledged credit are still there
    expect(journal.transaction('p1')).toBeDefined();
    expect(journal.pending().map((r) => r.seq)).toEqual([credit]);
    expect(bridge.cursor).toBe(0);
    journal.close();
  });
});
