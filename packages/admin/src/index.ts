export { parseCommand, USAGE, type Command } from './args.js';
export { ADMIN_ERRORS, AdminError, type AdminErrorCode } from './errors.js';
export { install } from './install.js';
export type { StepReport } from './report.js';
export { uninstall } from './uninstall.js';
export {
  KernelSettingsGuard,
  PROC_SYS,
  readKernelSettings,
  writeKernelSettings,
  type KernelSettings,
} from './kernel-settings.js';
export { Collector, collectorPaths } from './collector.js';
export { describeCrash } from './crash-line.js';
