// Property tests of coredump.conf text (issue 15): the parser never throws,
// its work is linear in the text (counted, not timed), a complete section after
// anything is still parsed, and RateLimitIntervalSec= spans agree with systemd's
// own parse_sec() (`systemd-analyze timespan`). `npm run fuzz` runs them long.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, fuzzRuns } from '../../../test/support/fuzz.js';
import { CONFIG_KEYS, DEFAULT_CONFIG, type CoredumpConfig } from './config.js';
import { parseConfigText, type ParseStats } from './parse.js';
import { parseTimespanUsec } from './timespan.js';

const F = '/etc/systemd/coredump.conf';

const blanks = fc.array(fc.constantFrom(' ', '\t'), { maxLength: 40 }).map((a) => a.join(''));
const keyName = fc.oneof(
  fc.constantFrom(...CONFIG_KEYS.map((k) => k.name)),
  fc.constantFrom('X-Vendor', 'Bogus', 'storage', ''),
  fc.string({ maxLength: 12 }),
);
const value = fc.oneof(
  fc.constantFrom(
    'none',
    'external',
    'journal',
    'yes',
    'off',
    '1G',
    '1G 512M',
    '1.5K',
    'infinity',
    '-1M',
    '99999E',
    '30s',
    '5min',
    '1h 30min',
    'stacks',
    'full',
    '4294967296',
    '',
  ),
  fc.stringMatching(/^[0-9. KMGTPEBsminhdwyu+-]{0,24}$/),
  fc.string({ maxLength: 30 }),
);
const line = fc
  .oneof(
    { weight: 5, arbitrary: fc.tuple(blanks, keyName, blanks, blanks, value, blanks) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('[Coredump]', '[X-Foo]', '[Journal]', '[Coredump', ''),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => `${'#;'[s.length % 2]}${s}`) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  )
  .map((l) => (typeof l === 'string' ? l : `${l[0]}${l[1]}${l[2]}=${l[3]}${l[4]}${l[5]}`));
/** A line, sometimes continued (odd backslashes) or ending in an escaped one (even). */
const physicalLine = fc
  .tuple(line, fc.constantFrom('', '', '', '\\', '\\\\', '\\\\\\'))
  .map(([l, tail]) => l + tail);
const confText = fc
  .tuple(fc.array(physicalLine, { maxLength: 30 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([lines, eol]) => lines.join(eol));

function parseCounted(text: string): { r: ReturnType<typeof parseConfigText>; steps: number } {
  const stats: ParseStats = { steps: 0 };
  return { r: parseConfigText(text, F, DEFAULT_CONFIG, stats), steps: stats.steps };
}

function wellTyped(c: CoredumpConfig): boolean {
  const size = (n: number | undefined): boolean => n === undefined || n === Infinity || n >= 0;
  return (
    ['none', 'external', 'journal'].includes(c.storage) &&
    typeof c.compress === 'boolean' &&
    typeof c.enterNamespace === 'boolean' &&
    ['full', 'stacks'].includes(c.content) &&
    [
      c.processSizeMax,
      c.externalSizeMax,
      c.journalSizeMax,
      c.maxUse,
      c.keepFree,
      c.debugInfoCacheMaxUse,
    ].every(size) &&
    c.rateLimitIntervalUsec >= 0 &&
    Number.isInteger(c.rateLimitBurst) &&
    c.rateLimitBurst >= 0
  );
}

const ABANDONS = /^(Invalid section header|Line too long|Continuation line too long)/;

describe('coredump.conf text (property)', () => {
  it('never throws, yields a well-typed config, and does linear work', () => {
    fc.assert(
      fc.property(confText, (text) => {
        const { r, steps } = parseCounted(text);
        expect(wellTyped(r.config)).toBe(true);
        const lines = text.split(/\r\n|\r|\n|\0/).length;
        expect(steps).toBeLessThanOrEqual(4 * text.length + 8 * (lines + 1));
      }),
      fuzzParams(300),
    );
  });

  it('long runs of blanks and long continuations stay linear', () => {
    const big = fc.tuple(
      fc.integer({ min: 1, max: 200_000 }),
      fc.constantFrom(' ', '\t', ' \\\n', '\\\n'),
      fc.constantFrom('MaxUse=1', 'X-A=', ' ', ''),
    );
    fc.assert(
      fc.property(big, ([n, unit, head]) => {
        const text = `[Coredump]\n${head}${unit.repeat(n)}x\n`;
        const { steps } = parseCounted(text);
        const lines = text.split('\n').length;
        expect(steps).toBeLessThanOrEqual(4 * text.length + 8 * (lines + 1));
      }),
      // Each case is up to 200,000 lines: a long run does 200 of them, not FC_NUM_RUNS.
      { ...fuzzParams(20), numRuns: Math.min(fuzzRuns(20), 200) },
    );
  });

  it('a complete section after any text is parsed, unless that text abandons the file', () => {
    fc.assert(
      fc.property(confText, (text) => {
        const { r } = parseCounted(`${text}\n\n[Coredump]\nStorage=none\nRateLimitBurst=7\n`);
        if (r.diagnostics.some((d) => ABANDONS.test(d.message))) return;
        expect([r.config.storage, r.config.rateLimitBurst]).toEqual(['none', 7]);
      }),
      fuzzParams(300),
    );
  });
});

// One systemd-analyze run per span: it stops at its first bad argument.
const haveAnalyze = existsSync('/usr/bin/systemd-analyze') || existsSync('/bin/systemd-analyze');

function systemdTimespan(text: string): { ok: true; value: number } | { ok: false } {
  try {
    const out = execFileSync('systemd-analyze', ['timespan', '--', text], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const usec = /^\s*μs: (\d+)$/m.exec(out)?.[1];
    if (usec === undefined) return { ok: false };
    const n = BigInt(usec);
    return { ok: true, value: n === (1n << 64n) - 1n ? Infinity : Number(n) };
  } catch {
    return { ok: false };
  }
}

describe.skipIf(!haveAnalyze)('RateLimitIntervalSec= spans against systemd (property)', () => {
  const span = fc.oneof(
    fc
      .array(
        fc.tuple(
          fc.stringMatching(/^\+?[0-9]{0,4}(\.[0-9]{0,3})?$/),
          fc.constantFrom('', ' ', '  '),
          fc.constantFrom(
            '',
            's',
            'sec',
            'min',
            'm',
            'ms',
            'us',
            'µs',
            'h',
            'd',
            'w',
            'M',
            'y',
            'x',
          ),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((parts) => parts.map((p) => p.join('')).join(' ')),
    fc.stringMatching(/^[0-9 .smhdwyMiunfty+-]{0,12}$/),
  );

  it('parseTimespanUsec accepts what systemd-analyze timespan accepts, with the same value', () => {
    fc.assert(
      fc.property(span, (text) => {
        // systemd-analyze strips nothing itself; a leading '-' would be an option to it.
        fc.pre(!text.trimStart().startsWith('-'));
        const ours = parseTimespanUsec(text);
        const theirs = systemdTimespan(text);
        expect(ours.ok).toBe(theirs.ok);
        if (ours.ok && theirs.ok) expect(ours.value).toBe(theirs.value);
      }),
      // One process per case (~75 ms): a long run stops at 3,000.
      { ...fuzzParams(25), numRuns: Math.min(fuzzRuns(25), 3000) },
    );
  });
});
