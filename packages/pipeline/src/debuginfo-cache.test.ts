// The debuginfo cache's bookkeeping on temp directories: copies made once, marked when
// used, trimmed least recently used first, temporaries of killed workers swept, unsafe
// directories refused, files without compressed sections left alone. The debug files
// are real ones (gcc -g, objcopy --compress-debug-sections); the pipeline test is
// test/debuginfo-cache.test.ts.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { buildCompressedDebug } from '../../../test/support/elf.js';
import { debuginfoSearchPath, unsafeCacheDir, warmDebuginfoCache } from './debuginfo-cache.js';

const IDS = ['aa11', 'bb22', 'cc33'].map((p) => p + '0'.repeat(36));
const rel = (id: string): string => join('.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)('warmDebuginfoCache', () => {
  const root = mkdtempSync(join(tmpdir(), 'cdts-dbgcache-unit-'));
  const debugRoot = join(root, 'debug');
  let cacheDir: string;
  let compressedBytes = 0;

  beforeAll(async () => {
    const { program, debug } = await buildCompressedDebug(
      root,
      'int f(int x) { return x * 3; }\nint main(void) { return f(2); }\n',
    );
    execFileSync('objcopy', ['--only-keep-debug', program, join(root, 'plain.debug')]);
    compressedBytes = statSync(debug).size;
    for (const id of IDS) {
      mkdirSync(dirname(join(debugRoot, rel(id))), { recursive: true });
      execFileSync('cp', [debug, join(debugRoot, rel(id))]);
    }
  });

  let n = 0;
  beforeEach(() => {
    cacheDir = join(root, `cache-${String(n++)}`);
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const opts = (extra = {}) => ({ cacheDir, debugRoot, maxUseBytes: 1 << 30, ...extra });

  it('makes each copy once, 0644 in 0755 directories whatever the umask', async () => {
    const old = process.umask(0o077);
    try {
      const first = await warmDebuginfoCache([IDS[0] ?? '', IDS[0] ?? ''], opts());
      expect(first).toMatchObject({ usable: true, added: [IDS[0]], present: 0, problems: [] });
      const again = await warmDebuginfoCache([IDS[0] ?? ''], opts());
      expect(again).toMatchObject({ added: [], present: 1, problems: [] });
    } finally {
      process.umask(old);
    }
    const copy = join(cacheDir, rel(IDS[0] ?? ''));
    expect(statSync(copy).mode & 0o777).toBe(0o644);
    expect(statSync(copy).size).toBeGreaterThan(compressedBytes);
    for (const dir of [cacheDir, dirname(dirname(copy)), dirname(copy)]) {
      expect(statSync(dir).mode & 0o777).toBe(0o755);
    }
    expect(readdirSync(dirname(copy))).toEqual([`${(IDS[0] ?? '').slice(2)}.debug`]);
  });

  it.for([
    ['cut short', (path: string) => execFileSync('truncate', ['-s', '-100', path])],
    [
      'empty',
      (path: string) => {
        writeFileSync(path, '');
      },
    ],
    [
      'not ELF',
      (path: string) => {
        writeFileSync(path, 'x'.repeat(100));
      },
    ],
  ] as const)('a copy %s is made again', async ([, damage]) => {
    await warmDebuginfoCache([IDS[0] ?? ''], opts());
    const copy = join(cacheDir, rel(IDS[0] ?? ''));
    const whole = statSync(copy).size;
    damage(copy);
    expect(await warmDebuginfoCache([IDS[0] ?? ''], opts())).toMatchObject({
      added: [IDS[0]],
      present: 0,
    });
    expect(statSync(copy).size).toBe(whole);
  });

  it('leaves out ids with no debug file, malformed ids, and files with nothing compressed', async () => {
    const plainId = 'dd44' + '0'.repeat(36);
    mkdirSync(dirname(join(debugRoot, rel(plainId))), { recursive: true });
    execFileSync('cp', [join(root, 'plain.debug'), join(debugRoot, rel(plainId))]);
    const r = await warmDebuginfoCache(
      ['ee55' + '0'.repeat(36), '../../etc', 'ZZ', plainId],
      opts(),
    );
    expect(r).toMatchObject({ added: [], present: 0, problems: [] });
    expect(existsSync(join(cacheDir, rel(plainId)))).toBe(false);
  });

  it('trims the least recently used copies beyond the limit, never the new one', async () => {
    await warmDebuginfoCache(IDS.slice(0, 2), opts());
    const one = statSync(join(cacheDir, rel(IDS[0] ?? ''))).size;
    // The first one used long ago, the second recently.
    utimesSync(join(cacheDir, rel(IDS[0] ?? '')), 1000, 1000);
    const r = await warmDebuginfoCache([IDS[2] ?? ''], opts({ maxUseBytes: 2 * one }));
    expect(r).toMatchObject({ added: [IDS[2]], removed: 1 });
    expect(existsSync(join(cacheDir, rel(IDS[0] ?? '')))).toBe(false);
    expect(existsSync(join(cacheDir, rel(IDS[1] ?? '')))).toBe(true);
    // Using a copy refreshes it: now the second is the oldest.
    await warmDebuginfoCache([IDS[2] ?? ''], opts({ now: () => Date.now() + 60_000 }));
    const again = await warmDebuginfoCache([IDS[0] ?? ''], opts({ maxUseBytes: 2 * one }));
    expect(again.removed).toBe(1);
    expect(existsSync(join(cacheDir, rel(IDS[1] ?? '')))).toBe(false);
    expect(existsSync(join(cacheDir, rel(IDS[2] ?? '')))).toBe(true);
  });

  it('sweeps temporaries a killed worker left an hour ago, not fresh ones', async () => {
    await warmDebuginfoCache([IDS[0] ?? ''], opts());
    const dir = dirname(join(cacheDir, rel(IDS[1] ?? '')));
    mkdirSync(dir, { recursive: true });
    const stale = join(dir, 'x.debug.tmp-1');
    const fresh = join(dir, 'y.debug.tmp-2');
    writeFileSync(stale, 'partial');
    writeFileSync(fresh, 'partial');
    utimesSync(stale, 1000, 1000);
    await warmDebuginfoCache([IDS[1] ?? ''], opts());
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('makes at most 8 new copies per crash; the rest come with the next', async () => {
    const many = Array.from({ length: 10 }, (_, i) => `f${String(i)}` + '1'.repeat(38));
    for (const id of many) {
      mkdirSync(dirname(join(debugRoot, rel(id))), { recursive: true });
      execFileSync('cp', [join(debugRoot, rel(IDS[0] ?? '')), join(debugRoot, rel(id))]);
    }
    expect((await warmDebuginfoCache(many, opts())).added).toHaveLength(8);
    expect(await warmDebuginfoCache(many, opts())).toMatchObject({
      present: 8,
      added: many.slice(8),
    });
  });

  it('a limit of 0 touches nothing; a limit below one copy refuses it', async () => {
    expect(await warmDebuginfoCache([IDS[0] ?? ''], opts({ maxUseBytes: 0 }))).toMatchObject({
      added: [],
      problems: [],
    });
    expect(existsSync(cacheDir)).toBe(false);
    const r = await warmDebuginfoCache([IDS[0] ?? ''], opts({ maxUseBytes: 100 }));
    expect(r.added).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(readdirSync(dirname(join(cacheDir, rel(IDS[0] ?? ''))))).toEqual([]);
  });

  it('refuses a directory others may write, or one that is not a directory', async () => {
    mkdirSync(cacheDir, { mode: 0o755 });
    chmodSync(cacheDir, 0o777);
    const r = await warmDebuginfoCache([IDS[0] ?? ''], opts());
    expect(r).toMatchObject({ usable: false, problems: [`${cacheDir} is writable by others`] });
    expect(readdirSync(cacheDir)).toEqual([]);
    rmSync(cacheDir, { recursive: true });
    writeFileSync(cacheDir, '');
    expect((await warmDebuginfoCache([IDS[0] ?? ''], opts())).problems).toHaveLength(1);
    expect(unsafeCacheDir(cacheDir)).toBe(`${cacheDir} is not a directory`);
  });
});

describe('debuginfoSearchPath', () => {
  it("puts the cache before libdwfl's own places", () => {
    expect(debuginfoSearchPath('/var/cache/c', '/usr/lib/debug')).toBe(
      '/var/cache/c::.debug:/usr/lib/debug',
    );
    expect(debuginfoSearchPath(undefined, '/d')).toBe(':.debug:/d');
  });
});
