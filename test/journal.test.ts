// The journal package against the real journald and the real journalctl:
// entries go in through the native protocol (datagram and sealed memfd) and
// come back out through `journalctl -o export` and our reader. The entries are
// made up (one carries the coredump MESSAGE_ID), so they go to a journald
// namespace of this file's own, never the machine's journal.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JournalEntryFile,
  sendJournalEntry,
  type JournalEntry,
  type SendJournalOptions,
} from '@coredump-ts/journal';
import { field, type JournalField } from '@coredump-ts/protocol';
import { bind, close, pipe, socket } from '@coredump-ts/unix';
import { JOURNAL_SOCKET, readJournalExport } from './support/journald.js';
import { useTestJournal } from './support/test-journal.js';
import { waitFor } from './support/wait.js';

const journal = useTestJournal();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
/** Send to this file's journal. */
const toTestJournal = (opts: SendJournalOptions = {}): SendJournalOptions => ({
  ...opts,
  socketPath: journal.socketPath,
});

const sha = (b: Buffer | undefined): string =>
  createHash('sha256')
    .update(b ?? Buffer.alloc(0))
    .digest('hex');

/** A value nobody else logs, to find our entry. */
const testId = (): string => randomUUID().replaceAll('-', '');

function entriesFor(id: string): Promise<JournalEntry[]> {
  return readJournalExport([`COREDUMP_TEST_ID=${id}`], { directory: journal.directory });
}

/** journald writes asynchronously: poll journalctl until the entry shows up. */
function waitForEntry(id: string): Promise<JournalEntry> {
  return waitFor(async () => (await entriesFor(id))[0], {
    what: `journal entry COREDUMP_TEST_ID=${id}`,
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}

function expectFields(entry: JournalEntry, sent: readonly JournalField[]): void {
  const expected = new Map<string, Buffer[]>();
  for (const f of sent) expected.set(f.name, [...(expected.get(f.name) ?? []), f.value]);
  for (const [name, values] of expected) {
    expect(entry.fields.get(name), name).toEqual(values);
  }
}

describe('journald round trip', () => {
  it('an entry with custom COREDUMP_* fields arrives with every field intact', async () => {
    const id = testId();
    const fields = [
      field('MESSAGE', `Process 4242 (crasher) of user 1000 dumped core. ${id}`),
      field('MESSAGE_ID', 'fc2e22bc6ee647b6b90729ab34a250b1'),
      field('PRIORITY', 2),
      field('COREDUMP_TEST_ID', id),
      field('COREDUMP_PID', 4242),
      field('COREDUMP_COMM', 'crasher'),
      field('COREDUMP_CMDLINE', './crasher --flag=value "quoted arg" ünïcödé'),
      field('COREDUMP_SIGNAL_NAME', 'SIGSEGV'),
      field('COREDUMP_TEST_REPEAT', 'first'),
      field('COREDUMP_TEST_REPEAT', 'second'),
      field('COREDUMP_TEST_EMPTY', ''),
    ];
    expect(sendJournalEntry(fields, toTestJournal()).via).toBe('datagram');
    const entry = await waitForEntry(id);
    expectFields(entry, fields);
    expect(entry.cursor).toMatch(/^s=/);
    expect(entry.realtimeUsec).toBeGreaterThan(0);
    expect(entry.bootId).toMatch(/^[0-9a-f]{32}$/);
    expect(entry.text('_PID')).toBe(String(process.pid));
  });

  it('a binary field with NUL and newline round-trips', async () => {
    const id = testId();
    const fields = [
      field('MESSAGE', 'binary fields'),
      field('COREDUMP_TEST_ID', id),
      field('COREDUMP_PROC_AUXV', Buffer.from([0x21, 0, 0, 0, 0x0a, 0xff, 0xfe, 0, 0x0a])),
      field('COREDUMP_TEST_NUL', Buffer.from([0x61, 0, 0x62])),
      field('COREDUMP_TEST_LINES', 'line one\nline two\n'),
    ];
    sendJournalEntry(fields, toTestJournal());
    expectFields(await waitForEntry(id), fields);
  });

  it.for<[number, string, SendJournalOptions]>([
    [8, 'above the datagram threshold', {}],
    // More than the 16 MiB a forced 8 MiB SO_SNDBUF allows: the datagram
    // attempt fails with EMSGSIZE and the writer falls back to the memfd.
    [17, 'after EMSGSIZE from a datagram attempt', { datagramMaxBytes: Infinity }],
  ])(
    'a %i MiB binary field round-trips through the memfd path (%s), identical sha256',
    async ([mib, , opts]) => {
      const id = testId();
      const core = randomBytes(mib * 1024 * 1024);
      core.writeUInt16BE(0x0a00, 100);
      const fields = [
        field('MESSAGE', 'big'),
        field('COREDUMP_TEST_ID', id),
        field('COREDUMP', core),
      ];
      expect(sendJournalEntry(fields, toTestJournal(opts)).via).toBe('memfd');
      const entry = await waitForEntry(id);
      expect(entry.fields.get('COREDUMP')?.[0]?.length).toBe(core.length);
      expect(sha(entry.fields.get('COREDUMP')?.[0])).toBe(sha(core));
      expect(entry.text('MESSAGE')).toBe('big');
    },
  );

  it('JournalEntryFile with appendBinaryFromFd from a pipe round-trips', async () => {
    const id = testId();
    const core = randomBytes(5 * 1024 * 1024 + 3);
    const [readFd, writeFd] = pipe();
    const out = createWriteStream('', { fd: writeFd });
    out.end(core);
    const entry = new JournalEntryFile();
    try {
      entry.append(field('MESSAGE', 'entry file'));
      entry.append(field('COREDUMP_TEST_ID', id));
      await entry.appendBinaryFromFd('COREDUMP', readFd, core.length);
      await finished(out);
      entry.append(field('COREDUMP_TEST_AFTER', 'after\nthe core'));
      entry.send(toTestJournal());
    } finally {
      entry.close();
      close(readFd);
    }
    const got = await waitForEntry(id);
    expect(sha(got.fields.get('COREDUMP')?.[0])).toBe(sha(core));
    expect(got.text('COREDUMP_TEST_AFTER')).toBe('after\nthe core');
    expect(got.text('MESSAGE')).toBe('entry file');
  });

  it('the default socket is the one journald listens on', () => {
    expect(JOURNAL_SOCKET).toBe('/run/systemd/journal/socket');
  });
});

describe('journald absent', () => {
  const expectUnavailable = (socketPath: string, cause: string): void => {
    expect(() => sendJournalEntry([field('MESSAGE', 'lost')], { socketPath })).toThrow(
      expect.objectContaining({
        code: 'ERR_JOURNAL_UNAVAILABLE',
        message: expect.stringMatching(`${socketPath} \\(${cause}\\)`) as unknown,
      }) as Error,
    );
  };

  it('throws ERR_JOURNAL_UNAVAILABLE when the socket path does not exist', () => {
    expectUnavailable(join(dir, 'no-such-dir', 'socket'), 'ENOENT');
  });

  it('throws ERR_JOURNAL_UNAVAILABLE when the socket file has no listener', () => {
    const stale = join(dir, 'stale-socket');
    const fd = socket('dgram');
    bind(fd, stale);
    close(fd); // the file stays, nobody listens: what a crashed journald leaves
    expectUnavailable(stale, 'ECONNREFUSED');
  });
});
