// The suite from a checkout root can use but other users cannot reach, as a
// clone in /root or in a mkdtemp directory is (issue 14 item 1): the tests
// that run the CLI as an unprivileged user must still pass. A fresh clone of
// this commit into a 0700 directory, node_modules and the unix addon's build
// reused (hard links where the filesystem allows), built once, then the
// access and admin suites run there.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { userCanRead } from './support/readable-copy.js';

const CHECKOUT = new URL('..', import.meta.url).pathname;
const SUITES = ['test/coredumpctl-access.test.ts', 'test/admin-cli.test.ts'];

let parent: string;
let clone: string;

/** cp -al (hard links) when on one filesystem, else a plain copy. */
function copyTree(from: string, to: string): void {
  if (spawnSync('cp', ['-al', from, to]).status === 0) return;
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'cdts-0700-'));
  clone = join(parent, 'coredump-ts');
  const head = execFileSync('git', ['-C', CHECKOUT, 'rev-parse', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
  execFileSync('git', ['clone', '-q', '--no-checkout', CHECKOUT, clone]);
  execFileSync('git', ['-C', clone, 'checkout', '-q', head]);
  copyTree(join(CHECKOUT, 'node_modules'), join(clone, 'node_modules'));
  copyTree(join(CHECKOUT, 'packages/unix/build'), join(clone, 'packages/unix/build'));
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: clone, stdio: 'pipe' });
}, 300_000);

afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
});

describe('a clone in a 0700 directory', () => {
  it('is out of reach for other users', () => {
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    expect(userCanRead('nobody', join(clone, 'package.json'))).toBe(false);
  });

  it('passes the access and admin suites', () => {
    const r = spawnSync(
      'npx',
      ['vitest', 'run', '--project', 'integration', '--reporter=dot', ...SUITES],
      {
        cwd: clone,
        encoding: 'utf8',
        timeout: 600_000,
        env: { ...process.env, CI: '1', NO_COLOR: '1' },
      },
    );
    // eslint-disable-next-line no-control-regex -- vitest's colours
    const tail = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '').slice(-4000);
    expect(r.status, tail).toBe(0);
    expect(tail).toMatch(/Test Files +2 passed \(2\)/);
    expect(tail).toMatch(/Tests +\d+ passed \(\d+\)/);
    expect(tail).not.toMatch(/failed/);
  }, 900_000);
});
