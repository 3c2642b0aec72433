// The journal file reader against files written by the real journald: known
// entries go in (native protocol: a binary value, a 2,000-byte value journald
// compresses; systemd-cat), the journal files are copied to a temp dir and
// everything the reader returns is compared with `journalctl -o export` on
// the same copies; then coredumpctl-ts `list --file=` against systemd's.
// The entries are made up, so they go to a journald namespace of this file's
// own (support/test-journal.ts); the live journal is only read.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entryCursor,
  entryFields,
  JournalFile,
  parseExport,
  queryFiles,
  type FileQuery,
} from '@coredump-ts/journal/read';
import { useTestJournal } from './support/test-journal.js';
import { waitFor } from './support/wait.js';
import { OURS, SYSTEMD, runCtl } from '../packages/coredumpctl/test/support.js';

const ID = randomUUID().replaceAll('-', '');
const MARK = `CDTS_JF_ID=${ID}`;
const BINARY = Buffer.from([0x00, 0x0a, 0xff, 0x41, 0x3d, 0x0a, 0x00]);
const LONG = 'long value '.repeat(200); // 2,200 bytes: over journald's 512-byte compression threshold
const ADDRESS_FIELDS = ['__CURSOR', '__REALTIME_TIMESTAMP', '__MONOTONIC_TIMESTAMP', '_BOOT_ID'];

const journal = useTestJournal();
let dir: string;
/** The live journal up to this point: what it holds stays put while the tests read it. */
let liveUntil: string;
let copies: string[];

