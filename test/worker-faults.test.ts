// Faults around storage: a filesystem that fills up mid-stream, a worker
// killed mid-stream; and the sd_notify progress a long stream reports.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readlinkSync, statfsSync, write } from 'node:fs';
import { join } from 'node:path';

import { bind, close, pipe, recvmsg, sendmsg, socket } from '@coredump-ts/unix';
import { describe, expect, it } from 'vitest';

import { useTestJournal } from './support/test-journal.js';
import { waitFor } from './support/wait.js';
import {
  crashDatagrams,
  newTestId,
  runCrash,
  startWorker,
  useSandboxes,
} from './worker-helpers.js';

const journal = useTestJournal();
const sandbox = useSandboxes('worker-fault-', journal);

describe('storage faults', () => {
  it('a tiny tmpfs that fills up: entry still logged, no partial file, temp gone', async () => {
    const s = sandbox();
    const mnt = join(s.root, 'tiny');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', mnt]);
    try {
      const freeBefore = statfsSync(mnt).bfree;
      const testId = newTestId();
      // Random bytes do not compress: 6 MiB cannot fit in 2 MiB.
      const run = await runCrash(
        s.env({ COREDUMP_TS_STORAGE: mnt }),
        crashDatagrams({ testId }),
        randomBytes(6 * 1024 * 1024),
      );
      expect(run.code, run.stderr).toBe(31);
      expect(run.stderr).toMatch(
        /<3>Failed to store the core core\.sleeper\.[^:]*: No space left for the core/,
      );
      expect(readdirSync(mnt)).toEqual([]);
      expect(statfsSync(mnt).bfree).toBe(freeBefore); // the unnamed temp file is gone too
      const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
      expect(entry?.['MESSAGE']).toBe(
        'Process 4242 (sleeper) of user 1000 terminated abnormally without generating a coredump.',
      );
      expect(entry?.['COREDUMP_FILENAME']).toBeUndefined();
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('the worker killed mid-stream leaves no file at a final name and nothing vacuum counts', async () => {
    const s = sandbox();
    const w = startWorker(s.env());
    const [r, wfd] = pipe();
    for (const d of crashDatagrams({ testId: newTestId() })) sendmsg(w.client, d);
    sendmsg(w.client, Buffer.alloc(0), { fds: [r] });
    close(r);
    close(w.client);
    // Feed part of a core, keep the pipe open, and wait until the worker holds its temp file.
    // The write end stays open: the worker can never finish on its own.
    const writer = new Promise<void>((resolve) => {
      write(wfd, randomBytes(1024 * 1024), () => {
        resolve();
      });
    });
    await waitFor(
      () =>
        readdirSync(`/proc/${String(w.pid)}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${String(w.pid)}/fd/${fd}`).startsWith(s.storage);
          } catch {
            return false;
          }
        }),
      { what: 'the worker to open its temp file in the storage dir' },
    );
    w.kill('SIGKILL');
    const exit = await w.done;
    expect(exit.signal).toBe('SIGKILL');
    close(wfd);
    await writer;
    expect(readdirSync(s.storage)).toEqual([]);
  });
});

describe('sd_notify', () => {
  it('reports STATUS= and EXTEND_TIMEOUT_USEC= while streaming', async () => {
    const s = sandbox();
    const path = join(s.root, 'notify.sock');
    const fd = socket('dgram');
    try {
      bind(fd, path);
      const run = runCrash(
        s.env({ NOTIFY_SOCKET: path }),
        crashDatagrams({ testId: newTestId() }),
        randomBytes(1024 * 1024),
      );
      const msg = await recvmsg(fd, { timeoutMs: 20_000 });
      const text = msg.data.toString();
      expect(text).toMatch(
        /^STATUS=Processing coredump: [0-9]+ bytes read\nEXTEND_TIMEOUT_USEC=30000000\n$/,
      );
      expect((await run).code).toBe(0);
    } finally {
      close(fd);
    }
  });
});
