// coredumpctl's failures: CoredumpError with a code from the one table in
// @coredump-ts/protocol (docs/errors.md, "coredumpctl"). Every one exits 1, as
// systemd's coredumpctl does; run() prints the message once.
import { CoredumpError, type ToolErrorCode } from '@coredump-ts/protocol';

export type CoredumpctlErrorCode = ToolErrorCode<'coredumpctl'>;

export class CoredumpctlError extends CoredumpError {
  declare readonly code: CoredumpctlErrorCode;
  /** already reported to the user (e.g. "No coredumps found." was a notice) */
  readonly silent: boolean;
  /** systemd logs it as a notice (highlighted on a terminal), not as an error (red) */
  readonly notice: boolean;
  constructor(
    code: CoredumpctlErrorCode,
    message: string,
    opts?: { cause?: unknown; silent?: boolean; notice?: boolean },
  ) {
    super(code, message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.silent = opts?.silent ?? false;
    this.notice = opts?.notice ?? false;
  }
}
