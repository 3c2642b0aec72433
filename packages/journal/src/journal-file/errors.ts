// Why the file reader gave up. Callers (coredumpctl) treat any of these as
// "use journalctl instead", so they are reasons, not user-facing messages.

export type JournalFileErrorReason =
  /** a feature this reader does not implement (xz/lz4 data, unkeyed hash, unknown flags) */
  | 'unsupported'
  /** the file does not validate where it must (header, a referenced DATA object) */
  | 'corrupt'
  /** the file or directory could not be opened or read */
  | 'io';

export class JournalFileError extends Error {
  readonly reason: JournalFileErrorReason;
  readonly path: string;

  constructor(reason: JournalFileErrorReason, path: string, message: string, cause?: unknown) {
    super(`${path}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'JournalFileError';
    this.reason = reason;
    this.path = path;
  }
}
