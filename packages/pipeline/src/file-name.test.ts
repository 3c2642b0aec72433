import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fuzzParams } from '../../../test/support/fuzz.js';
import { NAME_MAX, escapeComm, makeCoreFileName, normalizeBootId } from './file-name.js';

describe('escapeComm', () => {
  it.for([
    ['bash', 'bash'],
    ['Web Content', 'Web\\x20Content'],
    ['a.b/c\\d', 'a\\x2eb\\x2fc\\x5cd'],
    ['tab\there', 'tab\\x09here'],
    ['\x7f', '\\x7f'],
    ['é', '\\xc3\\xa9'],
    ['', ''],
  ] as const)('%j -> %j', ([input, expected]) => {
    expect(escapeComm(input)).toBe(expected);
  });
});

describe('makeCoreFileName', () => {
  const base = {
    comm: 'Web Content',
    uid: 1000,
    bootId: '0f2a1b2c3d4e5f60718293a4b5c6d7e9',
    pid: 130414,
    timestampUsec: 1614342930000000,
  };
  it('compressed', () => {
    expect(makeCoreFileName({ ...base, compressed: true })).toBe(
      'core.Web\\x20Content.1000.0f2a1b2c3d4e5f60718293a4b5c6d7e9.130414.1614342930000000.zst',
    );
  });
  it('raw', () => {
    expect(makeCoreFileName({ ...base, compressed: false })).toMatch(/\.1614342930000000$/);
  });
});

describe('normalizeBootId', () => {
  it('drops dashes and the newline', () => {
    expect(normalizeBootId('0F2A1B2C-3D4E-5F60-7182-93A4B5C6D7E9\n')).toBe(
      '0f2a1b2c3d4e5f60718293a4b5c6d7e9',
    );
  });
  it('rejects garbage', () => {
    expect(() => normalizeBootId('nope')).toThrow(/malformed boot id/);
  });
});

describe('makeCoreFileName with a COMM that would pass NAME_MAX (issue 15 item 3)', () => {
  const base = {
    uid: 4294967294,
    bootId: '0f2a1b2c3d4e5f60718293a4b5c6d7e9',
    pid: 2147483647,
    timestampUsec: 9007199254740991,
    compressed: true,
  };
  const PARTS =
    /^core\.([^.]*)\.4294967294\.0f2a1b2c3d4e5f60718293a4b5c6d7e9\.2147483647\.9007199254740991\.zst$/;

  it('keeps a name that fits as it is', () => {
    expect(makeCoreFileName({ ...base, comm: 'bash' })).toMatch(/^core\.bash\./);
  });

  it('shortens, keeps the parts parseable and tells different COMMs apart', () => {
    const a = makeCoreFileName({ ...base, comm: 'A'.repeat(300) });
    const b = makeCoreFileName({ ...base, comm: `${'A'.repeat(299)}B` });
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(NAME_MAX);
    expect(a).toMatch(PARTS);
    expect(a).not.toBe(b);
    expect(a.startsWith('core.AAAA')).toBe(true);
  });

  it('never cuts inside an escape, for any COMM', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (comm) => {
        const name = makeCoreFileName({ ...base, comm });
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(NAME_MAX);
        const part = PARTS.exec(name)?.[1];
        expect(part).toBeDefined();
        // Every backslash starts a whole \xNN escape.
        expect(part?.replace(/\\x[0-9a-f]{2}/g, '')).not.toContain('\\');
      }),
      fuzzParams(300),
    );
  });
});
