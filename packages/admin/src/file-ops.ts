// Small idempotent file steps shared by install and uninstall. Each returns
// whether it changed anything, so a second run can say "nothing to do".
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** 'created' | 'updated' | 'unchanged'; written via a temp file and rename. */
export function writeFileIfChanged(
  path: string,
  text: string,
  mode = 0o644,
): 'created' | 'updated' | 'unchanged' {
  const old = readIfExists(path);
  if (old === text) return 'unchanged';
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.coredump-ts-new`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
  return old === undefined ? 'created' : 'updated';
}

export function linkIfChanged(path: string, pointsTo: string): 'created' | 'updated' | 'unchanged' {
  let old: string | undefined;
  try {
    old = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : '';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (old === pointsTo) return 'unchanged';
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
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
