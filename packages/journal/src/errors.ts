// Coded errors for this package. Codes come from @coredump-ts/protocol's table.
import { CoredumpError, type ErrorCode } from '@coredump-ts/protocol';

export function journalError(code: ErrorCode, message: string, cause?: unknown): CoredumpError {
  return cause === undefined
    ? new CoredumpError(code, message)
    : new CoredumpError(code, message, { cause });
}

/** errno code of a failed syscall (`SysError` from @coredump-ts/unix, or a Node fs error). */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
}
