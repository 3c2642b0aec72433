// Size vacuum of the storage directory (spec §7.1): while the cores use more
// than MaxUse= or leave less than KeepFree= free, delete the oldest core of
// the uid with the most cores. Temp files (`.#...`, O_TMPFILE) never count.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  statfsSync,
  unlinkSync,
} from 'node:fs';

import { openStorageDir } from './storage-dir.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export interface VacuumDeps {
  readonly dir: string;
  /** undefined = derive from the filesystem size (spec §5.2). */
  readonly maxUse: number | undefined;
  readonly keepFree: number | undefined;
  /** The new core, excluded from the scan and the sum (the second pass). */
  readonly exclude?: { readonly dev: bigint; readonly ino: bigint } | undefined;
  /** Release the blocks of an unlinked file someone may still hold open. */
  readonly deallocate?: ((fd: number, length: number) => void) | undefined;
  readonly pageSize?: number;
}

export interface FsUsage {
  readonly sizeBytes: number;
  readonly freeBytes: number;
}

const pageAlign = (n: number, page: number): number => Math.ceil(n / page) * page;

/** Effective MaxUse=: set -> page aligned; unset -> 10% of the fs in [1 MiB, 4 GiB]. */
export function effectiveMaxUse(maxUse: number | undefined, fsSize: number, page = 4096): number {
  if (maxUse !== undefined) return pageAlign(maxUse, page);
  if (fsSize <= 0) return MIB;
  return Math.min(Math.max(pageAlign(fsSize / 10, page), MIB), 4 * GIB);
}

/** Effective KeepFree=: set -> page aligned; unset -> 15% of the fs, at most 4 GiB. */
export function effectiveKeepFree(
  keepFree: number | undefined,
  fsSize: number,
  page = 4096,
): number {
  if (keepFree !== undefined) return pageAlign(keepFree, page);
  if (fsSize <= 0) return MIB;
  return Math.min(pageAlign((fsSize * 3) / 20, page), 4 * GIB);
}

export function vacuumNecessary(
  sumBytes: number,
  fs: FsUsage,
  maxUse: number | undefined,
  keepFree: number | undefined,
  page = 4096,
): boolean {
  const mu = effectiveMaxUse(maxUse, fs.sizeBytes, page);
  if (mu > 0 && sumBytes > mu) return true;
  const kf = effectiveKeepFree(keepFree, fs.sizeBytes, page);
  return kf > 0 && fs.freeBytes < kf;
}

interface UidStats {
  nFiles: number;
  oldestFile: string;
  oldestMtimeNs: bigint;
}

export interface ScanResult {
  readonly sumBytes: number;
  /** Core files counted. */
  readonly files: number;
  readonly worst: UidStats | undefined;
}

/** The `<uid>` of `core.<comm>.<uid>.…`, or undefined when this is not a core. */
export function coreFileUid(name: string): number | undefined {
  if (!name.startsWith('core.')) return undefined;
  const uid = name.split('.')[2];
  if (uid === undefined || !/^[0-9]+$/.test(uid)) return undefined;
  const n = Number(uid);
  return n <= 0xfffffffe ? n : undefined;
}

export function scanCores(dir: string, exclude: VacuumDeps['exclude']): ScanResult {
  let sumBytes = 0;
  let files = 0;
  let worst: UidStats | undefined;
  const byUid = new Map<number, UidStats>();
  for (const name of readdirSync(dir)) {
    const uid = coreFileUid(name);
    if (uid === undefined) continue;
    let st;
    try {
      st = lstatSync(`${dir}/${name}`, { bigint: true });
    } catch {
      continue; // raced with another remover
    }
    if (!st.isFile()) continue;
    if (exclude !== undefined && st.dev === exclude.dev && st.ino === exclude.ino) continue;
    sumBytes += Number(st.blocks) * 512;
    files += 1;
    let c = byUid.get(uid);
    if (c === undefined) {
      c = { nFiles: 1, oldestFile: name, oldestMtimeNs: st.mtimeNs };
      byUid.set(uid, c);
    } else {
      c.nFiles += 1;
      if (st.mtimeNs < c.oldestMtimeNs) {
        c.oldestFile = name;
        c.oldestMtimeNs = st.mtimeNs;
      }
    }
    if (
      worst === undefined ||
      worst.nFiles < c.nFiles ||
      (worst.nFiles === c.nFiles && c.oldestMtimeNs < worst.oldestMtimeNs)
    ) {
      worst = c;
    }
  }
  return { sumBytes, files, worst };
}

/**
 * What the stored cores occupy, counted as the vacuum counts them, and the
 * effective MaxUse= of their filesystem (the exporter's storage gauges).
 */
export function storageUsage(
  dir: string,
  maxUse: number | undefined,
): { usedBytes: number; files: number; maxUseBytes: number } {
  const scan = scanCores(dir, undefined);
  return {
    usedBytes: scan.sumBytes,
    files: scan.files,
    maxUseBytes: effectiveMaxUse(maxUse, fsUsage(dir).sizeBytes),
  };
}

function fsUsage(dir: string): FsUsage {
  const s = statfsSync(dir);
  return { sizeBytes: s.bsize * s.blocks, freeBytes: s.bsize * s.bfree };
}

/** Unlink, and when that was the last link punch out the data (open readers must not pin it). */
function unlinkDeallocate(path: string, deallocate: VacuumDeps['deallocate']): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    fd = undefined;
  }
  try {
    unlinkSync(path);
    if (fd === undefined || deallocate === undefined) return;
    const st = fstatSync(fd);
    if (st.nlink === 0 && st.size > 0) {
      try {
        deallocate(fd, st.size);
      } catch {
        // best effort, like systemd's fallback: the unlink already happened
      }
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Run the vacuum loop. Returns the names removed, in order; the caller logs
 * "Removed old coredump %s." for each. ENOENT on the directory -> nothing to do.
 */
export function vacuumCores(deps: VacuumDeps): string[] {
  const removed: string[] = [];
  if (deps.maxUse === 0 && deps.keepFree === 0) return removed;
  const page = deps.pageSize ?? 4096;
  // Opened once, not followed if a symbolic link: nothing outside it is ever deleted.
  const dir = openStorageDir(deps.dir, { create: false });
  if (dir === undefined) return removed;
  try {
    for (;;) {
      const scan = scanCores(dir.at, deps.exclude);
      if (scan.worst === undefined) return removed;
      if (!vacuumNecessary(scan.sumBytes, fsUsage(dir.at), deps.maxUse, deps.keepFree, page)) {
        return removed;
      }
      const name = scan.worst.oldestFile;
      try {
        unlinkDeallocate(`${dir.at}/${name}`, deps.deallocate);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      removed.push(name);
    }
  } finally {
    dir.close();
  }
}
