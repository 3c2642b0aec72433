/**
 * Permanent error codes. Each maps to a process exit status and a log level; docs/errors.md
 * documents the same table and errors.test.ts keeps the two in step. Match errors by `code`,
 * never by message.
 */

export type ErrorLevel = 'error' | 'warn' | 'notice';

/**
 * Who raises the code: `coredump` the crash pipeline (handler, worker and the libraries
 * they share, also ERR_USAGE for every binary but coredumpctl), `coredumpctl` the
 * systemd-compatible coredumpctl, `admin` the coredump-ts admin tool.
 */
export type ErrorTool = 'coredump' | 'coredumpctl' | 'admin';

export interface ErrorCodeInfo {
  readonly tool: ErrorTool;
  readonly code: string;
  readonly exitStatus: number;
  readonly level: ErrorLevel;
  readonly description: string;
}

// Generic over the code so that ErrorCode below is the union of the literal codes, not
// `string`: a mistyped or missing code must fail to compile.
const rowOf =
  <const T extends ErrorTool>(tool: T) =>
  <const C extends string>(
    code: C,
    exitStatus: number,
    level: ErrorLevel,
    description: string,
  ): ErrorCodeInfo & { readonly tool: T; readonly code: C } => ({
    tool,
    code,
    exitStatus,
    level,
    description,
  });
const row = rowOf('coredump');
const ctl = rowOf('coredumpctl');
const admin = rowOf('admin');

/* Pipeline exit statuses are unique, grouped by stage in blocks of ten and never
 * renumbered: 2-9 invocation and /proc, 10-19 socket and wire protocol, 20-29
 * configuration, 30-39 storage, 40-49 journal, 50-59 privileges. 0 is success, 1 is
 * reserved for uncaught failures without a code.
 * coredumpctl exits as systemd's coredumpctl does: 1 (EXIT_FAILURE) for every failure.
 * admin uses sysexits.h statuses, shared between codes of the same kind. */
