// After `tsc -b`: bundle each binary's entry (run.js, or coredumpctl's cli.js)
// and the workspace packages it imports into dist/bundle/main.cjs, one
// CommonJS file instead of ~20-40 ESM modules to resolve, link and translate
// on every start. What the entry loads with import() (the handler's in-process
// and --backtrace paths, coredumpctl's zstd) stays lazy: esbuild wraps such a
// module in a function that runs on first import(), so its code is parsed but
// not run, and the natives it requires are not loaded. One file also means no
// module exists twice (protocol's CoredumpError is matched with instanceof).
// dist/main.cjs stays the entry: it runs the bundle only while every input
// listed in dist/bundle/inputs is older than the bundle
// (@coredump-ts/unix/entry), so a later bare `tsc -b` falls back to the
// unbundled code.
//
// zstd-napi stays outside, required by name at run time.
// @coredump-ts/unix's addon.js is bundled, but it finds its .node file
// from import.meta.url, which CommonJS lacks: every input's import.meta.url
// becomes the URL that input had, computed from the bundle's __dirname, so
// the tree can move as long as its layout stays.
import { readFile } from 'node:fs/promises';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Each binary's package and the module its dist/main.cjs runs when unbundled.
const BINARIES = [
  ['handler', 'run.js'],
  ['worker', 'run.js'],
  ['coredumpd', 'run.js'],
  // metrics-scrape.js (the exporter and prom-client) is coredumpctl's lazily
  // loaded part: a bundle of its own, so `list` never parses it.
  ['coredumpctl', 'cli.js', ['metrics-scrape.js']],
  // coredump-ts (install, collect, ...): bundled so that `coredump-ts install`
  // can copy a self-contained tree; the checkout itself runs dist/main.js.
  ['admin', 'main.js'],
];

function relativeImport(fromDir, path) {
  const rel = relative(fromDir, path);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** The helper each bundle starts with: an input's own file URL, from its path relative to the bundle. */
const META_URL_HELPER =
  'const __inputUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;';

for (const [pkg, unbundled, extras = []] of BINARIES) {
  const dist = resolve(ROOT, 'packages', pkg, 'dist');
  const outdir = resolve(dist, 'bundle');
  const entry = resolve(outdir, 'main.cjs');
  const metaUrl = {
    name: 'import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const rel = JSON.stringify(relative(outdir, args.path));
        return { contents: text.replaceAll('import.meta.url', `__inputUrl(${rel})`), loader: 'js' };
      });
    },
  };
  const bundle = (entryPoint, outfile) =>
    build({
      absWorkingDir: ROOT,
      entryPoints: [entryPoint],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['zstd-napi'],
      plugins: [metaUrl],
      banner: { js: META_URL_HELPER },
      // Any import.meta left would be {} in CommonJS: fail the build instead.
      logOverride: { 'empty-import-meta': 'error' },
      metafile: true,
      write: false,
      legalComments: 'none',
      logLevel: 'warning',
    });
  const result = await bundle(resolve(dist, unbundled), entry);
  const inputs = Object.keys(result.metafile.inputs).map((p) =>
    relativeImport(dist, resolve(ROOT, p)),
  );
  // Inputs list first, bundle last: main.cjs's mtime is then >= every input's.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir);
  writeFileSync(resolve(outdir, 'inputs'), `${inputs.join('\n')}\n`);
  const [file] = result.outputFiles;
  writeFileSync(file.path, file.contents);
  for (const extra of extras) {
    const out = resolve(outdir, extra.replace(/\.js$/, '.cjs'));
    const [extraFile] = (await bundle(resolve(dist, extra), out)).outputFiles;
    writeFileSync(extraFile.path, extraFile.contents);
    console.log(`bundle: packages/${pkg}/dist/bundle/${extra.replace(/\.js$/, '.cjs')}`);
  }
  console.log(
    `bundle: packages/${pkg}/dist/bundle/main.cjs (${String(inputs.length)} inputs, ${String(Math.round(file.contents.length / 1024))} KiB)`,
  );
}
