// The start of each binary (handler, worker, coredumpctl): run the single-file
// bundle that `npm run build` writes (dist/bundle/main.js; ~35 ms less start-up
// than resolving and linking the module graph) when it is newer than every file
// it was built from, else the same code unbundled. A bare `tsc -b` therefore
// never leaves a stale bundle in use. Imports nothing but node:fs, so it costs
// the binaries nothing to share it.
import { readFileSync, statSync } from 'node:fs';

/** True when mainUrl's bundle/main.js is at least as new as every input it lists. */
export function bundleIsFresh(mainUrl: string): boolean {
  try {
    const built = statSync(new URL('bundle/main.js', mainUrl)).mtimeMs;
    const inputs = readFileSync(new URL('bundle/inputs', mainUrl), 'utf8');
    return inputs
      .split('\n')
      .every((p) => p === '' || statSync(new URL(p, mainUrl)).mtimeMs <= built);
  } catch {
    return false;
  }
}

/** Import the bundle beside mainUrl if it is fresh, else `unbundled` (relative to mainUrl). */
export async function runEntry(mainUrl: string, unbundled: string): Promise<void> {
  const entry = bundleIsFresh(mainUrl) ? './bundle/main.js' : unbundled;
  await import(new URL(entry, mainUrl).href);
}
