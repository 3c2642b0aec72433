// End to end through the real kernel: each program crashes (or is killed with
// a dumping signal) with core_pattern pointing at our handler and the worker
// socket-activated; the journal entry and the stored file are what a user sees.
import { describe, expect, it } from 'vitest';

import { compileCrasher, startCrasher, type CrasherName } from './support/crashers.js';
import { crashProgram, crashThrough, expectEntry, expectStoredFile, text } from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';

const e2e = setUpE2eFixture();

describe('a crashing program is recorded', () => {
  it.for<[CrasherName, string, number]>([
    ['segv', 'SIGSEGV', 11],
    ['abort', 'SIGABRT', 6],
    ['sigbus', 'SIGBUS', 7],
    ['sigfpe', 'SIGFPE', 8],
  ])('%s dies with %s: entry and file', async ([name, signalName, signal]) => {
    const { exit, entry } = await crashProgram(e2e.pipeline, name, [], { uid: e2e.uid });
    expect(exit.signal).toBe(signalName);
    const c = { pid: exit.pid, comm: name, uid: e2e.uid };
    expectEntry(entry, { ...c, signalName, signal });
    await expectStoredFile(entry, e2e.pipeline, { ...c, acl: true });
  });

  it('a multithreaded program: the crashing thread is named', async () => {
    const { exit, entry } = await crashProgram(e2e.pipeline, 'threads', [], { uid: e2e.uid });
    expect(exit.signal).toBe('SIGSEGV');
    const tid = /tid=([0-9]+)/.exec(exit.stdout)?.[1];
    expect(tid).toBeDefined();
    expect(tid).not.toBe(String(exit.pid));
    const c = { pid: exit.pid, comm: 'threads', uid: e2e.uid };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    expect(text(entry, 'COREDUMP_TID')).toBe(tid);
    expect(text(entry, 'COREDUMP_THREAD_NAME')).toBe('crash-thread');
    await expectStoredFile(entry, e2e.pipeline, { ...c, acl: true });
  });

  it('a sleeping process killed with SIGQUIT', async () => {
    const sleeper = await compileCrasher('sleeper');
    const { exit, entry } = await crashThrough(e2e.pipeline, async () => {
      const proc = startCrasher(sleeper, [], { uid: e2e.uid });
      await proc.output('pid=');
      proc.kill('SIGQUIT');
      return proc;
    });
    expect(exit.signal).toBe('SIGQUIT');
    const c = { pid: exit.pid, comm: 'sleeper', uid: e2e.uid };
    expectEntry(entry, { ...c, signalName: 'SIGQUIT', signal: 3 });
    await expectStoredFile(entry, e2e.pipeline, { ...c, acl: true });
  });
});
