// Property tests of a received datagram set (issue 15): valid metadata,
// mutated, or random, it is parsed into a crash context or refused with a
// coded CoredumpError, never an uncoded exception. `npm run fuzz` runs them long.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoredumpError } from '@coredump-ts/protocol';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { contextFromDatagrams } from './datagrams.js';

const bytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

const VALID: readonly (readonly [string, string])[] = [
  ['COREDUMP_PID', '1234'],
  ['COREDUMP_UID', '1000'],
  ['COREDUMP_GID', '1000'],
  ['COREDUMP_SIGNAL', '11'],
  ['COREDUMP_TIMESTAMP', '1700000000123456'],
  ['COREDUMP_RLIMIT', '18446744073709551615'],
  ['COREDUMP_HOSTNAME', 'box'],
  ['COREDUMP_COMM', 'crasher'],
  ['COREDUMP_EXE', '/usr/bin/crasher'],
  ['COREDUMP_TID', '1234'],
];
const FIELD_NAMES = [
  ...VALID.map(([n]) => n),
  'COREDUMP_CODE',
  'COREDUMP_DUMPABLE',
  'COREDUMP_BY_PIDFD',
  'COREDUMP_PROC_AUXV',
  'COREDUMP_UNIT',
  'MESSAGE',
];
const interestingValue = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '1',
    '-1',
    '65535',
    '4294967295',
    '18446744073709551616',
    'infinity',
    ' 1',
    '1\0',
    '2147483648',
  ),
  fc.string({ maxLength: 24 }),
);

type Edit =
  | { kind: 'drop'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'set'; at: number; value: string }
  | { kind: 'add'; name: string; value: string }
  | { kind: 'raw'; bytes: Buffer };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: interestingValue }),
  fc.record({
    kind: fc.constant('add' as const),
    name: fc.constantFrom(...FIELD_NAMES),
    value: interestingValue,
  }),
  fc.record({ kind: fc.constant('raw' as const), bytes: bytes(40) }),
);

function applyEdits(edits: readonly Edit[]): Buffer[] {
  const set: (readonly [string, string] | Buffer)[] = [...VALID];
  for (const e of edits) {
    const at = set.length === 0 ? 0 : ('at' in e ? e.at : 0) % set.length;
    if (e.kind === 'drop') set.splice(at, 1);
    else if (e.kind === 'duplicate' && set[at] !== undefined) set.push(set[at]);
    else if (e.kind === 'set') {
      const cur = set[at];
      if (cur !== undefined && !Buffer.isBuffer(cur)) set[at] = [cur[0], e.value];
    } else if (e.kind === 'add') set.push([e.name, e.value]);
    else if (e.kind === 'raw') set.push(e.bytes);
  }
  return set.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(`${x[0]}=${x[1]}`)));
}

describe('datagram sets (property)', () => {
  it('the valid set parses', () => {
    expect(contextFromDatagrams(applyEdits([]), { pidfdReceived: false }).meta.pid).toBe(1234);
  });

  it('an edited set parses or is refused with a coded CoredumpError', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 6 }), fc.boolean(), (edits, pidfd) => {
        try {
          contextFromDatagrams(applyEdits(edits), {
            pidfdReceived: pidfd,
            ...(pidfd && { pidfdPid: 1234 }),
          });
        } catch (error) {
          expect(error).toBeInstanceOf(CoredumpError);
        }
      }),
      fuzzParams(500),
    );
  });
});
