// Regression fixtures for issue 15 item 6: journal files built to make the
// reader loop or eat memory. Each is made with the test writer, then patched.
import { afterAll, describe, expect, it } from 'vitest';
import { compress } from 'zstd-napi';
import {
  appendEmptyArrayLoop,
  buildJournalLayout,
  DATA_ENTRY_ARRAY_OFFSET,
  DATA_NEXT_HASH_OFFSET,
  HEADER_ENTRY_ARRAY_OFFSET,
  journalFileDir,
  zstdRleFrame,
  type TestEntry,
} from '../../test/journal-writer.js';
import { entryFields } from './entry-fields.js';
import { JournalFile } from './journal-file.js';
import { queryFiles } from './query.js';

const files = journalFileDir('cdts-journal-hostile-');
afterAll(files.remove);
const openBytes = (bytes: Buffer): JournalFile => JournalFile.open(files.write(bytes));

const ENTRIES: TestEntry[] = [1, 2, 3, 4].map((i) => ({
  seqnum: i,
  realtimeUsec: 1_000_000 * i,
  monotonicUsec: 10 * i,
  fields: [`MESSAGE=m${String(i)}`, 'COMMON=x'],
}));

function messages(f: JournalFile, matches: string[] = []): string[] {
  return [...queryFiles([f], { matches })].map(
    (h) => entryFields(h).get('MESSAGE')?.[0]?.toString() ?? '?',
  );
}

describe('hostile journal files: every walk ends', () => {
  it.for([1, 2, 5])(
    'a loop of %i entry arrays without item slots as the file entry array chain',
    (count) => {
      const layout = buildJournalLayout(ENTRIES);
      const { bytes, at } = appendEmptyArrayLoop(layout.bytes, count);
      bytes.writeBigUInt64LE(BigInt(at), HEADER_ENTRY_ARRAY_OFFSET);
      const f = openBytes(bytes);
      expect(f.allEntryOffsets()).toHaveLength(0);
      expect(messages(f)).toEqual([]);
      f.close();
    },
  );

  it('a loop after the real entry array: its entries, then the walk stops', () => {
    const layout = buildJournalLayout(ENTRIES);
    const { bytes, at } = appendEmptyArrayLoop(layout.bytes, 3);
    // Fill the spare slot with the last entry again so the walk goes on to `next`.
    const main = layout.entryArrayOffset;
    const last = layout.entryOffsets.at(-1) ?? 0;
    bytes.writeUInt32LE(last, main + 24 + 4 * ENTRIES.length);
    bytes.writeBigUInt64LE(BigInt(at), main + 16);
    const f = openBytes(bytes);
    expect(f.allEntryOffsets()).toHaveLength(ENTRIES.length);
    f.close();
  });

  it("a DATA object's entry array looping: the query answers", () => {
    const layout = buildJournalLayout(ENTRIES);
    const { bytes, at } = appendEmptyArrayLoop(layout.bytes, 2);
    const common = layout.dataOffsets.get('COMMON=x') ?? 0;
    bytes.writeBigUInt64LE(BigInt(at), common + DATA_ENTRY_ARRAY_OFFSET);
    const f = openBytes(bytes);
    // Only the entry held inline in the DATA object is left.
    expect(messages(f, ['COMMON=x'])).toEqual(['m1']);
    f.close();
  });

  it('a hash chain looping onto itself: a lookup of an absent value ends', () => {
    const layout = buildJournalLayout(ENTRIES);
    const bytes = Buffer.from(layout.bytes);
    const looped = layout.dataOffsets.get('COMMON=x') ?? 0;
    bytes.writeBigUInt64LE(BigInt(looped), looped + DATA_NEXT_HASH_OFFSET);
    // Every bucket of the data hash table starts at the looping object.
    const table = Number(bytes.readBigUInt64LE(104));
    const buckets = Number(bytes.readBigUInt64LE(112)) / 16;
    for (let i = 0; i < buckets; i++) bytes.writeBigUInt64LE(BigInt(looped), table + 16 * i);
    const f = openBytes(bytes);
    expect(f.findData(Buffer.from('MESSAGE=absent'))).toBeUndefined();
    expect(messages(f, ['MESSAGE=absent'])).toEqual([]);
    f.close();
  });
});

