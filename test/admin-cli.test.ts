// `coredump-ts install/uninstall --root` as a user runs them: the built CLI,
// a temp root, the live kernel settings left alone. And what install leaves
// behind runs on its own: the checkout it came from moved away, the installed
// coredumpctl-ts, coredump-ts and handler still work.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKernelSettings, withKernelSettings } from './support/kernel.js';
import { readableCopyFor } from './support/readable-copy.js';
import { useTestJournal } from './support/test-journal.js';
import { waitFor } from './support/wait.js';

const CHECKOUT = new URL('..', import.meta.url).pathname;
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
  it('installs, says a second run changes nothing, uninstalls, never touching the live sysctls', async () => {
    // Under the tests' kernel-settings lock (changing nothing itself), so that
    // another run on this machine cannot change them meanwhile.
    await withKernelSettings({}, () => {
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
      return Promise.resolve();
    });
  });

  it.for(['install', 'uninstall'])(
    '%s on the live system refuses a non-root user with exit 77',
    (verb) => {
      // From a 0700 checkout, nobody cannot reach CLI: then a copy it can read
      // (mkdtemp made root 0700).
      chmodSync(root, 0o755);
      const cli = readableCopyFor('nobody', CLI, join(root, 'app'), 'coredump-ts.js');
      const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, cli, verb], {
        encoding: 'utf8',
        cwd: '/',
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

describe('the installed copy runs without the checkout', () => {
  const journal = useTestJournal();

  it('install --root from a copy of the checkout, the copy moved away: coredumpctl-ts, coredump-ts and the handler run', async () => {
    const work = mkdtempSync(join(tmpdir(), 'admin-moved-'));
    try {
      // A copy of the built checkout: node_modules hard-linked, the rest copied.
      const copy = join(work, 'checkout');
      for (const part of ['package.json', 'packages', 'units', 'conf', 'man', 'completion']) {
        if (existsSync(join(CHECKOUT, part)))
          cpSync(join(CHECKOUT, part), join(copy, part), {
            recursive: true,
            verbatimSymlinks: true,
          });
      }
      execFileSync('cp', ['-al', join(CHECKOUT, 'node_modules'), join(copy, 'node_modules')]);
      const root = join(work, 'root');
      const installed = spawnSync(
        process.execPath,
        [join(copy, 'packages/admin/dist/main.js'), 'install', `--root=${root}`],
        { encoding: 'utf8' },
      );
      expect(installed.status, installed.stderr).toBe(0);
      renameSync(copy, join(work, 'moved-away'));
      rmSync(join(work, 'moved-away'), { recursive: true, force: true });

      const bin = (name: string): string => join(root, 'usr/bin', name);
      const run = (file: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
        spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ...env }, cwd: '/' });
      expect(run(bin('coredump-ts'), ['--version']).stdout).toMatch(
        /^coredump-ts \d+\.\d+\.\d+\n$/,
      );

      // A stored zstd core and its entry: dump goes through zstd-napi.
      const core = join(work, 'core.moved.zst');
      writeFileSync(join(work, 'core.moved'), 'the core bytes\n'.repeat(100));
      execFileSync('zstd', ['-q', '--rm', join(work, 'core.moved'), '-o', core]);
      chmodSync(work, 0o755);
      journal.inject({
        MESSAGE_ID: 'fc2e22bc6ee647b6b90729ab34a250b1',
        MESSAGE: 'Process 4321 (moved) of user 0 dumped core.',
        PRIORITY: '2',
        COREDUMP_PID: '4321',
        COREDUMP_UID: '0',
        COREDUMP_GID: '0',
        COREDUMP_SIGNAL: '11',
        COREDUMP_COMM: 'moved',
        COREDUMP_TIMESTAMP: '1700000000000000',
        COREDUMP_FILENAME: core,
      });
      await waitFor(() => journal.count('COREDUMP_PID=4321') > 0, { what: 'the injected entry' });
      const listed = run(bin('coredumpctl-ts'), [
        '-D',
        journal.directory,
        'list',
        'COREDUMP_PID=4321',
      ]);
      expect(listed.stderr).toBe('');
      expect(listed.stdout).toMatch(/ 4321 +0 +0 SIGSEGV present +moved/);
      const dumped = run(bin('coredumpctl-ts'), [
        '-D',
        journal.directory,
        'dump',
        'COREDUMP_PID=4321',
      ]);
      expect(dumped.status, dumped.stderr).toBe(0);
      expect(dumped.stdout).toBe('the core bytes\n'.repeat(100));

      // The handler's --backtrace mode sends through the unix addon.
      const seconds = 1_500_000_000 + (process.pid % 100_000);
      const handler = spawnSync(
        join(root, 'usr/lib/coredump-ts/handler.js'),
        ['--backtrace', String(process.pid), '0', '0', '6', String(seconds), '1', 'host', '1'],
        {
          input: 'MESSAGE=from the installed handler\n\n',
          env: { ...process.env, ...journal.env() },
        },
      );
      expect(handler.status, handler.stderr.toString()).toBe(0);
      const [entry] = await journal.waitFor([`COREDUMP_TIMESTAMP=${String(seconds)}000000`]);
      expect(entry?.['MESSAGE']).toBe('from the installed handler');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
