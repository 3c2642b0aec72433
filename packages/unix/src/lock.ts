// Whole-file advisory locks (flock(2)) for state shared by processes that run
// at once, such as the flood-control budget of concurrent workers.
import { addon } from './addon.js';
import { isSysError } from './errors.js';

const POLL_MS = 5;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Takes an exclusive flock on fd, polling without blocking the caller for
 * longer than timeoutMs. Returns false if another holder kept it that long.
 * Synchronous: the crash path that uses it has nothing else to do meanwhile.
 */
export function lockExclusive(fd: number, opts: { timeoutMs?: number } = {}): boolean {
  const deadline = Date.now() + (opts.timeoutMs ?? 2000);
  for (;;) {
    if (addon.flock(fd, true, true)) return true;
    if (Date.now() >= deadline) return false;
    Atomics.wait(sleeper, 0, 0, POLL_MS);
  }
}

export function unlock(fd: number): void {
  try {
    addon.funlock(fd);
  } catch (error) {
    if (!isSysError(error, 'EBADF')) throw error;
  }
}
