// Save, change and restore the machine-global crash settings (kernel.core_pattern,
// kernel.core_pipe_limit, fs.suid_dumpable) under the same cross-process lock as
// test/support/kernel.ts (/run/coredump-ts-test.kernel.lock, a directory holding
// the holder's pid), so the bench and the tests never interleave inside a locked
// section. The old values are restored on every exit path: return, throw,
// process exit, SIGINT/SIGTERM/SIGHUP. The bench holds the lock per measured case.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { onCleanup } from './cleanup.mjs';

export const KERNEL_FILES = {
  corePattern: '/proc/sys/kernel/core_pattern',
  corePipeLimit: '/proc/sys/kernel/core_pipe_limit',
  suidDumpable: '/proc/sys/fs/suid_dumpable',
};

const LOCK_DIR = '/run/coredump-ts-test.kernel.lock';

export function readKernelSettings() {
  const read = (path) => readFileSync(path, 'utf8').replace(/\n$/, '');
  return {
    corePattern: read(KERNEL_FILES.corePattern),
    corePipeLimit: read(KERNEL_FILES.corePipeLimit),
    suidDumpable: read(KERNEL_FILES.suidDumpable),
  };
}

export function writeKernelSettings(settings) {
  for (const key of Object.keys(KERNEL_FILES)) {
    const value = settings[key];
    if (value !== undefined) writeFileSync(KERNEL_FILES[key], `${value}\n`);
  }
}

function lockHolder() {
  try {
    const pid = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function acquireLock(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
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

function releaseLock() {
  if (lockHolder() === process.pid) rmSync(LOCK_DIR, { recursive: true, force: true });
}

/**
 * Run fn with the given settings in force, then put the saved ones back and
 * release the lock, whatever happens (the cleanup registry covers exit and signals).
 */
export async function withKernelSettings(settings, fn, { lockTimeoutMs = 600_000 } = {}) {
  await acquireLock(lockTimeoutMs);
  let saved;
  try {
    saved = readKernelSettings();
  } catch (error) {
    releaseLock();
    throw error;
  }
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      writeKernelSettings(saved);
    } finally {
      releaseLock();
    }
  };
  const unregister = onCleanup(restore);
  try {
    writeKernelSettings(settings);
    return await fn();
  } finally {
    restore();
    unregister();
  }
}
