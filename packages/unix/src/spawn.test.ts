import { closeSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { isSysError, memfdCreate, spawnPiped, type PipedChild } from '@coredump-ts/unix';

import { spawnWatched } from './spawn.js';

/** Runs /bin/sh -c script; everything the child printed, and how it ended. */
async function sh(script: string, opts: { fds?: number[]; env?: Record<string, string> } = {}) {
  let out = '';
  let err = '';
  const child: PipedChild = spawnPiped('/bin/sh', {
    args: ['-c', script],
    env: opts.env ?? { PATH: '/usr/bin:/bin' },
    ...(opts.fds === undefined ? {} : { fds: opts.fds }),
    onStdout: (b) => {
      out += b.toString();
    },
    onStderr: (b) => {
      err += b.toString();
    },
  });
  const exit = await child.done;
  return { out, err, exit, child };
}

describe('spawnPiped', () => {
  it('gives stdout and stderr on their own pipes, and the exit status', async () => {
    const r = await sh('echo to-out; echo to-err >&2; exit 3');
    expect(r).toMatchObject({ out: 'to-out\n', err: 'to-err\n', exit: { code: 3, signal: null } });
  });

  it('reports the signal that ended the child, and kill() reaches it', async () => {
    const child = spawnPiped('/bin/sleep', {
      args: ['30'],
      env: {},
      onStdout: () => undefined,
      onStderr: () => undefined,
    });
    child.kill('SIGKILL');
    expect(await child.done).toEqual({ code: null, signal: 'SIGKILL' });
    child.kill('SIGKILL'); // reaped: a no-op, never another process
  });

  it('reads output larger than a pipe holds, all of it, in order', async () => {
    const r = await sh('head -c 3000000 /dev/zero | tr "\\0" "x"; echo end >&2');
    expect(r.out).toBe('x'.repeat(3_000_000));
    expect(r.err).toBe('end\n');
  });

  it('passes exactly the given environment, stdin /dev/null, default signals, none blocked', async () => {
    const r = await sh(
      'env; readlink /proc/self/fd/0; grep -E "^(SigBlk|SigIgn)" /proc/self/status',
      { env: { ONLY: 'this', PATH: '/usr/bin:/bin' } },
    );
    const lines = r.out.trim().split('\n');
    expect(
      lines
        .filter((l) => l.includes('=') && !l.startsWith('PWD=') && !l.startsWith('SHLVL='))
        .sort(),
    ).toEqual(['ONLY=this', 'PATH=/usr/bin:/bin']);
    expect(lines).toContain('/dev/null');
    expect(lines).toContain('SigBlk:\t0000000000000000');
    // Node ignores SIGPIPE in itself; the child must not inherit that. Signals
    // 32 and 33 are glibc's own (posix_spawn leaves them ignored, and glibc in
    // the new program takes them over): only 1-31 are ours to check.
    const ignored = BigInt(`0x${/^SigIgn:\t([0-9a-f]+)$/m.exec(r.out)?.[1] ?? 'ff'}`);
    expect(ignored & 0x7fff_ffffn).toBe(0n);
  });

  it("gives the passed fds as 3, 4, ... in order, even when they are each other's numbers", async () => {
    const a = memfdCreate('spawn-a');
    const b = memfdCreate('spawn-b');
    try {
      const r = await sh('readlink /proc/self/fd/3 /proc/self/fd/4', { fds: [b, a] });
      expect(r.out.trim().split('\n')).toEqual([
        '/memfd:spawn-b (deleted)',
        '/memfd:spawn-a (deleted)',
      ]);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });

  it('passes no other fd of ours (everything else is close-on-exec)', async () => {
    const ours = openSync('/dev/null', 'r');
    try {
      const r = await sh('ls /proc/self/fd', { fds: [ours] });
      // 0-2, the passed 3, and the fd ls reads the directory with.
      expect(
        r.out
          .trim()
          .split('\n')
          .map(Number)
          .filter((n) => n !== 4 && n < 64),
      ).toEqual([0, 1, 2, 3]);
      expect(readdirSync('/proc/self/fd').map(Number)).toContain(ours);
    } finally {
      closeSync(ours);
    }
  });

  it('throws with errno when the program cannot be started, leaving nothing behind', () => {
    const before = readdirSync('/proc/self/fd').length;
    let caught: unknown;
    try {
      spawnPiped('/nonexistent/helper', {
        args: [],
        env: {},
        onStdout: () => undefined,
        onStderr: () => undefined,
      });
    } catch (error) {
      caught = error;
    }
    expect(isSysError(caught) && caught.code).toBe('ENOENT');
    expect(readdirSync('/proc/self/fd').length).toBe(before);
  });

  it('refuses an argument with a NUL in it (it could not be passed intact)', () => {
    expect(() =>
      spawnPiped('/bin/true', {
        args: ['a\0b'],
        env: {},
        onStdout: () => undefined,
        onStderr: () => undefined,
      }),
    ).toThrow(/argv/);
  });
});

describe('spawnPiped without pidfd_open (Linux < 5.3): the exit is polled', () => {
  const run = (args: string[]) => {
    let out = '';
    const child = spawnWatched(
      '/bin/sh',
      {
        args,
        env: {},
        onStdout: (b) => {
          out += b.toString();
        },
        onStderr: () => undefined,
      },
      'poll',
    );
    return { child, out: () => out };
  };

  it('gives the output and the exit status', async () => {
    const r = run(['-c', 'echo polled; exit 4']);
    expect(await r.child.done).toEqual({ code: 4, signal: null });
    expect(r.out()).toBe('polled\n');
  });

  it('a child killed at a deadline is reaped, and kill() after that is a no-op', async () => {
    const r = run(['-c', 'exec sleep 30']);
    // No pidfd was opened for it: the poll path is the one under test.
    const pidfds = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[pidfd]';
      } catch {
        return false;
      }
    });
    expect(pidfds).toEqual([]);
    r.child.kill('SIGKILL');
    expect(await r.child.done).toEqual({ code: null, signal: 'SIGKILL' });
    r.child.kill('SIGKILL');
  });
});
