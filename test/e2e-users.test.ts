// End to end: whose crash it is decides who may read it. An ordinary user's
// crash gets an ACL for that user and a journal entry that user can read; a
// process that changed uid before crashing (dumpable 2) gets no ACL.
//
// "Readable as that user" is checked against a journald namespace the test
// starts itself (support/journald-namespace.ts): the machine's main journald
// keeps writing its runtime journal where /run is not tmpfs, and then never
// creates the per-uid file a user reads.
import { describe, expect, it } from 'vitest';

import {
  BOOT_ID,
  crashMatches,
  crashProgram,
  expectEntry,
  expectStoredFile,
  getfacl,
  MESSAGE_ID_COREDUMP,
  text,
  withPipelineKernel,
} from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';
import { compileCrasher, startCrasher, type CrasherOptions } from './support/crashers.js';
import { type JsonJournalEntry } from './support/journald.js';
import { startJournaldNamespace } from './support/journald-namespace.js';
import { waitFor } from './support/wait.js';

const USER = 'cdts-e2e';
// journald files a uid's entries in user-<uid>.journal only above its compiled-in
// SYSTEM_UID_MAX (999 on Debian); below that (and for dynamic users) they go to
// system.journal, which only root and the journal groups read.
const FIRST_SPLIT_UID = 1000;

const e2e = setUpE2eFixture({ user: USER });

describe('who may read a crash', () => {
  it('a process that changed uid before crashing (dumpable 2): no ACL', async () => {
    const { exit, entry } = await crashProgram(e2e.pipeline, 'setuid-drop', [String(e2e.uid)]);
    expect(exit.signal).toBe('SIGSEGV');
    expect(exit.stdout).toContain(`uid=${String(e2e.uid)} dumpable=2`);
    const c = { pid: exit.pid, comm: 'setuid-drop', uid: e2e.uid };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    expect(text(entry, 'COREDUMP_DUMPABLE')).toBe('2');
    await expectStoredFile(entry, e2e.pipeline, { ...c, acl: false });
  });
});

describe("a crash's journal entry as its user sees it (own journald namespace)", () => {
  // A second pipeline whose worker writes to a journald namespace of its own.
  const inNs = setUpE2eFixture({
    user: USER,
    prefix: 'cdts-e2e-ns-',
    journald: startJournaldNamespace,
    env: (ns) => ({ COREDUMP_TS_JOURNAL_SOCKET: ns.socketPath }),
  });

  /** Crash segv through the namespace's pipeline and wait for its entry in the namespace (read as root). */
  async function crashIntoNamespace(
    options: CrasherOptions,
  ): Promise<{ pid: number; entry: JsonJournalEntry }> {
    const binary = await compileCrasher('segv');
    const sinceUsec = (Math.floor(Date.now() / 1000) - 1) * 1_000_000;
    const exit = await withPipelineKernel(
      inNs.pipeline,
      async () => startCrasher(binary, [], options).exited,
    );
    expect(exit.signal).toBe('SIGSEGV');
    const entry = await waitFor(
      async () =>
        (await inNs.journald.read(crashMatches(exit.pid))).find(
          (e) => Number(text(e, 'COREDUMP_TIMESTAMP')) >= sinceUsec,
        ),
      {
        what: `the entry of pid ${String(exit.pid)} in journal namespace ${inNs.journald.name}`,
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    return { pid: exit.pid, entry };
  }

  let userCrash: { pid: number; message: string | undefined } | undefined;
  let rootCrash: { pid: number } | undefined;

  it("a non-root user's crash: the entry is the user's, the ACL grants the user read", async () => {
    expect(e2e.uid).toBeGreaterThanOrEqual(FIRST_SPLIT_UID);
    const { pid, entry } = await crashIntoNamespace({ uid: e2e.uid });
    const c = { pid, comm: 'segv', uid: e2e.uid };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    // The worker sends as the crashing user: journald stamps the entry with its uid.
    expect(text(entry, '_UID')).toBe(String(e2e.uid));
    expect(text(entry, '_BOOT_ID')).toBe(BOOT_ID);
    await expectStoredFile(entry, inNs.pipeline, { ...c, acl: true });
    userCrash = { pid, message: text(entry, 'MESSAGE') };
  });

  it("root's crash: recorded in the same namespace, not as the user", async () => {
    const { pid, entry } = await crashIntoNamespace({});
    const c = { pid, comm: 'segv', uid: 0 };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    expect(text(entry, '_UID')).not.toBe(String(e2e.uid));
    await expectStoredFile(entry, inNs.pipeline, { ...c, acl: false });
    rootCrash = { pid };
  });

  it("journald files the user's entry in user-<uid>.journal with an ACL for the user", () => {
    if (userCrash === undefined) throw new Error("the user's crash did not happen");
    const userJournal = `${inNs.journald.journalDir}/user-${String(e2e.uid)}.journal`;
    const acl = getfacl(userJournal);
    expect(acl).toMatch(new RegExp(`^user:${String(e2e.uid)}:r--`, 'm'));
    expect(acl).toMatch(/^other::---$/m);
  });

  it("the user reads their own crash with journalctl, and not root's", async () => {
    if (userCrash === undefined || rootCrash === undefined) {
      throw new Error('a crash in the previous cases did not happen');
    }
    const { pid, message } = userCrash;
    const coredumps = [`MESSAGE_ID=${MESSAGE_ID_COREDUMP}`];
    // Root sees both crashes in the namespace: the root crash's entry is on
    // disk, so its absence below is the user's view, not a delay.
    const asRoot = await inNs.journald.read(coredumps);
    expect(asRoot.map((e) => text(e, 'COREDUMP_PID')).sort()).toEqual(
      [String(pid), String(rootCrash.pid)].sort(),
    );
    const seen = await waitFor(
      async () => {
        const entries = await inNs.journald.read([...coredumps, `COREDUMP_PID=${String(pid)}`], {
          user: USER,
        });
        return entries.length > 0 ? entries : undefined;
      },
      { what: `${USER} to see the entry of pid ${String(pid)}`, timeoutMs: 20_000 },
    );
    expect(seen.map((e) => text(e, 'MESSAGE'))).toEqual([message]);
    // Every coredump entry the user can read is their own.
    const all = await inNs.journald.read(coredumps, { user: USER });
    expect(all.map((e) => text(e, 'COREDUMP_PID'))).toEqual([String(pid)]);
    expect(
      await inNs.journald.read([...coredumps, `COREDUMP_PID=${String(rootCrash.pid)}`], {
        user: USER,
      }),
    ).toEqual([]);
  });
});
