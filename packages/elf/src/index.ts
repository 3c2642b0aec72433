export {
  createMiniCoreBuilder,
  type CoreObserver,
  type FinishOptions,
  type MiniCoreBuilder,
  type MiniCoreInfo,
  type MiniCoreOptions,
  type MiniCoreResult,
  type ReadMemory,
} from './mini-core.js';
export { readCoreNotes, type CoreNotes, type CoreNotesResult } from './read-notes.js';
export type { CoreFileMapping, CoreThread } from './notes.js';
export { ELF_INPUT_ERROR_CODES, type ElfErrorCode, type ElfFailure } from './core-layout.js';
export { buildIdOfImage, moduleBuildIds, type ModuleBuildId } from './build-ids.js';
export {
  decompressElfSections,
  sectionTableEnd,
  type DecompressSectionsOptions,
  type DecompressSectionsResult,
  type SectionFiles,
} from './decompress-sections.js';
