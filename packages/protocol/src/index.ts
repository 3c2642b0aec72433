export {
  CoredumpError,
  ERROR_CODES,
  errorCodeInfo,
  errnoText,
  errorText,
  isCoredumpError,
  type ErrorCode,
  type ErrorCodeInfo,
  type ErrorLevel,
  type ErrorTool,
  type ToolErrorCode,
} from './errors.js';
export {
  CONTEXT_FIELD_ORDER,
  FIELD,
  MESSAGE_ID_BACKTRACE,
  MESSAGE_ID_COREDUMP,
  MESSAGE_ID_TRUNCATED_CORE,
  PRIORITY_CRIT,
  SYSLOG_IDENTIFIER_COREDUMP,
  buildContextFields,
  field,
  type FieldName,
  type JournalField,
} from './fields.js';
export { decodeDatagram, encodeDatagram, halveDatagram } from './datagram.js';
export {
  assertJournalFieldName,
  isValidJournalFieldName,
  serializeJournalNative,
} from './journal-native.js';
export {
  SIGRTMAX,
  SIGRTMIN,
  isSignalValid,
  safeAtoi,
  signalFromString,
  signalName,
  signalToString,
} from './signal.js';
export {
  CORE_PATTERN_MAX_BYTES,
  CORE_PATTERN_SPECIFIERS,
  corePatternLine,
} from './core-pattern.js';
export { UNUSED_NODE_ENV, launcherShebang, withoutUnusedNodeEnv } from './node-env.js';
