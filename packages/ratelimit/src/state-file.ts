// The flood-control state on disk: one small JSON file, locked with flock(2)
// while a worker reads, decides and writes it back, so concurrent workers
// share one budget. Rewritten in place under the lock (a rename would leave
// waiters locking the old inode). Fails open: when the file cannot be locked,
// read or written, the core is kept and the reason is returned as a warning;
// flood control never costs a crash.
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';

import { lockExclusive, unlock } from '@coredump-ts/unix';

import {
  decide,
  EMPTY_STATE,
  formatState,
  isRateLimitOn,
  parseState,
  type RateLimitSettings,
  type Verdict,
} from './decide.js';

/** The state file's name in the storage directory (the one place the worker may write). */
export const STATE_FILE_NAME = 'coredump-ts.ratelimit';
/** A state file larger than this is not ours to trust: treated as corrupt. */
const MAX_STATE_BYTES = 1024 * 1024;
const LOCK_TIMEOUT_MS = 2000;

export interface RateLimitOutcome {
  readonly verdict: Verdict;
  readonly suppressed: number;
  /** Problems met (corrupt state, no lock, I/O): each one log line for the caller. */
  readonly warnings: readonly string[];
}

export function applyRateLimit(
  path: string,
  key: string,
  nowUsec: number,
  settings: RateLimitSettings,
): RateLimitOutcome {
  if (!isRateLimitOn(settings)) return { verdict: 'off', suppressed: 0, warnings: [] };
  const warnings: string[] = [];
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    return keep(`Cannot open the rate limit state ${path}, keeping the core: ${message(error)}`);
  }
  try {
    if (!lockExclusive(fd, { timeoutMs: LOCK_TIMEOUT_MS })) {
      return keep(`Rate limit state ${path} stayed locked, keeping the core.`);
    }
    const text = readState(fd);
    let state = EMPTY_STATE;
    if (text === undefined) {
      warnings.push(`Rate limit state ${path} is not a small regular file, starting afresh.`);
    } else {
      const parsed = parseState(text);
      if ('error' in parsed) {
        warnings.push(`Rate limit state ${path} is corrupt (${parsed.error}), starting afresh.`);
      } else state = parsed.state;
    }
    const d = decide(state, key, nowUsec, settings);
    try {
      // Over the old text, then cut to the new length. Truncating to 0 first cost 0.5-1
      // ms of a crash (ext4 frees the block, and on close starts writing the file back,
      // as it does for a file truncated and rewritten).
      const out = Buffer.from(formatState(d.state));
      let off = 0;
      while (off < out.length) off += writeSync(fd, out, off, out.length - off, off);
      ftruncateSync(fd, out.length);
    } catch (error) {
      warnings.push(`Failed to write the rate limit state ${path}: ${message(error)}`);
    }
    return { verdict: d.verdict, suppressed: d.suppressed, warnings };
  } catch (error) {
    return keep(`Rate limit state ${path} failed, keeping the core: ${message(error)}`);
  } finally {
    unlock(fd);
    closeSync(fd);
  }

  function keep(warning: string): RateLimitOutcome {
    return { verdict: 'keep', suppressed: 0, warnings: [...warnings, warning] };
  }
}

function readState(fd: number): string | undefined {
  const st = fstatSync(fd);
  if (!st.isFile() || st.size > MAX_STATE_BYTES) return undefined;
  const buf = Buffer.alloc(st.size);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off).toString('utf8');
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
