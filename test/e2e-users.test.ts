// End to end: whose crash it is decides who may read it. An ordinary user's
// crash gets an ACL for that user and a journal entry that user can read; a
// process that changed uid before crashing (dumpable 2) gets no ACL.
//
// "Readable as that user" is checked against a journald namespace the test
// starts itself (support/journald-namespace.ts): the machine's main journald
// keeps writing its runtime journal where /run is not tmpfs, and then never
// creates the per-uid file a user reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  BOOT_ID,
  crashMatches,
  crashProgram,
  ensureTestUser,
  expectEntry,
  expectStoredFile,
  getfacl,
  MESSAGE_ID_COREDUMP,
  startPipeline,
  text,
  withPipelineKernel,
  type Pipeline,
} from './support/e2e.js';
import { compileCrasher, startCrasher, type CrasherOptions } from './support/crashers.js';
import { ensureJournald, type JournaldHandle, type JsonJournalEntry } from './support/journald.js';
import { startJournaldNamespace, type JournaldNamespace } from './support/journald-namespace.js';
import { waitFor } from './support/wait.js';

const USER = 'cdts-e2e';
// journald files a uid's entries in user-<uid>.journal only above its compiled-in
// SYSTEM_UID_MAX (999 on Debian); below that (and for dynamic users) they go to
// system.journal, which only root and the journal groups read.
const FIRST_SPLIT_UID = 1000;

let journald: JournaldHandle;
let p: Pipeline;
let uid: number;

beforeAll(async () => {
  journald = await ensureJournald();
  uid = ensureTestUser(USER);
  p = await startPipeline();
});
afterAll(async () => {
  await p.close();
  await journald.stop();
});

describe('who may read a crash', () => {
  it('a process that changed uid before crashing (dumpable 2): no ACL', async () => {
    const { exit, entry } = await crashProgram(p, 'setuid-drop', [String(uid)]);
    expect(exit.signal).toBe('SIGSEGV');
    expect(exit.stdout).toContain(`uid=${String(uid)} dumpable=2`);
    const c = { pid: exit.pid, comm: 'setuid-drop', uid };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    expect(text(entry, 'COREDUMP_DUMPABLE')).toBe('2');
    await expectStoredFile(entry, p, { ...c, acl: false });
  });
});

describe("a crash's journal entry as its user sees it (own journald namespace)", () => {
  let ns: JournaldNamespace;
  let pn: Pipeline;

  beforeAll(async () => {
    ns = await startJournaldNamespace();
    try {
      pn = await startPipeline('cdts-e2e-ns-', {
        env: { COREDUMP_TS_JOURNAL_SOCKET: ns.socketPath },
      });
    } catch (error) {
      await ns.stop();
      throw error;
    }
  });
  afterAll(async () => {
    try {
      await pn.close();
    } finally {
      await ns.stop();
    }
  });

  /** Crash segv through `pn` and wait for its entry in the namespace (read as root). */
  async function crashIntoNamespace(
    options: CrasherOptions,
  ): Promise<{ pid: number; entry: JsonJournalEntry }> {
    const binary = await compileCrasher('segv');
    const sinceUsec = (Math.floor(Date.now() / 1000) - 1) * 1_000_000;
    const exit = await withPipelineKernel(pn, async () => startCrasher(binary, [], options).exited);
    expect(exit.signal).toBe('SIGSEGV');
    const entry = await waitFor(
      async () =>
        (await ns.read(crashMatches(exit.pid))).find(
          (e) => Number(text(e, 'COREDUMP_TIMESTAMP')) >= sinceUsec,
        ),
      {
        what: `the entry of pid ${String(exit.pid)} in journal namespace ${ns.name}`,
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    return { pid: exit.pid, entry };
  }

  let userCrash: { pid: number; message: string | undefined } | undefined;
  let rootCrash: { pid: number } | undefined;

  it("a non-root user's crash: the entry is the user's, the ACL grants the user read", async () => {
    expect(uid).toBeGreaterThanOrEqual(FIRST_SPLIT_UID);
    const { pid, entry } = await crashIntoNamespace({ uid });
    const c = { pid, comm: 'segv', uid };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    // The worker sends as the crashing user: journald stamps the entry with its uid.
    expect(text(entry, '_UID')).toBe(String(uid));
    expect(text(entry, '_BOOT_ID')).toBe(BOOT_ID);
    await expectStoredFile(entry, pn, { ...c, acl: true });
    userCrash = { pid, message: text(entry, 'MESSAGE') };
  });

  it("root's crash: recorded in the same namespace, not as the user", async () => {
    const { pid, entry } = await crashIntoNamespace({});
    const c = { pid, comm: 'segv', uid: 0 };
    expectEntry(entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    expect(text(entry, '_UID')).not.toBe(String(uid));
    await expectStoredFile(entry, pn, { ...c, acl: false });
    rootCrash = { pid };
  });

  it("journald files the user's entry in user-<uid>.journal with an ACL for the user", () => {
    if (userCrash === undefined) throw new Error("the user's crash did not happen");
    const userJournal = `${ns.journalDir}/user-${String(uid)}.journal`;
    const acl = getfacl(userJournal);
    expect(acl).toMatch(new RegExp(`^user:${String(uid)}:r--`, 'm'));
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
    const asRoot = await ns.read(coredumps);
    expect(asRoot.map((e) => text(e, 'COREDUMP_PID')).sort()).toEqual(
      [String(pid), String(rootCrash.pid)].sort(),
    );
    const seen = await waitFor(
      async () => {
        const entries = await ns.read([...coredumps, `COREDUMP_PID=${String(pid)}`], {
          user: USER,
        });
        return entries.length > 0 ? entries : undefined;
      },
      { what: `${USER} to see the entry of pid ${String(pid)}`, timeoutMs: 20_000 },
    );
    expect(seen.map((e) => text(e, 'MESSAGE'))).toEqual([message]);
    // Every coredump entry the user can read is their own.
    const all = await ns.read(coredumps, { user: USER });
    expect(all.map((e) => text(e, 'COREDUMP_PID'))).toEqual([String(pid)]);
    expect(
      await ns.read([...coredumps, `COREDUMP_PID=${String(rootCrash.pid)}`], { user: USER }),
    ).toEqual([]);
  });
});
