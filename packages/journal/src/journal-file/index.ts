// The journal file reader: re-exports only.
export {
  directoryJournalFiles,
  JOURNAL_ROOTS,
  localJournalFiles,
  readMachineId,
} from './discover.js';
export { entryCursor, entryFields } from './entry-fields.js';
export { HeadFields } from './entry-head.js';
export { JournalFileError, type JournalFileErrorReason } from './errors.js';
export {
  JournalFile,
  type DataItem,
  type EntryHead,
  type ReadDataOptions,
} from './journal-file.js';
export { isValidMatch, matchingOffsets, queryFiles, QueryWalk, type FileQuery } from './query.js';
export { siphash24 } from './siphash.js';
