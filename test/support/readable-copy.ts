// A copy of the built commands that an unprivileged user can run. A checkout
// in a 0700 directory (root's home, a mkdtemp dir) cannot be traversed by the
// test user, so `runuser -u <user> -- node <checkout>/...` fails with "Cannot
// find module". Where that is so, the tests stage the build the way
// `coredump-ts install` does (stageBuild: bundles, addons, zstd-napi) into a
// directory the user may read, and run that copy instead.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { stageBuild } from '../../packages/admin/src/install.js';
import { ENTRIES, defaultAppDir } from '../../packages/admin/src/layout.js';

/** True when `user` can read `path` (and so traverse every directory above it). */
export function userCanRead(user: string, path: string): boolean {
  return spawnSync('runuser', ['-u', user, '--', 'test', '-r', path]).status === 0;
}

type Command = (typeof ENTRIES)[number]['file'];

/**
 * `checkoutEntry` itself when `user` can read it, else the same command in a
 * staged copy under `into` (created 0755; the caller removes it).
 */
export function readableCopyFor(
  user: string,
  checkoutEntry: string,
  into: string,
  command: Command,
): string {
  if (userCanRead(user, checkoutEntry)) return checkoutEntry;
  mkdirSync(into, { recursive: true, mode: 0o755 });
  chmodSync(into, 0o755);
  stageBuild(defaultAppDir(), into, process.execPath);
  const entry = join(into, command);
  if (!userCanRead(user, entry))
    throw new Error(
      `${user} cannot read the staged ${entry} either: give it a directory it can reach`,
    );
  return entry;
}
