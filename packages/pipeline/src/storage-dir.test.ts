import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openStorageDir } from './storage-dir.js';

describe('openStorageDir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'storage-dir-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a missing directory with create, and reports absence without', () => {
    expect(openStorageDir(join(root, 'none'), { create: false })).toBeUndefined();
    const dir = openStorageDir(join(root, 'a/b'), { create: true });
    expect(dir?.at).toMatch(/^\/proc\/self\/fd\/[0-9]+$/);
    dir?.close();
  });

  it('refuses a symbolic link, with a message saying so', () => {
    mkdirSync(join(root, 'target'));
    symlinkSync(join(root, 'target'), join(root, 'link'));
    for (const create of [false, true]) {
      expect(() => openStorageDir(join(root, 'link'), { create })).toThrow(
        /Refusing the storage directory .*link: it is a symbolic link/,
      );
    }
  });

  it('keeps working on the opened directory when its path is swapped for a link', () => {
    const path = join(root, 'storage');
    mkdirSync(join(root, 'target'));
    const dir = openStorageDir(path, { create: true });
    if (dir === undefined) throw new Error('not opened');
    try {
      renameSync(path, join(root, 'moved'));
      symlinkSync(join(root, 'target'), path);
      writeFileSync(`${dir.at}/core.x`, 'x');
      expect(readdirSync(join(root, 'moved'))).toEqual(['core.x']);
      expect(readdirSync(join(root, 'target'))).toEqual([]);
    } finally {
      dir.close();
    }
  });
});
