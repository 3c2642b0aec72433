// The handler on the real crash path: the kernel pipes a real crash into the
// built packages/handler/dist/main.cjs (through a wrapper that sets the test
// socket and kmsg file), and a test receiver checks the wire protocol and the
// core it can read through the passed fd.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTEXT_FIELD_ORDER, FIELD, MESSAGE_ID_COREDUMP } from '@coredump-ts/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corePatternLine } from '@coredump-ts/protocol';
import { compileCrasher, startCrasher, type CrasherExit } from './support/crashers.js';
import { isElfCore } from './support/elf.js';
import { withKernelSettings } from './support/kernel.js';
import {
  startReceiver,
  readKmsgFile,
  writeHandlerWrapper,
  type ReceivedCrash,
  type Receiver,
} from './support/receiver.js';
import { waitFor } from './support/wait.js';

describe('the handler through the real kernel', () => {
  let dir: string;
  let kmsg: string;
  let receiver: Receiver;
  let wrapper: string;
  let segv: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdts-handler-'));
    chmodSync(dir, 0o755);
    kmsg = join(dir, 'kmsg');
    receiver = startReceiver(join(dir, 'sock'));
    wrapper = writeHandlerWrapper(dir, {
      COREDUMP_TS_SOCKET: receiver.socketPath,
      COREDUMP_TS_KMSG: kmsg,
    });
    segv = await compileCrasher('segv');
  });

  afterAll(() => {
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Crash `segv` under `pattern` and hand back what the receiver got. */
  async function crashToReceiver(
    pattern = corePatternLine(wrapper),
  ): Promise<{ exit: CrasherExit; got: ReceivedCrash }> {
    return withKernelSettings({ corePattern: pattern, corePipeLimit: '16' }, async () => {
      const received = receiver.next(60_000);
      const exit = await startCrasher(segv).exited;
      return { exit, got: await received };
    });
  }

  it('sends every field in systemd 262 order, then the core fd and the pidfd', async () => {
    const { exit, got } = await crashToReceiver();
    expect(exit.signal).toBe('SIGSEGV');
    expect(got.problems).toEqual([]);
    const names = got.fields.map((f) => f.name);
    const value = (name: string): string | undefined =>
      got.fields.find((f) => f.name === name)?.value.toString();

    // Order: a subsequence of build_iovw's order, then PRIORITY and MESSAGE_ID.
    expect(names.slice(-2)).toEqual([FIELD.PRIORITY, FIELD.MESSAGE_ID]);
    const ordered = CONTEXT_FIELD_ORDER.filter((n) => names.includes(n));
    expect(names.slice(0, -2)).toEqual(ordered);
    // Set: everything a v262 helper sends for an ordinary process on this kernel.
    expect(names).toEqual(
      expect.arrayContaining([
        FIELD.PID, FIELD.BY_PIDFD, FIELD.PIDFDID, FIELD.UID, FIELD.GID, FIELD.SIGNAL,
        FIELD.SIGNAL_NAME, FIELD.TIMESTAMP, FIELD.RLIMIT, FIELD.HOSTNAME, FIELD.DUMPABLE,
        FIELD.COMM, FIELD.TID, FIELD.THREAD_NAME, FIELD.EXE, FIELD.UNIT, FIELD.SLICE,
        FIELD.CMDLINE, FIELD.CGROUP, FIELD.OPEN_FDS, FIELD.PROC_STATUS, FIELD.PROC_MAPS,
        FIELD.PROC_LIMITS, FIELD.PROC_CGROUP, FIELD.PROC_MOUNTINFO, FIELD.PROC_AUXV,
        FIELD.CWD, FIELD.ROOT, FIELD.ENVIRON,
      ]), // prettier-ignore
    );
    expect(value(FIELD.PID)).toBe(String(exit.pid));
    expect(value(FIELD.TID)).toBe(String(exit.pid));
    expect(value(FIELD.BY_PIDFD)).toBe('1');
    expect(value(FIELD.UID)).toBe('0');
    expect(value(FIELD.SIGNAL)).toBe('11');
    expect(value(FIELD.SIGNAL_NAME)).toBe('SIGSEGV');
    expect(value(FIELD.RLIMIT)).toBe('18446744073709551615');
    expect(value(FIELD.DUMPABLE)).toBe('1');
    expect(value(FIELD.COMM)).toBe('segv');
    expect(value(FIELD.THREAD_NAME)).toBe('segv');
    expect(value(FIELD.EXE)).toBe(segv);
    expect(value(FIELD.PRIORITY)).toBe('2');
    expect(value(FIELD.MESSAGE_ID)).toBe(MESSAGE_ID_COREDUMP);
    expect(Number(value(FIELD.TIMESTAMP)) % 1_000_000).toBe(0);
    expect(value(FIELD.PROC_STATUS)).toMatch(new RegExp(`\nPid:\t${exit.pid}\n`));
    // Two sentinels of one fd each; the second is a pidfd for the crashed process.
    expect(got.sentinelFds).toEqual([1, 1]);
    expect(got.pidfdPid).toBe(exit.pid);
    expect(isElfCore(got.core)).toBe(true);
    expect(got.core.includes(Buffer.from('segv\0'))).toBe(true);
    expect(readKmsgFile(kmsg)).toMatch(
      new RegExp(
        `^<6>systemd-coredump\\[\\d+\\]: Process ${exit.pid} \\(segv\\) of user 0 terminated abnormally with signal 11/SIGSEGV, processing\\.\\.\\.$`,
        'm',
      ),
    );
  });

  it('ignores arguments after the tenth', async () => {
    const { exit, got } = await crashToReceiver(`${corePatternLine(wrapper)} %e`);
    expect(got.fields.find((f) => f.name === FIELD.PID)?.value.toString()).toBe(String(exit.pid));
    expect(isElfCore(got.core)).toBe(true);
  });

  it('with too few arguments logs the kernel message, exits, and the next crash works', async () => {
    const before = readKmsgFile(kmsg).length;
    const pattern = `|${wrapper} %P %u %g %s %t`;
    await withKernelSettings({ corePattern: pattern, corePipeLimit: '16' }, async () => {
      const exit = await startCrasher(segv).exited;
      expect(exit.signal).toBe('SIGSEGV');
      await waitFor(() => readKmsgFile(kmsg).slice(before).includes('Not enough arguments'), {
        what: 'the kmsg line about too few arguments',
        timeoutMs: 30_000,
      });
    });
    expect(readKmsgFile(kmsg).slice(before)).toMatch(
      /^<3>systemd-coredump\[\d+\]: Not enough arguments passed by the kernel \(5, expected between 6 and 10\)\.$/m,
    );
    const { got } = await crashToReceiver();
    expect(isElfCore(got.core)).toBe(true);
  });
});
