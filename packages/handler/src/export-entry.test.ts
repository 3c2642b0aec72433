import { describe, expect, it } from 'vitest';
import { importExportEntry } from './export-entry.js';

const binary = (name: string, value: Buffer): Buffer => {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(value.length));
  return Buffer.concat([Buffer.from(`${name}\n`), len, value, Buffer.from('\n')]);
};

describe('importExportEntry', () => {
  it('reads text and binary fields up to the empty line, dropping __ fields', () => {
    const input = Buffer.concat([
      Buffer.from('__CURSOR=s=1\n__REALTIME_TIMESTAMP=1\n__MONOTONIC_TIMESTAMP=2\n'),
      Buffer.from('__SEQNUM=5\n__OTHER=x\n_BOOT_ID=abc\nMESSAGE=hello\n'),
      binary('COREDUMP', Buffer.from('a\nb\0c')),
      Buffer.from('bad name=1\nEXTRA=x\n\nNEXT=ignored\n'),
    ]);
    const got = importExportEntry(input);
    expect(got.complete).toBe(true);
    expect(got.fields.map((f) => [f.name, f.value.toString('latin1')])).toEqual([
      ['_BOOT_ID', 'abc'],
      ['MESSAGE', 'hello'],
      ['COREDUMP', 'a\nb\0c'],
      ['EXTRA', 'x'],
    ]);
    expect(got.skipped).toEqual(['__OTHER', 'bad name']);
  });

  it.for([
    ['', 'nothing'],
    ['MESSAGE=hi\n', 'no empty line'],
    ['MESSAGE=hi', 'a cut line'],
    ['COREDUMP\n\x05\x00', 'a cut length'],
  ])('is incomplete for %j (%s)', ([input]) => {
    expect(importExportEntry(Buffer.from(input ?? '', 'latin1')).complete).toBe(false);
  });
});
