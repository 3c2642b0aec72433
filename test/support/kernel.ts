// The tests' view of the machine-global crash settings (core_pattern,
// core_pipe_limit, suid_dumpable). Every test that changes them goes through
// withKernelSettings: one implementation in the dev-only packages/testkit,
// shared with the benchmark, which takes the cross-process lock, saves the old
// values and restores them on every exit path.
export { readKernelSettings, withKernelSettings, type KernelSettings } from '@coredump-ts/testkit';
