// Errors with permanent codes. Every failure coredumpctl reports is one of
// these; main() prints the message once and sets the exit status.
export type CoredumpctlErrorCode =
  | 'ERR_USAGE' // bad option or combination
  | 'ERR_NOT_FOUND' // no entry matched
  | 'ERR_JOURNAL' // journalctl failed
  | 'ERR_NO_CORE' // entry has no core attached
  | 'ERR_ACCESS' // core exists but cannot be read
  | 'ERR_OUTPUT' // writing the output failed
  | 'ERR_TTY' // refusing to dump to a terminal
  | 'ERR_DEBUGGER'; // debugger could not run or exe is unusable

export class CoredumpctlError extends Error {
  readonly code: CoredumpctlErrorCode;
  /** already reported to the user (e.g. "No coredumps found." was a notice) */
  readonly silent: boolean;
  constructor(
    code: CoredumpctlErrorCode,
    message: string,
    opts?: { cause?: unknown; silent?: boolean },
  ) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CoredumpctlError';
    this.code = code;
    this.silent = opts?.silent ?? false;
  }
}