describe('compressed DATA objects: only what is shown is decompressed', () => {
  const GIB = 1024 ** 3;
  const bombFile = (contentBytes: number): JournalFile => {
    const prefix = Buffer.from('COREDUMP_EXE=');
    const frame = zstdRleFrame(prefix, 0x61, contentBytes);
    return openBytes(
      buildJournalLayout(
        [{ ...ENTRIES[0], fields: ['MESSAGE=m1', 'COREDUMP_EXE=/bin/x'] } as TestEntry],
        { compress: (p) => (p.toString().startsWith('COREDUMP_EXE=') ? frame : undefined) },
      ).bytes,
    );
  };

  it('a frame of 132 KiB that claims 4 GiB is null at 4096 bytes, without inflating it', () => {
    const f = bombFile(4 * GIB);
    const before = process.memoryUsage().rss;
    const [h] = queryFiles([f]);
    if (h === undefined) throw new Error('no entry');
    const wanted = new Set(['COREDUMP_EXE', 'MESSAGE']);
    const texts = new Array<string | null | undefined>(2);
    f.entryTexts(h.offset, { wanted, nullAtBytes: 4096 }, texts);
    expect(texts).toEqual([null, 'm1']);
    expect(Object.fromEntries(entryFields(h, { nullAtBytes: 4096 }))).toEqual({
      MESSAGE: [Buffer.from('m1')],
      COREDUMP_EXE: [null],
    });
    // The old reader allocated the whole 4 GiB; a bounded one stays near its cap.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    f.close();
  });

  it('a match compares a bomb by inflating one byte more than the value looked for', () => {
    const f = bombFile(4 * GIB);
    // Its hash is that of COREDUMP_EXE=/bin/x, so the lookup has to compare the bytes.
    expect(f.findData(Buffer.from('COREDUMP_EXE=/bin/x'))).toBeUndefined();
    expect(messages(f, ['COREDUMP_EXE=/bin/x'])).toEqual([]);
    f.close();
  });

  it('a bomb of 8 MiB without a threshold comes back whole and right', () => {
    const f = bombFile(8 * 1024 * 1024);
    const [h] = queryFiles([f]);
    if (h === undefined) throw new Error('no entry');
    const value = entryFields(h).get('COREDUMP_EXE')?.[0];
    expect(value?.length).toBe(8 * 1024 * 1024 - 'COREDUMP_EXE='.length);
    expect(value?.every((b) => b === 0x61)).toBe(true);
    f.close();
  });

  it.for([
    ['short', 'COREDUMP_EXE=/usr/bin/short', 'COREDUMP_EXE=/usr/bin/short'],
    [
      'just under 4096',
      `COREDUMP_EXE=${'x'.repeat(4095 - 13)}`,
      `COREDUMP_EXE=${'x'.repeat(4082)}`,
    ],
    ['exactly 4096', `COREDUMP_EXE=${'y'.repeat(4096 - 13)}`, null],
    ['long', `COREDUMP_EXE=${'z'.repeat(100_000)}`, null],
  ] as const)('a real zstd value, %s, as journalctl -o json shows it', ([, payload, want]) => {
    const f = openBytes(
      buildJournalLayout([{ ...ENTRIES[0], fields: [payload, 'MESSAGE=m'] } as TestEntry], {
        compress: (p) => (p.toString().startsWith('COREDUMP_EXE=') ? compress(p) : undefined),
      }).bytes,
    );
    const [h] = queryFiles([f]);
    if (h === undefined) throw new Error('no entry');
    const texts = new Array<string | null | undefined>(1);
    f.entryTexts(h.offset, { wanted: new Set(['COREDUMP_EXE']), nullAtBytes: 4096 }, texts);
    expect(texts[0]).toBe(want === null ? null : want.slice('COREDUMP_EXE='.length));
    // A match finds it through the hash table, comparing the decompressed payload.
    expect(messages(f, [payload])).toEqual(['m']);
    expect(messages(f, [`${payload}!`])).toEqual([]);
    f.close();
  });
});
