export { ARGV_MAX, ARGV_REQUIRED, isValidHostname, parseKernelArgv } from './argv.js';
export type { KernelArgs, ParsedArgv } from './argv.js';
export {
  CORE_PATTERN_MAX_BYTES,
  CORE_PATTERN_SPECIFIERS,
  corePatternLine,
} from './core-pattern.js';
export { buildBacktraceEntry } from './backtrace.js';
export { buildHelperFields } from './context.js';
export { importExportEntry } from './export-entry.js';
export { DEFAULT_KMSG_PATH, formatKmsgLine, openKmsg } from './kmsg.js';
export type { KmsgLogger, LogLevel } from './kmsg.js';
export { DEFAULT_PROC_ROOT, collectProcFields, composeOpenFds, readComm } from './proc.js';
export type { ProcCollection } from './proc.js';
export { DEFAULT_SOCKET_PATH, connectCoredumpSocket, sendCrash, sendField } from './send.js';
