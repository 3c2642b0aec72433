export { run } from './run.js';
export { parseOptions, type Options } from './options.js';
export { classifyMatch, buildMatches } from './matches.js';
export { parseTimestamp } from './time.js';
export { formatRelative, createTimeFormatter } from './format.js';
export { writeSparse } from './sparse.js';
export { CoredumpctlError, type CoredumpctlErrorCode } from './errors.js';
