export { parseCommand, USAGE, type Command } from './args.js';
export { ADMIN_ERRORS, AdminError, type AdminErrorCode } from './errors.js';
export { install, type StepReport } from './install.js';
export { uninstall } from './uninstall.js';
export { KernelSettingsGuard, readKernelSettings, type KernelSettings } from './kernel-settings.js';
export { Collector, collectorPaths } from './collector.js';
export { describeCrash, formatBytes } from './crash-line.js';
