// A journald to talk to. On systemd machines, and on the project's test VMs
// where it was started by hand, one is already listening; otherwise start
// /lib/systemd/systemd-journald ourselves and stop only that one afterwards.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { parseExport, type JournalEntry } from '@coredump-ts/journal/read';
import { StopWaiting, waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

export const JOURNAL_SOCKET = '/run/systemd/journal/socket';
/** journald's stream socket, which Node's net can connect to as a liveness probe. */
export const JOURNAL_STDOUT_SOCKET = '/run/systemd/journal/stdout';
export const JOURNALD_BINARY = '/lib/systemd/systemd-journald';

export interface JournaldHandle {
  /** True when this handle started journald; false when one was already running. */
  readonly started: boolean;
  readonly pid: number | undefined;
  /** Stops journald if, and only if, this handle started it. */
  stop(): Promise<void>;
}

/** Resolves true when journald's stream socket accepts a connection. */
export function journaldAccepts(path = JOURNAL_STDOUT_SOCKET): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function journaldUp(): Promise<boolean> {
  return existsSync(JOURNAL_SOCKET) && (await journaldAccepts());
}

export async function ensureJournald({
  timeoutMs = 15_000,
}: { timeoutMs?: number } = {}): Promise<JournaldHandle> {
  if (await journaldUp()) {
    return { started: false, pid: undefined, stop: () => Promise.resolve() };
  }
  const child = spawn(JOURNALD_BINARY, [], { detached: true, stdio: 'ignore' });
  child.unref();
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  try {
    await waitFor(
      async () => {
        if (spawnError) throw new StopWaiting(spawnError.message, { cause: spawnError });
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new StopWaiting(
            `${JOURNALD_BINARY} exited (${String(child.exitCode ?? child.signalCode)})`,
          );
        }
        return journaldUp();
      },
      { what: `journald to listen on ${JOURNAL_SOCKET}`, timeoutMs },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let stopped = false;
  return {
    started: true,
    pid: child.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A journal entry as `journalctl -o json` prints it: binary values are byte arrays. */
export type JsonJournalEntry = Record<string, string | number[] | (string | number[])[] | null>;

/**
 * The entries matching `matches` (journalctl FIELD=value syntax), oldest first.
 * journalctl reads the journal files, so an entry just sent can take a moment
 * to appear: use waitForJournalEntries() in tests.
 */
export async function readJournalJson(
  matches: readonly string[],
  { namespace }: { namespace?: string } = {},
): Promise<JsonJournalEntry[]> {
  const where = namespace === undefined ? [] : [`--namespace=${namespace}`];
  const { stdout } = await execFileAsync(
    'journalctl',
    [...where, '-o', 'json', '--all', '--no-pager', '-q', ...matches],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonJournalEntry);
}

/**
 * The entries matching `matches` as `journalctl -o export` prints them (binary
 * values byte-exact), oldest first, parsed by our export parser.
 */
export async function readJournalExport(
  matches: readonly string[],
  opts: { directory?: string } = {},
): Promise<JournalEntry[]> {
  const dir = opts.directory === undefined ? [] : ['-D', opts.directory];
  const { stdout } = await execFileAsync(
    'journalctl',
    [...dir, '-o', 'export', '--no-pager', '-q', '--', ...matches],
    { maxBuffer: 1024 * 1024 * 1024, encoding: 'buffer' },
  );
  return parseExport(stdout);
}

/**
 * A point in time, in the journal's microseconds, to pass as `sinceUsec`: entries
 * received from now on are at or after it. PIDs wrap (pid_max is 32768 on small
 * machines), so a match on a PID alone can find an older crash's entry.
 * Not journalctl --after-cursor: journald here rotates often, and the newest
 * entry's cursor does not reliably bound what comes after it.
 */
export const journalNow = (): number => Date.now() * 1000;

/**
 * Poll until at least `count` entries match, and return them (oldest first).
 * `namespace`: a journald namespace (support/test-journal.ts) instead of the
 * machine's journal.
 */
export async function waitForJournalEntries(
  matches: readonly string[],
  {
    count = 1,
    timeoutMs = 30_000,
    sinceUsec = 0,
    namespace,
  }: { count?: number; timeoutMs?: number; sinceUsec?: number; namespace?: string } = {},
): Promise<JsonJournalEntry[]> {
  const where = namespace === undefined ? {} : { namespace };
  return waitFor(
    async () => {
      const entries = (await readJournalJson(matches, where)).filter(
        (e) => Number(e['__REALTIME_TIMESTAMP']) >= sinceUsec,
      );
      return entries.length >= count ? entries : undefined;
    },
    {
      what: `${count} journal entr${count === 1 ? 'y' : 'ies'} matching ${matches.join(' ')}`,
      timeoutMs,
      intervalMs: 200,
    },
  );
}
