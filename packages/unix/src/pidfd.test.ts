import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  PIDFD_COREDUMPED,
  PIDFD_INFO_COREDUMP,
  PIDFD_INFO_CREDS,
  PIDFD_INFO_PID,
  RLIMIT_CORE,
  getProcessLimit,
  isSysError,
  memfdCreate,
  peerPidfd,
  pidfdGetInfo,
  pidfdInfoSupported,
  pidfdOpen,
  pidfdPid,
  socketpair,
  utsHostname,
} from '@coredump-ts/unix';

import { fdFixture } from '../../../test/support/fd-fixture.js';

const fx = fdFixture('unix-pidfd-test-');
const track = fx.track.bind(fx);

function isCloexec(fd: number): boolean {
  const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return (parseInt(flags?.[1] ?? '0', 8) & 0o2000000) !== 0;
}

/** Start `argv`, wait until it has printed `ready` on stdout, run fn with its pid, kill it. */
async function withProcess<T>(
  argv: readonly string[],
  ready: string,
  fn: (pid: number) => T,
): Promise<T> {
  const child: ChildProcess = spawn(argv[0] ?? 'false', argv.slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = child.pid;
  if (pid === undefined || child.stdout === null) throw new Error(`could not start ${argv[0]}`);
  const exited = once(child, 'exit');
  try {
    let out = '';
    for await (const chunk of child.stdout) {
      out += String(chunk);
      if (out.includes(ready)) break;
    }
    return fn(pid);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

describe('peerPidfd', () => {
  it('gives a close-on-exec pidfd of the process at the other end', () => {
    const [a] = track(socketpair('stream'));
    const pidfd = track(peerPidfd(a));
    expect(isCloexec(pidfd)).toBe(true);
    expect(pidfdPid(pidfd)).toBe(process.pid);
  });

  it('is ENOTSOCK on something that is not a socket', () => {
    const fd = track(memfdCreate('not-a-socket'));
    let error: unknown;
    try {
      peerPidfd(fd);
    } catch (e) {
      error = e;
    }
    expect(isSysError(error, 'ENOTSOCK')).toBe(true);
  });
});

describe('pidfdGetInfo', () => {
  it('reports pid and credentials; a live process has not dumped core', () => {
    const pidfd = track(pidfdOpen(process.pid));
    const info = pidfdGetInfo(pidfd, PIDFD_INFO_PID | PIDFD_INFO_CREDS | PIDFD_INFO_COREDUMP);
    expect(info.mask & (PIDFD_INFO_PID | PIDFD_INFO_CREDS)).toBe(PIDFD_INFO_PID | PIDFD_INFO_CREDS);
    expect(info.pid).toBe(process.pid);
    expect(info.tgid).toBe(process.pid);
    expect(info.ppid).toBe(process.ppid);
    expect(info.ruid).toBe(process.getuid?.());
    expect(info.rgid).toBe(process.getgid?.());
    expect(typeof info.cgroupid).toBe('bigint');
    expect(info.coredumpMask & PIDFD_COREDUMPED).toBe(0);
  });

  it('knows the coredump fields on this kernel (6.16+)', () => {
    expect(pidfdInfoSupported() & PIDFD_INFO_COREDUMP).toBe(PIDFD_INFO_COREDUMP);
  });

  it('is an error on an fd that is not a pidfd', () => {
    const fd = track(memfdCreate('not-a-pidfd'));
    let error: unknown;
    try {
      pidfdGetInfo(fd, PIDFD_INFO_PID);
    } catch (e) {
      error = e;
    }
    expect(isSysError(error)).toBe(true);
    expect((error as { syscall: string }).syscall).toBe('ioctl');
  });
});

describe('getProcessLimit', () => {
  it('reads another process RLIMIT_CORE, unlimited as 2^64-1', async () => {
    await withProcess(
      ['prlimit', '--core=8192:unlimited', 'sh', '-c', 'echo ready; exec sleep 60'],
      'ready',
      (pid) => {
        expect(getProcessLimit(pid, RLIMIT_CORE)).toEqual({ cur: 8192n, max: 2n ** 64n - 1n });
      },
    );
  });

  it('is ESRCH for a process that does not exist', () => {
    let error: unknown;
    try {
      getProcessLimit(2 ** 22 + 1, RLIMIT_CORE); // above pid_max's ceiling
    } catch (e) {
      error = e;
    }
    expect(isSysError(error, 'ESRCH')).toBe(true);
  });
});

describe('utsHostname', () => {
  it('is our own hostname for a process in our UTS namespace', () => {
    expect(utsHostname(process.pid)).toBe(hostname());
  });

  it('reads the hostname inside another UTS namespace and leaves ours alone', async () => {
    const name = await withProcess(
      ['unshare', '--uts', 'sh', '-c', 'hostname cdts-uts-test && echo ready && exec sleep 60'],
      'ready',
      (pid) => utsHostname(pid),
    );
    expect(name).toBe('cdts-uts-test');
    expect(hostname()).not.toBe('cdts-uts-test');
    expect(utsHostname(process.pid)).toBe(hostname());
  });

  it('is ENOENT for a process that does not exist', () => {
    let error: unknown;
    try {
      utsHostname(2 ** 22 + 1);
    } catch (e) {
      error = e;
    }
    expect(isSysError(error, 'ENOENT')).toBe(true);
  });
});
