// The benchmark changes core_pattern and friends through the same guard as the
// tests (packages/testkit, dev-only): one cross-process lock, the old values
// restored on every exit path. The bench runs after `npm run build`.
export { withKernelSettings, readKernelSettings } from '../../packages/testkit/dist/index.js';
