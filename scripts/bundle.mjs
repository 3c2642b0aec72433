// After `tsc -b`: bundle each binary's entry (run.js, or coredumpctl's cli.js)
// and the workspace packages it imports into dist/bundle/main.js, one file
// instead of ~20-40 ESM modules to resolve and link on every start. What the
// entry loads with import() (the handler's in-process and --backtrace paths,
// coredumpctl's zstd) goes into lazily loaded chunks of the same module graph,
// so no module exists twice (protocol's CoredumpError is matched with
// instanceof). dist/main.js stays the entry: it runs the bundle only while
// every input listed in dist/bundle/inputs is older than the bundle
// (@coredump-ts/protocol/entry), so a later bare `tsc -b` falls back to the
// unbundled code.
// Native addons stay outside: zstd-napi and fs-xattr by name, and
// @coredump-ts/unix's addon.js by a path relative to the bundle (it loads its
// .node file relative to its own URL).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const UNIX_ADDON = resolve(ROOT, 'packages/unix/dist/addon.js');

// Each binary's package and the module its dist/main.js runs when unbundled.
const BINARIES = [
  ['handler', 'run.js'],
  ['worker', 'run.js'],
  ['coredumpctl', 'cli.js'],
];

function relativeImport(fromDir, path) {
  const rel = relative(fromDir, path);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

for (const [pkg, unbundled] of BINARIES) {
  const dist = resolve(ROOT, 'packages', pkg, 'dist');
  const outdir = resolve(dist, 'bundle');
  const keepOut = {
    name: 'keep-out',
    setup(b) {
      b.onResolve({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith('.')) return undefined;
        const path = resolve(args.resolveDir, args.path);
        if (path !== UNIX_ADDON) return undefined;
        return { path: relativeImport(outdir, path), external: true };
      });
    },
  };
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [resolve(dist, unbundled)],
    outdir,
    entryNames: 'main',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['zstd-napi', 'fs-xattr'],
    plugins: [keepOut],
    metafile: true,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) =>
    relativeImport(dist, resolve(ROOT, p)),
  );
  // Inputs list first, bundle last: main.js's mtime is then >= every input's.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir);
  writeFileSync(resolve(outdir, 'inputs'), `${inputs.join('\n')}\n`);
  const entry = resolve(outdir, 'main.js');
  const files = result.outputFiles.sort(
    (a, b) => Number(a.path === entry) - Number(b.path === entry),
  );
  for (const file of files) writeFileSync(file.path, file.contents);
  console.log(
    `bundle: packages/${pkg}/dist/bundle/main.js (${String(files.length)} files, ${String(inputs.length)} inputs)`,
  );
}
