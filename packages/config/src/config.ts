/** The [Coredump] keys as a table (one row per key) plus one defaults object (spec §5.2). */
import { parseTimespanUsec } from './timespan.js';
import {
  parseBoolean,
  parseContent,
  parseUnsigned,
  type Content,
  parseIecSize,
  parseIecSizeOrInfinity,
  parseStorage,
  type ParseResult,
  type Storage,
} from './values.js';

export interface CoredumpConfig {
  readonly storage: Storage;
  readonly compress: boolean;
  readonly processSizeMax: number;
  readonly externalSizeMax: number;
  readonly journalSizeMax: number;
  /** undefined = derive from the file system (spec §5.2). */
  readonly maxUse: number | undefined;
  readonly keepFree: number | undefined;
  readonly enterNamespace: boolean;
  /** Ours (systemd warns and ignores it): `stacks` keeps only what a stack trace needs. */
  readonly content: Content;
  /** Ours: the rate limit's window, µs; 0 = no rate limit. */
  readonly rateLimitIntervalUsec: number;
  /** Ours: cores stored per window; 0 = no rate limit. */
  readonly rateLimitBurst: number;
  /** Ours: the most the stack helper's cache of decompressed debug files may use; 0 = none. */
  readonly debugInfoCacheMaxUse: number;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** JOURNAL_SIZE_MAX: the largest entry journald accepts. */
export const JOURNAL_SIZE_MAX = 767 * MIB;

/** 64-bit defaults (PROCESS_SIZE_MAX / EXTERNAL_SIZE_MAX are 32G there). */
export const DEFAULT_CONFIG: Readonly<CoredumpConfig> = Object.freeze({
  storage: 'external',
  compress: true,
  processSizeMax: 32 * GIB,
  externalSizeMax: 32 * GIB,
  journalSizeMax: JOURNAL_SIZE_MAX,
  maxUse: undefined,
  keepFree: undefined,
  enterNamespace: false,
  content: 'full',
  rateLimitIntervalUsec: 0,
  rateLimitBurst: 0,
  debugInfoCacheMaxUse: GIB,
});

export interface ConfigKey<K extends keyof CoredumpConfig = keyof CoredumpConfig> {
  readonly name: string;
  readonly field: K;
  readonly parse: (text: string) => ParseResult<CoredumpConfig[K]>;
}

const key = <K extends keyof CoredumpConfig>(
  name: string,
  field: K,
  parse: (text: string) => ParseResult<CoredumpConfig[K]>,
): ConfigKey => ({ name, field, parse });

/** Section [Coredump]. Adding a key means adding a row. */
export const CONFIG_SECTION = 'Coredump';
export const CONFIG_KEYS: readonly ConfigKey[] = [
  key('Storage', 'storage', parseStorage),
  key('Compress', 'compress', parseBoolean),
  key('ProcessSizeMax', 'processSizeMax', parseIecSize),
  key('ExternalSizeMax', 'externalSizeMax', parseIecSizeOrInfinity),
  key('JournalSizeMax', 'journalSizeMax', parseIecSize),
  key('MaxUse', 'maxUse', parseIecSize),
  key('KeepFree', 'keepFree', parseIecSize),
  key('EnterNamespace', 'enterNamespace', parseBoolean),
  // Ours: systemd-coredump warns "Unknown key ..., ignoring." and carries on.
  key('Content', 'content', parseContent),
  key('RateLimitIntervalSec', 'rateLimitIntervalUsec', parseTimespanUsec),
  key('RateLimitBurst', 'rateLimitBurst', parseUnsigned),
  key('DebugInfoCacheMaxUse', 'debugInfoCacheMaxUse', parseIecSize),
];

/** spec §5.3: the most a core may take in the configured storage. */
export const storageSizeMax = (config: CoredumpConfig): number => {
  switch (config.storage) {
    case 'none':
      return 0;
    case 'external':
      return config.externalSizeMax;
    case 'journal':
      return config.journalSizeMax;
  }
};
