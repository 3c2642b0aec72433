// Bad input and a missing listener, on the real handler binary: each case gives
// one clear kmsg line (checked through the COREDUMP_TS_KMSG file), ends without
// hanging, and the next crash still reaches the receiver. With no listener the
// crash is processed in-process by the worker's pipeline and recorded.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESSAGE_ID_COREDUMP } from '@coredump-ts/protocol';
import { bind, close, pidfdOpen, socket } from '@coredump-ts/unix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corePatternLine } from '@coredump-ts/protocol';
import { compileCrasher, startCrasher, type CrasherExit } from './support/crashers.js';
import { isElfCore } from './support/elf.js';
import {
  ensureJournald,
  journalNow,
  waitForJournalEntries,
  type JournaldHandle,
} from './support/journald.js';
import { withKernelSettings } from './support/kernel.js';
import {
  HANDLER_MAIN,
  readKmsgFile,
  startReceiver,
  writeHandlerWrapper,
  type Receiver,
} from './support/receiver.js';
import { waitFor } from './support/wait.js';

const KMSG_LINE = (text: string): RegExp =>
  new RegExp(`^<\\d>systemd-coredump\\[\\d+\\]: ${text}$`, 'm');

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the built handler directly (as the kernel would), a fake core on stdin. */
function runHandler(args: string[], env: Record<string, string>, extraFd?: number): Promise<Run> {
  const child = spawn('/usr/bin/node', [HANDLER_MAIN, ...args], {
    env,
    stdio: ['pipe', 'ignore', 'ignore', ...(extraFd === undefined ? [] : [extraFd])],
  });
  child.stdin?.end('not really a core');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.once('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal });
    });
  });
}

