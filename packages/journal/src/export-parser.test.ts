import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CoredumpError } from '@coredump-ts/protocol';
import { DATA_SIZE_MAX, ExportParser, parseExport, parseExportStream } from './export-parser.js';
import type { JournalEntry } from './entry.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

function binaryField(name: string, value: Buffer, length = BigInt(value.length)): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(length);
  return Buffer.concat([text(`${name}\n`), len, value, text('\n')]);
}

const BOOT_ID = '3d1219c7c4c5404aaa1f6d2a48adfda4';
const BINARY = Buffer.from([0x00, 0x0a, 0xff, 0x3d, 0x0a, 0x0a, 0x00, 0x41]);

/** Two entries: text fields, address fields, a repeated field, binary fields (one empty). */
const SAMPLE = Buffer.concat([
  text(
    `__CURSOR=s=abc;i=1;b=${BOOT_ID}\n__REALTIME_TIMESTAMP=1700000000123456\n` +
      `__MONOTONIC_TIMESTAMP=98765\n_BOOT_ID=${BOOT_ID}\nMESSAGE=hello = world\n` +
      'COREDUMP_X=a\nCOREDUMP_X=b\nEMPTY=\n',
  ),
  binaryField('COREDUMP', BINARY),
  binaryField('COREDUMP_X', Buffer.alloc(0)),
  text('\n'),
  text('MESSAGE=second\n'),
  binaryField('BIN', text('line1\nline2')),
  text('\n'),
]);

function checkSample(entries: JournalEntry[]): void {
  expect(entries).toHaveLength(2);
  const [first, second] = entries as [JournalEntry, JournalEntry];
  expect(first.cursor).toBe(`s=abc;i=1;b=${BOOT_ID}`);
  expect(first.realtimeUsec).toBe(1700000000123456);
  expect(first.monotonicUsec).toBe(98765);
  expect(first.bootId).toBe(BOOT_ID);
  expect(first.text('MESSAGE')).toBe('hello = world');
  expect(first.text('EMPTY')).toBe('');
  expect(first.text('NOPE')).toBeUndefined();
  expect(first.fields.get('COREDUMP_X')).toEqual([text('a'), text('b'), Buffer.alloc(0)]);
  expect(first.fields.get('COREDUMP')).toEqual([BINARY]);
  expect([...first.fields.keys()]).toEqual([
    '__CURSOR',
    '__REALTIME_TIMESTAMP',
    '__MONOTONIC_TIMESTAMP',
    '_BOOT_ID',
    'MESSAGE',
    'COREDUMP_X',
    'EMPTY',
    'COREDUMP',
  ]);
  expect(second.cursor).toBeUndefined();
  expect(second.realtimeUsec).toBeUndefined();
  expect(second.bootId).toBeUndefined();
  expect(second.text('MESSAGE')).toBe('second');
  expect(second.text('BIN')).toBe('line1\nline2');
}

async function* chunked(input: Buffer, size: (i: number) => number): AsyncGenerator<Buffer> {
  let i = 0;
  for (let pos = 0; pos < input.length; i++) {
    const n = Math.max(1, size(i));
    await Promise.resolve(); // each chunk arrives on a later tick, as from a pipe
    yield input.subarray(pos, pos + n);
    pos += n;
  }
}

async function collect(input: AsyncIterable<Buffer>): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of parseExportStream(input)) out.push(e);
  return out;
}

function parseFailure(input: Buffer): CoredumpError {
  try {
    parseExport(input);
  } catch (err) {
    expect(err).toBeInstanceOf(CoredumpError);
    expect((err as CoredumpError).code).toBe('ERR_JOURNAL_EXPORT_PARSE');
    return err as CoredumpError;
  }
  throw new Error('parseExport accepted malformed input');
}

