// libc6-dbg decides how much the stack-trace step costs (libdw then reads
// libc's DWARF: ~4 ms per trace without it, ~50 ms with, issue 16), so the
// bench says whether it is installed, and --libc6-dbg installs it for the run
// and removes it again afterwards (every exit path, bench/lib/cleanup.mjs) if
// it was not there before.
import { execFileSync, spawnSync } from 'node:child_process';

import { onCleanup } from './cleanup.mjs';

export function libc6DbgInstalled() {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'libc6-dbg'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
}

/** Installs libc6-dbg if missing; returns a line saying what was done. */
export function ensureLibc6Dbg() {
  if (libc6DbgInstalled()) return 'libc6-dbg was already installed (left as it is)';
  const apt = (args) =>
    execFileSync('apt-get', ['-y', '-q', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  // Registered first: a failed or interrupted install is undone as well.
  onCleanup(() => {
    if (libc6DbgInstalled()) apt(['remove', 'libc6-dbg']);
  });
  apt(['install', 'libc6-dbg']);
  return 'libc6-dbg installed for this run (removed again when the bench ends)';
}
