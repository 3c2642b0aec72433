// End to end through the real kernel: each program crashes (or is killed with
// a dumping signal) with core_pattern pointing at our handler and the worker
// socket-activated; the journal entry and the stored file are what a user sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compileCrasher, startCrasher, type CrasherName } from './support/crashers.js';
import {
  crashProgram,
  crashThrough,
  ensureTestUser,
  expectEntry,
  expectStoredFile,
  startPipeline,
  text,
  type Pipeline,
} from './support/e2e.js';
import { ensureJournald, type JournaldHandle } from './support/journald.js';

let journald: JournaldHandle;
let p: Pipeline;
let uid: number;

beforeAll(async () => {
  journald = await ensureJournald();
  uid = ensureTestUser();
  p = await startPipeline();
});
afterAll(async () => {
  await p.close();
  await journald.stop();
});

describe('a crashing program is recorded', () => {
  it.for<[CrasherName, string, number]>([
    ['segv', 'SIGSEGV', 11],
    ['abort', 'SIGABRT', 6],
    ['sigbus', 'SIGBUS', 7],
    ['sigfpe', 'SIGFPE', 8],
  ])('%s dies with %s: entry and file', async ([name, signalName, signal]) => {
    const { exit, entry } = await crashProgram(p, name, [], { uid });
    expect(exit.signal).toBe(signalName);
    const c = { pid: exit.pid, comm: name, uid };
    expectEntry(entry, { ...c, signalName, signal });
    await expectStoredFile(entry, p, { ...c, acl: true });
  });

  it('a multithreaded program: the crashing thread is named', async () => {
    const { exit, entry } = await crashProgram(p, 'threads', [], { uid });
    expect(exit.signal).toBe('SIGSEGV');
    const tid = /tid=([0-9]+)/.exec(exit.stdout)?.[1];
    expect(tid).toBeDefined();
    expect(tid).not.toBe(String(exit.pid));
    const c = { pid: exit.pid, comm: 'threads', uid };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    expect(text(entry, 'COREDUMP_TID')).toBe(tid);
    expect(text(entry, 'COREDUMP_THREAD_NAME')).toBe('crash-thread');
    await expectStoredFile(entry, p, { ...c, acl: true });
  });

  it('a sleeping process killed with SIGQUIT', async () => {
    const sleeper = await compileCrasher('sleeper');
    const { exit, entry } = await crashThrough(p, async () => {
      const proc = startCrasher(sleeper, [], { uid });
      await proc.output('pid=');
      proc.kill('SIGQUIT');
      return proc;
    });
    expect(exit.signal).toBe('SIGQUIT');
    const c = { pid: exit.pid, comm: 'sleeper', uid };
    expectEntry(entry, { ...c, signalName: 'SIGQUIT', signal: 3 });
    await expectStoredFile(entry, p, { ...c, acl: true });
  });
});
