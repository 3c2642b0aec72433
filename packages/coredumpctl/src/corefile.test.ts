import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCoreFile, createCoreFileProbe } from './corefile.js';

const dir = mkdtempSync(join(tmpdir(), 'corefile-test-'));
writeFileSync(join(dir, 'core.present'), 'core');
mkdirSync(join(dir, 'core.dir'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('createCoreFileProbe', () => {
  // Each path's state must be exactly what the per-file check says.
  it.for([
    ['a present core', 'core.present'],
    ['a name the directory lacks', 'core.gone'],
    ['the other case of a present name', 'CORE.PRESENT'],
    ['a directory', 'core.dir'],
    ['a name in a missing directory', 'nowhere/core'],
    ['a name under a file', 'core.present/core'],
    ['a trailing slash', 'core.present/'],
    ['a dot', '.'],
    ['a dot dot', '..'],
    ['a name too long (ENAMETOOLONG)', 'x'.repeat(256)],
    ['a long name that fits', 'x'.repeat(255)],
    ['a NUL', 'core\0x'],
  ] as const)('%s', ([, name]) => {
    const probe = createCoreFileProbe();
    const path = `${dir}/${name}`; // not join(): '.' and the trailing slash stay
    expect(probe(path)).toEqual(analyzeCoreFile(path));
  });

  it('lists each directory once, and asks per file only for names it holds', () => {
    const asked: string[] = [];
    const probe = createCoreFileProbe((p) => {
      asked.push(p);
      return analyzeCoreFile(p);
    });
    for (const name of ['core.gone1', 'core.present', 'core.gone2']) probe(join(dir, name));
    expect(probe(join(dir, 'core.gone3'))).toEqual({ state: 'missing' });
    expect(asked).toEqual([join(dir, 'core.present')]);
  });
});
