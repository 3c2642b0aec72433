// The storage directory, opened once with O_DIRECTORY|O_NOFOLLOW and then used only
// through /proc/self/fd/<dirfd>/<name> paths (issue 15 item 10). Those resolve through
// the open directory itself, so a storage directory that is (or is later swapped for)
// a symbolic link is never followed: capture does not write, and vacuum does not
// delete, in whatever the link points to. Node has no openat(); the magic link gives
// the same guarantee for every path-based call (open, link, readdir, lstat, unlink).
import { closeSync, constants, lstatSync, mkdirSync, openSync } from 'node:fs';

import { CoredumpError } from '@coredump-ts/protocol';

export interface StorageDir {
  readonly fd: number;
  /** `/proc/self/fd/<fd>`: the opened directory, whatever its path names later. */
  readonly at: string;
  close(): void;
}

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/**
 * Opens `dir` (creating it 0755 first with `create`, like StateDirectory=). A symbolic
 * link as the last component is refused with ERR_STORAGE_IO; undefined when it does not
 * exist and `create` is false.
 */
export function openStorageDir(
  dir: string,
  { create }: { create: boolean },
): StorageDir | undefined {
  if (create) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') {
        throw new CoredumpError('ERR_STORAGE_IO', `Failed to create ${dir}`, { cause: error });
      }
    }
  }
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' && !create) return undefined;
    let symlink = code === 'ELOOP';
    if (code === 'ENOTDIR') {
      try {
        symlink = lstatSync(dir).isSymbolicLink();
      } catch {
        symlink = false;
      }
    }
    throw new CoredumpError(
      'ERR_STORAGE_IO',
      symlink
        ? `Refusing the storage directory ${dir}: it is a symbolic link`
        : `Failed to open the storage directory ${dir}`,
      { cause: error },
    );
  }
  return {
    fd,
    at: `/proc/self/fd/${String(fd)}`,
    close: () => {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}
