import { describe, expect, it } from 'vitest';
import { isCoredumpError } from '@coredump-ts/protocol';
import { formatBytes, parseSize, parseSizeResult } from './size.js';

const K = 1024;
const M = K * K;
const G = M * K;
const T = G * K;

describe('parseSize: accepted', () => {
  it.for([
    ['0', 0],
    ['1', 1],
    ['+5', 5],
    ['512B', 512],
    ['1K', K],
    ['1M', M],
    ['32G', 32 * G],
    ['2T', 2 * T],
    ['1P', T * K],
    ['1E', T * M],
    ['1.5G', 1.5 * G],
    ['0.5K', 512],
    ['10.M', 10 * M],
    ['1.25M', 1.25 * M],
    [' 1G', G],
    ['1 G', G],
    ['1G 512M', G + 512 * M],
    ['1G512M', G + 512 * M],
    ['1T 1G 1M 1K 1B', T + G + M + K + 1],
    ['1G 5', G + 5],
    ['767M', 767 * M],
    ['5 ', 5],
    ['15E', 15 * T * M],
    ['18446744073709551615', Infinity],
  ] as const)('%j -> %d', ([text, want]) => {
    expect(parseSize(text)).toBe(want);
  });

  it.for([
    ['infinity', true, Infinity],
    ['18446744073709551615B', true, Infinity],
  ] as const)('%j with allowInfinity=%s -> %d', ([text, allow, want]) => {
    expect(parseSize(text, { allowInfinity: allow })).toBe(want);
  });
});

describe('parseSize: rejected', () => {
  it.for([
    ['', 'EINVAL'],
    ['infinity', 'EINVAL'],
    ['Infinity', 'EINVAL'],
    ['1g', 'EINVAL'],
    ['1k', 'EINVAL'],
    ['1KiB', 'EINVAL'],
    ['1GB', 'EINVAL'],
    ['1X', 'EINVAL'],
    ['512M 1G', 'EINVAL'],
    ['1G 1G', 'EINVAL'],
    ['1 2', 'EINVAL'],
    ['.5G', 'EINVAL'],
    ['1G ', 'EINVAL'],
    ['G', 'EINVAL'],
    ['-', 'EINVAL'],
    ['-1', 'ERANGE'],
    ['-0', 'ERANGE'],
    ['1G -1M', 'ERANGE'],
    ['16E', 'ERANGE'],
    ['18446744073709551616', 'ERANGE'],
    ['15E 1024P', 'ERANGE'],
    ['17179869184G', 'ERANGE'],
  ] as const)('%j -> %s', ([text, errno]) => {
    expect(parseSizeResult(text)).toEqual({ ok: false, errno });
    let err: unknown;
    try {
      parseSize(text);
    } catch (e) {
      err = e;
    }
    expect(isCoredumpError(err, 'ERR_CONFIG')).toBe(true);
  });

  it('infinity is refused when not allowed', () => {
    expect(parseSizeResult('infinity', { allowInfinity: false }).ok).toBe(false);
  });
});

describe('formatBytes', () => {
  it.for([
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1.0K'],
    [1536, '1.5K'],
    [767 * M, '767.0M'],
    [G, '1.0G'],
    [1.5 * G, '1.5G'],
    [32 * G, '32.0G'],
    [Infinity, 'infinity'],
  ] as const)('%d -> %s', ([n, want]) => {
    expect(formatBytes(n)).toBe(want);
  });
});
