// Small idempotent file steps shared by install and uninstall. Each returns
// whether it changed anything, so a second run can say "nothing to do".
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * mkdir -p with 0755 whatever the umask: what install creates must be
 * readable to every user (coredumpctl-ts runs as anyone).
 */
export function ensureDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (first === undefined) return;
  for (let d = dir; d.length >= first.length; d = dirname(d)) chmodSync(d, 0o755);
}

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export type Change = 'created' | 'updated' | 'unchanged';

/** The bytes at path, undefined when it does not exist (a symlink counts as not ours: undefined). */
function bytesIfRegular(path: string): Buffer | undefined {
  try {
    return lstatSync(path).isFile() ? readFileSync(path) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Written via a temp file and rename, so a running handler or worker never
 * reads half a file. A symlink at path (an older install's) is replaced.
 */
export function writeFileIfChanged(path: string, data: string | Buffer, mode = 0o644): Change {
  const old = bytesIfRegular(path);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  if (old?.equals(bytes) === true && (lstatSync(path).mode & 0o7777) === mode) return 'unchanged';
  const existed = old !== undefined || isSymlink(path);
  ensureDir(dirname(path));
  const tmp = `${path}.coredump-ts-new`;
  writeFileSync(tmp, bytes, { mode });
  chmodSync(tmp, mode); // the umask does not apply to what we install
  renameSync(tmp, path);
  return existed ? 'updated' : 'created';
}

/** Copy source to path when the bytes or the mode differ. */
export function copyFileIfChanged(source: string, path: string, mode = 0o644): Change {
  return writeFileIfChanged(path, readFileSync(source), mode);
}

/** Remove the empty directories under top (deepest first), then top if empty. */
export function removeEmptyDirs(top: string): void {
  let entries: string[];
  try {
    entries = readdirSync(top);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = `${top}/${name}`;
    if (lstatSync(path).isDirectory()) removeEmptyDirs(path);
  }
  removeDirIfEmpty(top);
}

export function linkIfChanged(path: string, pointsTo: string): 'created' | 'updated' | 'unchanged' {
  let old: string | undefined;
  try {
    old = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : '';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (old === pointsTo) return 'unchanged';
  ensureDir(dirname(path));
  if (old !== undefined) unlinkSync(path);
  symlinkSync(pointsTo, path);
  return old === undefined ? 'created' : 'updated';
}

export function removeIfExists(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** rmdir when empty; a non-empty or missing directory is left as is. */
export function removeDirIfEmpty(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    rmdirSync(path);
    return true;
  } catch (error) {
    if (['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? ''))
      return false;
    throw error;
  }
}
