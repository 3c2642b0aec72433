// Property tests of the handler -> worker datagrams (issue 15): decoding is the
// inverse of encoding, any byte string decodes or is an ERR_PROTOCOL refusal,
// and the EMSGSIZE halving keeps its shape. Sets of datagrams parsed into a
// crash context: packages/context/src/datagrams.property.test.ts. `npm run fuzz`
// runs them long.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { decodeDatagram, encodeDatagram, halveDatagram } from './datagram.js';
import { isCoredumpError } from './errors.js';

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
