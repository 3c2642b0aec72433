import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { withMachineLock } from './machine-lock.js';

// A temp file stands in for the machine-global state, a temp dir for the lock.
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function fakeState(): { file: string; lockDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cdts-machine-lock-'));
  made.push(dir);
  const file = join(dir, 'state');
  writeFileSync(file, 'original');
  return { file, lockDir: join(dir, 'lock') };
}

const saveFile = (file: string) => (): (() => void) => {
  const saved = readFileSync(file, 'utf8');
  return () => {
    writeFileSync(file, saved);
  };
};

describe('withMachineLock', () => {
  it('puts the saved state back and releases the lock after fn throws', async () => {
    const s = fakeState();
    const run = withMachineLock(s.lockDir, 1000, saveFile(s.file), () => {
      writeFileSync(s.file, 'changed');
      expect(readFileSync(join(s.lockDir, 'pid'), 'utf8')).toBe(String(process.pid));
      return Promise.reject(new Error('boom'));
    });
    await expect(run).rejects.toThrow('boom');
    expect(readFileSync(s.file, 'utf8')).toBe('original');
    expect(existsSync(s.lockDir)).toBe(false);
  });

  it('releases the lock when saving fails, and fn never runs', async () => {
    const s = fakeState();
    let ran = false;
    const run = withMachineLock(
      s.lockDir,
      1000,
      () => {
        throw new Error('cannot read the state');
      },
      () => {
        ran = true;
        return Promise.resolve();
      },
    );
    await expect(run).rejects.toThrow('cannot read the state');
    expect(ran).toBe(false);
    expect(existsSync(s.lockDir)).toBe(false);
  });

  it('leaves no exit or signal listener behind', async () => {
    const s = fakeState();
    const count = (): number[] =>
      (['exit', 'SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((e) => process.listenerCount(e));
    const before = count();
    let inside: number[] = [];
    await withMachineLock(s.lockDir, 1000, saveFile(s.file), () => {
      inside = count();
      return Promise.resolve();
    });
    expect(inside).toEqual(before.map((n) => n + 1));
    expect(count()).toEqual(before);
  });
});
