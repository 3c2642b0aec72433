// The ACL bytes are checked by the real getfacl reading them back from a file.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { encodeUserReadAcl, grantReadAcl } from './acl.js';

describe('encodeUserReadAcl', () => {
  it('is version 2 with five sorted entries', () => {
    const b = encodeUserReadAcl(0o640, 1000);
    expect(b.length).toBe(4 + 5 * 8);
    expect(b.readUInt32LE(0)).toBe(2);
    const tags = [0, 1, 2, 3, 4].map((i) => b.readUInt16LE(4 + i * 8));
    expect(tags).toEqual([0x01, 0x02, 0x04, 0x10, 0x20]);
    expect(b.readUInt32LE(4 + 8 + 4)).toBe(1000);
  });
});

describe('grantReadAcl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'worker-acl-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('getfacl sees user:<uid>:r-- and the mode stays 0640', () => {
    const path = join(dir, 'core');
    const fd = openSync(path, 'w', 0o640);
    try {
      grantReadAcl(fd, 0o640, 4242);
    } finally {
      closeSync(fd);
    }
    const out = execFileSync('getfacl', ['-n', '-p', path], { encoding: 'utf8' });
    expect(out).toContain('user::rw-');
    expect(out).toContain('user:4242:r--');
    expect(out).toContain('group::r--');
    expect(out).toContain('mask::r--');
    expect(out).toContain('other::---');
    expect(execFileSync('stat', ['-c', '%a', path], { encoding: 'utf8' }).trim()).toBe('640');
  });
});
