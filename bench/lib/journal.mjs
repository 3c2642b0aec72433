// Finding coredump entries in the journal. `journalctl -f` only wakes on
// journald's coalesced change notifications (~0.45 s late on this machine), so
// the bench polls instead, with a growing interval to keep its own CPU use low
// while a big core is processed, and times each entry by its
// __REALTIME_TIMESTAMP: the moment journald received it, independent of when
// the poll noticed.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

import { onCleanup } from './cleanup.mjs';

const execFileAsync = promisify(execFile);
export const MESSAGE_ID_COREDUMP = 'fc2e22bc6ee647b6b90729ab34a250b1';

/**
 * Coredump entries received at or after sinceUs (realtime µs), optionally for one pid,
 * from the machine's journal or a bench namespace's (startBenchJournal).
 */
export async function coredumpEntries(sinceUs, pid, namespace) {
  const args = [
    ...(namespace === undefined ? [] : [`--namespace=${namespace}`]),
    '-q',
    '-o',
    'json',
    '--output-fields=COREDUMP_PID,COREDUMP_FILENAME,COREDUMP_TRUNCATED,COREDUMP_COMM,MESSAGE,COREDUMP_TS_RATE_LIMITED',
    `--since=@${Math.floor(sinceUs / 1e6) - 1}`,
    `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`,
  ];
  if (pid !== undefined) args.push(`COREDUMP_PID=${pid}`);
  const { stdout } = await execFileAsync('journalctl', args, { maxBuffer: 1 << 26 });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l))
    .filter((e) => Number(e.__REALTIME_TIMESTAMP) >= sinceUs)
    .map((e) => ({
      pid: Number(e.COREDUMP_PID),
      realtimeUs: Number(e.__REALTIME_TIMESTAMP),
      filename: typeof e.COREDUMP_FILENAME === 'string' ? e.COREDUMP_FILENAME : undefined,
      truncated: e.COREDUMP_TRUNCATED,
      // systemd 252 and ours both end MESSAGE with the trace (issue 16).
      traced: typeof e.MESSAGE === 'string' && e.MESSAGE.includes('Stack trace of thread'),
      rateLimited: e.COREDUMP_TS_RATE_LIMITED === '1',
    }));
}

/**
 * Wait for the entry of one crash; undefined at the deadline, or once pointless()
 * (e.g. the worker is gone, having failed to reach a restarted journald).
 */
export async function waitForEntry(pid, sinceUs, timeoutMs, pointless = () => false, namespace) {
  const deadline = Date.now() + timeoutMs;
  let interval = 20;
  for (;;) {
    const stop = pointless();
    const [entry] = await coredumpEntries(sinceUs, pid, namespace);
    if (entry !== undefined) return entry;
    if (stop || Date.now() > deadline) return undefined;
    await sleep(interval);
    interval = Math.min(500, interval * 1.5);
  }
}

const JOURNAL_SOCKET = '/run/systemd/journal/socket';

/** Some process holds journald's native socket (a file left by a dead journald does not count). */
export function journaldUp() {
  try {
    return readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .some((l) => l.endsWith(` ${JOURNAL_SOCKET}`));
  } catch {
    return false;
  }
}

/**
 * Crash entries go to the machine's journald. Where PID 1 is not systemd it may
 * not be running: start it then (as scripts/test-prepare.sh does), and stop that
 * one, by its pid, when the bench ends, leaving the machine as it was.
 */
export async function ensureJournald(timeoutMs = 15_000) {
  if (journaldUp()) return;
  if (!existsSync('/etc/machine-id') || readFileSync('/etc/machine-id', 'utf8').trim() === '')
    throw new Error('journald is not running and /etc/machine-id is empty: cannot start it');
  const child = spawn('/lib/systemd/systemd-journald', [], { detached: true, stdio: 'ignore' });
  child.unref();
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  const deadline = Date.now() + timeoutMs;
  while (!journaldUp()) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
      throw new Error(`could not start /lib/systemd/systemd-journald (pid ${child.pid})`);
    await sleep(100);
  }
  process.stderr.write(`bench: journald was not running; started it (pid ${child.pid})\n`);
}

/**
 * Entries need the machine's journald: wait up to timeoutMs for it (on a machine
 * without systemd as PID 1 others may restart it), then fail with a clear reason.
 */
export async function requireJournald(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!journaldUp()) {
    if (Date.now() > deadline) {
      throw new Error(
        `journald is not running (nothing holds ${JOURNAL_SOCKET}): crash entries cannot be timed`,
      );
    }
    await sleep(250);
  }
}

/**
 * A burst's entries: polled until all of `pids` have one, or nothing new came
 * for 5 s and `settled()` says no worker is still busy, or 180 s. Returns the
 * entries and the time from t0RealUs to the last one.
 */
export async function burstEntries(pids, t0RealUs, settled) {
  let entries = [];
  let last = Date.now();
  const deadline = Date.now() + 180_000;
  for (;;) {
    const now = (await coredumpEntries(t0RealUs - 1000)).filter((e) => pids.has(e.pid));
    if (now.length > entries.length) last = Date.now();
    entries = now;
    if (entries.length >= pids.size || Date.now() > deadline) break;
    if (Date.now() - last > 5000 && settled(entries)) break;
    await sleep(250);
  }
  const lastMs =
    entries.length === 0
      ? undefined
      : (Math.max(...entries.map((e) => e.realtimeUs)) - t0RealUs) / 1000;
  return { entries, lastMs };
}

/** A condition that holds once cond() has been true for ms (checked at each call). */
export function trueFor(cond, ms) {
  let since;
  return () => {
    if (!cond()) since = undefined;
    else since ??= Date.now();
    return since !== undefined && Date.now() - since >= ms;
  };
}

/**
 * Waits for one crash's entry and records it in `result` (entryMs from t0RealUs,
 * file, trace). workerDone(): the worker has exited (an entry comes before that):
 * 5 s after it, the wait ends.
 *
 * The journal is first asked once the worker is done (or after settleMs): each
 * `journalctl` costs tens of ms of CPU, and on two cores polls made while the
 * crash is still being handled slowed the worker, its helper and journald down,
 * adding the bench's own cost to what it measures. When the poll happens does
 * not change the figure: entryMs comes from the entry's __REALTIME_TIMESTAMP.
 */
export async function recordEntry(
  result,
  pid,
  t0RealUs,
  workerDone = () => true,
  namespace,
  settleMs = 60_000,
) {
  const settleBy = Date.now() + settleMs;
  while (!workerDone() && Date.now() < settleBy) await sleep(5);
  const entry = await waitForEntry(
    pid,
    t0RealUs - 1000,
    180_000,
    trueFor(workerDone, 5000),
    namespace,
  );
  if (entry === undefined) return undefined;
  result.entryMs = (entry.realtimeUs - t0RealUs) / 1000;
  result.filename = entry.filename;
  result.truncated = entry.truncated;
  result.traced = entry.traced;
  return entry;
}
