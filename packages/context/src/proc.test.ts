import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIELD, isCoredumpError } from '@coredump-ts/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { collectProcFields, composeOpenFds, readComm } from './proc.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Node = string | Buffer | { link: string } | { dir: true };
/** Builds a throw-away /proc tree: path -> file content, symlink or directory. */
const procTree = (nodes: Record<string, Node>): string => {
  const root = mkdtempSync(join(tmpdir(), 'proc-'));
  dirs.push(root);
  for (const [path, node] of Object.entries(nodes)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof node === 'string' || Buffer.isBuffer(node)) writeFileSync(full, node);
    else if ('link' in node) symlinkSync(node.link, full);
    else mkdirSync(full, { recursive: true });
  }
  return root;
};

const text = (values: Map<string, Buffer>): Record<string, string> =>
  Object.fromEntries([...values].map(([k, v]) => [k, v.toString('latin1')]));

describe('collectProcFields on the committed session fixture', () => {
  const root = join(FIXTURES, 'proc-session');

  it('reads COMM and every optional field', () => {
    expect(readComm(root, 4242)).toBe('crasher');
    const { values, unit } = collectProcFields(root, 4242, 4243);
    expect(unit).toBe('user@1000.service');
    expect(text(values)).toEqual({
      [FIELD.THREAD_NAME]: 'worker-7',
      [FIELD.EXE]: '/home/u/bin/crasher',
      [FIELD.UNIT]: 'user@1000.service',
      [FIELD.USER_UNIT]: 'app-term-7.scope',
      [FIELD.OWNER_UID]: '1000',
      [FIELD.SLICE]: 'user-1000.slice',
      [FIELD.CGROUP]: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-term-7.scope',
      [FIELD.CMDLINE]: './crasher $\'--name=a b\' ""',
      [FIELD.OPEN_FDS]: '0:/dev/pts/1\npos:\t0\nflags:\t02\nmnt_id:\t24\nino:\t4\n',
      [FIELD.PROC_STATUS]: 'Name:\tcrasher\nPPid:\t4000\n',
      [FIELD.PROC_MAPS]: '55d0-55d1 r--p 00000000 08:01 12 /home/u/bin/crasher\n',
      [FIELD.PROC_LIMITS]: 'Limit  Soft  Hard  Units\n',
      [FIELD.PROC_CGROUP]:
        '0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-term-7.scope\n',
      [FIELD.PROC_MOUNTINFO]: '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n',
      [FIELD.PROC_AUXV]: '!\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0',
      [FIELD.CWD]: '/home/u',
      [FIELD.ROOT]: '/',
      [FIELD.ENVIRON]: 'HOME=/home/u\nX=tab\\there\n',
    });
  });
});

