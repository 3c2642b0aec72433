import { describe, expect, it } from 'vitest';
import { isCoredumpError } from './errors.js';
import { field } from './fields.js';
import { isValidJournalFieldName, serializeJournalNative } from './journal-native.js';

const le64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

describe('serializeJournalNative', () => {
  it.for([
    ['plain text', [field('MESSAGE', 'hello')], Buffer.from('MESSAGE=hello\n')],
    ['number value', [field('PRIORITY', 2)], Buffer.from('PRIORITY=2\n')],
    ['empty value', [field('COREDUMP_UNIT', '')], Buffer.from('COREDUMP_UNIT=\n')],
    [
      'newline -> binary form',
      [field('MESSAGE', 'a\nb')],
      Buffer.concat([Buffer.from('MESSAGE\n'), le64(3), Buffer.from('a\nb\n')]),
    ],
    [
      'NUL and 0xff without newline stay text',
      [field('COREDUMP_PROC_AUXV', Buffer.from([0, 0xff, 1]))],
      Buffer.concat([Buffer.from('COREDUMP_PROC_AUXV='), Buffer.from([0, 0xff, 1, 0x0a])]),
    ],
    [
      'several fields in order',
      [field('A', '1'), field('B_2', 'x\n'), field('C', '')],
      Buffer.concat([Buffer.from('A=1\nB_2\n'), le64(2), Buffer.from('x\n\nC=\n')]),
    ],
    ['no fields', [], Buffer.alloc(0)],
  ] as const)('%s', ([, fields, want]) => {
    expect(serializeJournalNative(fields).equals(want)).toBe(true);
  });

  it.for(['', 'lower', '_PID', '1ABC', 'A-B', 'A=B', 'A'.repeat(65)])(
    'throws ERR_JOURNAL_FIELD_NAME for %j',
    (name) => {
      let err: unknown;
      try {
        serializeJournalNative([field(name, 'x')]);
      } catch (e) {
        err = e;
      }
      expect(isCoredumpError(err, 'ERR_JOURNAL_FIELD_NAME')).toBe(true);
    },
  );

  it.for(['A', 'COREDUMP_PROC_AUXV', 'A1_', 'A'.repeat(64)])('accepts %j', (name) => {
    expect(isValidJournalFieldName(name)).toBe(true);
  });
});
