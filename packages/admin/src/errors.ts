// The admin tool's failures: CoredumpError with a code from the one table in
// @coredump-ts/protocol (docs/errors.md, "coredump-ts admin"), plus the shared
// ERR_USAGE. Statuses are sysexits.h ones; main() prints the message once.
import {
  CoredumpError,
  ERROR_CODES,
  type ErrorCodeInfo,
  type ToolErrorCode,
} from '@coredump-ts/protocol';

export type AdminErrorCode = ToolErrorCode<'admin'> | 'ERR_USAGE';

const isAdminCode = (r: ErrorCodeInfo): boolean => r.tool === 'admin' || r.code === 'ERR_USAGE';

/** The admin rows of the table: code -> exit status and description. */
export const ADMIN_ERRORS = Object.fromEntries(
  ERROR_CODES.filter(isAdminCode).map((r) => [
    r.code,
    { exitStatus: r.exitStatus, description: r.description },
  ]),
) as Readonly<Record<AdminErrorCode, { exitStatus: number; description: string }>>;

export class AdminError extends CoredumpError {
  declare readonly code: AdminErrorCode;
  // Not useless: it narrows the accepted codes to the admin rows of the table.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The exit status for what main() caught: the table's, or 1 for an error without a code. */
export function exitStatusOf(error: unknown): number {
  return error instanceof CoredumpError ? error.exitStatus : 1;
}
