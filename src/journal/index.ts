/** The money journal: append-only JSON lines with a CRC32 per line, fdatasync per append, one writer at a time. */
export * from './types.js';
export { FileJournal, type FileJournalOptions, type JournalOpenReport } from './file-journal.js';
export { decodeLine, encodeLine, scanJournal, type ScanResult } from './lines.js';
