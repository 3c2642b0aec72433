// Re-exports only.
export {
  isStackError,
  parseStackJson,
  traceFieldValue,
  type PackageNote,
  type StackError,
  type StackFrame,
  type StackModule,
  type StackResult,
  type StackThread,
  type StackTrace,
} from './trace.js';
export {
  DEADLINE_ENV,
  DEFAULT_DEADLINE_MS,
  LIBRARY_ENV,
  runStackHelper,
  STACK_HELPER_PATH,
  type StackCore,
  type StackHelperOptions,
} from './run.js';
export { formatStackText } from './text.js';
export { packageFields, type PackageField, type PackageFieldName } from './package-fields.js';
