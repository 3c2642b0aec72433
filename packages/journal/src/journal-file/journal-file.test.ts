import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entryCursor, entryFields } from './entry-fields.js';
import { JournalFileError } from './errors.js';
import { JournalFile } from './journal-file.js';
import { queryFiles } from './query.js';
import {
  buildJournalFile,
  journalFileDir,
  type TestEntry,
  type TestFileOptions,
} from '../../test/journal-writer.js';

const files = journalFileDir('cdts-journal-file-');
afterAll(files.remove);
const writeFile = files.write;
const dir = files.dir;

const ENTRIES: TestEntry[] = [1, 2, 3, 4].map((i) => ({
  seqnum: i,
  realtimeUsec: 1_000_000 * i,
  monotonicUsec: 10 * i,
  fields: [`MESSAGE=m${String(i)}`, `KIND=${i % 2 === 0 ? 'even' : 'odd'}`, 'COMMON=x'],
}));

function open(opts: TestFileOptions = {}, entries = ENTRIES): JournalFile {
  return JournalFile.open(writeFile(buildJournalFile(entries, opts)));
}

function messages(files: JournalFile[], q: Parameters<typeof queryFiles>[1] = {}): string[] {
  return [...queryFiles(files, q)].map(
    (h) => entryFields(h).get('MESSAGE')?.[0]?.toString() ?? '?',
  );
}

