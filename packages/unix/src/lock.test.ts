import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { lockExclusive, unlock } from './lock.js';

describe('lockExclusive', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const file = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cdts-lock-'));
    dirs.push(dir);
    return join(dir, 'state');
  };

  it('excludes a second holder until the first unlocks', () => {
    const path = file();
    const a = openSync(path, 'w');
    const b = openSync(path, 'r'); // a separate open file description: flock conflicts
    try {
      expect(lockExclusive(a)).toBe(true);
      expect(lockExclusive(b, { timeoutMs: 20 })).toBe(false);
      unlock(a);
      expect(lockExclusive(b, { timeoutMs: 20 })).toBe(true);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });

  it('is held against another process, which flock(1) shows', () => {
    const path = file();
    const fd = openSync(path, 'w');
    try {
      expect(lockExclusive(fd)).toBe(true);
      const busy = spawnSync('flock', ['-n', path, 'true']);
      expect(busy.status).toBe(1);
      unlock(fd);
      expect(spawnSync('flock', ['-n', path, 'true']).status).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});
