// The start of each binary (handler, worker, coredumpctl): dist/main.cjs runs
// the single-file bundle that `npm run build` writes (dist/bundle/main.cjs)
// when it is newer than every file it was built from, else the same code
// unbundled (dist/run.js or cli.js). A bare `tsc -b` therefore never leaves a
// stale bundle in use.
//
// CommonJS on purpose, like the bundle: a process whose first module is
// CommonJS never starts Node's ESM loader, and a bundle that is one CommonJS
// file needs no module linking nor CommonJS-to-ESM translation of the native
// addons it requires. Together ~10-25 ms of every start on the 2-core test
// machine (docs/performance.md, "Start-up"). Requires nothing but node:fs,
// node:path and node:url.
import fs = require('node:fs');
import path = require('node:path');
import url = require('node:url');

/** The bundle beside a binary's dist/main.cjs, relative to that dist directory. */
const BUNDLE = 'bundle/main.cjs';
/** The files it was built from, one path relative to dist per line (scripts/bundle.mjs). */
const INPUTS = 'bundle/inputs';

/** True when distDir's bundle is at least as new as every input it lists. */
function bundleIsFresh(distDir: string): boolean {
  try {
    const built = fs.statSync(path.join(distDir, BUNDLE)).mtimeMs;
    const inputs = fs.readFileSync(path.join(distDir, INPUTS), 'utf8');
    return inputs
      .split('\n')
      .every((p) => p === '' || fs.statSync(path.join(distDir, p)).mtimeMs <= built);
  } catch {
    return false;
  }
}

/**
 * Run distDir's bundle if it is fresh (synchronously, by require), else import
 * `unbundled` (relative to distDir). A failing import is an unhandled
 * rejection: the process exits 1 with the error, as a failing top-level
 * module would.
 */
function runEntry(distDir: string, unbundled: string): void {
  if (bundleIsFresh(distDir)) {
    require(path.join(distDir, BUNDLE));
    return;
  }
  void import(url.pathToFileURL(path.join(distDir, unbundled)).href);
}

export = { bundleIsFresh, runEntry, BUNDLE };
