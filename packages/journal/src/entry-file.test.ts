// JournalEntryFile builds the native-protocol entry in a memfd. The native
// format is the export format without the blank line that ends an entry, so
// the memfd's bytes + "\n" go through parseExport to check them.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoredumpError, field } from '@coredump-ts/protocol';
import { bind, close, getSeals, memfdCreate, pipe, recvmsgSync, socket } from '@coredump-ts/unix';
import { JournalEntryFile } from './entry-file.js';
import { parseExport } from './export-parser.js';

const sha = (b: Buffer | undefined): string =>
  createHash('sha256')
    .update(b ?? Buffer.alloc(0))
    .digest('hex');

function contents(fd: number): Buffer {
  return readFileSync(`/proc/self/fd/${fd}`);
}

function parseNative(native: Buffer): Map<string, Buffer[]> {
  const [entry, ...rest] = parseExport(Buffer.concat([native, Buffer.from('\n')]));
  expect(rest).toEqual([]);
  if (entry === undefined) throw new Error('no entry');
  return entry.fields;
}

/** A pipe whose write end is fed `data` (then closed) by a stream on the libuv threadpool. */
function feedPipe(data: Buffer): { readFd: number; done: Promise<void> } {
  const [readFd, writeFd] = pipe();
  const out = createWriteStream('', { fd: writeFd });
  out.end(data);
  return { readFd, done: finished(out) };
}

let entry: JournalEntryFile;
beforeEach(() => {
  entry = new JournalEntryFile();
});
afterEach(() => {
  entry.close();
});

describe('JournalEntryFile', () => {
  it('copies a 3 MiB binary field from a pipe between text fields', async () => {
    const core = randomBytes(3 * 1024 * 1024 + 17);
    entry.append(field('MESSAGE', 'before'));
    const { readFd, done } = feedPipe(core);
    try {
      expect(await entry.appendBinaryFromFd('COREDUMP', readFd, core.length)).toBe(core.length);
      await done;
    } finally {
      close(readFd);
    }
    entry.append(field('MESSAGE', 'after\nwith newline'));
    const native = contents(entry.fd);
    expect(entry.sizeBytes).toBe(native.length);
    const fields = parseNative(native);
    expect(sha(fields.get('COREDUMP')?.[0])).toBe(sha(core));
    expect(fields.get('MESSAGE')?.map(String)).toEqual(['before', 'after\nwith newline']);
  });

  it('reads a memfd the caller just wrote from a given position', async () => {
    const src = memfdCreate('src');
    const data = randomBytes(2 * 1024 * 1024 + 5);
    try {
      writeSync(src, data); // the fd offset is now at the end
      await entry.appendBinaryFromFd('COREDUMP', src, data.length, { position: 0 });
    } finally {
      close(src);
    }
    expect(sha(parseNative(contents(entry.fd)).get('COREDUMP')?.[0])).toBe(sha(data));
  });

  it('throws ERR_CORE_READ on a short source and leaves the entry as it was', async () => {
    entry.append(field('MESSAGE', 'kept'));
    const before = contents(entry.fd);
    const { readFd, done } = feedPipe(Buffer.from('only ten b'));
    try {
      await expect(entry.appendBinaryFromFd('COREDUMP', readFd, 100)).rejects.toMatchObject({
        code: 'ERR_CORE_READ',
        message: expect.stringContaining('ended after 10 of 100 bytes') as unknown,
      });
      await done;
    } finally {
      close(readFd);
    }
    expect(entry.sizeBytes).toBe(before.length);
    expect(contents(entry.fd)).toEqual(before);
    entry.append(field('MESSAGE', 'still usable'));
    expect(parseNative(contents(entry.fd)).get('MESSAGE')?.map(String)).toEqual([
      'kept',
      'still usable',
    ]);
  });

  it('with allowShort keeps what was read and patches the length', async () => {
    const { readFd, done } = feedPipe(Buffer.from('0123456789'));
    try {
      expect(await entry.appendBinaryFromFd('COREDUMP', readFd, 1000, { allowShort: true })).toBe(
        10,
      );
      await done;
    } finally {
      close(readFd);
    }
    entry.append(field('COREDUMP_TRUNCATED', '1'));
    const fields = parseNative(contents(entry.fd));
    expect(fields.get('COREDUMP')).toEqual([Buffer.from('0123456789')]);
    expect(fields.get('COREDUMP_TRUNCATED')).toEqual([Buffer.from('1')]);
  });

  it('rejects a bad field name and a bad length without writing anything', async () => {
    await expect(entry.appendBinaryFromFd('core', 0, 1)).rejects.toBeInstanceOf(CoredumpError);
    await expect(entry.appendBinaryFromFd('COREDUMP', 0, -1)).rejects.toBeInstanceOf(RangeError);
    await expect(entry.appendBinaryFromFd('COREDUMP', 0, 2 ** 40)).rejects.toBeInstanceOf(
      RangeError,
    );
    expect(entry.sizeBytes).toBe(0);
  });

  it('sends itself sealed, and cannot be changed afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-entry-file-'));
    const path = join(dir, 'socket');
    const receiver = socket('dgram');
    try {
      bind(receiver, path);
      entry.append(field('MESSAGE', 'hi'));
      entry.send({ socketPath: path });
      const got = recvmsgSync(receiver, { timeoutMs: 5000 });
      expect(got.data.length).toBe(0);
      const [memfd] = got.fds as [number];
      expect(getSeals(memfd) & 0xf).toBe(0xf);
      expect(contents(memfd).toString()).toBe('MESSAGE=hi\n');
      closeSync(memfd);
      expect(() => {
        entry.append(field('MESSAGE', 'late'));
      }).toThrow(/sealed: it was sent already/);
      expect(() => {
        entry.send({ socketPath: path });
      }).toThrow(/already sent/);
    } finally {
      close(receiver);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an empty entry; journald absent is ERR_JOURNAL_UNAVAILABLE and the send can be retried', () => {
    expect(() => {
      entry.send({ socketPath: '/nonexistent/socket' });
    }).toThrow(/empty journal entry/);
    const other = new JournalEntryFile();
    try {
      other.append(field('MESSAGE', 'x'));
      expect(() => {
        other.send({ socketPath: '/nonexistent/socket' });
      }).toThrow(expect.objectContaining({ code: 'ERR_JOURNAL_UNAVAILABLE' }) as Error);
      // A failed send can be retried elsewhere (the memfd is already sealed).
      const dir = mkdtempSync(join(tmpdir(), 'journal-entry-file-'));
      const receiver = socket('dgram');
      try {
        bind(receiver, join(dir, 'socket'));
        other.send({ socketPath: join(dir, 'socket') });
        const got = recvmsgSync(receiver, { timeoutMs: 5000 });
        const [memfd] = got.fds as [number];
        expect(contents(memfd).toString()).toBe('MESSAGE=x\n');
        closeSync(memfd);
      } finally {
        close(receiver);
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      other.close();
    }
  });
});
