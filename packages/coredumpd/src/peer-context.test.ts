import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';
import { buildJournalFields } from '@coredump-ts/context';
import { CONTEXT_FIELD_ORDER, FIELD, isCoredumpError } from '@coredump-ts/protocol';
import {
  PIDFD_COREDUMPED,
  PIDFD_COREDUMP_ROOT,
  PIDFD_COREDUMP_SKIP,
  PIDFD_COREDUMP_USER,
  PIDFD_INFO_COREDUMP,
  PIDFD_INFO_COREDUMP_SIGNAL,
  RLIMIT_CORE,
  close,
  getProcessLimit,
  pidfdOpen,
  socketpair,
  type PidfdInfo,
} from '@coredump-ts/unix';

import {
  contextFromPeer,
  withSignal,
  findDumpingThread,
  openPeer,
  parseCoreLimit,
  verifyPeer,
} from './peer-context.js';

const INFO: PidfdInfo = {
  mask: 0x17,
  cgroupid: 1n,
  pid: 4242,
  tgid: 4242,
  ppid: 1,
  ruid: 1000,
  rgid: 1001,
  euid: 0,
  egid: 0,
  suid: 0,
  sgid: 0,
  fsuid: 0,
  fsgid: 0,
  exitCode: 0,
  coredumpMask: PIDFD_COREDUMPED | PIDFD_COREDUMP_USER,
  coredumpSignal: 0,
  coredumpCode: 0,
  supportedMask: 0,
};

