// Error codes of the admin tool. Matched by code, never by message; each code
// has one exit status (sysexits.h where one fits).
export const ADMIN_ERRORS = {
  ERR_USAGE: { exitStatus: 2, description: 'bad command line (same status as docs/errors.md)' },
  ERR_NOT_ROOT: { exitStatus: 77, description: 'needs root (euid 0)' },
  ERR_NOT_BUILT: { exitStatus: 69, description: 'handler or worker build missing' },
  ERR_SOCKET_IN_USE: { exitStatus: 69, description: 'the coredump socket is served already' },
  ERR_TOOL_MISSING: { exitStatus: 69, description: 'a required program is not installed' },
  ERR_PATTERN_TOO_LONG: { exitStatus: 78, description: 'core_pattern over 127 bytes' },
  ERR_START_FAILED: { exitStatus: 70, description: 'a helper process did not start' },
  ERR_COMMAND_FAILED: { exitStatus: 70, description: 'a system command failed' },
  ERR_DEMO_FAILED: { exitStatus: 1, description: 'the demo crash was not captured' },
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

export class AdminError extends Error {
  readonly code: AdminErrorCode;
  constructor(code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdminError';
    this.code = code;
  }
}

export function exitStatusOf(error: unknown): number {
  return error instanceof AdminError ? ADMIN_ERRORS[error.code].exitStatus : 1;
}
