// The reader entry (`@coredump-ts/journal/read`): the export parser and the
// journal file reader. It never imports @coredump-ts/unix, so a reader such as
// coredumpctl does not need the native addon. Re-exports only.
export type { JournalEntry } from './entry.js';
export { DATA_SIZE_MAX, ExportParser, parseExport, parseExportStream } from './export-parser.js';
export {
  directoryJournalFiles,
  entryCursor,
  entryFields,
  HeadFields,
  JournalFile,
  JournalFileError,
  localJournalFiles,
  matchingOffsets,
  readMachineId,
  queryFiles,
  QueryWalk,
  type EntryHead,
  type FileQuery,
  type ReadDataOptions,
} from './journal-file/index.js';
