// Changing the machine-global crash settings under a cross-process lock.
//
// kernel.core_pattern, kernel.core_pipe_limit and fs.suid_dumpable are shared
// by every process on the machine. Whatever changes them for a while (the test
// suite, the benchmark, the install scripts' apt step) takes this lock first,
// saves the old values, and puts them back on every exit path: a normal
// return, a thrown error, process exit and SIGINT/SIGTERM/SIGHUP.
//
// The lock is a directory holding the holder's pid; a holder that died is
// detected and its lock taken over. scripts/lib/kernel-lock.sh is the same
// lock for the bash scripts (test.sh, test-prepare.sh).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  type KernelSettings,
  PROC_SYS,
  readKernelSettings,
  writeKernelSettings,
} from './kernel-settings.js';

export const KERNEL_LOCK_DIR = '/run/coredump-ts-test.kernel.lock';

export interface KernelLockOptions {
  lockDir?: string;
  lockTimeoutMs?: number;
  procSys?: string;
}

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

export async function acquireKernelLock(lockDir: string, timeoutMs: number): Promise<void> {
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

export function releaseKernelLock(lockDir: string): void {
  if (lockHolder(lockDir) === process.pid) rmSync(lockDir, { recursive: true, force: true });
}

/**
 * Run fn with the given crash settings in force, then put the old ones back
 * whatever happens. Settings not named are saved and restored too, so fn may
 * change them itself.
 */
export async function withKernelSettings<T>(
  settings: Partial<KernelSettings>,
  fn: () => Promise<T>,
  {
    lockDir = KERNEL_LOCK_DIR,
    lockTimeoutMs = 600_000,
    procSys = PROC_SYS,
  }: KernelLockOptions = {},
): Promise<T> {
  await acquireKernelLock(lockDir, lockTimeoutMs);
  let saved: KernelSettings;
  try {
    saved = readKernelSettings(procSys);
  } catch (error) {
    releaseKernelLock(lockDir);
    throw error;
  }
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      writeKernelSettings(procSys, saved);
    } finally {
      releaseKernelLock(lockDir);
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
    writeKernelSettings(procSys, settings);
    return await fn();
  } finally {
    restore();
    process.removeListener('exit', restore);
    for (const s of signals) process.removeListener(s, onSignal);
  }
}
