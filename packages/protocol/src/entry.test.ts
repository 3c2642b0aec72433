import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleIsFresh, runEntry } from './entry.js';

describe('bundleIsFresh / runEntry', () => {
  let dist: string;
  let mainUrl: string;
  const at = (path: string, seconds: number): void => {
    utimesSync(join(dist, path), seconds, seconds);
  };

  beforeEach(() => {
    dist = mkdtempSync(join(tmpdir(), 'cdts-entry-'));
    mkdirSync(join(dist, 'bundle'));
    writeFileSync(join(dist, 'main.js'), '');
    writeFileSync(join(dist, 'run.js'), 'globalThis.cdtsEntryRan = "unbundled";\n');
    writeFileSync(join(dist, 'bundle', 'main.js'), 'globalThis.cdtsEntryRan = "bundle";\n');
    writeFileSync(join(dist, 'bundle', 'inputs'), './run.js\n');
    mainUrl = pathToFileURL(join(dist, 'main.js')).href;
  });
  afterEach(() => {
    rmSync(dist, { recursive: true, force: true });
  });

  it('is fresh when the bundle is not older than any input', () => {
    at('run.js', 1_000);
    at('bundle/main.js', 2_000);
    expect(bundleIsFresh(mainUrl)).toBe(true);
  });

  it('is stale when an input changed after the bundle (a bare tsc -b)', () => {
    at('bundle/main.js', 1_000);
    at('run.js', 2_000);
    expect(bundleIsFresh(mainUrl)).toBe(false);
  });

  it('is stale when the bundle, its inputs list or an input is missing', () => {
    rmSync(join(dist, 'run.js'));
    expect(bundleIsFresh(mainUrl)).toBe(false);
    rmSync(join(dist, 'bundle', 'inputs'));
    expect(bundleIsFresh(mainUrl)).toBe(false);
    rmSync(join(dist, 'bundle'), { recursive: true });
    expect(bundleIsFresh(mainUrl)).toBe(false);
  });

  it('runs the bundle when fresh, the unbundled module otherwise', async () => {
    const g = globalThis as { cdtsEntryRan?: string };
    at('run.js', 1_000);
    at('bundle/main.js', 2_000);
    await runEntry(mainUrl, './run.js');
    expect(g.cdtsEntryRan).toBe('bundle');
    at('run.js', 3_000);
    await runEntry(mainUrl, './run.js');
    expect(g.cdtsEntryRan).toBe('unbundled');
    delete g.cdtsEntryRan;
  });
});
