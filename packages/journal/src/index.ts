export {
  DATA_SIZE_MAX,
  ExportParser,
  parseExport,
  parseExportStream,
  type JournalEntry,
} from './read.js';
export { JournalEntryFile, type AppendFromFdOptions } from './entry-file.js';
export {
  DATAGRAM_MAX_BYTES,
  JOURNAL_SNDBUF_BYTES,
  JOURNAL_SOCKET,
  sendJournalEntry,
  type SendJournalOptions,
  type SendJournalResult,
} from './send.js';