function journalctl(args: readonly string[]): Buffer {
  const r = spawnSync('journalctl', ['-q', '--no-pager', ...args], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`journalctl ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'journal-file-test-'));
  liveUntil = new Date(Date.now() - 1000).toISOString().replace('T', ' ').slice(0, 19);
  journal.inject({ MESSAGE: 'plain', CDTS_JF_ID: ID, CDTS_JF_KIND: 'plain' });
  journal.inject({
    MESSAGE: 'binary',
    CDTS_JF_ID: ID,
    CDTS_JF_KIND: 'binary',
    CDTS_JF_BINARY: BINARY,
  });
  journal.inject({ MESSAGE: 'long', CDTS_JF_ID: ID, CDTS_JF_KIND: 'long', CDTS_JF_LONG: LONG });
  await journal.stream(`cdts-jf-${ID}`, 'from systemd-cat\n');
  // Three coredump entries for the coredumpctl comparison.
  for (const pid of [101, 102, 103])
    journal.inject({
      MESSAGE_ID: 'fc2e22bc6ee647b6b90729ab34a250b1',
      MESSAGE: `Process ${String(pid)} dumped core.`,
      CDTS_JF_ID: ID,
      COREDUMP_PID: String(pid),
      COREDUMP_UID: '0',
      COREDUMP_GID: '0',
      COREDUMP_SIGNAL: '11',
      COREDUMP_COMM: 'cdts-jf',
      COREDUMP_EXE: '/usr/bin/cdts-jf',
      ...(pid === 102 ? { COREDUMP: Buffer.alloc(20_000, 7) } : {}),
    });
  await waitFor(
    () => journal.count(`SYSLOG_IDENTIFIER=cdts-jf-${ID}`) > 0 && journal.count(MARK) >= 6,
    { what: 'the injected entries in the test journal' },
  );
  // The namespace's online file, copied while journald may be writing, as a
  // reader sees it.
  copies = journal.files().map((p, i) => {
    const to = join(dir, `copy${String(i)}.journal`);
    copyFileSync(p, to);
    return to;
  });
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Comparable {
  cursor: string;
  realtime: string;
  monotonic: string;
  fields: Record<string, string[]>;
}

/** Values as hex so binary values compare exactly and diffs stay readable. */
function readerEntries(q: FileQuery): Comparable[] {
  const files = copies.map((p) => JournalFile.open(p));
  try {
    return [...queryFiles(files, q)].map((h) => {
      const fields: Record<string, string[]> = {};
      for (const [name, values] of entryFields(h)) {
        if (name === '_BOOT_ID') continue;
        fields[name] = values.map((v) => v?.toString('hex') ?? 'null');
      }
      return {
        cursor: entryCursor(h),
        realtime: String(h.realtimeUsec),
        monotonic: String(h.monotonicUsec),
        fields,
      };
    });
  } finally {
    for (const f of files) f.close();
  }
}

function exportEntries(args: readonly string[]): Comparable[] {
  const out = journalctl(['-o', 'export', ...copies.map((c) => `--file=${c}`), ...args]);
  return parseExport(out).map((e) => {
    const fields: Record<string, string[]> = {};
    for (const [name, values] of e.fields) {
      if (ADDRESS_FIELDS.includes(name)) continue;
      fields[name] = values.map((v) => v.toString('hex'));
    }
    return {
      cursor: e.cursor ?? '',
      realtime: String(e.realtimeUsec),
      monotonic: String(e.monotonicUsec),
      fields,
    };
  });
}

describe('journal file reader vs journalctl -o export (files written by journald)', () => {
  it('the files are compact, keyed and zstd-compressed (what v252 writes)', () => {
    const header = journalctl(['--header', `--file=${copies[0] ?? ''}`]).toString();
    expect(header).toMatch(/Incompatible flags:.*KEYED-HASH/);
    expect(header).toMatch(/Incompatible flags:.*COMPACT/);
  });

  it('the injected entries: same cursors, times and fields (binary, compressed)', () => {
    const ours = readerEntries({ matches: [MARK] });
    const theirs = exportEntries(['--', MARK]);
    expect(ours).toHaveLength(6);
    expect(ours).toEqual(theirs);
    const byKind = (k: string): Comparable | undefined =>
      ours.find((e) => e.fields.CDTS_JF_KIND?.[0] === Buffer.from(k).toString('hex'));
    expect(byKind('binary')?.fields.CDTS_JF_BINARY).toEqual([BINARY.toString('hex')]);
    expect(byKind('long')?.fields.CDTS_JF_LONG).toEqual([Buffer.from(LONG).toString('hex')]);
    // ...and journald did compress it (object flag COMPRESSED_ZSTD = 4), found through the hash table
    const path = copies.find((c) => {
      const f = JournalFile.open(c);
      try {
        return f.findData(Buffer.from(`CDTS_JF_LONG=${LONG}`)) !== undefined;
      } finally {
        f.close();
      }
    });
    if (path === undefined) throw new Error('CDTS_JF_LONG not found by hash');
    const f = JournalFile.open(path);
    const offset = f.findData(Buffer.from(`CDTS_JF_LONG=${LONG}`)) ?? 0;
    f.close();
    const head = Buffer.alloc(16);
    const fd = openSync(path, 'r');
    readSync(fd, head, 0, 16, offset);
    closeSync(fd);
    expect([head[0], head[1]]).toEqual([1, 4]);
  });

  it('a systemd-cat entry, by SYSLOG_IDENTIFIER', () => {
    const q = `SYSLOG_IDENTIFIER=cdts-jf-${ID}`;
    const ours = readerEntries({ matches: [q] });
    expect(ours).toHaveLength(1);
    expect(ours).toEqual(exportEntries(['--', q]));
  });

  it.for([false, true])('every entry of the copied files, merged (reverse: %s)', (reverse) => {
    const ours = readerEntries({ reverse });
    const theirs = exportEntries(reverse ? ['--reverse'] : []);
    expect(ours.length).toBe(theirs.length);
    expect(ours.map((e) => e.cursor)).toEqual(theirs.map((e) => e.cursor));
    expect(ours).toEqual(theirs);
  });

  it('ORed values and ANDed fields, as journalctl matches', () => {
    const args = [MARK, 'CDTS_JF_KIND=plain', 'CDTS_JF_KIND=long'];
    const ours = readerEntries({ matches: args });
    expect(ours).toHaveLength(2);
    expect(ours).toEqual(exportEntries(['--', ...args]));
  });
});

/** COREDUMP_TS_JOURNALCTL set: coredumpctl-ts runs journalctl instead of reading the files. */
const VIA_JOURNALCTL = { COREDUMP_TS_JOURNALCTL: 'journalctl' };

describe('coredumpctl-ts list (the file reader, its default) vs systemd', () => {
  it.for([[], ['-r'], ['--json=short'], ['-1'], ['-n', '2']])('list %j', (extra) => {
    const args = [
      '--no-pager',
      ...copies.map((c) => `--file=${c}`),
      ...extra,
      'list',
      `CDTS_JF_ID=${ID}`,
    ];
    const ours = runCtl(OURS, args);
    const theirs = runCtl(SYSTEMD, args);
    expect(ours).toEqual(theirs);
    expect(ours.stdout).toContain('cdts-jf');
    // 102 keeps its core in the journal: COREFILE "journal", read without loading it
    if (extra.length === 0) expect(ours.stdout).toMatch(/ 102 .* journal /);
  });

  it.for([[], ['-r'], ['-S', '-1h', '-U', '+1h'], ['-r', '-S', '-1h'], ['-1']])(
    'a journal directory (-D): list %j',
    (extra) => {
      const args = ['--no-pager', '-D', journal.directory, ...extra, 'list', `CDTS_JF_ID=${ID}`];
      const ours = runCtl(OURS, args);
      expect(ours).toEqual(runCtl(SYSTEMD, args));
      // and the same as our journalctl path
      expect(ours).toEqual(runCtl(OURS, args, VIA_JOURNALCTL));
    },
  );

  // The machine's own journal, read only: real crashes up to a fixed point,
  // so that crashes during the test do not change the answer.
  it.for([
    ['-n', '3'],
    ['-r', '-n', '3'],
  ])('the local journal (no --file): list %j', (extra) => {
    const args = ['--no-pager', '-U', liveUntil, ...extra, 'list'];
    const ours = runCtl(OURS, args);
    const theirs = runCtl(SYSTEMD, args);
    if (theirs.status === null && theirs.stderr.includes('function safe_atoi(). Aborting.')) {
      // This machine's journal has a coredump entry without COREDUMP_SIGNAL (anyone can
      // log one), on which systemd 252 aborts; ours skips such an entry with a warning,
      // as later systemd does, and lists the rest.
      expect(ours.status).toBe(0);
      expect(ours.stderr).toContain('Found a coredump entry without mandatory fields');
    } else {
      expect(ours).toEqual(theirs);
    }
    expect(ours).toEqual(runCtl(OURS, args, VIA_JOURNALCTL));
  });

  it('falls back to journalctl for what it does not do (--root, bad match, -D missing)', () => {
    for (const args of [
      ['--no-pager', '--root=/', 'list', `CDTS_JF_ID=${ID}`],
      ['--no-pager', 'list', `cdts_jf_id=${ID}`],
      ['--no-pager', '-D', join(dir, 'missing'), 'list'],
    ])
      expect(runCtl(OURS, args)).toEqual(runCtl(OURS, args, VIA_JOURNALCTL));
  });

  it('the copies really are journal files', () => {
    expect(
      readFileSync(copies[0] ?? '')
        .subarray(0, 8)
        .toString(),
    ).toBe('LPKSHHRH');
  });
});
