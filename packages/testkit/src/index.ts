// Support for the tests and the benchmark, never for the product: nothing under
// packages/*/src imports this package (dependency-cruiser checks it) and
// `coredump-ts install` does not copy it.
export { readKernelSettings, type KernelSettings } from '@coredump-ts/admin';
export { KERNEL_LOCK_DIR, withKernelSettings, type KernelLockOptions } from './kernel-lock.js';
export { acquireMachineLock, releaseMachineLock, withMachineLock } from './machine-lock.js';
