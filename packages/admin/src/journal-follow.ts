// Follows the journal for coredump entries with journalctl -f -o json,
// starting right after the entry that was last when the cursor was taken.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MESSAGE_ID_COREDUMP } from '@coredump-ts/protocol';
import { type Host } from './host.js';
import { type JsonEntry } from './crash-line.js';

/** The cursor of the newest journal entry, or undefined for an empty journal. */
export function currentCursor(host: Host): string | undefined {
  const r = host.run('journalctl', ['-q', '-n', '1', '-o', 'json', '--output-fields=__CURSOR']);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (line === '') return undefined;
  const cursor = (JSON.parse(line) as JsonEntry).__CURSOR;
  return typeof cursor === 'string' ? cursor : undefined;
}

export interface JournalFollower {
  child: ChildProcess;
  entries: AsyncGenerator<JsonEntry>;
}

export function followCoredumps(cursor: string | undefined): JournalFollower {
  const args = [
    '-f',
    '-q',
    '-o',
    'json',
    cursor === undefined ? '--lines=all' : `--after-cursor=${cursor}`,
    `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`,
  ];
  const child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  async function* entries(): AsyncGenerator<JsonEntry> {
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      yield JSON.parse(line) as JsonEntry;
    }
  }
  return { child, entries: entries() };
}
