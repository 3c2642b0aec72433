import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index'): string =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}.ts`, import.meta.url));

// Tests import sibling packages from source; the binaries that the kernel and
// socket activation start are the built ones in packages/*/dist. Exact matches,
// so that a subpath entry such as @coredump-ts/journal/read gets its own file.
const alias = [
  ...[
    'unix',
    'protocol',
    'config',
    'journal',
    'context',
    'elf',
    'stacktrace',
    'signature',
    'ratelimit',
    'pipeline',
    'coredumpd',
    'exporter',
    'admin',
    'testkit',
  ].map((pkg) => ({
    find: new RegExp(`^@coredump-ts/${pkg}$`),
    replacement: src(pkg),
  })),
  { find: /^@coredump-ts\/journal\/read$/, replacement: src('journal', 'read') },
];

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
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
