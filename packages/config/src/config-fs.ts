/**
 * The file-system calls the loader makes, injected so that this package does
 * no I/O of its own (issue 13: the pure packages import no I/O). The node:fs
 * implementation is `configFs` in @coredump-ts/unix; tests may pass a fake.
 * Every call answers instead of throwing.
 */

/** A value, or the errno code (`ENOENT`) and a message. */
export type FsResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: string; readonly message: string };

export type FileKind =
  'file' | 'directory' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'other';

export interface FileStat {
  readonly kind: FileKind;
  readonly sizeBytes: number;
  /** Device and inode (`dev:ino`): two paths with the same identity are one file. */
  readonly identity: string;
}

export interface ConfigFs {
  /** stat(2): symlinks followed. */
  stat(path: string): FsResult<FileStat>;
  /** readlink(2): the target of a symlink; an error (EINVAL) when `path` is not one. */
  readLink(path: string): FsResult<string>;
  /** The names in a directory (no `.` and `..`), in no particular order. */
  listDirectory(path: string): FsResult<string[]>;
  /**
   * The text (UTF-8) of a regular file of at most `maxBytes` bytes, symlinks
   * followed. Opening never blocks (a FIFO is refused, not waited on); anything
   * but a regular file is refused, and so is a file larger than `maxBytes`.
   */
  readRegularFile(path: string, maxBytes: number): FsResult<string>;
}
