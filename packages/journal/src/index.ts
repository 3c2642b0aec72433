export type { JournalEntry } from './entry.js';
export { DATA_SIZE_MAX, ExportParser, parseExport, parseExportStream } from './export-parser.js';
export { journalctlArgs, readJournal, type ReadJournalOptions } from './read-journal.js';
