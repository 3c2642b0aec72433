import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  coreFileUid,
  effectiveKeepFree,
  effectiveMaxUse,
  scanCores,
  vacuumCores,
  vacuumNecessary,
} from './vacuum.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('derived limits', () => {
  it.for([
    [undefined, 0, MIB],
    [undefined, 100 * MIB, Math.ceil((10 * MIB) / 4096) * 4096],
    [undefined, 5 * MIB, MIB],
    [undefined, 100 * GIB, 4 * GIB],
    [1000, 100 * GIB, 4096],
    [0, 100 * GIB, 0],
  ] as const)('MaxUse=%s on a %i byte fs -> %i', ([set, fs, want]) => {
    expect(effectiveMaxUse(set, fs)).toBe(want);
  });
  it.for([
    [undefined, 0, MIB],
    [undefined, 100 * MIB, Math.ceil((15 * MIB) / 4096) * 4096],
    [undefined, 100 * GIB, 4 * GIB],
    [5000, 1, 8192],
  ] as const)('KeepFree=%s on a %i byte fs -> %i', ([set, fs, want]) => {
    expect(effectiveKeepFree(set, fs)).toBe(want);
  });
  it('necessary when either limit is crossed', () => {
    const fs = { sizeBytes: 100 * GIB, freeBytes: 50 * GIB };
    expect(vacuumNecessary(2 * MIB, fs, MIB, 0)).toBe(true);
    expect(vacuumNecessary(MIB / 2, fs, MIB, 0)).toBe(false);
    expect(vacuumNecessary(0, fs, 0, 60 * GIB)).toBe(true);
    expect(vacuumNecessary(10 * GIB, fs, 0, 0)).toBe(false);
  });
});

describe('coreFileUid', () => {
  it.for([
    ['core.bash.1000.abc.1.2.zst', 1000],
    ['core.Web\\x20Content.0.abc.1.2', 0],
    ['.#core.bash.1000.abc.1.2.zst1234', undefined],
    ['core.bash.x.abc', undefined],
    ['notes.txt', undefined],
  ] as const)('%s -> %s', ([name, uid]) => {
    expect(coreFileUid(name)).toBe(uid);
  });
});

describe('vacuumCores on a real directory', () => {
  let dir = '';
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function core(name: string, ageSec: number, bytes = 64 * 1024): void {
    const path = join(dir, name);
    writeFileSync(path, Buffer.alloc(bytes, 1));
    const t = Date.now() / 1000 - ageSec;
    utimesSync(path, t, t);
  }

  it('removes the heaviest uid oldest file first, and ignores temp files', () => {
    dir = mkdtempSync(join(tmpdir(), 'worker-vacuum-'));
    core('core.a.1000.b.1.1.zst', 100);
    core('core.a.1000.b.2.2.zst', 300); // oldest of the heaviest uid
    core('core.a.1000.b.3.3.zst', 200);
    core('core.a.2000.b.4.4.zst', 1000); // oldest overall, but uid 2000 has fewer
    core('.#core.a.1000.b.5.5.zstdeadbeef', 5000, 512 * 1024); // temp: never counted
    mkdirSync(join(dir, 'core.dir.1000.b.6.6')); // not a regular file
    const before = scanCores(dir, undefined);
    expect(before.worst?.oldestFile).toBe('core.a.1000.b.2.2.zst');
    // Allow three 64K files (plus a page of slack) and no KeepFree=.
    const removed = vacuumCores({
      dir,
      maxUse: 3 * 64 * 1024 + 4096,
      keepFree: 0,
      deallocate: () => undefined,
    });
    expect(removed).toEqual(['core.a.1000.b.2.2.zst']);
    const removed2 = vacuumCores({ dir, maxUse: 64 * 1024, keepFree: 0 });
    // uid 1000 and 2000 now tie on... 1000 has 2, 2000 has 1: 1000's oldest goes first.
    expect(removed2).toEqual(['core.a.1000.b.3.3.zst', 'core.a.2000.b.4.4.zst']);
    expect(statSync(join(dir, '.#core.a.1000.b.5.5.zstdeadbeef')).isFile()).toBe(true);
  });

  it('excludes the new file from the sum and from removal', () => {
    dir = mkdtempSync(join(tmpdir(), 'worker-vacuum-'));
    core('core.a.1000.b.1.1.zst', 10);
    const st = statSync(join(dir, 'core.a.1000.b.1.1.zst'), { bigint: true });
    const removed = vacuumCores({
      dir,
      maxUse: 4096,
      keepFree: 0,
      exclude: { dev: st.dev, ino: st.ino },
    });
    expect(removed).toEqual([]);
  });

  it('MaxUse=0 and KeepFree=0 disable it; a missing directory is fine', () => {
    dir = mkdtempSync(join(tmpdir(), 'worker-vacuum-'));
    core('core.a.1000.b.1.1.zst', 10);
    expect(vacuumCores({ dir, maxUse: 0, keepFree: 0 })).toEqual([]);
    expect(vacuumCores({ dir: join(dir, 'nope'), maxUse: 1, keepFree: 0 })).toEqual([]);
  });
});
