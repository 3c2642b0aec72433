// How a worker process ends on a failure: a coded CoredumpError is logged once
// at its table's level and gives its exit status (docs/errors.md); anything
// else is an unexpected failure, logged with its stack, exit status 1. Shared
// by the socket-activated worker and the kernel-socket worker.
import { errorCodeInfo, isCoredumpError } from '@coredump-ts/protocol';

import type { Log } from './log.js';

export function reportFailure(log: Log, error: unknown, prefix = ''): number {
  if (isCoredumpError(error)) {
    const info = errorCodeInfo(error.code);
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const line = `${prefix}${error.message}${cause}`;
    if (info.level === 'warn') log.warn(line);
    else log.error(line);
    return info.exitStatus;
  }
  log.error(
    `${prefix}Unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return 1;
}