export const ERROR_CODES = [
  row('ERR_USAGE', 2, 'error', 'Bad command line: unknown option or verb, missing argument.'),
  row('ERR_ARGV', 3, 'error', 'The kernel helper got malformed core_pattern arguments.'),
  row('ERR_PROC_READ', 4, 'error', 'A mandatory /proc/<pid> file could not be read.'),
  row('ERR_PID_GONE', 5, 'error', 'The crashing process vanished before it could be inspected.'),
  row(
    'ERR_PIDFD_MISMATCH',
    6,
    'error',
    'COREDUMP_PID does not match the PID of the received pidfd.',
  ),
  row('ERR_SOCKET_CONNECT', 10, 'error', 'Connecting to the coredump socket failed.'),
  row(
    'ERR_SOCKET_SEND',
    11,
    'error',
    'Sending a datagram or the core fd on the coredump socket failed.',
  ),
  row('ERR_SOCKET_RECEIVE', 12, 'error', 'Receiving from the coredump socket failed or timed out.'),
  row(
    'ERR_PROTOCOL',
    13,
    'error',
    'The peer broke the wire protocol (bad datagram, fd, NUL, value).',
  ),
  row('ERR_MISSING_FIELD', 14, 'error', 'A mandatory COREDUMP_* field was not received.'),
  row('ERR_DUPLICATE_FIELD', 15, 'error', 'A parsed COREDUMP_* field was received twice.'),
  row('ERR_PEER_NOT_ROOT', 16, 'error', "The socket peer's SO_PEERCRED uid is not 0."),
  row('ERR_LISTEN_FDS', 17, 'error', 'Socket activation did not pass exactly one usable fd.'),
  row('ERR_CONFIG', 20, 'warn', 'coredump.conf could not be read or parsed (defaults kept).'),
  row('ERR_STORAGE_IO', 30, 'error', 'Creating, writing or linking the core file failed.'),
  row('ERR_STORAGE_FULL', 31, 'error', 'The storage file system ran out of space (ENOSPC/EDQUOT).'),
  row('ERR_COMPRESS', 32, 'error', 'zstd compression of the core failed.'),
  row('ERR_CORE_READ', 33, 'error', 'Reading the core from its pipe or fd failed.'),
  row('ERR_JOURNAL_UNAVAILABLE', 40, 'error', 'journald is not listening (ENOENT/ECONNREFUSED).'),
  row('ERR_JOURNAL_SEND', 41, 'error', 'Sending the entry to journald failed.'),
  row('ERR_JOURNAL_FIELD_NAME', 42, 'error', 'A journal field name breaks journald rules.'),
  row('ERR_JOURNAL_EXPORT_PARSE', 43, 'error', 'journalctl -o export output is malformed.'),
  row('ERR_JOURNAL_READ', 44, 'error', 'journalctl could not run or exited non-zero.'),
  row('ERR_PRIVILEGES', 50, 'error', 'Dropping privileges to the target uid/gid failed.'),
  ctl('ERR_COREDUMPCTL_USAGE', 1, 'error', 'Bad option, verb or combination of options.'),
  ctl('ERR_NOT_FOUND', 1, 'notice', 'No entry matched ("No coredumps found.", "No match found.").'),
  ctl('ERR_JOURNAL', 1, 'error', 'journalctl could not run or exited non-zero.'),
  ctl(
    'ERR_NO_CORE',
    1,
    'error',
    'The entry has no core, or its file is missing or undecompressable.',
  ),
  ctl('ERR_ACCESS', 1, 'error', 'The core file exists but cannot be opened.'),
  ctl('ERR_OUTPUT', 1, 'error', 'Opening or writing the output failed.'),
  ctl('ERR_TTY', 1, 'error', 'Refusing to dump a core to a terminal.'),
  ctl(
    'ERR_DEBUGGER',
    1,
    'error',
    'The executable cannot be debugged (missing, deleted, relative).',
  ),
  admin('ERR_NOT_ROOT', 77, 'error', 'Needs root (euid 0).'),
  admin('ERR_NOT_BUILT', 69, 'error', 'The handler or worker build is missing.'),
  admin('ERR_SOCKET_IN_USE', 69, 'error', 'The coredump socket is served already.'),
  admin('ERR_TOOL_MISSING', 69, 'error', 'A required program is not installed.'),
  admin(
    'ERR_NO_JOURNAL',
    69,
    'error',
    'Nothing serves the journal socket, and starting journald would not fix it.',
  ),
  admin('ERR_PATTERN_TOO_LONG', 78, 'error', 'core_pattern would be over 127 bytes.'),
  admin('ERR_START_FAILED', 70, 'error', 'A helper process did not start.'),
  admin('ERR_COMMAND_FAILED', 70, 'error', 'A system command failed.'),
  admin('ERR_DEMO_FAILED', 1, 'error', 'The demo crash was not captured.'),
] as const satisfies readonly ErrorCodeInfo[];

export type ErrorCode = (typeof ERROR_CODES)[number]['code'];

/** The codes one tool raises, e.g. `ToolErrorCode<'coredumpctl'>`. */
export type ToolErrorCode<T extends ErrorTool> = Extract<
  (typeof ERROR_CODES)[number],
  { readonly tool: T }
>['code'];

export const errorCodeInfo = (code: ErrorCode): ErrorCodeInfo => {
  const info = ERROR_CODES.find((r) => r.code === code);
  if (info === undefined) throw new Error(`unknown error code ${code}`);
  return info;
};

export class CoredumpError extends Error {
  override readonly name = 'CoredumpError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get exitStatus(): number {
    return errorCodeInfo(this.code).exitStatus;
  }
}

export const isCoredumpError = (e: unknown, code?: ErrorCode): e is CoredumpError =>
  e instanceof CoredumpError && (code === undefined || e.code === code);

/** An error's message (or the value as text): for a log line. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** An error's message followed by its cause's (`Failed to store …: ENOSPC: no space …`). */
export const errnoText = (e: unknown): string => {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  const msg = errorText(e);
  return cause instanceof Error ? `${msg}: ${cause.message}` : msg;
};
