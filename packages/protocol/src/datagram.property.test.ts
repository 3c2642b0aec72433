// Property tests of the handler -> worker datagrams (issue 15): decoding is the
// inverse of encoding, any byte string decodes or is an ERR_PROTOCOL refusal,
// the EMSGSIZE halving keeps its shape, and a datagram set (valid metadata,
// mutated, or random) is parsed or refused with a coded CoredumpError, never
// an uncoded exception. `npm run fuzz` runs them long.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { decodeDatagram, encodeDatagram, halveDatagram } from './datagram.js';
import { CoredumpError, isCoredumpError } from './errors.js';
import { parseReceivedFields } from './receive.js';

const name = fc.string({ minLength: 1, maxLength: 40 }).filter((n) => !n.includes('='));
const bytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

describe('datagrams (property)', () => {
  it('decode(encode(field)) is the field (names without "=", values any bytes)', () => {
    fc.assert(
      fc.property(
        name.map((n) => Buffer.from(n, 'latin1').toString('latin1')),
        bytes(300),
        (n, value) => {
          expect(decodeDatagram(encodeDatagram({ name: n, value }))).toEqual({ name: n, value });
        },
      ),
      fuzzParams(500),
    );
  });

  it('any bytes decode to a field that encodes back to them, or are refused with ERR_PROTOCOL', () => {
    fc.assert(
      fc.property(bytes(200), (b) => {
        let f;
        try {
          f = decodeDatagram(b);
        } catch (error) {
          expect(isCoredumpError(error, 'ERR_PROTOCOL')).toBe(true);
          expect(b.indexOf(0x3d)).toBeLessThanOrEqual(0);
          return;
        }
        expect(f.name.length).toBeGreaterThan(0);
        expect(f.name.includes('=')).toBe(false);
        expect(encodeDatagram(f).equals(b)).toBe(true);
      }),
      fuzzParams(500),
    );
  });

  it('halving keeps the first floor(len / 2^n) bytes and appends "..."', () => {
    fc.assert(
      fc.property(bytes(500), fc.integer({ min: 1, max: 12 }), (b, n) => {
        const h = halveDatagram(b, n);
        const keep = Math.floor(b.length / 2 ** n);
        expect(h.length).toBe(keep + 3);
        expect(h.subarray(0, keep).equals(b.subarray(0, keep))).toBe(true);
        expect(h.subarray(keep).toString('latin1')).toBe('...');
      }),
      fuzzParams(300),
    );
  });
});

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
    expect(parseReceivedFields(applyEdits([]), { pidfdReceived: false }).meta.pid).toBe(1234);
  });

  it('an edited set parses or is refused with a coded CoredumpError', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 6 }), fc.boolean(), (edits, pidfd) => {
        try {
          parseReceivedFields(applyEdits(edits), {
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
