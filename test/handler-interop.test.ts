// Interop: our handler, on the real kernel crash path, feeding systemd's own
// worker (/lib/systemd/systemd-coredump, 252) under systemd-socket-activate.
// systemd's worker has fixed paths: it stores under /var/lib/systemd/coredump
// and logs to the running journald; the test removes the file it caused.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESSAGE_ID_COREDUMP } from '@coredump-ts/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corePatternLine } from '@coredump-ts/protocol';
import { socketActivate, type SocketActivation } from './support/activate.js';
import { compileCrasher, startCrasher } from './support/crashers.js';
import {
  ensureJournald,
  journalNow,
  waitForJournalEntries,
  type JournaldHandle,
} from './support/journald.js';
import { withKernelSettings } from './support/kernel.js';
import { readKmsgFile, writeHandlerWrapper } from './support/receiver.js';

const SYSTEMD_COREDUMP = '/lib/systemd/systemd-coredump';
const SYSTEMD_STORAGE = '/var/lib/systemd/coredump/';

describe.skipIf(!existsSync(SYSTEMD_COREDUMP))("our handler feeding systemd's worker", () => {
  let dir: string;
  let journald: JournaldHandle;
  let activation: SocketActivation;
  let wrapper: string;
  let kmsg: string;
  const caused: string[] = [];

  beforeAll(async () => {
    journald = await ensureJournald();
    dir = mkdtempSync(join(tmpdir(), 'cdts-interop-'));
    chmodSync(dir, 0o755);
    kmsg = join(dir, 'kmsg');
    activation = await socketActivate({
      socketPath: join(dir, 'coredump'),
      command: SYSTEMD_COREDUMP,
    });
    wrapper = writeHandlerWrapper(dir, {
      COREDUMP_TS_SOCKET: activation.socketPath,
      COREDUMP_TS_KMSG: kmsg,
    });
  });

  afterAll(async () => {
    await activation.stop();
    for (const file of caused) rmSync(file, { force: true });
    rmSync(dir, { recursive: true, force: true });
    await journald.stop();
  });

  it('produces a journal entry and a stored file for a real crash', async () => {
    const segv = await compileCrasher('segv');
    // PIDs wrap: only entries from now on count.
    const since = journalNow();
    const exit = await withKernelSettings(
      { corePattern: corePatternLine(wrapper), corePipeLimit: '16' },
      () => startCrasher(segv).exited,
    );
    expect(exit.signal).toBe('SIGSEGV');
    const [entry] = await waitForJournalEntries(
      [`COREDUMP_PID=${exit.pid}`, `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`],
      { timeoutMs: 60_000, sinceUsec: since },
    );
    const filename = entry?.['COREDUMP_FILENAME'];
    if (typeof filename === 'string') caused.push(filename);
    expect(entry?.['COREDUMP_COMM']).toBe('segv');
    expect(entry?.['COREDUMP_EXE']).toBe(segv);
    expect(entry?.['COREDUMP_SIGNAL_NAME']).toBe('SIGSEGV');
    // Fields systemd 252 does not know pass through to the journal unchanged.
    expect(entry?.['COREDUMP_BY_PIDFD']).toBe('1');
    expect(entry?.['COREDUMP_TID']).toBe(String(exit.pid));
    expect(entry?.['MESSAGE']).toMatch(
      new RegExp(`^Process ${exit.pid} \\(segv\\) of user 0 dumped core\\.`),
    );
    expect(typeof filename).toBe('string');
    expect(String(filename).startsWith(`${SYSTEMD_STORAGE}core.segv.0.`)).toBe(true);
    expect(existsSync(String(filename))).toBe(true);
    expect(readKmsgFile(kmsg)).toContain(
      `Process ${exit.pid} (segv) of user 0 terminated abnormally`,
    );
  });
});
