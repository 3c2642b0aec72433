// Per-test temp dir and fd bookkeeping for tests of the unix addon: every fd a
// test hands to track() is closed after it (if the test has not), and the dir
// is removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { close } from '@coredump-ts/unix';
import { afterEach, beforeEach } from 'vitest';

export interface FdFixture {
  /** This test's temp dir. */
  readonly dir: string;
  track<T extends number | number[]>(fds: T): T;
}

export function fdFixture(prefix: string): FdFixture {
  let dir = '';
  let opened: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    opened = [];
  });
  afterEach(() => {
    for (const fd of opened) {
      try {
        close(fd);
      } catch {
        // already closed by the test
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    track(fds) {
      opened.push(...(Array.isArray(fds) ? fds : [fds]));
      return fds;
    },
  };
}
