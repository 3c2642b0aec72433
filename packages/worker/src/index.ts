export { DEFAULT_PATHS, pathsFromEnv, type Paths } from './paths.js';
export { submitCrash, type SubmitDeps, type SubmitResult } from './submit.js';
export { createLogger, type Log } from './log.js';