describe('the handler with bad input', () => {
  let dir: string;
  let kmsg: string;
  let receiver: Receiver;
  let segv: string;
  let journald: JournaldHandle;
  let env: Record<string, string>;

  beforeAll(async () => {
    journald = await ensureJournald();
    dir = mkdtempSync(join(tmpdir(), 'cdts-badin-'));
    chmodSync(dir, 0o755);
    kmsg = join(dir, 'kmsg');
    receiver = startReceiver(join(dir, 'sock'));
    segv = await compileCrasher('segv');
    env = { COREDUMP_TS_SOCKET: receiver.socketPath, COREDUMP_TS_KMSG: kmsg };
  });

  afterAll(async () => {
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
    await journald.stop();
  });

  const kmsgSince = (offset: number): string => readKmsgFile(kmsg).slice(offset);

  /** One crash of `segv` through a wrapper with extra env; the kmsg text it caused. */
  async function crashWith(
    name: string,
    extra: Record<string, string>,
    until: RegExp,
  ): Promise<{ exit: CrasherExit; log: string }> {
    const wrapper = writeHandlerWrapper(dir, { ...env, ...extra }, name);
    const offset = readKmsgFile(kmsg).length;
    const exit = await withKernelSettings(
      { corePattern: corePatternLine(wrapper), corePipeLimit: '16' },
      async () => {
        const e = await startCrasher(segv).exited;
        // the kernel waits for the helper (core_pipe_limit), so its lines are in
        await waitFor(() => until.test(kmsgSince(offset)), {
          what: `kmsg to match ${String(until)}`,
          timeoutMs: 60_000,
        });
        return e;
      },
    );
    expect(exit.signal).toBe('SIGSEGV');
    return { exit, log: kmsgSince(offset) };
  }

  async function nextCrashStillWorks(): Promise<void> {
    const wrapper = writeHandlerWrapper(dir, env, 'good');
    const got = await withKernelSettings(
      { corePattern: corePatternLine(wrapper), corePipeLimit: '16' },
      async () => {
        const received = receiver.next(60_000);
        await startCrasher(segv).exited;
        return received;
      },
    );
    expect(isElfCore(got.core)).toBe(true);
  }

  it('a PID that no longer exists: kmsg line, exit status 5, no hang', async () => {
    const offset = readKmsgFile(kmsg).length;
    const dead = spawn('/bin/true');
    const deadPid = await new Promise<number>((resolve) => {
      dead.once('exit', () => {
        resolve(dead.pid ?? 0);
      });
    });
    const run = await runHandler([String(deadPid), '0', '0', '11', '1700000000', '0'], env);
    expect(run).toEqual({ status: 5, signal: null });
    expect(kmsgSince(offset)).toMatch(KMSG_LINE(`Process ${deadPid} does not exist anymore\\.`));
  });

  it('a pidfd that does not match the PID: kmsg line, exit status 6', async () => {
    const offset = readKmsgFile(kmsg).length;
    const a = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    const b = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    const pidfdB = pidfdOpen(b.pid ?? 0);
    try {
      const args = [String(a.pid), '0', '0', '11', '1700000000', '0', 'host', '1', '3'];
      const run = await runHandler(args, env, pidfdB);
      expect(run).toEqual({ status: 6, signal: null });
      expect(kmsgSince(offset)).toMatch(
        KMSG_LINE(`Received conflicting pidfd: 3 refers to PID ${b.pid}, not ${a.pid}`),
      );
    } finally {
      close(pidfdB);
      a.kill('SIGKILL');
      b.kill('SIGKILL');
    }
  });

  it('an unreadable /proc: kmsg line about COMM, and the next crash works', async () => {
    const emptyProc = join(dir, 'empty-proc');
    mkdirSync(emptyProc, { recursive: true });
    const { log } = await crashWith(
      'noproc',
      { COREDUMP_TS_PROC: emptyProc },
      /Failed to get COMM/,
    );
    expect(log).toMatch(KMSG_LINE('Failed to get COMM: ENOENT: .*'));
    await nextCrashStillWorks();
  });

  it('no listener: the crash is processed in-process and recorded', async () => {
    const storage = join(dir, 'storage-enoent');
    mkdirSync(storage, { recursive: true });
    // PIDs wrap: only entries from now on count.
    const since = journalNow();
    const { exit, log } = await crashWith(
      'nolistener',
      {
        COREDUMP_TS_SOCKET: join(dir, 'nobody-here'),
        COREDUMP_TS_STORAGE: storage,
        COREDUMP_TS_CONFIG_ROOT: join(dir, 'no-config'),
      },
      /processing the coredump in-process/,
    );
    expect(log).toMatch(
      KMSG_LINE(
        'Failed to connect to coredump service: No such file or directory; processing the coredump in-process\\.',
      ),
    );
    const [entry] = await waitForJournalEntries(
      [`COREDUMP_PID=${exit.pid}`, `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`],
      { timeoutMs: 60_000, sinceUsec: since },
    );
    expect(entry?.['COREDUMP_COMM']).toBe('segv');
    const files = await waitFor(
      () => {
        const names = readdirSync(storage).filter((n) => n.startsWith('core.segv.0.'));
        return names.length > 0 ? names : undefined;
      },
      { what: `a core file in ${storage}` },
    );
    expect(files[0]).toMatch(
      new RegExp(`^core\\.segv\\.0\\.[0-9a-f]{32}\\.${exit.pid}\\.\\d+\\.zst$`),
    );
    expect(entry?.['COREDUMP_FILENAME']).toBe(join(storage, files[0] ?? ''));
  });

  it('a socket that refuses: kmsg line, processed in-process, next crash works', async () => {
    const refusing = join(dir, 'refusing');
    const fd = socket('seqpacket');
    bind(fd, refusing); // bound, never listening: connect() gets ECONNREFUSED
    const storage = join(dir, 'storage-refused');
    mkdirSync(storage, { recursive: true });
    try {
      const { log } = await crashWith(
        'refused',
        {
          COREDUMP_TS_SOCKET: refusing,
          COREDUMP_TS_STORAGE: storage,
          COREDUMP_TS_CONFIG_ROOT: join(dir, 'no-config'),
        },
        /processing the coredump in-process/,
      );
      expect(log).toMatch(
        KMSG_LINE(
          'Failed to connect to coredump service: Connection refused; processing the coredump in-process\\.',
        ),
      );
    } finally {
      close(fd);
    }
    await nextCrashStillWorks();
  });
});
