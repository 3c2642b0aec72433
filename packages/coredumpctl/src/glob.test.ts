import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { glob, matchTokens, tokenize } from './glob.js';

const match = (pattern: string, name: string): boolean => matchTokens(tokenize(pattern), name);

/**
 * The reference: fnmatch(3) semantics written the obvious recursive way
 * (exponential, fine for short strings), no escapes.
 */
function reference(p: string, s: string): boolean {
  if (p === '') return s === '';
  const c = p[0] as string;
  if (c === '*') return reference(p.slice(1), s) || (s !== '' && reference(p, s.slice(1)));
  if (s === '') return false;
  if (c === '?') return reference(p.slice(1), s.slice(1));
  if (c === '[') {
    let j = 1;
    const negate = p[j] === '!' || p[j] === '^';
    if (negate) j++;
    const close = p.indexOf(']', j + 1);
    if (close >= 0) {
      const members = p.slice(j, close);
      let found = false;
      for (let k = 0; k < members.length; k++) {
        if (members[k + 1] === '-' && k + 2 < members.length) {
          if (
            (members[k] as string) <= (s[0] as string) &&
            (s[0] as string) <= (members[k + 2] as string)
          )
            found = true;
          k += 2;
        } else if (members[k] === s[0]) found = true;
      }
      return found !== negate && reference(p.slice(close + 1), s.slice(1));
    }
  }
  return c === s[0] && reference(p.slice(1), s.slice(1));
}

describe('glob matching', () => {
  it.for([
    ['*.journal', 'system.journal', true],
    ['system@*.journal~', 'system@0001.journal~', true],
    ['?', 'ab', false],
    ['[abc]x', 'bx', true],
    ['[!abc]x', 'bx', false],
    ['[^abc]x', 'dx', true],
    ['[]]', ']', true],
    ['[!]]', 'a', true],
    ['[a-c]', 'b', true],
    ['[z-a]*', 'zebra', false],
    ['[z-a]*', 'a', false],
    ['[', '[', true],
    ['a[', 'a[', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['[a\\]]', ']', true],
    ['**', '', true],
  ] as const)('%j against %j is %j', ([pattern, name, want]) => {
    expect(match(pattern, name)).toBe(want);
  });

  it('agrees with the reference matcher', () => {
    const patternChar = fc.constantFrom('a', 'b', 'c', '*', '?', '[', ']', '!', '-', '^');
    const nameChar = fc.constantFrom('a', 'b', 'c', ']', '!', '-', '^');
    fc.assert(
      fc.property(
        fc.string({ unit: patternChar, maxLength: 9 }),
        fc.string({ unit: nameChar, maxLength: 9 }),
        (pattern, name) => match(pattern, name) === reference(pattern, name),
      ),
      { numRuns: 3000 },
    );
  });

  it('does work bounded by pattern x name (10 stars against 40 characters)', () => {
    const pattern = '*a'.repeat(10) + 'b';
    const name = 'a'.repeat(40);
    const work = { steps: 0 };
    expect(matchTokens(tokenize(pattern), name, work)).toBe(false);
    expect(work.steps).toBeLessThanOrEqual((tokenize(pattern).length + 1) * (name.length + 1));
  });

  it('is bounded for any pattern and name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 60 }), (pattern, name) => {
        const tokens = tokenize(pattern);
        const work = { steps: 0 };
        matchTokens(tokens, name, work);
        return work.steps <= (tokens.length + 1) * (Array.from(name).length + 1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('glob over a directory (GLOB_NOCHECK)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdts-glob-'));
  mkdirSync(join(dir, 'sub'));
  for (const f of ['a.journal', 'b.journal', '.hidden.journal', 'sub/c.journal'])
    writeFileSync(join(dir, f), '');
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.for([
    ['*.journal', ['a.journal', 'b.journal']],
    ['.*.journal', ['.hidden.journal']],
    ['*/c.*', ['sub/c.journal']],
    ['[z-a]*', ['[z-a]*']],
    ['[unclosed', ['[unclosed']],
    ['nothing*', ['nothing*']],
  ] as const)('%s -> %j', ([pattern, want]) => {
    expect(glob(pattern, dir)).toEqual(want);
  });

  it('gives absolute patterns absolute paths', () => {
    expect(glob(`${dir}/[ab].journal`)).toEqual([`${dir}/a.journal`, `${dir}/b.journal`]);
  });
});
