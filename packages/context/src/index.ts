export type {
  CollectedContext,
  ContextSource,
  ContextValues,
  CrashContext,
  CrashMetadata,
  ReceivedContext,
} from './context.js';
export {
  MANDATORY_FIELDS,
  PARSED_FIELDS,
  contextFromDatagrams,
  parseContextFields,
  type ReceiveOptions,
} from './datagrams.js';
export { buildJournalFields } from './journal-fields.js';
export { cescapeByte } from './escape.js';
export {
  contextFromKernel,
  contextFromValues,
  kernelContextValues,
  pidfdInode,
  type KernelCrashArgs,
  type PidfdInfo,
} from './kernel.js';
export {
  DEFAULT_PROC_ROOT,
  collectProcFields,
  composeOpenFds,
  readComm,
  type ProcCollection,
} from './proc.js';
