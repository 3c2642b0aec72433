import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFs } from './files.js';

const dir = mkdtempSync(join(tmpdir(), 'cdts-files-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('configFs.readRegularFile', () => {
  it('reads a regular file, through a symlink too', () => {
    writeFileSync(join(dir, 'a.conf'), 'héllo\n');
    symlinkSync('a.conf', join(dir, 'link.conf'));
    expect(configFs.readRegularFile(join(dir, 'a.conf'), 100)).toEqual({
      ok: true,
      value: 'héllo\n',
    });
    expect(configFs.readRegularFile(join(dir, 'link.conf'), 7)).toEqual({
      ok: true,
      value: 'héllo\n',
    });
  });

  it('refuses a file larger than the cap', () => {
    writeFileSync(join(dir, 'big.conf'), 'x'.repeat(101));
    expect(configFs.readRegularFile(join(dir, 'big.conf'), 100)).toMatchObject({
      ok: false,
      code: 'EFBIG',
    });
  });

  it.for([
    ['/dev/zero', 'EINVAL'],
    ['/dev/null', 'EINVAL'],
    ['/', 'EISDIR'],
  ] as const)('refuses %s (%s) without reading it', ([path, code]) => {
    expect(configFs.readRegularFile(path, 1024)).toMatchObject({ ok: false, code });
  });

  it('refuses a FIFO without waiting for a writer', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(configFs.readRegularFile(fifo, 1024)).toMatchObject({ ok: false, code: 'EINVAL' });
  });

  it('answers ENOENT for a missing file', () => {
    expect(configFs.readRegularFile(join(dir, 'nope'), 10)).toMatchObject({
      ok: false,
      code: 'ENOENT',
    });
  });
});

describe('configFs.stat, readLink, listDirectory', () => {
  it('tells kinds and identities apart, and answers instead of throwing', () => {
    writeFileSync(join(dir, 's.conf'), 'x');
    symlinkSync('s.conf', join(dir, 's-link.conf'));
    const a = configFs.stat(join(dir, 's.conf'));
    const b = configFs.stat(join(dir, 's-link.conf'));
    expect(a).toMatchObject({ ok: true, value: { kind: 'file', sizeBytes: 1 } });
    expect(a.ok && b.ok && a.value.identity === b.value.identity).toBe(true);
    expect(configFs.stat('/dev/null')).toMatchObject({ ok: true, value: { kind: 'char-device' } });
    expect(configFs.readLink(join(dir, 's-link.conf'))).toEqual({ ok: true, value: 's.conf' });
    expect(configFs.readLink(join(dir, 's.conf'))).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(configFs.listDirectory(join(dir, 'missing'))).toMatchObject({
      ok: false,
      code: 'ENOENT',
    });
    const names = configFs.listDirectory(dir);
    expect(names.ok && names.value.includes('s.conf')).toBe(true);
  });
});
