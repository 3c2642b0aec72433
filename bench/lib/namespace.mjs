// A private journald for the bench (a journal namespace, as the tests use):
// the bench's made-up coredump entries never reach the machine's journal.
// Readers point at it with -D <dir> (systemd's coredumpctl and ours alike).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const JOURNALD = '/lib/systemd/systemd-journald';

export async function startBenchJournal(prefix = 'cdtsbench') {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  const machineId = readFileSync('/etc/machine-id', 'utf8').trim();
  const paths = {
    config: `/etc/systemd/journald@${name}.conf`,
    runtime: `/run/systemd/journal.${name}`,
    dir: `/var/log/journal/${machineId}.${name}`,
    runtimeDir: `/run/log/journal/${machineId}.${name}`,
  };
  // No rate limit: the bench sends thousands of entries at once.
  writeFileSync(paths.config, '[Journal]\nStorage=persistent\nRateLimitIntervalSec=0\n');
  const child = spawn(JOURNALD, [name], { stdio: 'ignore' });
  const socketPath = `${paths.runtime}/socket`;
  const deadline = Date.now() + 15_000;
  while (!(existsSync(socketPath) && existsSync(`${paths.dir}/system.journal`))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      for (const p of Object.values(paths)) rmSync(p, { recursive: true, force: true });
      throw new Error(`journald namespace ${name} did not start`);
    }
    await sleep(50);
  }
  return {
    name,
    socketPath,
    dir: paths.dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      for (const p of Object.values(paths)) rmSync(p, { recursive: true, force: true });
    },
    /** For an exit path, where nothing can be awaited: SIGKILL it and remove its files. */
    stopNow() {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const p of Object.values(paths)) rmSync(p, { recursive: true, force: true });
    },
  };
}

/** journald has the entries once `journalctl -D dir` counts them (it syncs lazily). */
export async function waitForCount(dir, matches, n, spawnSync) {
  const deadline = Date.now() + 60_000;
  let have = 0;
  while (Date.now() < deadline) {
    const r = spawnSync(
      'journalctl',
      ['-q', '-D', dir, '-o', 'cat', '--output-fields=MESSAGE_ID', ...matches],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      },
    );
    have = r.stdout.split('\n').filter((l) => l !== '').length;
    if (have >= n) return have;
    await sleep(200);
  }
  return have;
}
