// Property test of drop-in trees (issue 15): for random trees of main files and
// drop-ins over the four directories (regular, empty, masked by a symlink to
// /dev/null, same names in several directories, names that are not *.conf),
// the files loadConfig() parses are the non-empty files `systemd-analyze
// cat-config systemd/coredump.conf` (systemd 252) prints, in its order, and
// the value that wins is the one of the last of them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFs as fs } from '@coredump-ts/unix';
import { fuzzParams, fuzzRuns } from '../../../test/support/fuzz.js';
import { DEFAULT_CONFIG } from './config.js';
import { CONFIG_DIRS, loadConfig } from './load.js';

const haveAnalyze = existsSync('/usr/bin/systemd-analyze') || existsSync('/bin/systemd-analyze');

type Kind = 'text' | 'empty' | 'devnull';
interface TreeSpec {
  /** a main file in each of these directories (index into CONFIG_DIRS) */
  mains: number[];
  dropins: { dir: number; name: string; kind: Kind }[];
}

const tree: fc.Arbitrary<TreeSpec> = fc.record({
  mains: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  dropins: fc.uniqueArray(
    fc.record({
      dir: fc.integer({ min: 0, max: 3 }),
      name: fc.constantFrom('10-a.conf', '20-b.conf', '30-c.conf', '5-d.conf', 'README', '.h.conf'),
      kind: fc.constantFrom<Kind>('text', 'text', 'empty', 'devnull'),
    }),
    { maxLength: 10, selector: (d) => `${d.dir}/${d.name}` },
  ),
});

/** Build the tree; every text file sets MaxUse= to a value of its own (n K). */
function build(spec: TreeSpec): { root: string; maxUseOf: Map<string, number> } {
  const root = mkdtempSync(join(tmpdir(), 'cdts-conf-tree-'));
  const maxUseOf = new Map<string, number>();
  let n = 1;
  const text = (path: string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `[Coredump]\nMaxUse=${n}K\n`);
    maxUseOf.set(path, 1024 * n++);
  };
  for (const d of spec.mains) text(join(root, CONFIG_DIRS[d] ?? '', 'systemd/coredump.conf'));
  for (const d of spec.dropins) {
    const path = join(root, CONFIG_DIRS[d.dir] ?? '', 'systemd/coredump.conf.d', d.name);
    if (d.kind === 'text') text(path);
    else {
      mkdirSync(dirname(path), { recursive: true });
      if (d.kind === 'empty') writeFileSync(path, '');
      else symlinkSync('/dev/null', path);
    }
  }
  return { root, maxUseOf };
}

/** The files cat-config prints with something in them, in its order. */
function catConfigFiles(root: string): string[] {
  const out = execFileSync(
    'systemd-analyze',
    [`--root=${root}`, 'cat-config', 'systemd/coredump.conf'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const files: string[] = [];
  let current: string | undefined;
  for (const l of out.split('\n')) {
    if (l.startsWith(`# ${root}/`)) current = l.slice(2);
    else if (current !== undefined && l.trim() !== '' && !files.includes(current))
      files.push(current);
  }
  return files;
}

describe.skipIf(!haveAnalyze)('drop-in trees against systemd-analyze cat-config (property)', () => {
  it('parses the files cat-config shows, in its order; the last one wins', () => {
    fc.assert(
      fc.property(tree, (spec) => {
        const { root, maxUseOf } = build(spec);
        try {
          const want = catConfigFiles(root);
          const r = loadConfig({ root, fs });
          expect(r.files).toEqual(want);
          expect(r.diagnostics).toEqual([]);
          const last = want.at(-1);
          expect(r.config.maxUse).toBe(
            last === undefined ? DEFAULT_CONFIG.maxUse : maxUseOf.get(last),
          );
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      // One systemd-analyze per case (~75 ms): a long run stops at 3,000.
      { ...fuzzParams(15), numRuns: Math.min(fuzzRuns(15), 3000) },
    );
  });
});
