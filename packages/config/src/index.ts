export {
  CONFIG_KEYS,
  CONFIG_SECTION,
  DEFAULT_CONFIG,
  JOURNAL_SIZE_MAX,
  storageSizeMax,
  type ConfigKey,
  type CoredumpConfig,
} from './config.js';
export {
  finalizeConfig,
  formatDiagnostic,
  LINE_MAX_BYTES,
  parseConfigText,
  type Diagnostic,
  type ParseStats,
} from './parse.js';
export {
  CONFIG_DIRS,
  CONFIG_FILE_MAX_BYTES,
  loadConfig,
  type LoadOptions,
  type LoadResult,
} from './load.js';
export type { ConfigFs, FileKind, FileStat, FsResult } from './config-fs.js';
export { formatBytes, parseSize, parseSizeResult, STRERROR, type SizeResult } from './size.js';
export {
  parseBoolean,
  parseContent,
  parseStorage,
  parseUnsigned,
  type Content,
  type ParseResult,
  type Storage,
} from './values.js';
export { parseTimespanUsec } from './timespan.js';
