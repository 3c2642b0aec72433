// The crash settings (kernel.core_pattern, kernel.core_pipe_limit,
// fs.suid_dumpable) changed for a while by a test or the benchmark: under the
// machine-wide kernel lock, the old values restored on every exit path.
import {
  type KernelSettings,
  PROC_SYS,
  readKernelSettings,
  writeKernelSettings,
} from '@coredump-ts/admin';

import { withMachineLock } from './machine-lock.js';

export const KERNEL_LOCK_DIR = '/run/coredump-ts-test.kernel.lock';

export interface KernelLockOptions {
  lockDir?: string;
  lockTimeoutMs?: number;
  procSys?: string;
}

/**
 * Run fn with the given crash settings in force, then put the old ones back
 * whatever happens. Settings not named are saved and restored too, so fn may
 * change them itself.
 */
export function withKernelSettings<T>(
  settings: Partial<KernelSettings>,
  fn: () => Promise<T>,
  {
    lockDir = KERNEL_LOCK_DIR,
    lockTimeoutMs = 600_000,
    procSys = PROC_SYS,
  }: KernelLockOptions = {},
): Promise<T> {
  return withMachineLock(
    lockDir,
    lockTimeoutMs,
    () => {
      const saved = readKernelSettings(procSys);
      return () => {
        writeKernelSettings(procSys, saved);
      };
    },
    () => {
      writeKernelSettings(procSys, settings);
      return fn();
    },
  );
}
