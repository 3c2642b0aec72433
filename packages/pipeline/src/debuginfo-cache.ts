// A cache of decompressed separate debug files, keyed by build-id, for the stack helper.
//
// Debian's -dbg packages ship their debug sections zlib-compressed; libdw 0.188 inflates
// every one of them each time it opens such a file (libc6-dbg: ~80 of the helper's ~90 ms,
// docs/performance.md). The worker, still root and before the privilege drop, stores an
// uncompressed copy of the debug files of a crash's modules here once; the helper searches
// this directory first and maps the copy. The first crash pays what libdw would have paid,
// every later crash of anything using the same libraries does not.
//
// It is a cache: any file may go, the directory may go. Files are written to a temporary
// name and renamed; a directory not owned by root or writable by others is not used
// (its files feed every user's stack traces).
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  readSync,
  unlinkSync,
  utimesSync,
  writeSync,
  constants as fsConstants,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

import { decompressElfSections, sectionTableEnd, type SectionFiles } from '@coredump-ts/elf';
import { errorText } from '@coredump-ts/protocol';

export interface DebuginfoCacheOptions {
  /** Where the decompressed copies live (…/.build-id/xx/yyyy.debug). */
  readonly cacheDir: string;
  /** Where the packages put debug files (/usr/lib/debug). */
  readonly debugRoot: string;
  /** DebugInfoCacheMaxUse=: the most the copies may take; 0: no cache. */
  readonly maxUseBytes: number;
  /** For tests: "now" in ms. */
  readonly now?: () => number;
}

export interface WarmReport {
  /** The directory exists and is safe: the helper may search it. */
  readonly usable: boolean;
  /** Build-ids whose copy was made now. */
  readonly added: readonly string[];
  /** Build-ids already in the cache. */
  readonly present: number;
  /** Copies removed to stay under maxUseBytes, and stale temporaries. */
  readonly removed: number;
  /** One line per copy that could not be made; the crash goes on without it. */
  readonly problems: readonly string[];
}

const BUILD_ID = /^[0-9a-f]{4,128}$/;
const TEMP_MARK = '.tmp-';
/**
 * The build-ids come from the crashed program's memory: one crash may ask for every
 * debug file on the machine. New copies per crash are capped; the rest wait for the next.
 */
const MAX_NEW_COPIES_PER_CRASH = 8;
/** A temporary file older than this is left over from a killed worker. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const relativePath = (buildId: string): string =>
  join('.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`);

/** The helper's --debuginfo-path: the cache (when usable) first, then libdwfl's own places. */
export function debuginfoSearchPath(cacheDir: string | undefined, debugRoot: string): string {
  return `${cacheDir === undefined ? '' : `${cacheDir}:`}:.debug:${debugRoot}`;
}

/** Why the cache directory must not be used, or undefined when it may. */
export function unsafeCacheDir(cacheDir: string): string | undefined {
  try {
    const st = lstatSync(cacheDir);
    if (!st.isDirectory()) return `${cacheDir} is not a directory`;
    if (st.uid !== 0) return `${cacheDir} is owned by uid ${String(st.uid)}, not root`;
    if ((st.mode & 0o022) !== 0) return `${cacheDir} is writable by others`;
    return undefined;
  } catch (error) {
    return `${cacheDir}: ${errorText(error)}`;
  }
}

/**
 * Makes sure each build-id's debug file, when the debug root has one with compressed
 * sections, has an uncompressed copy in the cache. Call as root. Never throws.
 */
export async function warmDebuginfoCache(
  buildIds: readonly string[],
  opts: DebuginfoCacheOptions,
): Promise<WarmReport> {
  const added: string[] = [];
  const problems: string[] = [];
  let present = 0;
  if (opts.maxUseBytes <= 0) return { usable: false, added, present, removed: 0, problems };
  try {
    makeDirs(opts.cacheDir);
  } catch (error) {
    problems.push(`cannot create ${opts.cacheDir}: ${errorText(error)}`);
    return { usable: false, added, present, removed: 0, problems };
  }
  const unsafe = unsafeCacheDir(opts.cacheDir);
  if (unsafe !== undefined) {
    return { usable: false, added, present, removed: 0, problems: [unsafe] };
  }
  const now = opts.now?.() ?? Date.now();
  for (const buildId of new Set(buildIds)) {
    if (!BUILD_ID.test(buildId)) continue;
    const copy = join(opts.cacheDir, relativePath(buildId));
    try {
      const state = copyState(copy);
      if (state === 'whole' && markUsed(copy, now)) {
        present++;
        continue;
      }
      // libdw takes the first file it finds under a build-id and would not fall back to
      // the package's own when the copy is cut short: a damaged copy is made again.
      if (state === 'damaged') removeQuietly(copy);
      if (added.length >= MAX_NEW_COPIES_PER_CRASH) continue;
      if (await copyDecompressed(join(opts.debugRoot, relativePath(buildId)), copy, opts)) {
        added.push(buildId);
      }
    } catch (error) {
      problems.push(`${buildId}: ${errorText(error)}`);
    }
  }
  let removed = 0;
  if (added.length > 0) {
    try {
      removed = trimCache(opts.cacheDir, opts.maxUseBytes, now, new Set(added));
    } catch (error) {
      problems.push(`cannot trim ${opts.cacheDir}: ${errorText(error)}`);
    }
  }
  return { usable: true, added, present, removed, problems };
}

