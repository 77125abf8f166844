/**
 * Child process of the kill -9 test: opens the journal in argv[2] and appends credits for ever. After an append returns
 * it prints `A <seq>`; after it acknowledged the previous credit it prints `K <seq>`. Pipes are written synchronously
 * on Linux, so a printed line means the journal call had returned.
 */
import { FileJournal } from '../../src/journal/index.js';

const dir = process.argv[2] ?? '.';
const journal = new FileJournal({ dir, compactAboveBytes: 64 * 1024 });
let previous: number | undefined;
let n = journal.lastSeq;
for (;;) {
  n += 1;
  const credit = journal.append('credit', { device: 'nv200-0', amount: 500, currency: 'EUR', n });
  process.stdout.write(`A ${credit.seq}\n`);
  if (previous !== undefined) {
    journal.ack(previous);
    process.stdout.write(`K ${previous}\n`);
  }
  previous = credit.seq;
}
