// Crashes through systemd 252 itself, for comparing stack traces: the kernel
// runs systemd's helper (Debian's core_pattern), which hands the crash to
// systemd's worker on /run/systemd/coredump. The worker runs in a private
// mount namespace where the journal socket is a journald namespace of the
// test's own, the storage directory a temp dir, and coredump.conf says
// Storage=external, Compress=no: nothing reaches the machine's journal or
// /var/lib/systemd/coredump, and the stored file is the raw core systemd's
// libdw read, for our helper to read too.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

import { socketActivate } from './activate.js';
import { startCrasher, type CrasherExit } from './crashers.js';
import { startJournaldNamespace } from './journald-namespace.js';
import type { JsonJournalEntry } from './journald.js';
import { withKernelSettings } from './kernel.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

export const SYSTEMD_COREDUMP = '/lib/systemd/systemd-coredump';
const SYSTEM_SOCKET = '/run/systemd/coredump';
/** Debian 12's sysctl.d/50-coredump.conf (spec §11.1). */
const DEBIAN_CORE_PATTERN = `|${SYSTEMD_COREDUMP} %P %u %g %s %t 9223372036854775808 %h %d`;
const MESSAGE_ID_COREDUMP = 'fc2e22bc6ee647b6b90729ab34a250b1';
/** Where systemd 252 reads coredump.conf drop-ins: hidden behind an empty dir. */
const DROP_IN_DIRS = [
  '/etc/systemd/coredump.conf.d',
  '/run/systemd/coredump.conf.d',
  '/usr/local/lib/systemd/coredump.conf.d',
  '/usr/lib/systemd/coredump.conf.d',
];

export interface SystemdCrash {
  readonly exit: CrasherExit;
  /** systemd's journal entry for it. */
  readonly entry: JsonJournalEntry;
  /** The uncompressed core systemd stored (and traced). */
  readonly corePath: string;
}

export interface CrashRequest {
  readonly exe: string;
  readonly args?: readonly string[];
}

/** A journal JSON value as text (journalctl prints some values as byte arrays). */
export function entryText(entry: JsonJournalEntry, name: string): string | undefined {
  const value = entry[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((b) => typeof b === 'number')) {
    return Buffer.from(value).toString('utf8');
  }
  return undefined;
}

/** Entries of a journal namespace, every field whole (--all: MESSAGE with a trace passes 4 KiB). */
async function readNamespace(
  namespace: string,
  matches: readonly string[],
): Promise<JsonJournalEntry[]> {
  const { stdout } = await execFileAsync(
    'journalctl',
    [`--namespace=${namespace}`, '--all', '-q', '--no-pager', '-o', 'json', ...matches],
    { maxBuffer: 64 << 20 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonJournalEntry);
}

function writeWorkerWrapper(dir: string, journalSocket: string, storage: string): string {
  const conf = join(dir, 'coredump.conf');
  writeFileSync(conf, '[Coredump]\nStorage=external\nCompress=no\n');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const hide = DROP_IN_DIRS.filter((d) => existsSync(d))
    .map((d) => `mount --bind '${empty}' '${d}'`)
    .join(' && ');
  // unshare and sh exec in turn: the worker keeps the pid LISTEN_PID names.
  const mounts = [
    `mount --bind '${journalSocket}' /run/systemd/journal/socket`,
    `mount --bind '${storage}' /var/lib/systemd/coredump`,
    `mount --bind '${conf}' /etc/systemd/coredump.conf`,
    ...(hide === '' ? [] : [hide]),
  ].join(' && ');
  const wrapper = join(dir, 'systemd-worker');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec unshare --mount --propagation private /bin/sh -c "${mounts} && exec ${SYSTEMD_COREDUMP}"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/**
 * Crash each program (as root, one after another) through systemd 252 and
 * return systemd's entry and stored core for each, in order.
 */
export async function crashThroughSystemd(
  requests: readonly CrashRequest[],
  { timeoutMs = 90_000 }: { timeoutMs?: number } = {},
): Promise<SystemdCrash[]> {
  const journal = await startJournaldNamespace({ prefix: 'cdtsstack' });
  const dir = mkdtempSync(join(tmpdir(), 'cdts-systemd-stack-'));
  try {
    const storage = join(dir, 'storage');
    mkdirSync(storage, { mode: 0o755 });
    const wrapper = writeWorkerWrapper(dir, journal.socketPath, storage);
    const exits = await withKernelSettings(
      { corePattern: DEBIAN_CORE_PATTERN, corePipeLimit: '16' },
      async () => {
        if (existsSync(SYSTEM_SOCKET)) {
          throw new Error(`${SYSTEM_SOCKET} is in use; not taking it over`);
        }
        const activation = await socketActivate({ socketPath: SYSTEM_SOCKET, command: wrapper });
        try {
          const done: CrasherExit[] = [];
          for (const { exe, args = [] } of requests)
            done.push(await startCrasher(exe, args).exited);
          return done;
        } finally {
          await activation.stop();
        }
      },
    );
    const crashes: SystemdCrash[] = [];
    for (const exit of exits) {
      if (exit.signal === null)
        throw new Error(`${String(exit.pid)} did not crash: ${exit.stderr}`);
      const entry = await waitFor(
        async () => {
          const entries = await readNamespace(journal.name, [
            `COREDUMP_PID=${String(exit.pid)}`,
            `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`,
          ]);
          return entries[0];
        },
        { what: `systemd's entry for pid ${String(exit.pid)}`, timeoutMs },
      ).catch(async (error: unknown) => {
        // What systemd's worker said instead, for the failure message.
        const said = (await readNamespace(journal.name, []))
          .map((e) => entryText(e, 'MESSAGE') ?? '')
          .filter((m) => !m.startsWith('Process '))
          .slice(-10);
        throw new Error(`${String(error)}; the namespace journal says: ${said.join(' | ')}`);
      });
      const filename = entryText(entry, 'COREDUMP_FILENAME');
      if (filename === undefined) throw new Error(`systemd stored no core for ${String(exit.pid)}`);
      crashes.push({ exit, entry, corePath: join(storage, basename(filename)) });
    }
    return crashes;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    await journal.stop();
  }
}

/** crashThroughSystemd for named cases: each case's program, crashed in order, by case. */
export async function crashCasesThroughSystemd<C extends string>(
  cases: readonly C[],
  programs: Readonly<Record<C, CrashRequest>>,
  into: Map<C, SystemdCrash>,
): Promise<void> {
  const done = await crashThroughSystemd(cases.map((c) => programs[c]));
  cases.forEach((c, i) => {
    const crash = done[i];
    if (crash !== undefined) into.set(c, crash);
  });
}

/** Removes the stored cores of crashThroughSystemd (their temp dir). */
export function removeSystemdCrashes(crashes: readonly SystemdCrash[]): void {
  const first = crashes[0];
  if (first !== undefined)
    rmSync(join(first.corePath, '..', '..'), { recursive: true, force: true });
}