function filesOver(src: number, sourceBytes: number, out: number): SectionFiles {
  return {
    sourceBytes,
    read: (buffer, position) => readSync(src, buffer, 0, buffer.length, position),
    write: (buffer, position) => {
      for (let done = 0; done < buffer.length;) {
        done += writeSync(out, buffer, done, buffer.length - done, position + done);
      }
    },
  };
}

/** mkdir -p, each new directory 0755 whatever the umask (the helper runs as another user). */
function makeDirs(path: string): void {
  const first = mkdirSync(path, { recursive: true, mode: 0o755 });
  if (first === undefined) return;
  let dir = first;
  chmodSync(dir, 0o755);
  for (const part of relative(first, path)
    .split(sep)
    .filter((p) => p !== '')) {
    dir = join(dir, part);
    chmodSync(dir, 0o755);
  }
}

/**
 * Whether a copy is there and ends where its section header table ends, as every
 * copy this module writes does (a copy cut short by a full disk or a power loss
 * before its data reached the disk does not).
 */
function copyState(copy: string): 'whole' | 'damaged' | 'missing' {
  let fd: number;
  try {
    fd = openSync(copy, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch {
    return existsQuietly(copy) ? 'damaged' : 'missing';
  }
  try {
    const size = fstatSync(fd).size;
    const ehdr = Buffer.alloc(64);
    const end = readSync(fd, ehdr, 0, 64, 0) === 64 ? sectionTableEnd(ehdr) : undefined;
    return end !== undefined && size >= end ? 'whole' : 'damaged';
  } finally {
    closeSync(fd);
  }
}

function existsQuietly(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // made again below, or reported when that fails
  }
}

/** A copy in use gets a fresh mtime, so trimming removes the least recently used first. */
function markUsed(copy: string, nowMs: number): boolean {
  try {
    const at = new Date(nowMs);
    utimesSync(copy, at, at);
    return true;
  } catch {
    return false;
  }
}

/** false: no debug file, or one with nothing compressed (libdw maps it as it is). */
async function copyDecompressed(
  source: string,
  copy: string,
  opts: DebuginfoCacheOptions,
): Promise<boolean> {
  let src: number;
  try {
    src = openSync(source, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const st = fstatSync(src);
    if (!st.isFile()) throw new Error(`${source} is not a regular file`);
    makeDirs(dirname(copy));
    const temp = `${copy}${TEMP_MARK}${String(process.pid)}`;
    const out = openSync(
      temp,
      fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
      0o644,
    );
    let keep = false;
    try {
      fchmodSync(out, 0o644); // whatever the umask: the helper reads it as the crashing user
      const result = await decompressElfSections(filesOver(src, st.size, out), {
        maxOutputBytes: opts.maxUseBytes,
      });
      if (!result.ok) throw new Error(`${source}: ${result.reason}`);
      keep = result.sections > 0;
    } finally {
      closeSync(out);
      if (keep) renameSync(temp, copy);
      else unlinkSync(temp);
    }
    return keep;
  } finally {
    closeSync(src);
  }
}

/** Removes stale temporaries, then the least recently used copies until under maxUse. */
function trimCache(
  dir: string,
  maxUseBytes: number,
  nowMs: number,
  keep: ReadonlySet<string>,
): number {
  const copies: { path: string; bytes: number; mtimeMs: number; id: string }[] = [];
  let removed = 0;
  const top = join(dir, '.build-id');
  for (const prefix of readdirSync(top)) {
    const sub = join(top, prefix);
    for (const name of readdirSync(sub)) {
      const path = join(sub, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) continue;
      if (name.includes(TEMP_MARK)) {
        if (nowMs - st.mtimeMs > STALE_TEMP_MS) {
          unlinkSync(path);
          removed++;
        }
        continue;
      }
      const id = prefix + name.replace(/\.debug$/, '');
      copies.push({ path, bytes: st.size, mtimeMs: st.mtimeMs, id });
    }
  }
  let total = copies.reduce((sum, c) => sum + c.bytes, 0);
  copies.sort((a, b) => a.mtimeMs - b.mtimeMs);
  for (const c of copies) {
    if (total <= maxUseBytes) break;
    if (keep.has(c.id)) continue;
    unlinkSync(c.path);
    total -= c.bytes;
    removed++;
  }
  return removed;
}