describe('collectProcFields on generated trees', () => {
  it('skips optional fields it cannot read and keeps COREDUMP_UNIT empty', () => {
    const root = procTree({
      '7/comm': 'x\n',
      '7/cgroup': { dir: true }, // EISDIR: unreadable
      '7/environ': { dir: true },
      '7/fd': { dir: true },
    });
    const { values, unit } = collectProcFields(root, 7);
    expect(unit).toBe('');
    expect(text(values)).toEqual({ [FIELD.UNIT]: '', [FIELD.OPEN_FDS]: '' });
  });

  it('fails on an unreadable COMM with a clear message', () => {
    const root = procTree({ '7/comm': { dir: true } });
    let error: unknown;
    try {
      readComm(root, 7);
    } catch (e) {
      error = e;
    }
    expect(isCoredumpError(error, 'ERR_PROC_READ')).toBe(true);
    expect((error as Error).message).toMatch(/^Failed to get COMM: /);
    expect(() => readComm(root, 8)).toThrow(/Failed to get COMM: ENOENT/);
  });

  it('formats OPEN_FDS entries separated by a blank line, fdinfo optional', () => {
    const root = procTree({
      '9/fd/0': { link: '/dev/null' },
      '9/fd/1': { link: 'pipe:[1234]' },
      '9/fdinfo/0': 'pos:\t0\nflags:\t0100000\n',
    });
    const got = composeOpenFds(root, 9)?.toString() ?? '';
    const a = '0:/dev/null\npos:\t0\nflags:\t0100000\n';
    const b = '1:pipe:[1234]\n';
    // directory order is kept, whatever the file system makes it
    expect([`${a}\n${b}`, `${b}\n${a}`]).toContain(got);
  });

  it('adds CONTAINER_CMDLINE from the mount-namespace leader when the root differs', () => {
    const other = procTree({ 'rootfs/etc': { dir: true } });
    const root = procTree({
      '1/root': { link: join(other, 'rootfs') },
      '1/ns/mnt': { link: 'mnt:[1]' },
      '1/status': 'PPid:\t0\n',
      '50/status': 'PPid:\t1\n',
      '50/ns/mnt': { link: 'mnt:[2]' },
      '50/cmdline': 'systemd-nspawn\0-D\0/var/lib/machines/a b\0',
      '60/comm': 'app\n',
      '60/root': { link: '/' },
      '60/status': 'PPid:\t50\n',
      '60/ns/mnt': { link: 'mnt:[2]' },
    });
    const { values } = collectProcFields(root, 60);
    expect(values.get(FIELD.CONTAINER_CMDLINE)?.toString()).toBe(
      "systemd-nspawn -D $'/var/lib/machines/a b'",
    );
  });

  it('has no CONTAINER_CMDLINE when the root is the same as PID 1', () => {
    const root = procTree({ '1/root': { link: '/' }, '60/root': { link: '/' } });
    expect(collectProcFields(root, 60).values.has(FIELD.CONTAINER_CMDLINE)).toBe(false);
  });
});

describe('collectProcFields on a live process', () => {
  it('reads a running child through /proc', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'live-'));
    dirs.push(cwd);
    const child = spawn('/bin/sleep', ['30'], {
      cwd,
      env: { ODD: "it's\x01" },
      stdio: ['ignore', 'ignore', 'ignore'],
      argv0: 'sl eep',
    });
    try {
      const pid = child.pid ?? 0;
      // Wait until sleep is blocked in its nanosleep: only then has execve finished. comm
      // (and exe) change early in execve, before the close-on-exec fds (libuv's exec-error
      // pipe among them) are closed, so reading /proc/<pid>/fd as soon as comm said "sleep"
      // could catch an fd being closed, its readlink fail, and OPEN_FDS come back undefined
      // (issue 14 item 3). A crashing process is stopped while it dumps: no such race there.
      const wchan = (): string => {
        try {
          return readFileSync(`/proc/${pid}/wchan`, 'latin1');
        } catch {
          return '';
        }
      };
      const deadline = Date.now() + 10_000;
      while (!wchan().includes('nanosleep') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(wchan()).toContain('nanosleep');
      expect(readComm('/proc', pid)).toBe('sleep');
      const { values } = collectProcFields('/proc', pid, pid);
      const t = text(values);
      expect(t[FIELD.THREAD_NAME]).toBe('sleep');
      expect(t[FIELD.EXE]).toBe('/usr/bin/sleep');
      expect(t[FIELD.CMDLINE]).toBe("$'sl eep' 30");
      expect(t[FIELD.CWD]).toBe(cwd);
      expect(t[FIELD.ROOT]).toBe('/');
      expect(t[FIELD.ENVIRON]).toBe("ODD=it\\'s\\001\n");
      expect(t[FIELD.OPEN_FDS]).toMatch(/^0:\/dev\/null\npos:\t0\nflags:\t\d+\n/);
      expect(t[FIELD.PROC_STATUS]).toMatch(new RegExp(`^Name:\tsleep\n[^]*\nPid:\t${pid}\n`));
      expect(t[FIELD.PROC_MAPS]).toContain('/usr/bin/sleep');
      expect(values.get(FIELD.PROC_AUXV)?.length).toBeGreaterThan(0);
      expect(values.has(FIELD.CGROUP)).toBe(true);
      expect(values.has(FIELD.SLICE)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
