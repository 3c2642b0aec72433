// Save, change and restore the machine-global crash settings
// (kernel.core_pattern, kernel.core_pipe_limit, fs.suid_dumpable).
//
// Every test that touches them goes through withKernelSettings(): it takes a
// cross-process lock (several test runs or developers may share a machine),
// saves the old values, and restores them on every exit path: normal return,
// a thrown error, process exit and SIGINT/SIGTERM/SIGHUP.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const KERNEL_FILES = {
  corePattern: '/proc/sys/kernel/core_pattern',
  corePipeLimit: '/proc/sys/kernel/core_pipe_limit',
  suidDumpable: '/proc/sys/fs/suid_dumpable',
} as const;

export type KernelSettings = { [K in keyof typeof KERNEL_FILES]: string };

const LOCK_DIR = '/run/coredump-ts-test.kernel.lock';

export function readKernelSettings(): KernelSettings {
  const read = (path: string): string => readFileSync(path, 'utf8').replace(/\n$/, '');
  return {
    corePattern: read(KERNEL_FILES.corePattern),
    corePipeLimit: read(KERNEL_FILES.corePipeLimit),
    suidDumpable: read(KERNEL_FILES.suidDumpable),
  };
}

export function writeKernelSettings(settings: Partial<KernelSettings>): void {
  for (const key of Object.keys(KERNEL_FILES) as (keyof KernelSettings)[]) {
    const value = settings[key];
    if (value !== undefined) writeFileSync(KERNEL_FILES[key], `${value}\n`);
  }
}

function lockHolder(): number | undefined {
  try {
    const pid = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
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

async function acquireLock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder();
    if (holder !== undefined && !isAlive(holder)) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${LOCK_DIR} (held by pid ${String(holder)})`);
    }
    await sleep(100);
  }
}

function releaseLock(): void {
  if (lockHolder() === process.pid) rmSync(LOCK_DIR, { recursive: true, force: true });
}

/**
 * Run fn with the given kernel crash settings in force, then put the old ones
 * back whatever happens. Settings not named are saved and restored too, so fn
 * may change them itself.
 */
export async function withKernelSettings<T>(
  settings: Partial<KernelSettings>,
  fn: () => Promise<T>,
  { lockTimeoutMs = 600_000 }: { lockTimeoutMs?: number } = {},
): Promise<T> {
  await acquireLock(lockTimeoutMs);
  const saved = readKernelSettings();
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      writeKernelSettings(saved);
    } finally {
      releaseLock();
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.once('exit', restore);
  for (const s of signals) process.once(s, onSignal);
  try {
    writeKernelSettings(settings);
    return await fn();
  } finally {
    restore();
    process.removeListener('exit', restore);
    for (const s of signals) process.removeListener(s, onSignal);
  }
}
