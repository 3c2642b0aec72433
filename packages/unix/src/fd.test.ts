import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fstatSync, fsyncSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getAttribute } from 'fs-xattr';
import { describe, expect, it } from 'vitest';
import {
  F_SEAL_GROW,
  F_SEAL_SEAL,
  F_SEAL_SHRINK,
  F_SEAL_WRITE,
  CORE_PIPE_SIZES_BYTES,
  close,
  enlargePipe,
  getDumpable,
  getPipeSize,
  getSeals,
  isSysError,
  linkTmpfile,
  memfdCreate,
  memfdWith,
  openTmpfile,
  pidfdOpen,
  pidfdPid,
  pipe,
  punchHole,
  sealMemfd,
  setDumpable,
  setPipeSize,
  setXattr,
} from '@coredump-ts/unix';

import { fdFixture } from '../../../test/support/fd-fixture.js';

const fx = fdFixture('unix-fd-test-');
const track = fx.track.bind(fx);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function isCloexec(fd: number): boolean {
  const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return (parseInt(flags?.[1] ?? '0', 8) & 0o2000000) !== 0;
}

describe('memfd', () => {
  it('seals: writes fail afterwards, reads still work', () => {
    const fd = track(memfdCreate('coredump-test', { allowSealing: true }));
    expect(isCloexec(fd)).toBe(true);
    writeSync(fd, 'COREDUMP=abc\n');
    expect(getSeals(fd)).toBe(0);
    sealMemfd(fd);
    expect(getSeals(fd)).toBe(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    expect(() => writeSync(fd, 'more')).toThrow(expect.objectContaining({ code: 'EPERM' }));
    expect(readFileSync(`/proc/self/fd/${fd}`, 'utf8')).toBe('COREDUMP=abc\n');
  });

  it('cannot be sealed without allowSealing', () => {
    const fd = track(memfdCreate('no-seals'));
    expect(
      isSysError(
        thrown(() => {
          sealMemfd(fd);
        }),
        'EPERM',
      ),
    ).toBe(true);
  });
});

const CAP_SYS_RESOURCE = 24;
const hasCapability = (cap: number): boolean => {
  const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return line?.[1] !== undefined && ((BigInt(`0x${line[1]}`) >> BigInt(cap)) & 1n) === 1n;
};

describe('pipe size', () => {
  it('grows a pipe and reports the granted size', () => {
    const [r, w] = track(pipe());
    expect(isCloexec(r) && isCloexec(w)).toBe(true);
    expect(getPipeSize(r)).toBe(65536);
    const granted = setPipeSize(w, 1024 * 1024);
    expect(granted).toBe(1024 * 1024);
    expect(getPipeSize(r)).toBe(granted);
    expect(setPipeSize(w, 5000)).toBe(8192); // rounded up to a power-of-two page count
  });

  it('enlargePipe takes the largest size allowed, never more than 16 MiB', () => {
    const [r] = track(pipe());
    const granted = enlargePipe(r);
    // With CAP_SYS_RESOURCE (the kernel's helper has it; a root shell in a
    // sandbox may not) the largest size goes through; without it
    // fs.pipe-max-size (1 MiB by default) stops it at the smallest.
    const expected = hasCapability(CAP_SYS_RESOURCE) ? CORE_PIPE_SIZES_BYTES[0] : 1024 * 1024;
    expect(granted).toBe(expected);
    expect(getPipeSize(r)).toBe(granted);
    expect(Math.max(...CORE_PIPE_SIZES_BYTES)).toBe(16 * 1024 * 1024);
    expect(enlargePipe(r, [2 ** 40, 128 * 1024])).toBe(128 * 1024); // 1 TiB is refused: the next one
  });

  it('enlargePipe gives up quietly on something that is not a pipe', () => {
    expect(enlargePipe(track(memfdCreate('not-a-pipe')))).toBeUndefined();
  });

  it('refuses sizes and fds that do not fit a C int instead of wrapping them', () => {
    const [r] = track(pipe());
    // 2^40 used to wrap to 0, and the kernel then shrank the pipe to one page.
    expect(() => setPipeSize(r, 2 ** 40)).toThrow(RangeError);
    expect(() => setPipeSize(r, 1.5)).toThrow(RangeError);
    expect(() => setPipeSize(2 ** 32 + r, 65536)).toThrow(RangeError);
    expect(getPipeSize(r)).toBe(65536);
  });

  it('is EBADF on a non-pipe', () => {
    const fd = track(memfdCreate('not-a-pipe'));
    expect(
      isSysError(
        thrown(() => setPipeSize(fd, 65536)),
        'EBADF',
      ),
    ).toBe(true);
  });
});

describe('pidfd', () => {
  it('opens a child and reads its pid until it exits', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error('spawn failed');
    const exited = once(child, 'exit');
    try {
      const fd = track(pidfdOpen(pid));
      expect(isCloexec(fd)).toBe(true);
      expect(pidfdPid(fd)).toBe(pid);
      process.kill(pid, 'SIGKILL');
      await exited;
      expect(pidfdPid(fd)).toBeUndefined();
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    }
  });

  it('fails with ESRCH for a pid that does not exist, and pidfdPid rejects other fds', () => {
    expect(
      isSysError(
        thrown(() => pidfdOpen(0x3ffffff)),
        'ESRCH',
      ),
    ).toBe(true);
    const fd = track(memfdCreate('not-a-pidfd'));
    expect(
      isSysError(
        thrown(() => pidfdPid(fd)),
        'EINVAL',
      ),
    ).toBe(true);
  });
});

