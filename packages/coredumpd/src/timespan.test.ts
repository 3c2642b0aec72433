import { describe, expect, it } from 'vitest';

import { formatTimespan } from './timespan.js';

describe('formatTimespan', () => {
  it.for([
    [5 * 60 * 1_000_000, '5min'],
    [90 * 1_000_000, '1min 30s'],
    [300_000, '300ms'],
    [1_500, '1ms 500us'],
    [0, '0'],
    [Infinity, 'infinity'],
  ] as const)('%d µs is %s', ([usec, text]) => {
    expect(formatTimespan(usec)).toBe(text);
  });
});
