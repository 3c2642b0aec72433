// The benchmark changes core_pattern and friends through the same guard as the
// tests (packages/admin/src/kernel-lock.ts): one cross-process lock, the old
// values restored on every exit path. The bench runs after `npm run build`.
export { withKernelSettings, readKernelSettings } from '../../packages/admin/dist/index.js';
