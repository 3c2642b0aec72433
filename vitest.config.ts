import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string): string =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests import sibling packages from source; the binaries that the kernel and
// socket activation start are the built ones in packages/*/dist.
const alias = {
  '@coredump-ts/unix': src('unix'),
  '@coredump-ts/protocol': src('protocol'),
  '@coredump-ts/config': src('config'),
  '@coredump-ts/journal': src('journal'),
  '@coredump-ts/worker': src('worker'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Integration tests share global kernel state (core_pattern) and one
          // journald: one file at a time.
          name: 'integration',
          include: ['test/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