function refusal(info: Partial<PidfdInfo>): string {
  try {
    verifyPeer({ pidfd: -1, info: { ...INFO, ...info } });
  } catch (e) {
    if (isCoredumpError(e, 'ERR_PROTOCOL')) return e.message;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('verifyPeer', () => {
  it('takes uid/gid from ruid/rgid and dumpable from the USER/ROOT bits', () => {
    expect(verifyPeer({ pidfd: 7, info: INFO })).toEqual({
      pidfd: 7,
      pid: 4242,
      uid: 1000,
      gid: 1001,
      dumpable: 1,
      signal: undefined,
    });
    const root = verifyPeer({
      pidfd: 7,
      info: { ...INFO, coredumpMask: PIDFD_COREDUMPED | PIDFD_COREDUMP_ROOT },
    });
    expect(root.dumpable).toBe(2);
  });

  it('uses PIDFD_INFO_COREDUMP_SIGNAL where the kernel has it (6.19+)', () => {
    const info = { ...INFO, mask: INFO.mask | PIDFD_INFO_COREDUMP_SIGNAL, coredumpSignal: 6 };
    expect(verifyPeer({ pidfd: 7, info }).signal).toBe(6);
  });

  it.for([
    [{ coredumpMask: 0 }, 'The process [4242] did not crash.'],
    [
      { coredumpMask: PIDFD_COREDUMPED | PIDFD_COREDUMP_SKIP },
      'Coredump generation for process [4242] is skipped.',
    ],
    [
      { mask: INFO.mask & ~PIDFD_INFO_COREDUMP },
      'ioctl(PIDFD_GET_INFO) does not support PIDFD_INFO_COREDUMP.',
    ],
  ] as const)('refuses %o: %s', ([info, message]) => {
    expect(refusal(info)).toBe(message);
  });

  it('refuses a live process that merely connected', () => {
    const [a, b] = socketpair('stream');
    try {
      const opened = openPeer(a);
      try {
        expect(opened.info.pid).toBe(process.pid);
        expect(() => verifyPeer(opened)).toThrow(
          `The process [${String(process.pid)}] did not crash.`,
        );
      } finally {
        close(opened.pidfd);
      }
    } finally {
      close(a);
      close(b);
    }
  });
});

describe('parseCoreLimit', () => {
  const limits = (soft: string): string =>
    'Limit                     Soft Limit           Hard Limit           Units     \n' +
    'Max file size             unlimited            unlimited            bytes     \n' +
    `Max core file size        ${soft.padEnd(20)} unlimited            bytes     \n`;
  it.for([
    ['unlimited', 2n ** 64n - 1n],
    ['0', 0n],
    ['8192', 8192n],
  ] as const)('reads the soft limit %s', ([soft, want]) => {
    expect(parseCoreLimit(limits(soft))).toBe(want);
  });
  it('is undefined without the line', () => {
    expect(parseCoreLimit('Max file size  unlimited  unlimited  bytes\n')).toBeUndefined();
  });
});

describe('findDumpingThread', () => {
  let root = '';
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('finds the task with PF_DUMPCORE in its stat flags, whatever its comm', () => {
    root = mkdtempSync(join(tmpdir(), 'cdts-proc-'));
    const task = (tid: number, comm: string, flags: number): void => {
      mkdirSync(join(root, '100/task', String(tid)), { recursive: true });
      writeFileSync(
        join(root, '100/task', String(tid), 'stat'),
        `${String(tid)} (${comm}) D 1 100 100 0 -1 ${String(flags)} 0 0 0 0 0 0\n`,
      );
    };
    task(100, 'main', 0x400040);
    task(101, 'odd) name (x', 0x400240); // PF_DUMPCORE = 0x200
    task(102, 'other', 0x40);
    expect(findDumpingThread(root, 100)).toBe(101);
    expect(findDumpingThread(root, 999)).toBeUndefined();
  });
});

describe('contextFromPeer', () => {
  it('builds the pipe path fields, in systemd order, for a live process', () => {
    const pidfd = pidfdOpen(process.pid);
    try {
      const peer = verifyPeer({
        pidfd,
        info: {
          ...INFO,
          pid: process.pid,
          ruid: process.getuid?.() ?? 0,
          rgid: process.getgid?.() ?? 0,
        },
      });
      const { ctx } = contextFromPeer(peer, {
        procRoot: '/proc',
        timestampUsec: 1_700_000_000_123_456,
        signal: 11,
      });
      const fields = buildJournalFields(ctx);
      const value = (name: string): string | undefined =>
        fields.find((f) => f.name === name)?.value.toString();
      expect(value(FIELD.PID)).toBe(String(process.pid));
      expect(value(FIELD.BY_PIDFD)).toBe('1');
      expect(value(FIELD.PIDFDID)).toMatch(/^[0-9]+$/);
      expect(value(FIELD.SIGNAL)).toBe('11');
      expect(value(FIELD.SIGNAL_NAME)).toBe('SIGSEGV');
      expect(value(FIELD.TIMESTAMP)).toBe('1700000000123456');
      expect(value(FIELD.RLIMIT)).toBe(String(getProcessLimit(process.pid, RLIMIT_CORE).cur));
      expect(value(FIELD.HOSTNAME)).toBe(hostname());
      expect(value(FIELD.DUMPABLE)).toBe('1');
      expect(value(FIELD.COMM)).toBe(ctx.meta.comm);
      expect(value(FIELD.PROC_STATUS)).toContain(`Pid:\t${String(process.pid)}`);
      expect(value(FIELD.CODE)).toBeUndefined(); // only with PIDFD_INFO_COREDUMP_CODE (7.1)
      expect(ctx.source).toBe('peer');
      const order = fields
        .map((f) => CONTEXT_FIELD_ORDER.indexOf(f.name as never))
        .filter((i) => i >= 0);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(fields.at(-1)?.name).toBe(FIELD.MESSAGE_ID);
      expect(ctx.meta).toMatchObject({
        pid: process.pid,
        signal: 11,
        signalName: 'SIGSEGV',
        dumpable: 1,
        byPidfd: true,
        timestampUsec: 1_700_000_000_123_456,
      });
    } finally {
      close(pidfd);
    }
  });

  it('leaves the signal out when nobody knows it', () => {
    const pidfd = pidfdOpen(process.pid);
    try {
      const peer = verifyPeer({ pidfd, info: { ...INFO, pid: process.pid } });
      const { ctx } = contextFromPeer(peer, {
        procRoot: '/proc',
        timestampUsec: 1,
        signal: undefined,
      });
      expect(buildJournalFields(ctx).some((f) => f.name === FIELD.SIGNAL)).toBe(false);
      expect(ctx.meta.signal).toBeUndefined();
    } finally {
      close(pidfd);
    }
  });

  it('withSignal completes such a context as if read with the signal', () => {
    const pidfd = pidfdOpen(process.pid);
    try {
      const peer = verifyPeer({ pidfd, info: { ...INFO, pid: process.pid } });
      const read = (signal: number | undefined): ReturnType<typeof contextFromPeer>['ctx'] =>
        contextFromPeer(peer, { procRoot: '/proc', timestampUsec: 1, signal }).ctx;
      const later = withSignal(read(undefined), 6);
      const direct = read(6);
      const names = (c: typeof direct): string[] => buildJournalFields(c).map((f) => f.name);
      expect(names(later)).toEqual(names(direct));
      const value = (c: typeof direct, name: string): string | undefined =>
        buildJournalFields(c)
          .find((f) => f.name === name)
          ?.value.toString();
      expect([value(later, FIELD.SIGNAL), value(later, FIELD.SIGNAL_NAME)]).toEqual([
        '6',
        'SIGABRT',
      ]);
      expect(later.meta).toMatchObject({ signal: 6, signalName: 'SIGABRT' });
      // A signal with no name loses the old name, as a fresh read would have none.
      const odd = withSignal(direct, 200);
      expect(odd.meta.signalName).toBeUndefined();
      expect(value(odd, FIELD.SIGNAL_NAME)).toBeUndefined();
      expect(withSignal(direct, undefined)).toBe(direct);
    } finally {
      close(pidfd);
    }
  });
});
