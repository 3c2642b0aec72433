import { closeSync, fstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { openNamedTemp } from './store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openNamedTemp (no O_TMPFILE)', () => {
  it('creates .#<name><16 hex> beside the target, exclusively, a fresh name each time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    dirs.push(dir);
    const name = 'core.segv.0.b00t.42.1700000000000000.zst';
    const a = openNamedTemp(dir, name);
    const b = openNamedTemp(dir, name);
    try {
      for (const t of [a, b]) {
        expect(t.tempPath).toMatch(
          new RegExp(`^${dir}/\\.#${name.replaceAll('.', '\\.')}[0-9a-f]{16}$`),
        );
        expect(fstatSync(t.fd).isFile()).toBe(true);
      }
      expect(a.tempPath).not.toBe(b.tempPath);
      expect(readdirSync(dir).sort()).toEqual(
        [a.tempPath, b.tempPath].map((p) => p?.slice(dir.length + 1)).sort(),
      );
    } finally {
      closeSync(a.fd);
      closeSync(b.fd);
    }
  });

  it('fails with ERR_STORAGE_IO naming the path when the directory is missing', () => {
    expect(() => openNamedTemp('/nonexistent-dir-for-test', 'core.x')).toThrow(
      expect.objectContaining({
        code: 'ERR_STORAGE_IO',
        message: expect.stringContaining('/nonexistent-dir-for-test/.#core.x') as unknown,
      }),
    );
  });
});
