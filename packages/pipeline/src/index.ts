export { DEFAULT_PATHS, pathsFromEnv, type Paths } from './paths.js';
export { submitCrash, type SubmitDeps, type SubmitResult } from './submit.js';
export { createLogger, type Log } from './log.js';
export { closeQuietly } from './fds.js';
export {
  HeadObserver,
  READ_BUFFER_BYTES,
  countOnlySink,
  streamCore,
  type CoreObserver,
  type CoreSink,
  type CoreTransform,
  type StreamResult,
  type StreamStages,
} from './stream.js';
export { warmCoreStream } from './store.js';
export { XATTR } from './xattrs.js';
export { readCoredumpUser } from './privileges.js';
export { storageUsage } from './vacuum.js';
export {
  decideRateLimit,
  RATE_LIMIT_OFF,
  type RateLimitVerdict,
  type SubmitRateLimit,
} from './rate-limit.js';
export { reportFailure } from './report.js';
export {
  debuginfoSearchPath,
  warmDebuginfoCache,
  type DebuginfoCacheOptions,
  type WarmReport,
} from './debuginfo-cache.js';
