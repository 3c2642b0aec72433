import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The entry as `npm run build` compiles it (what dist/main.cjs requires): real
// CommonJS, which vitest's transform does not run (import = require).
const BUILT = fileURLToPath(new URL('../dist/entry.cjs', import.meta.url));
const entry = createRequire(import.meta.url)(BUILT) as typeof import('./entry.cjs');

describe('bundleIsFresh / runEntry', () => {
  let dist: string;
  const at = (path: string, seconds: number): void => {
    utimesSync(join(dist, path), seconds, seconds);
  };
  /** A node process running the built runEntry(dist, './run.js') (the real CommonJS). */
  const runBuilt = (): SpawnSyncReturns<string> =>
    spawnSync(
      process.execPath,
      ['-e', 'require(process.argv[1]).runEntry(process.argv[2], "./run.js")', BUILT, dist],
      { encoding: 'utf8' },
    );
  /** What it prints. */
  const ran = (): string => {
    const r = runBuilt();
    return `${r.stdout}${r.stderr}`.trim();
  };

  beforeEach(() => {
    dist = mkdtempSync(join(tmpdir(), 'cdts-entry-'));
    mkdirSync(join(dist, 'bundle'));
    writeFileSync(join(dist, 'run.js'), 'console.log("unbundled");\n');
    writeFileSync(join(dist, entry.BUNDLE), 'console.log("bundle");\n');
    writeFileSync(join(dist, 'bundle', 'inputs'), './run.js\n');
  });
  afterEach(() => {
    rmSync(dist, { recursive: true, force: true });
  });

  it('is fresh when the bundle is not older than any input', () => {
    at('run.js', 1_000);
    at(entry.BUNDLE, 2_000);
    expect(entry.bundleIsFresh(dist)).toBe(true);
  });

  it('is stale when an input changed after the bundle (a bare tsc -b)', () => {
    at(entry.BUNDLE, 1_000);
    at('run.js', 2_000);
    expect(entry.bundleIsFresh(dist)).toBe(false);
  });

  it('is stale when the bundle, its inputs list or an input is missing', () => {
    rmSync(join(dist, 'run.js'));
    expect(entry.bundleIsFresh(dist)).toBe(false);
    rmSync(join(dist, 'bundle', 'inputs'));
    expect(entry.bundleIsFresh(dist)).toBe(false);
    rmSync(join(dist, 'bundle'), { recursive: true });
    expect(entry.bundleIsFresh(dist)).toBe(false);
  });

  it('runs the bundle when fresh, the unbundled module otherwise', () => {
    writeFileSync(join(dist, 'run.js'), 'export {};\nconsole.log("unbundled");\n');
    writeFileSync(join(dist, 'package.json'), '{"type":"module"}\n');
    at('run.js', 1_000);
    at(entry.BUNDLE, 2_000);
    expect(ran()).toBe('bundle');
    at('run.js', 3_000);
    expect(ran()).toBe('unbundled');
  });

  it('a failing unbundled module fails the process', () => {
    rmSync(join(dist, 'bundle'), { recursive: true });
    writeFileSync(join(dist, 'run.js'), 'throw new Error("broken run.js");\n');
    const r = runBuilt();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('broken run.js');
  });
});
