// Property tests of the `journalctl -o export` parser (issue 15): documents
// made from random entries parse back to those entries however they are cut
// into chunks; mutated or random documents either parse or fail with
// ERR_JOURNAL_EXPORT_PARSE (never another exception), and chunking never
// changes the outcome. `npm run fuzz` runs them long.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCoredumpError } from '@coredump-ts/protocol';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { ExportParser, parseExport } from './export-parser.js';
import type { JournalEntry } from './entry.js';

type Field = readonly [name: string, value: Buffer, binary: boolean];

const fieldName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/).filter((n) => !n.startsWith('__'));
const textValue = fc
  .string({ unit: 'binary', maxLength: 60 })
  .map((s) => Buffer.from(s.replaceAll('\n', ' ')));
const binaryValue = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const field: fc.Arbitrary<Field> = fc.oneof(
  fc.tuple(fieldName, textValue).map(([n, v]): Field => [n, v, false]),
  fc.tuple(fieldName, binaryValue).map(([n, v]): Field => [n, v, true]),
);
const address = fc.record({
  __REALTIME_TIMESTAMP: fc.nat().map(String),
  __MONOTONIC_TIMESTAMP: fc.nat().map(String),
  _BOOT_ID: fc.stringMatching(/^[0-9a-f]{32}$/),
});
const entry = fc.tuple(address, fc.array(field, { minLength: 1, maxLength: 8 }));

function serialize(
  entries: readonly (readonly [Record<string, string>, readonly Field[]])[],
): Buffer {
  const parts: Buffer[] = [];
  for (const [addr, fields] of entries) {
    for (const [n, v] of Object.entries(addr)) parts.push(Buffer.from(`${n}=${v}\n`));
    for (const [n, v, binary] of fields) {
      if (!binary) parts.push(Buffer.from(`${n}=`), v, Buffer.from('\n'));
      else {
        const len = Buffer.alloc(8);
        len.writeBigUInt64LE(BigInt(v.length));
        parts.push(Buffer.from(`${n}\n`), len, v, Buffer.from('\n'));
      }
    }
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** `doc` cut at `cuts` (positions, any order, duplicates fine). */
function chunks(doc: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (doc.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const c of [...at, doc.length]) {
    out.push(doc.subarray(last, c));
    last = c;
  }
  return out;
}

type Outcome = { entries: JournalEntry[] } | { error: string };

function outcome(run: () => JournalEntry[]): Outcome {
  try {
    return { entries: run() };
  } catch (error) {
    // Anything but a coded parse error is a bug.
    if (!isCoredumpError(error, 'ERR_JOURNAL_EXPORT_PARSE')) throw error;
    return { error: error.message };
  }
}

function chunked(parts: readonly Buffer[]): JournalEntry[] {
  const p = new ExportParser();
  const out: JournalEntry[] = [];
  for (const c of parts) out.push(...p.push(c));
  p.end();
  return out;
}

const fieldsOf = (o: Outcome): unknown =>
  'entries' in o ? o.entries.map((e) => [...e.fields]) : o.error;

describe('journal export documents (property)', () => {
  it('parse back to the entries they were made from, in any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (entries, cuts) => {
          const doc = serialize(entries);
          const got = chunked(chunks(doc, cuts));
          expect(got.map((e) => [...e.fields.values()].flat().length)).toEqual(
            entries.map(([a, f]) => Object.keys(a).length + f.length),
          );
          got.forEach((e, i) => {
            const [addr, fields] = entries[i] ?? [{}, []];
            expect(e.realtimeUsec).toBe(Number(addr.__REALTIME_TIMESTAMP));
            expect(e.bootId).toBe(addr._BOOT_ID);
            const want = new Map<string, Buffer[]>();
            for (const [n, v] of fields) want.set(n, [...(want.get(n) ?? []), v]);
            for (const [n, vs] of want) expect(e.fields.get(n)).toEqual(vs);
          });
        },
      ),
      fuzzParams(200),
    );
  });

  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ maxLength: 12 }),
    }),
    // a binary length word made huge or odd
    fc.record({
      kind: fc.constant('length' as const),
      at: fc.nat(),
      value: fc.oneof(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.constantFrom(0n, 768n << 20n),
      ),
    }),
  );

  function mutate(doc: Buffer, m: Mutation): Buffer {
    const b = Buffer.from(doc);
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[at] = m.byte;
        return b;
      case 'cut':
        return b.subarray(0, at);
      case 'insert':
        return Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
      case 'length': {
        // after some field name line without '=': the next 8 bytes are a length word
        const nl = b.indexOf(0x0a, at);
        if (nl < 0 || nl + 9 > b.length) return b;
        b.writeBigUInt64LE(m.value, nl + 1);
        return b;
      }
    }
  }

  it('mutated documents parse or fail with ERR_JOURNAL_EXPORT_PARSE, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (entries, mutations, cuts) => {
          const doc = mutations.reduce((d, m) => mutate(d, m), serialize(entries));
          const whole = outcome(() => parseExport(doc));
          const parts = outcome(() => chunked(chunks(doc, cuts)));
          expect(fieldsOf(parts)).toEqual(fieldsOf(whole));
        },
      ),
      fuzzParams(300),
    );
  });

  it('random bytes parse or fail with ERR_JOURNAL_EXPORT_PARSE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        outcome(() => parseExport(Buffer.from(bytes)));
      }),
      fuzzParams(300),
    );
  });
});

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'length'; at: number; value: bigint };
