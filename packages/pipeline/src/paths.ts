// Where the worker reads and writes. Every path has systemd's default and an
// environment override so tests and non-systemd machines can relocate it
// (documented in docs/paths.md).

export interface Paths {
  readonly storageDir: string;
  readonly configRoot: string;
  readonly journalSocket: string;
  readonly procRoot: string;
  readonly bootIdFile: string;
  /** Decompressed copies of debug files for the stack helper (debuginfo-cache.ts). */
  readonly debuginfoCacheDir: string;
  /** Where debug packages install separate debug files. */
  readonly debugRoot: string;
}

export const DEFAULT_PATHS: Readonly<Paths> = {
  storageDir: '/var/lib/systemd/coredump',
  configRoot: '/',
  journalSocket: '/run/systemd/journal/socket',
  procRoot: '/proc',
  bootIdFile: '/proc/sys/kernel/random/boot_id',
  debuginfoCacheDir: '/var/cache/coredump-ts/debuginfo',
  debugRoot: '/usr/lib/debug',
};

/** DEFAULT_PATHS with the COREDUMP_TS_* overrides found in env applied. */
export function pathsFromEnv(env: NodeJS.ProcessEnv = process.env): Paths {
  const pick = (name: string, fallback: string): string => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : fallback;
  };
  const procRoot = pick('COREDUMP_TS_PROC', DEFAULT_PATHS.procRoot);
  return {
    storageDir: pick('COREDUMP_TS_STORAGE', DEFAULT_PATHS.storageDir),
    configRoot: pick('COREDUMP_TS_CONFIG_ROOT', DEFAULT_PATHS.configRoot),
    journalSocket: pick('COREDUMP_TS_JOURNAL_SOCKET', DEFAULT_PATHS.journalSocket),
    procRoot,
    bootIdFile: `${procRoot}/sys/kernel/random/boot_id`,
    debuginfoCacheDir: pick('COREDUMP_TS_DEBUGINFO_CACHE', DEFAULT_PATHS.debuginfoCacheDir),
    debugRoot: pick('COREDUMP_TS_DEBUG_ROOT', DEFAULT_PATHS.debugRoot),
  };
}
