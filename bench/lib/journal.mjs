// Finding coredump entries in the journal. `journalctl -f` only wakes on
// journald's coalesced change notifications (~0.45 s late on this machine), so
// the bench polls instead, with a growing interval to keep its own CPU use low
// while a big core is processed, and times each entry by its
// __REALTIME_TIMESTAMP: the moment journald received it, independent of when
// the poll noticed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const execFileAsync = promisify(execFile);
export const MESSAGE_ID_COREDUMP = 'fc2e22bc6ee647b6b90729ab34a250b1';

/** Coredump entries received at or after sinceUs (realtime µs), optionally for one pid. */
export async function coredumpEntries(sinceUs, pid) {
  const args = [
    '-q',
    '-o',
    'json',
    '--output-fields=COREDUMP_PID,COREDUMP_FILENAME,COREDUMP_TRUNCATED,COREDUMP_COMM',
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
    }));
}

/** Wait for the entry of one crash; undefined at the deadline. */
export async function waitForEntry(pid, sinceUs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let interval = 20;
  for (;;) {
    const [entry] = await coredumpEntries(sinceUs, pid);
    if (entry !== undefined) return entry;
    if (Date.now() > deadline) return undefined;
    await sleep(interval);
    interval = Math.min(500, interval * 1.5);
  }
}
