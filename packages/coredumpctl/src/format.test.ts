import { describe, expect, it } from 'vitest';
import { createTimeFormatter, formatRelative } from './format.js';
import { parseTimestamp } from './time.js';
import { loadZone } from './tz.js';

const S = 1_000_000;

describe('formatRelative', () => {
  it.for([
    [20 * S, '20s ago'],
    [3 * 60 * S + 5 * S, '3min 5s ago'],
    [(2 * 3600 + 5 * 60) * S, '2h 5min ago'],
    [7 * 3600 * S, '7h ago'],
    [26 * 3600 * S, '1 day 2h ago'],
    [3 * 86400 * S, '3 days ago'],
    [1500, '1ms ago'],
  ] as const)('%d µs ago -> %s', ([d, want]) => {
    expect(formatRelative(1_700_000_000 * S - d, 1_700_000_000 * S)).toBe(want);
  });
});

describe('timestamps', () => {
  it('formats with the zone abbreviation from the TZif file', () => {
    const old = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
    try {
      const f = createTimeFormatter(loadZone('Europe/Berlin'));
      expect(f.timestamp(1_700_000_000 * S)).toBe('Tue 2023-11-14 23:13:20 CET');
      expect(f.timestamp(1_690_000_000 * S)).toBe('Sat 2023-07-22 06:26:40 CEST');
      // The text kept for one second: its first and last µs, then either side of it.
      const at = 1_700_000_000 * S;
      for (const [usec, text] of [
        [at + S - 1, 'Tue 2023-11-14 23:13:20 CET'],
        [at, 'Tue 2023-11-14 23:13:20 CET'],
        [at + S, 'Tue 2023-11-14 23:13:21 CET'],
        [at - 1, 'Tue 2023-11-14 23:13:19 CET'],
        [at + S - 1, 'Tue 2023-11-14 23:13:20 CET'],
      ] as const)
        expect(f.timestamp(usec)).toBe(text);
    } finally {
      if (old === undefined) delete process.env.TZ;
      else process.env.TZ = old;
    }
  });

  it.for([
    ['@1700000000.5', 1_700_000_000.5 * S],
    ['-1h', 1_700_000_000 * S - 3600 * S],
    ['1h ago', 1_700_000_000 * S - 3600 * S],
    ['2023-11-14 22:13:20 UTC', 1_700_000_000 * S],
    ['now', 1_700_000_000 * S],
    ['0', undefined],
    ['epoch', undefined],
    ['2023-13-01', undefined],
    [' today', undefined],
    ['Mon 2023-01-01 UTC', undefined],
  ] as const)('timestamp %s', ([text, want]) => {
    expect(parseTimestamp(text, 1_700_000_000 * S, loadZone('UTC'))).toBe(want);
  });
});