describe('parseExport', () => {
  it('parses text and binary fields, repeats, address fields and several entries', () => {
    checkSample(parseExport(SAMPLE));
  });

  it('returns nothing for empty input and ignores stray blank lines between entries', () => {
    expect(parseExport(Buffer.alloc(0))).toEqual([]);
    const entries = parseExport(Buffer.concat([text('\n\n'), SAMPLE, text('\n')]));
    checkSample(entries);
  });

  it('keeps bytes that are not UTF-8 in text fields', () => {
    const [entry] = parseExport(
      Buffer.concat([text('F='), Buffer.from([0xff, 0xfe]), text('\n\n')]),
    );
    expect(entry?.fields.get('F')).toEqual([Buffer.from([0xff, 0xfe])]);
  });

  it.for<[string, Buffer, RegExp, number]>([
    [
      'binary length beyond DATA_SIZE_MAX',
      Buffer.concat([
        text('A=1\n'),
        binaryField('COREDUMP', text('x'), BigInt(DATA_SIZE_MAX) + 1n).subarray(0, 17),
      ]),
      /binary field COREDUMP has length 805306369, more than the maximum/,
      13,
    ],
    [
      'a 2^64-1 length',
      binaryField('COREDUMP', text('x'), 0xffffffffffffffffn),
      /has length 18446744073709551615/,
      9,
    ],
    [
      'missing newline after binary data',
      Buffer.concat([binaryField('BIN', text('abc')).subarray(0, 15), text('X=1\n\n')]),
      /missing newline after 3 bytes of binary field BIN \(found 0x58\)/,
      15,
    ],
    [
      'binary length larger than the data (newline check hits the next bytes)',
      Buffer.concat([binaryField('BIN', text('abc'), 5n), text('Y=1\n\n')]),
      /missing newline after 5 bytes of binary field BIN/,
      17,
    ],
    [
      'a line without = that is not a field name',
      text('A=1\nhello world\n\n'),
      /line "hello world" is neither/,
      4,
    ],
    ['a lowercase field name', text('message=hi\n\n'), /invalid field name "message"/, 0],
    ['an empty field name', text('A=1\n=value\n\n'), /invalid field name ""/, 4],
    ['a field name starting with a digit', text('1A=x\n\n'), /invalid field name "1A"/, 0],
    ['a field name longer than 64 bytes', text(`${'A'.repeat(65)}=x\n\n`), /invalid field name/, 0],
    [
      'truncated inside the length word',
      binaryField('BIN', text('abc')).subarray(0, 8),
      /missing 8-byte length of binary field BIN/,
      8,
    ],
    [
      'truncated inside binary data',
      binaryField('BIN', text('abcdef')).subarray(0, 15),
      /BIN has 3 of 6 bytes/,
      15,
    ],
    [
      'truncated before the newline after binary data',
      binaryField('BIN', text('abc')).subarray(0, 15),
      /missing newline after binary field BIN/,
      15,
    ],
    ['truncated in a text line', text('A=1\nB=2'), /last line has no newline/, 7],
    [
      'an entry without its terminating blank line',
      text('A=1\nB=2\n'),
      /entry not terminated by an empty line/,
      8,
    ],
    [
      'a malformed __REALTIME_TIMESTAMP',
      text('X=1\n__REALTIME_TIMESTAMP=12ab\n\n'),
      /invalid __REALTIME_TIMESTAMP value '12ab'/,
      0,
    ],
    [
      'an out-of-range __MONOTONIC_TIMESTAMP',
      text('__MONOTONIC_TIMESTAMP=9999999999999999\n\n'),
      /out of range/,
      0,
    ],
    ['a malformed _BOOT_ID', text('_BOOT_ID=nope\n\n'), /invalid _BOOT_ID value 'nope'/, 0],
  ])('rejects %s with the byte offset', ([, input, message, offset]) => {
    const err = parseFailure(input);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(new RegExp(`at byte offset ${offset}$`));
  });

  it('keeps failing after an error instead of resynchronising on garbage', () => {
    const parser = new ExportParser();
    expect(() => parser.push(text('bad line\n'))).toThrow(CoredumpError);
    expect(() => parser.push(text('A=1\n\n'))).toThrow(/neither/);
    expect(() => {
      parser.end();
    }).toThrow(/neither/);
  });
});

describe('parseExportStream', () => {
  it('parses the sample fed one byte at a time', async () => {
    checkSample(await collect(chunked(SAMPLE, () => 1)));
  });

  it.for([2, 3, 7, 8, 9, 13, 64])('parses the sample in %i-byte chunks', async (size) => {
    checkSample(await collect(chunked(SAMPLE, () => size)));
  });

  it('round-trips a 3 MiB binary field split at random boundaries, identical sha256', async () => {
    const value = randomBytes(3 * 1024 * 1024);
    value[5] = 0x0a;
    value[6] = 0x00;
    const input = Buffer.concat([
      text('A=1\n'),
      binaryField('COREDUMP', value),
      text('\n'),
      text('B=2\n\n'),
    ]);
    const sizes = [1, 1, 1, 5, 8, 4093, 65536, 1, 300000];
    const entries = await collect(chunked(input, (i) => sizes[i % sizes.length] ?? 1));
    expect(entries).toHaveLength(2);
    const got = entries[0]?.fields.get('COREDUMP')?.[0];
    const sha = (b: Buffer | undefined): string =>
      createHash('sha256')
        .update(b ?? Buffer.alloc(0))
        .digest('hex');
    expect(sha(got)).toBe(sha(value));
    expect(entries[1]?.text('B')).toBe('2');
  });

  it('yields each entry before the rest of the stream arrives', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* source(): AsyncGenerator<Buffer> {
      yield text('A=1\n\n');
      await gate;
      yield text('B=2\n\n');
    }
    const it = parseExportStream(source());
    const first = await it.next();
    if (first.done === true) throw new Error('no first entry');
    expect(first.value.text('A')).toBe('1');
    release();
    const second = await it.next();
    if (second.done === true) throw new Error('no second entry');
    expect(second.value.text('B')).toBe('2');
    expect((await it.next()).done).toBe(true);
  });

  it('rejects a stream truncated inside binary data, with the offset', async () => {
    const input = binaryField('BIN', text('abcdef')).subarray(0, 15);
    await expect(collect(chunked(input, () => 1))).rejects.toThrow(
      /BIN has 3 of 6 bytes at byte offset 15$/,
    );
  });

  it('rejects a missing newline after binary data split across chunks', async () => {
    const input = Buffer.concat([binaryField('BIN', text('abc')).subarray(0, 15), text('X=1\n\n')]);
    await expect(collect(chunked(input, () => 1))).rejects.toMatchObject({
      code: 'ERR_JOURNAL_EXPORT_PARSE',
      message: expect.stringMatching(/missing newline .* at byte offset 15$/) as unknown,
    });
  });
});
