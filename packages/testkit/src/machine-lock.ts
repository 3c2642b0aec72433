// Changing machine-global state for a while, under a cross-process lock.
//
// Whatever a test or the benchmark changes for everyone (core_pattern and its
// friends, /etc/nsswitch.conf) is changed only while holding a lock, with the
// old state saved first and put back on every exit path: a normal return, a
// thrown error, process exit and SIGINT/SIGTERM/SIGHUP.
//
// A lock is a directory holding the holder's pid; a holder that died is
// detected and its lock taken over. scripts/lib/kernel-lock.sh is the same
// lock for the bash scripts (test.sh, test-prepare.sh).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function lockHolder(lockDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(`${lockDir}/pid`, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A lock directory without a pid file: its holder died between mkdir and
 * writing its pid (or is about to write it). After a few seconds it is stale.
 */
const ORPHAN_LOCK_MS = 5000;
function isOrphaned(lockDir: string): boolean {
  try {
    return Date.now() - statSync(lockDir).mtimeMs > ORPHAN_LOCK_MS;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireMachineLock(lockDir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(`${lockDir}/pid`, String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(lockDir);
    if (holder === undefined ? isOrphaned(lockDir) : !isAlive(holder)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${lockDir} (held by pid ${String(holder)})`);
    }
    await sleep(100);
  }
}

export function releaseMachineLock(lockDir: string): void {
  if (lockHolder(lockDir) === process.pid) rmSync(lockDir, { recursive: true, force: true });
}

/**
 * Hold lockDir while fn runs. `save` runs once the lock is held and returns
 * what puts the saved state back; that runs exactly once, whatever happens,
 * and the lock is released after it.
 */
export async function withMachineLock<T>(
  lockDir: string,
  timeoutMs: number,
  save: () => () => void,
  fn: () => Promise<T>,
): Promise<T> {
  await acquireMachineLock(lockDir, timeoutMs);
  let putBack: () => void;
  try {
    putBack = save();
  } catch (error) {
    releaseMachineLock(lockDir);
    throw error;
  }
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      putBack();
    } finally {
      releaseMachineLock(lockDir);
    }
  };
  // A signal restores first, then takes its default action (the listener is
  // gone by then, being a once-listener).
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.once('exit', restore);
  for (const s of signals) process.once(s, onSignal);
  try {
    return await fn();
  } finally {
    restore();
    process.removeListener('exit', restore);
    for (const s of signals) process.removeListener(s, onSignal);
  }
}
