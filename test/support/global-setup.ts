// Once per integration run: a private cache of decompressed debug files for every
// worker the tests start (COREDUMP_TS_DEBUGINFO_CACHE), so that no test writes to
// the machine's /var/cache/coredump-ts. Workers inherit it through process.env;
// handler wrappers the kernel starts export it (receiver.ts). Removed at the end.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEBUGINFO_CACHE_ENV = 'COREDUMP_TS_DEBUGINFO_CACHE';

/** env plus this run's debuginfo cache, for children that do not inherit process.env. */
export function withTestDebuginfoCache(
  env: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const cache = process.env[DEBUGINFO_CACHE_ENV];
  return cache === undefined || DEBUGINFO_CACHE_ENV in env
    ? env
    : { [DEBUGINFO_CACHE_ENV]: cache, ...env };
}

export default function setup(): () => void {
  const given = process.env[DEBUGINFO_CACHE_ENV];
  if (given !== undefined && given !== '') return () => undefined;
  const root = mkdtempSync(join(tmpdir(), 'cdts-debuginfo-'));
  // The stack helper reads the copies as the crashing user.
  chmodSync(root, 0o755);
  process.env[DEBUGINFO_CACHE_ENV] = join(root, 'cache');
  return () => {
    rmSync(root, { recursive: true, force: true });
  };
}
