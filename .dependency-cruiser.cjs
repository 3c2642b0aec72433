// The package layering, checked by `npm run lint` (dependency-cruiser 16, the last line that
// runs on Node 20). Workspace imports resolve to each package's src/ (tsconfig.check.json's
// paths), so an import by package name and a relative path into another package are judged
// alike. docs/architecture.md draws the graph these rules keep.

/** The binaries: each is started on its own and depends on libraries only. */
const BINARIES = 'handler|worker|coredumpctl|admin|coredumpd';
/** Pure libraries: data in, data out, no I/O, so they are testable and loadable anywhere. */
const PURE = 'protocol|config|elf|signature';
/** Node built-ins that do I/O (or reach the host); path, url, util, zlib-free helpers are fine. */
const IO_BUILTINS =
  '^(node:)?(fs|fs/promises|child_process|net|dgram|os|http|https|http2|tls|dns|cluster|worker_threads|readline|inspector|v8|process)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order matter and split one concern over two files.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-binary-imports-binary',
      severity: 'error',
      comment:
        'A binary (handler, worker, coredumpctl, admin, coredumpd) never imports another: what two binaries share belongs in a library package.',
      from: { path: `^packages/(${BINARIES})/` },
      to: { path: `^packages/(${BINARIES})/`, pathNot: '^packages/$1/' },
    },
    {
      name: 'pure-no-io-builtins',
      severity: 'error',
      comment: 'The pure packages (protocol, config, elf, signature) do no I/O.',
      from: {
        path: `^packages/(${PURE})/src/`,
        pathNot: '\\.test\\.ts$',
      },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    {
      name: 'pure-imports-pure',
      severity: 'error',
      comment:
        'A pure package imports only pure packages: not unix (syscalls), journal, context, pipeline or the native modules.',
      from: { path: `^packages/(${PURE})/src/`, pathNot: '\\.test\\.ts$' },
      to: {
        pathNot: [`^packages/(${PURE})/`, '^node_modules/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'pure-no-native-modules',
      severity: 'error',
      comment: 'Native addons are I/O: zstd-napi and fs-xattr stay out of the pure packages.',
      from: { path: `^packages/(${PURE})/src/`, pathNot: '\\.test\\.ts$' },
      to: { path: '^node_modules/(zstd-napi|fs-xattr)/' },
    },
    {
      name: 'product-not-testkit',
      severity: 'error',
      comment:
        'packages/testkit (the kernel-settings lock, test and bench support) is dev-only: it is never installed, so product code must not import it.',
      from: { path: '^packages/(?!testkit/)[^/]+/src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^packages/testkit/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^packages/[^/]+/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.cts', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};