describe('O_TMPFILE', () => {
  it('is invisible until linked, then EEXIST when the name is taken', () => {
    const fd = track(openTmpfile(fx.dir, 0o640));
    writeSync(fd, 'core bytes');
    expect(readdirSync(fx.dir)).toEqual([]);
    linkTmpfile(fd, fx.dir, 'core.zst');
    expect(readdirSync(fx.dir)).toEqual(['core.zst']);
    expect(readFileSync(join(fx.dir, 'core.zst'), 'utf8')).toBe('core bytes');
    expect(fstatSync(fd).mode & 0o777).toBe(0o640);

    const other = track(openTmpfile(fx.dir, 0o600));
    const error = thrown(() => {
      linkTmpfile(other, fx.dir, 'core.zst');
    });
    expect(isSysError(error, 'EEXIST')).toBe(true);
    expect(error).toMatchObject({ syscall: 'linkat', path: join(fx.dir, 'core.zst') });
  });

  it('reports a missing directory with its path', () => {
    const missing = join(fx.dir, 'missing');
    expect(thrown(() => openTmpfile(missing, 0o600))).toMatchObject({
      code: 'ENOENT',
      path: missing,
    });
  });
});

describe('punchHole', () => {
  it('frees blocks and keeps the size', () => {
    const fd = track(openTmpfile(fx.dir, 0o600));
    const size = 4 * 1024 * 1024;
    writeSync(fd, Buffer.alloc(size, 0xab));
    fsyncSync(fd);
    const before = fstatSync(fd);
    punchHole(fd, 0, size / 2);
    const after = fstatSync(fd);
    expect(after.size).toBe(size);
    expect(after.blocks).toBeLessThan(before.blocks);
    expect(before.blocks - after.blocks).toBeGreaterThanOrEqual(size / 2 / 512);
  });
});

describe('setXattr', () => {
  it('sets an attribute on a file with no name yet, as another reader sees it', async () => {
    const fd = track(openTmpfile(fx.dir, 0o600));
    setXattr(fd, 'user.coredump.pid', Buffer.from('4242'));
    setXattr(fd, 'user.coredump.pid', Buffer.from('4243')); // replaced, not refused
    const value = await getAttribute(`/proc/self/fd/${String(fd)}`, 'user.coredump.pid');
    expect(value.toString()).toBe('4243');
  });

  it('throws a SysError naming the attribute for a namespace the kernel refuses', () => {
    const fd = track(openTmpfile(fx.dir, 0o600));
    expect(() => {
      setXattr(fd, 'nonsense.name', Buffer.from('x'));
    }).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP', path: 'nonsense.name' }));
  });

  it('refuses a value that is not a Buffer', () => {
    const fd = track(openTmpfile(fx.dir, 0o600));
    expect(() => {
      setXattr(fd, 'user.x', 'text' as unknown as Buffer);
    }).toThrow(TypeError);
  });
});

describe('dumpable', () => {
  it('sets and reads PR_SET_DUMPABLE', () => {
    const original = getDumpable();
    try {
      setDumpable(false);
      expect(getDumpable()).toBe(false);
      setDumpable(true);
      expect(getDumpable()).toBe(true);
    } finally {
      setDumpable(original);
    }
  });
});

describe('close', () => {
  it('is EBADF on a closed fd', () => {
    const fd = memfdCreate('closing');
    close(fd);
    expect(
      isSysError(
        thrown(() => {
          close(fd);
        }),
        'EBADF',
      ),
    ).toBe(true);
  });
});

describe('memfdWith', () => {
  it('holds the bytes, its offset at 0: read forward from the start', () => {
    const bytes = Buffer.from('x'.repeat(300_000) + 'end');
    const fd = track(memfdWith('with-test', bytes));
    expect(fstatSync(fd).size).toBe(bytes.length);
    const back = Buffer.alloc(bytes.length);
    let got = 0;
    while (got < back.length) got += readSync(fd, back, got, back.length - got, null);
    expect(back.equals(bytes)).toBe(true);
  });
});
