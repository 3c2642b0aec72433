// `coredump-ts install/uninstall --root` as a user runs them: the built CLI,
// a temp root, the live kernel settings left alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKernelSettings } from './support/kernel.js';

const CLI = new URL('../packages/admin/dist/main.js', import.meta.url).pathname;
const cli = (...args: string[]): { status: number | null; out: string } => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
};

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'admin-cli-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('coredump-ts install/uninstall --root', () => {
  it('installs, says a second run changes nothing, uninstalls, never touching the live sysctls', () => {
    const before = readKernelSettings();
    const first = cli('install', '--root', root);
    expect(first.status).toBe(0);
    expect(first.out).toContain('install: created /etc/systemd/system/systemd-coredump@.service');
    expect(first.out).toContain(`staged into ${root}: nothing was started`);
    expect(readFileSync(join(root, 'etc/systemd/coredump.conf'), 'utf8')).toContain(
      '#ProcessSizeMax=32G',
    );

    const second = cli('install', '--root', root);
    expect(second.status).toBe(0);
    expect(second.out).toContain('install: nothing to do, already installed');
    expect(second.out).not.toMatch(/install: (created|updated) /);

    const removed = cli('uninstall', '--root', root);
    expect(removed.status).toBe(0);
    expect(existsSync(join(root, 'etc/systemd/system/systemd-coredump.socket'))).toBe(false);
    expect(cli('uninstall', '--root', root).out).toContain(
      'uninstall: nothing to do, already uninstalled',
    );
    expect(readKernelSettings()).toEqual(before);
  });

  it.for(['install', 'uninstall'])(
    '%s on the live system refuses a non-root user with exit 77',
    (verb) => {
      const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, CLI, verb], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(77);
      expect(r.stderr).toContain(`${verb} needs root`);
      expect(r.stderr).toContain('[ERR_NOT_ROOT]');
    },
  );

  it('rejects bad usage with exit 2 (ERR_USAGE, docs/errors.md)', () => {
    const r = cli('install', '--frob');
    expect(r.status).toBe(2);
    expect(r.out).toContain('[ERR_USAGE]');
  });
});
