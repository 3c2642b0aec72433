import { describe, expect, it } from 'vitest';
import { corePatternLine } from './core-pattern.js';

describe('corePatternLine', () => {
  it('builds the pipe line with all ten specifiers', () => {
    expect(corePatternLine('/usr/lib/coredump-ts/handler')).toBe(
      '|/usr/lib/coredump-ts/handler %P %u %g %s %t %c %h %d %F %I',
    );
  });

  it('allows exactly 127 bytes and rejects 128', () => {
    const fixed = '| %P %u %g %s %t %c %h %d %F %I'.length;
    const ok = `/${'a'.repeat(127 - fixed - 1)}`;
    expect(corePatternLine(ok)).toHaveLength(127);
    expect(() => corePatternLine(`${ok}b`)).toThrow(/128 bytes/);
  });

  it.for(['relative/handler', '/with space/handler'])('rejects %s', (p) => {
    expect(() => corePatternLine(p)).toThrow(RangeError);
  });
});
