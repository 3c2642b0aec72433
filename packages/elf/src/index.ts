export {
  createMiniCoreBuilder,
  type CoreObserver,
  type MiniCoreBuilder,
  type MiniCoreInfo,
  type MiniCoreOptions,
  type MiniCoreResult,
  type ReadMemory,
} from './mini-core.js';
export { readCoreNotes, type CoreNotes, type CoreNotesResult } from './read-notes.js';
export type { CoreFileMapping, CoreThread } from './notes.js';
export type { ElfErrorCode, ElfFailure } from './core-layout.js';