describe('JournalFile', () => {
  it.for([true, false])('reads every entry in order (compact: %s)', (compact) => {
    const f = open({ compact });
    expect(messages([f])).toEqual(['m1', 'm2', 'm3', 'm4']);
    const [first] = queryFiles([f]);
    expect(first && Object.fromEntries(entryFields(first))).toEqual({
      MESSAGE: [Buffer.from('m1')],
      KIND: [Buffer.from('odd')],
      COMMON: [Buffer.from('x')],
    });
    f.close();
  });

  it('matches: same field ORed, different fields ANDed, absent value matches nothing', () => {
    const f = open();
    expect(messages([f], { matches: ['KIND=even'] })).toEqual(['m2', 'm4']);
    expect(messages([f], { matches: ['KIND=even', 'MESSAGE=m1', 'MESSAGE=m2'] })).toEqual(['m2']);
    expect(messages([f], { matches: ['KIND=even', 'KIND=odd', 'COMMON=x'] })).toHaveLength(4);
    expect(messages([f], { matches: ['KIND=none'] })).toEqual([]);
    f.close();
  });

  it('rejects matches sd_journal_add_match() refuses', () => {
    const f = open();
    expect(() => messages([f], { matches: ['kind=even'] })).toThrow(JournalFileError);
    expect(() => messages([f], { matches: ['__CURSOR=x'] })).toThrow(JournalFileError);
    f.close();
  });

  it('--since/--until are inclusive; reverse walks back from --until', () => {
    const f = open();
    expect(messages([f], { sinceUsec: 2_000_000, untilUsec: 3_000_000 })).toEqual(['m2', 'm3']);
    expect(messages([f], { reverse: true, sinceUsec: 2_000_000, untilUsec: 3_000_000 })).toEqual([
      'm3',
      'm2',
    ]);
    expect(messages([f], { reverse: true })).toEqual(['m4', 'm3', 'm2', 'm1']);
    f.close();
  });

  it('merges files by seqnum within one seqnum ID and shows a copied entry once', () => {
    const a = open(
      {},
      [ENTRIES[0], ENTRIES[2]].filter((e) => e !== undefined),
    );
    const b = open({}, ENTRIES);
    expect(messages([a, b])).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(messages([a, b], { reverse: true })).toEqual(['m4', 'm3', 'm2', 'm1']);
    a.close();
    b.close();
  });

  it('merges files of different seqnum IDs by monotonic time on the same boot', () => {
    const late = ENTRIES.map((e) => ({
      ...e,
      seqnum: e.seqnum + 100,
      monotonicUsec: e.monotonicUsec + 5,
    }));
    const a = open({ seqnumId: 1 }, ENTRIES);
    const b = open(
      { seqnumId: 2 },
      late.map((e, i) => ({ ...e, fields: [`MESSAGE=n${String(i + 1)}`] })),
    );
    expect(messages([b, a])).toEqual(['m1', 'n1', 'm2', 'n2', 'm3', 'n3', 'm4', 'n4']);
    a.close();
    b.close();
  });

  it('formats the cursor as journalctl does', () => {
    const f = open({ seqnumId: 0xab, bootId: 0xcd });
    const [first] = queryFiles([f]);
    expect(first && entryCursor(first)).toBe(
      `s=${'ab'.repeat(16)};i=1;b=${'cd'.repeat(16)};m=a;t=f4240;x=1eef`,
    );
    f.close();
  });

  it('values of nullAtBytes payload bytes or more are null, wanted filters names', () => {
    const f = open({}, [
      { ...ENTRIES[0], fields: ['BIG=' + 'a'.repeat(100), 'SMALL=b'] } as TestEntry,
    ]);
    const [h] = queryFiles([f]);
    if (h === undefined) throw new Error('no entry');
    expect(
      Object.fromEntries(entryFields(h, { nullAtBytes: 104, wanted: new Set(['BIG']) })),
    ).toEqual({
      BIG: [null],
    });
    f.close();
  });

  it.for([true, false])(
    'entryTexts: the last value of each wanted field, in wanted order, as entryFields has it (compact: %s)',
    (compact) => {
      const wanted = new Set(['COREDUMP', 'COREDUMP_PID', 'MISSING', 'BIN', 'BIG']);
      const entries: TestEntry[] = [1, 2, 3].map((i) => ({
        ...(ENTRIES[i - 1] as TestEntry),
        fields: [
          // a wanted name that is a prefix of other names, shared values, repeats
          `COREDUMP_PID=${String(i)}`,
          'COREDUMP_PID=last',
          'COREDUMP=core',
          'COREDUMPX=no',
          'COREDUMP_PIDS=no',
          Buffer.from('BIN=\xff\xfe', 'latin1'), // not UTF-8
          `BIG=${'b'.repeat(50 * i)}`,
          'OTHER=x',
        ],
      }));
      const f = open({ compact }, entries);
      const opts = { wanted, nullAtBytes: 104 };
      const got: (string | null | undefined)[][] = [];
      const fromFields: (string | null | undefined)[][] = [];
      for (const h of queryFiles([f])) {
        const texts = new Array<string | null | undefined>(wanted.size);
        f.entryTexts(h.offset, opts, texts);
        got.push(texts);
        const fields = entryFields(h, opts);
        fromFields.push(
          [...wanted].map((name) => {
            const last = fields.get(name)?.at(-1);
            return last === undefined || last === null ? last : last.toString('utf8');
          }),
        );
      }
      expect(got).toEqual(fromFields);
      expect(got[0]).toEqual(['core', 'last', undefined, '\ufffd\ufffd', 'b'.repeat(50)]);
      expect(got[2]?.[4]).toBeNull(); // BIG= plus 150 bytes: at least nullAtBytes
      f.close();
    },
  );

  it('stops at a torn tail: an entry not written yet ends the walk, no error', () => {
    const bytes = buildJournalFile(ENTRIES);
    const good = JournalFile.open(writeFile(bytes));
    const third = good.allEntryOffsets()[2];
    good.close();
    if (third === undefined) throw new Error('no third entry');
    const torn = Buffer.from(bytes);
    torn.fill(0, third, third + 16); // its object header never made it to disk
    const f = JournalFile.open(writeFile(torn));
    expect(messages([f])).toEqual(['m1', 'm2']);
    f.close();
    // cut inside the last objects: what validates is still read
    const cut = JournalFile.open(writeFile(bytes.subarray(0, bytes.length - 24)));
    expect(messages([cut])).toEqual(['m1', 'm2', 'm3', 'm4']);
    cut.close();
  });

  it.for([
    ['not a journal', Buffer.from('hello world'), 'corrupt'],
    ['unkeyed hash', buildJournalFile(ENTRIES, { keyed: false }), 'unsupported'],
  ] as const)('refuses %s', ([, bytes, reason]) => {
    const path = writeFile(bytes);
    expect(() => JournalFile.open(path)).toThrow(expect.objectContaining({ reason }));
  });

  it('a missing file is an io error', () => {
    expect(() => JournalFile.open(join(dir, 'nope.journal'))).toThrow(
      expect.objectContaining({ reason: 'io' }),
    );
  });
});
