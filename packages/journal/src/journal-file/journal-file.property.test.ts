// Property test of the journal file reader (issue 15): small files from the
// test writer (compact or not, some values zstd-compressed, some decompression
// bombs) get structure-aware mutations: pointers (entry arrays, hash chains,
// DATA -> entry links, entry items, the header's tables) set to 0, to another
// object, to themselves, to a loop of empty entry arrays, misaligned or past
// the end; sizes, types and flags changed. Whatever comes out, every read the
// coredumpctl listing does ends, throws nothing but JournalFileError, and
// keeps its buffers small. `npm run fuzz` runs it long.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compress } from 'zstd-napi';
import { fuzzParams } from '../../../../test/support/fuzz.js';
import {
  appendEmptyArrayLoop,
  buildJournalLayout,
  journalFileDir,
  zstdRleFrame,
  type JournalLayout,
  type TestEntry,
} from '../../test/journal-writer.js';
import { JournalFileError } from './errors.js';
import { JournalFile } from './journal-file.js';
import { queryFiles } from './query.js';

const files = journalFileDir('cdts-journal-fuzz-');
afterAll(files.remove);

const FIELD_VALUES = [
  'MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1',
  'COREDUMP_PID=42',
  'COREDUMP_PID=43',
  'COREDUMP_COMM=x',
  `COREDUMP_EXE=/usr/bin/${'long'.repeat(200)}`,
  'COREDUMP=core bytes',
  'MESSAGE=hello',
];
const BOMB_PREFIX = 'COREDUMP_CMDLINE=';

const entries = fc.array(
  fc.record({
    seqnum: fc.integer({ min: 1, max: 1000 }),
    realtimeUsec: fc.integer({ min: 0, max: 2 ** 40 }),
    monotonicUsec: fc.nat(),
    fields: fc.uniqueArray(fc.constantFrom(...FIELD_VALUES, `${BOMB_PREFIX}x`), {
      minLength: 1,
      maxLength: 6,
    }),
  }),
  { minLength: 1, maxLength: 5 },
);

interface FileSpec {
  entries: TestEntry[];
  compact: boolean;
  /** compress values longer than this (zstd) */
  compressOver: number;
  /** content size of the bomb standing in for COREDUMP_CMDLINE= */
  bombBytes: number;
}

const fileSpec: fc.Arbitrary<FileSpec> = fc.record({
  entries,
  compact: fc.boolean(),
  compressOver: fc.constantFrom(0, 16, 1 << 20),
  bombBytes: fc.constantFrom(64, 64 * 1024, 4 * 1024 ** 3),
});

const bombs = new Map<number, Buffer>();

function bombFrame(contentBytes: number): Buffer {
  const made =
    bombs.get(contentBytes) ?? zstdRleFrame(Buffer.from(BOMB_PREFIX), 0x62, contentBytes);
  bombs.set(contentBytes, made);
  return made;
}

function build(spec: FileSpec): JournalLayout {
  const bomb = bombFrame(spec.bombBytes);
  return buildJournalLayout(spec.entries, {
    compact: spec.compact,
    compress: (p) =>
      p.toString('latin1').startsWith(BOMB_PREFIX)
        ? bomb
        : p.length > spec.compressOver
          ? compress(p)
          : undefined,
  });
}

type Target =
  | { kind: 'header'; field: number }
  | { kind: 'entryItem'; entry: number; item: number }
  | { kind: 'data'; data: number; field: number }
  | { kind: 'array'; field: number }
  | { kind: 'object'; which: number; field: number }
  | { kind: 'byte'; at: number };
type Value =
  | { kind: 'zero' }
  | { kind: 'self' }
  | { kind: 'other'; which: number }
  | { kind: 'loop'; count: number }
  | { kind: 'misaligned' }
  | { kind: 'past-end' }
  | { kind: 'number'; n: bigint };
interface Mutation {
  target: Target;
  value: Value;
}

const HEADER_FIELDS = [104, 112, 120, 128, 152, 176, 88]; // tables, n_entries, entry array, header size
const DATA_FIELDS = [24, 32, 40, 48, 56, 8]; // next hash, next field, entry, entry array, n_entries, size
const OBJECT_FIELDS = [0, 1, 8]; // type, flags, size

const target: fc.Arbitrary<Target> = fc.oneof(
  fc.record({ kind: fc.constant('header' as const), field: fc.constantFrom(...HEADER_FIELDS) }),
  fc.record({ kind: fc.constant('entryItem' as const), entry: fc.nat(), item: fc.nat() }),
  fc.record({
    kind: fc.constant('data' as const),
    data: fc.nat(),
    field: fc.constantFrom(...DATA_FIELDS),
  }),
  fc.record({ kind: fc.constant('array' as const), field: fc.constantFrom(16, 24, 28, 32) }),
  fc.record({
    kind: fc.constant('object' as const),
    which: fc.nat(),
    field: fc.constantFrom(...OBJECT_FIELDS),
  }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat() }),
);
const value: fc.Arbitrary<Value> = fc.oneof(
  fc.constant({ kind: 'zero' as const }),
  fc.constant({ kind: 'self' as const }),
  fc.record({ kind: fc.constant('other' as const), which: fc.nat() }),
  fc.record({ kind: fc.constant('loop' as const), count: fc.integer({ min: 1, max: 4 }) }),
  fc.constant({ kind: 'misaligned' as const }),
  fc.constant({ kind: 'past-end' as const }),
  fc.record({
    kind: fc.constant('number' as const),
    n: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(1n, 24n, 1n << 63n)),
  }),
);
const mutations = fc.array(fc.record({ target, value }), { minLength: 1, maxLength: 4 });

