// Where a test's fabricated journal entries go: a journald namespace of the
// test file's own, never the machine's journal. A made-up coredump entry (a
// datagram set for the worker, an injected golden entry, a backtrace report)
// in the live journal is one an operator's tools then have to read, and a
// malformed one makes systemd 252's coredumpctl abort (issue 14 item 2).
// Only real crashes through the kernel path may land in the live journal.
//
// useTestJournal() registers beforeAll/afterAll in the calling test file: one
// namespace per file, started before the file's tests, removed after them.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

import { sendJournalEntry } from '@coredump-ts/journal';
import { field } from '@coredump-ts/protocol';

import { startJournaldNamespace, type JournaldNamespace } from './journald-namespace.js';
import { waitForJournalEntries, type JsonJournalEntry } from './journald.js';

export interface TestJournal {
  /** The namespace's journald, once beforeAll has run. */
  readonly journald: JournaldNamespace;
  /** Its native socket: what COREDUMP_TS_JOURNAL_SOCKET points at. */
  readonly socketPath: string;
  /** Its journal directory, for `coredumpctl --directory=` and `journalctl -D`. */
  readonly directory: string;
  /** The env that points a worker or handler at this journal. */
  env(): Record<string, string>;
  /** Send one entry (text or binary values) to this journal. */
  inject(fields: Readonly<Record<string, string | Buffer>>): void;
  /** Log `text` through the stdout stream transport, as systemd-cat -t `identifier` does. */
  stream(identifier: string, text: string): Promise<void>;
  /** Its journal files (system.journal and any per-user ones). */
  files(): string[];
  /** Entries matching `matches` here, polled until `count` exist. */
  waitFor(
    matches: readonly string[],
    options?: { count?: number; timeoutMs?: number; sinceUsec?: number },
  ): Promise<JsonJournalEntry[]>;
  /** How many entries match now (journalctl -D). */
  count(...matches: string[]): number;
}

export function useTestJournal(prefix = 'cdtst'): TestJournal {
  let ns: JournaldNamespace | undefined;
  const started = (): JournaldNamespace => {
    if (ns === undefined) throw new Error('the test journal is used before beforeAll started it');
    return ns;
  };
  beforeAll(async () => {
    ns = await startJournaldNamespace({ prefix });
  });
  afterAll(async () => {
    await ns?.stop();
  });
  return {
    get journald() {
      return started();
    },
    get socketPath() {
      return started().socketPath;
    },
    get directory() {
      return started().journalDir;
    },
    env: () => ({ COREDUMP_TS_JOURNAL_SOCKET: started().socketPath }),
    inject(fields) {
      sendJournalEntry(
        Object.entries(fields).map(([name, value]) => field(name, value)),
        { socketPath: started().socketPath },
      );
    },
    stream: (identifier, text) =>
      streamTo(join(dirname(started().socketPath), 'stdout'), identifier, text),
    files: () =>
      readdirSync(started().journalDir)
        .filter((name) => name.endsWith('.journal'))
        .map((name) => join(started().journalDir, name)),
    waitFor: (matches, options = {}) =>
      waitForJournalEntries(matches, { ...options, namespace: started().name }),
    count(...matches) {
      const out = execFileSync(
        'journalctl',
        // One line per entry, whatever fields it has.
        [
          '-q',
          `--namespace=${started().name}`,
          '-o',
          'json',
          '--output-fields=__CURSOR',
          ...matches,
        ],
        { encoding: 'utf8' },
      );
      return out.split('\n').filter((l) => l !== '').length;
    },
  };
}

/**
 * journald's stream protocol (what systemd-cat speaks; systemd-cat has no
 * --namespace): a header of identifier, unit id, priority, level prefix and
 * the three forward flags, one per line, then the text.
 */
function streamTo(path: string, identifier: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(path, () => {
      socket.end(`${identifier}\n\n6\n0\n0\n0\n0\n${text}`);
    });
    socket.once('error', reject);
    socket.once('close', () => {
      resolve();
    });
  });
}
