export {
  CONFIG_KEYS,
  CONFIG_SECTION,
  DEFAULT_CONFIG,
  JOURNAL_SIZE_MAX,
  storageSizeMax,
  type ConfigKey,
  type CoredumpConfig,
} from './config.js';
export { finalizeConfig, formatDiagnostic, parseConfigText, type Diagnostic } from './parse.js';
export { CONFIG_DIRS, loadConfig, type LoadResult } from './load.js';
export { formatBytes, parseSize, parseSizeResult, type SizeResult } from './size.js';
export { parseBoolean, parseStorage, type ParseResult, type Storage } from './values.js';
