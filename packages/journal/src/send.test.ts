// The writer against a stand-in for journald: a real AF_UNIX datagram socket
// bound in a temp dir, so what arrives can be inspected byte for byte.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoredumpError, field, serializeJournalNative } from '@coredump-ts/protocol';
import {
  F_SEAL_GROW,
  F_SEAL_SEAL,
  F_SEAL_SHRINK,
  F_SEAL_WRITE,
  bind,
  close,
  getSeals,
  recvmsgSync,
  socket,
} from '@coredump-ts/unix';
import { sendJournalEntry } from './send.js';

let dir: string;
let path: string;
let receiver: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-send-'));
  path = join(dir, 'socket');
  receiver = socket('dgram');
  bind(receiver, path);
});

afterEach(() => {
  close(receiver);
  rmSync(dir, { recursive: true, force: true });
});

const FIELDS = [
  field('MESSAGE', 'hello'),
  field('COREDUMP_PROC_AUXV', Buffer.from([0, 10, 255, 0])),
  field('PRIORITY', 2),
];

const ALL_SEALS = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;

function expectCoded(fn: () => unknown, code: string): CoredumpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CoredumpError);
    expect((err as CoredumpError).code).toBe(code);
    return err as CoredumpError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('sendJournalEntry', () => {
  it('sends a small entry as one native-protocol datagram', () => {
    expect(sendJournalEntry(FIELDS, { socketPath: path })).toEqual({
      via: 'datagram',
      sizeBytes: serializeJournalNative(FIELDS).length,
    });
    const got = recvmsgSync(receiver, { timeoutMs: 5000 });
    expect(got.fds).toEqual([]);
    expect(got.data).toEqual(serializeJournalNative(FIELDS));
  });

  it.for([
    ['above the datagram threshold', { datagramMaxBytes: 16 }],
    ['after EMSGSIZE (bigger than any send buffer)', { datagramMaxBytes: Infinity }],
  ] as const)('passes a sealed memfd alone, %s', ([, opts]) => {
    const fields =
      opts.datagramMaxBytes === 16
        ? FIELDS
        : [...FIELDS, field('COREDUMP', Buffer.alloc(40 * 1024 * 1024, 0x61))];
    expect(sendJournalEntry(fields, { socketPath: path, ...opts }).via).toBe('memfd');
    const got = recvmsgSync(receiver, { timeoutMs: 5000 });
    expect(got.data.length).toBe(0);
    expect(got.fds).toHaveLength(1);
    const [memfd] = got.fds as [number];
    try {
      expect(getSeals(memfd) & ALL_SEALS).toBe(ALL_SEALS);
      expect(readFileSync(`/proc/self/fd/${memfd}`).equals(serializeJournalNative(fields))).toBe(
        true,
      );
    } finally {
      close(memfd);
    }
  });

  it('refuses a field name journald would drop, before sending anything', () => {
    expectCoded(
      () => sendJournalEntry([field('lower', 'x')], { socketPath: path }),
      'ERR_JOURNAL_FIELD_NAME',
    );
  });

  it('throws ERR_JOURNAL_UNAVAILABLE naming the path when the socket does not exist', () => {
    const missing = join(dir, 'nope');
    for (const datagramMaxBytes of [undefined, 0]) {
      const opts = datagramMaxBytes === undefined ? {} : { datagramMaxBytes };
      const err = expectCoded(
        () => sendJournalEntry(FIELDS, { socketPath: missing, ...opts }),
        'ERR_JOURNAL_UNAVAILABLE',
      );
      expect(err.message).toContain(missing);
      expect(err.message).toContain('ENOENT');
      expect((err.cause as { code?: string }).code).toBe('ENOENT');
    }
  });

  it('throws ERR_JOURNAL_UNAVAILABLE when the socket file has no listener', () => {
    const stale = join(dir, 'stale');
    const fd = socket('dgram');
    bind(fd, stale);
    close(fd);
    const err = expectCoded(
      () => sendJournalEntry(FIELDS, { socketPath: stale }),
      'ERR_JOURNAL_UNAVAILABLE',
    );
    expect(err.message).toContain(stale);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('with dontWait surfaces a full queue as ERR_JOURNAL_SEND (EAGAIN) instead of blocking', () => {
    let err: CoredumpError | undefined;
    for (let i = 0; i < 100_000 && err === undefined; i++) {
      try {
        sendJournalEntry(FIELDS, { socketPath: path, dontWait: true });
      } catch (e) {
        err = e as CoredumpError;
      }
    }
    expect(err).toBeInstanceOf(CoredumpError);
    expect(err?.code).toBe('ERR_JOURNAL_SEND');
    expect(err?.message).toContain('EAGAIN');
  });
});
