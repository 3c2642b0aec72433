export type { JournalEntry } from './entry.js';
export { DATA_SIZE_MAX, ExportParser, parseExport, parseExportStream } from './export-parser.js';
export { journalctlArgs, readJournal, type ReadJournalOptions } from './read-journal.js';
export { JournalEntryFile, type AppendFromFdOptions } from './entry-file.js';
export {
  DATAGRAM_MAX_BYTES,
  JOURNAL_SNDBUF_BYTES,
  JOURNAL_SOCKET,
  sendJournalEntry,
  type SendJournalOptions,
  type SendJournalResult,
} from './send.js';
