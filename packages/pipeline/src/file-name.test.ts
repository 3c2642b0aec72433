import { describe, expect, it } from 'vitest';

import { escapeComm, makeCoreFileName, normalizeBootId } from './file-name.js';

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