const pick = <T>(list: readonly T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length];

/** Apply the mutations; the file may grow (a loop of empty entry arrays is appended). */
function mutate(layout: JournalLayout, ms: readonly Mutation[]): Buffer {
  let bytes: Buffer = Buffer.from(layout.bytes);
  const data = [...layout.dataOffsets.values()];
  const objects = [...layout.entryOffsets, ...data, layout.entryArrayOffset];
  const itemBytes = layout.compact ? 4 : 16;
  for (const { target: t, value: v } of ms) {
    let at: number | undefined;
    let width = 8;
    switch (t.kind) {
      case 'header':
        at = t.field;
        break;
      case 'entryItem': {
        const e = pick(layout.entryOffsets, t.entry);
        if (e !== undefined) {
          const n = Math.max(
            1,
            Math.floor((Number(bytes.readBigUInt64LE(e + 8)) - 64) / itemBytes),
          );
          at = e + 64 + (t.item % n) * itemBytes;
          width = layout.compact ? 4 : 8;
        }
        break;
      }
      case 'data': {
        const d = pick(data, t.data);
        if (d !== undefined) at = d + t.field;
        break;
      }
      case 'array':
        at = layout.entryArrayOffset + t.field;
        width = t.field === 16 || !layout.compact ? 8 : 4;
        break;
      case 'object': {
        const o = pick(objects, t.which);
        if (o !== undefined) {
          at = o + t.field;
          width = t.field === 8 ? 8 : 1;
        }
        break;
      }
      case 'byte':
        at = bytes.length === 0 ? 0 : t.at % bytes.length;
        width = 1;
        break;
    }
    if (at === undefined || at + width > bytes.length) continue;
    let n: bigint;
    switch (v.kind) {
      case 'zero':
        n = 0n;
        break;
      case 'self':
        n = BigInt(at - (at % 8));
        break;
      case 'other':
        n = BigInt(pick(objects, v.which) ?? 0);
        break;
      case 'loop': {
        const grown = appendEmptyArrayLoop(bytes, v.count);
        bytes = grown.bytes;
        n = BigInt(grown.at);
        break;
      }
      case 'misaligned':
        n = BigInt((pick(objects, at) ?? 0) + 4);
        break;
      case 'past-end':
        n = BigInt(bytes.length + 8);
        break;
      case 'number':
        n = v.n;
        break;
    }
    const mask = width === 8 ? (1n << 64n) - 1n : (1n << BigInt(8 * width)) - 1n;
    writeUint(bytes, at, width, n & mask);
  }
  return bytes;
}

function writeUint(b: Buffer, at: number, width: number, n: bigint): void {
  if (width === 8) b.writeBigUInt64LE(n, at);
  else b.writeUIntLE(Number(n), at, width);
}

/** Every read `coredumpctl list` makes of a file, and a few more; JournalFileError is an answer. */
function readEverything(bytes: Buffer, layout: JournalLayout): void {
  const path = files.write(bytes);
  let f: JournalFile;
  try {
    f = JournalFile.open(path);
  } catch (error) {
    if (error instanceof JournalFileError) return;
    throw error;
  }
  const wanted = new Set([
    'COREDUMP_PID',
    'COREDUMP_EXE',
    'COREDUMP_CMDLINE',
    'MESSAGE',
    'COREDUMP',
  ]);
  const opts = { wanted, nullAtBytes: 4096 };
  const attempt = (read: () => void): void => {
    try {
      read();
    } catch (error) {
      if (!(error instanceof JournalFileError)) throw error;
    }
  };
  try {
    attempt(() => f.allEntryOffsets());
    for (const q of [
      {},
      { reverse: true },
      { matches: ['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1'] },
      { matches: ['COREDUMP_PID=42', 'COREDUMP_PID=43', 'COREDUMP_COMM=x'] },
      { matches: [`${BOMB_PREFIX}x`] },
    ]) {
      attempt(() => {
        for (const h of queryFiles([f], q)) {
          const texts = new Array<string | null | undefined>(wanted.size);
          attempt(() => {
            f.entryTexts(h.offset, opts, texts);
          });
          attempt(() => f.entryData(h.offset, { nullAtBytes: 4096 }));
        }
      });
    }
    for (const p of layout.dataOffsets.keys()) attempt(() => f.findData(Buffer.from(p, 'latin1')));
    attempt(() => f.fieldDataOffsets('COREDUMP'));
  } finally {
    f.close();
  }
}

describe('journal files under structure-aware mutation (property)', () => {
  it('every read ends, throws only JournalFileError, and keeps its buffers small', () => {
    fc.assert(
      fc.property(fileSpec, mutations, (spec, ms) => {
        const layout = build(spec);
        const bytes = mutate(layout, ms);
        const before = process.memoryUsage().arrayBuffers;
        readEverything(bytes, layout);
        // Files here are a few KiB; a bomb or a bad count must not become a big buffer.
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
      }),
      fuzzParams(200),
    );
  });
});
