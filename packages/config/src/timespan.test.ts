import { describe, expect, it } from 'vitest';
import { parseTimespanUsec } from './timespan.js';

const S = 1_000_000;

describe('parseTimespanUsec (systemd parse_sec)', () => {
  it.for([
    ['0', 0],
    ['30', 30 * S],
    ['30s', 30 * S],
    [' 30 s ', 30 * S],
    ['5min', 300 * S],
    ['5m', 300 * S],
    ['1h 30min', 5400 * S],
    ['1h30min', 5400 * S],
    ['1.5h', 5400 * S],
    ['.5s', 0.5 * S],
    ['+2s', 2 * S],
    ['1 2', 3 * S],
    ['12.34 .56', 12.9 * S],
    ['100ms', 100_000],
    ['100msec', 100_000],
    ['7us', 7],
    ['7µs', 7],
    ['7μs', 7],
    ['2d', 172_800 * S],
    ['1w', 604_800 * S],
    ['1M', 2_629_800 * S],
    ['1y', 31_557_600 * S],
    ['1sec5', 6 * S],
    ['infinity', Infinity],
    [' infinity ', Infinity],
    ['0.0000001s', 0],
  ] as const)('%j -> %d', ([text, usec]) => {
    expect(parseTimespanUsec(text)).toEqual({ ok: true, value: usec });
  });

  it.for([
    ['', 'Invalid argument'],
    ['   ', 'Invalid argument'],
    ['s', 'Invalid argument'],
    ['5x', 'Invalid argument'],
    ['3.', 'Invalid argument'],
    ['+.5', 'Invalid argument'],
    ['+', 'Invalid argument'],
    ['3.s', 'Invalid argument'],
    ['12.34.56', 'Invalid argument'],
    ['infinity 1s', 'Invalid argument'],
    ['-1', 'Numerical result out of range'],
    ['-0', 'Numerical result out of range'],
    ['1s -1s', 'Numerical result out of range'],
    ['18446744073709551615us', 'Numerical result out of range'],
    ['99999999999999999999999y', 'Numerical result out of range'],
    [`${'9'.repeat(100_000)}s`, 'Numerical result out of range'],
  ] as const)('%j -> %s', ([text, reason]) => {
    expect(parseTimespanUsec(text)).toEqual({ ok: false, reason });
  });
});
