export { parseCommand, USAGE, type Command } from './args.js';
export { ADMIN_ERRORS, AdminError, type AdminErrorCode } from './errors.js';
export { install, type StepReport } from './install.js';
export { uninstall } from './uninstall.js';
export {
  KernelSettingsGuard,
  PROC_SYS,
  readKernelSettings,
  writeKernelSettings,
  type KernelSettings,
} from './kernel-settings.js';
export {
  acquireKernelLock,
  KERNEL_LOCK_DIR,
  releaseKernelLock,
  withKernelSettings,
  type KernelLockOptions,
} from './kernel-lock.js';
export { Collector, collectorPaths } from './collector.js';
export { describeCrash } from './crash-line.js';
