import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, JOURNAL_SIZE_MAX, storageSizeMax, type CoredumpConfig } from './config.js';
import {
  finalizeConfig,
  formatDiagnostic,
  LINE_MAX_BYTES,
  parseConfigText,
  type ParseStats,
} from './parse.js';

const K = 1024;
const M = K * K;
const G = M * K;
const F = '/etc/systemd/coredump.conf';
const parse = (text: string): ReturnType<typeof parseConfigText> =>
  parseConfigText(text, F, DEFAULT_CONFIG);
const sec = (body: string): string => `[Coredump]\n${body}\n`;

describe('parseConfigText: every key', () => {
  it.for([
    ['Storage=none', { storage: 'none' }],
    ['Storage=journal', { storage: 'journal' }],
    ['Storage=external', { storage: 'external' }],
    ['Compress=no', { compress: false }],
    ['Compress=OFF', { compress: false }],
    ['Compress=F', { compress: false }],
    ['Compress=0', { compress: false }],
    ['Compress=n', { compress: false }],
    ['Compress=False', { compress: false }],
    ['EnterNamespace=yes', { enterNamespace: true }],
    ['EnterNamespace=On', { enterNamespace: true }],
    ['EnterNamespace=t', { enterNamespace: true }],
    ['EnterNamespace=1', { enterNamespace: true }],
    ['EnterNamespace=Y', { enterNamespace: true }],
    ['EnterNamespace=TRUE', { enterNamespace: true }],
    ['ProcessSizeMax=2G', { processSizeMax: 2 * G }],
    ['ProcessSizeMax=0', { processSizeMax: 0 }],
    ['ExternalSizeMax=1.5G', { externalSizeMax: 1.5 * G }],
    ['ExternalSizeMax=infinity', { externalSizeMax: Infinity }],
    ['JournalSizeMax=10M', { journalSizeMax: 10 * M }],
    ['MaxUse=1G 512M', { maxUse: G + 512 * M }],
    ['MaxUse=0', { maxUse: 0 }],
    ['KeepFree=100K', { keepFree: 100 * K }],
    ['  MaxUse   =   3M  ', { maxUse: 3 * M }],
    ['\tKeepFree=\t7B', { keepFree: 7 }],
    ['Content=stacks', { content: 'stacks' }],
    ['Content=full', { content: 'full' }],
    ['RateLimitIntervalSec=30s', { rateLimitIntervalUsec: 30_000_000 }],
    ['RateLimitIntervalSec=5min', { rateLimitIntervalUsec: 300_000_000 }],
    ['RateLimitIntervalSec=0', { rateLimitIntervalUsec: 0 }],
    ['RateLimitBurst=10', { rateLimitBurst: 10 }],
    ['RateLimitBurst=0', { rateLimitBurst: 0 }],
    ['DebugInfoCacheMaxUse=256M', { debugInfoCacheMaxUse: 256 * M }],
    ['DebugInfoCacheMaxUse=0', { debugInfoCacheMaxUse: 0 }],
  ] as const)('%s', ([line, want]) => {
    const { config, diagnostics } = parse(sec(line));
    expect(diagnostics).toEqual([]);
    expect(config).toEqual({ ...DEFAULT_CONFIG, ...want });
  });

  it('a bad value keeps the previous one for the new keys too', () => {
    const text = sec('Content=stacks\nContent=none\nRateLimitBurst=5\nRateLimitBurst=x');
    const { config } = parse(text);
    expect([config.content, config.rateLimitBurst]).toEqual(['stacks', 5]);
  });

  it('the last assignment wins', () => {
    expect(parse(sec('MaxUse=1M\nMaxUse=2M')).config.maxUse).toBe(2 * M);
  });

  it('does not modify the base object', () => {
    const base: CoredumpConfig = { ...DEFAULT_CONFIG };
    parseConfigText(sec('Storage=none'), F, base);
    expect(base.storage).toBe('external');
  });
});

describe('parseConfigText: warnings keep the previous value', () => {
  it.for([
    [
      'Storage=Journal',
      2,
      'Failed to parse Storage=Journal, ignoring assignment: Invalid argument',
    ],
    ['Storage=both', 2, 'Failed to parse Storage=both, ignoring assignment: Invalid argument'],
    ['Storage=', 2, 'Failed to parse Storage=, ignoring assignment: Invalid argument'],
    ['Compress=maybe', 2, 'Failed to parse Compress=maybe, ignoring assignment: Invalid argument'],
    ['MaxUse=', 2, 'Failed to parse MaxUse=, ignoring assignment: Invalid argument'],
    ['MaxUse=1g', 2, 'Failed to parse MaxUse=1g, ignoring assignment: Invalid argument'],
    [
      'MaxUse=-1M',
      2,
      'Failed to parse MaxUse=-1M, ignoring assignment: Numerical result out of range',
    ],
    [
      'ProcessSizeMax=infinity',
      2,
      'Failed to parse ProcessSizeMax=infinity, ignoring assignment: Invalid argument',
    ],
    [
      'KeepFree=99999E',
      2,
      'Failed to parse KeepFree=99999E, ignoring assignment: Numerical result out of range',
    ],
    [
      'JournalSizeMax=',
      2,
      'Failed to parse JournalSizeMax=, ignoring assignment: Invalid argument',
    ],
    ['Content=Stacks', 2, 'Failed to parse Content=Stacks, ignoring assignment: Invalid argument'],
    ['Content=', 2, 'Failed to parse Content=, ignoring assignment: Invalid argument'],
    [
      'RateLimitIntervalSec=soon',
      2,
      'Failed to parse RateLimitIntervalSec=soon, ignoring assignment: Invalid argument',
    ],
    [
      'RateLimitIntervalSec=-5s',
      2,
      'Failed to parse RateLimitIntervalSec=-5s, ignoring assignment: Numerical result out of range',
    ],
    [
      'RateLimitBurst=-1',
      2,
      'Failed to parse RateLimitBurst=-1, ignoring assignment: Numerical result out of range',
    ],
    [
      'RateLimitBurst=4294967296',
      2,
      'Failed to parse RateLimitBurst=4294967296, ignoring assignment: Numerical result out of range',
    ],
    [
      'RateLimitBurst=1.5',
      2,
      'Failed to parse RateLimitBurst=1.5, ignoring assignment: Invalid argument',
    ],
    ['Bogus=1', 2, "Unknown key 'Bogus' in section [Coredump], ignoring."],
    ['storage=none', 2, "Unknown key 'storage' in section [Coredump], ignoring."],
    ['no equals here', 2, "Missing '=', ignoring line."],
    ['=5', 2, "Missing key name before '=', ignoring line."],
  ] as const)('%s', ([line, lineNo, message]) => {
    const { config, diagnostics } = parse(sec(line));
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(diagnostics).toEqual([{ level: 'warning', file: F, line: lineNo, message }]);
  });

  it('a bad value after a good one keeps the good one', () => {
    const { config, diagnostics } = parse(sec('MaxUse=5M\nMaxUse=5 apples\nKeepFree=1M'));
    expect(config.maxUse).toBe(5 * M);
    expect(config.keepFree).toBe(M);
    expect(diagnostics.map((d) => d.line)).toEqual([3]);
    expect(
      formatDiagnostic(diagnostics[0] ?? { level: 'debug', file: '', line: 0, message: '' }),
    ).toBe(`${F}:3: Failed to parse MaxUse=5 apples, ignoring assignment: Invalid argument`);
  });
});

describe('parseConfigText: file structure', () => {
  it.for([
    [
      'comments',
      '# c\n; c\n[Coredump]\n  # Storage=none\nStorage=journal\n',
      { storage: 'journal' },
      [],
    ],
    ['CRLF and BOM', '\uFEFF[Coredump]\r\nStorage=none\r\n', { storage: 'none' }, []],
    [
      'assignment before any section',
      'Storage=none\n[Coredump]\n',
      {},
      [[1, 'Assignment outside of section. Ignoring.']],
    ],
    [
      'unknown section is warned about and its keys ignored',
      '[Journal]\nStorage=none\n[Coredump]\nCompress=no\n',
      { compress: false },
      [[1, "Unknown section 'Journal'. Ignoring."]],
    ],
    ['X- section and X- key are silent', '[X-Vendor]\nA=1\n[Coredump]\nX-Foo=1\n', {}, []],
    [
      'section names are case-sensitive',
      '[coredump]\nStorage=none\n',
      {},
      [[1, "Unknown section 'coredump'. Ignoring."]],
    ],
    [
      'bad section header abandons the rest of the file',
      '[Coredump]\nStorage=none\n[Coredump\nCompress=no\n',
      { storage: 'none' },
      [[3, "Invalid section header '[Coredump'"]],
    ],
    [
      'continuation joins lines; the warning names the last line',
      '[Coredump]\nMaxUse=1G \\\n512M\nKeepFree=\\\n# comment inside\n bad\n',
      { maxUse: G + 512 * M },
      [[6, 'Failed to parse KeepFree=bad, ignoring assignment: Invalid argument']],
    ],
    [
      'escaped backslash is not a continuation',
      '[Coredump]\nX-A=a\\\\\nStorage=none\n',
      { storage: 'none' },
      [],
    ],
    [
      'continuation at end of file is still parsed',
      '[Coredump]\nStorage=none\\',
      { storage: 'none' },
      [],
    ],
    ['empty text', '', {}, []],
  ] as const)('%s', ([, text, want, diags]) => {
    const { config, diagnostics } = parse(text);
    expect(config).toEqual({ ...DEFAULT_CONFIG, ...want });
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual(diags);
  });
});

describe('finalizeConfig: the JournalSizeMax= clamp', () => {
  it.for([
    ['journal', 1 * G, JOURNAL_SIZE_MAX, 'warning', '1.0G'],
    ['external', 800 * M, JOURNAL_SIZE_MAX, 'debug', '800.0M'],
    ['none', 767 * M + 1, JOURNAL_SIZE_MAX, 'debug', '767.0M'],
  ] as const)('Storage=%s JournalSizeMax=%d', ([storage, size, want, level, shown]) => {
    const { config, diagnostics } = finalizeConfig(
      { ...DEFAULT_CONFIG, storage, journalSizeMax: size },
      F,
    );
    expect(config.journalSizeMax).toBe(want);
    expect(diagnostics).toEqual([
      {
        level,
        file: F,
        line: 0,
        message: `JournalSizeMax= set to larger value (${shown}) than journald would accept (767.0M), lowering automatically.`,
      },
    ]);
  });

  it.for([[767 * M], [10 * M], [0]])('leaves %d alone', ([size]) => {
    const r = finalizeConfig({ ...DEFAULT_CONFIG, journalSizeMax: size ?? 0 }, F);
    expect(r.config.journalSizeMax).toBe(size);
    expect(r.diagnostics).toEqual([]);
  });
});

// Issue 15 item 7: the reproducers, with the work counted instead of timed.
describe('parseConfigText: linear work and the line limits of systemd', () => {
  const steps = (text: string): number => {
    const stats: ParseStats = { steps: 0 };
    parseConfigText(text, F, DEFAULT_CONFIG, stats);
    return stats.steps;
  };

  it.for([
    ['inside', (n: number) => `MaxUse=1${' '.repeat(n)}x`],
    ['trailing', (n: number) => `MaxUse=1M${' \t'.repeat(n / 2)}`],
    ['leading', (n: number) => `${' '.repeat(n)}MaxUse=${' '.repeat(n)}1M`],
  ] as const)(
    'a value with a run of blanks %s costs work in proportion to its length',
    ([, make]) => {
      for (const n of [1024, 64 * K, M - 64]) {
        const text = sec(make(n));
        expect(steps(text)).toBeLessThanOrEqual(2 * text.length + 16);
      }
    },
  );

  it('the counter sees the blanks stripped (a trailing run of 1 MiB)', () => {
    const text = sec(`MaxUse=1M${' '.repeat(M - 64)}`);
    expect(steps(text)).toBeGreaterThanOrEqual(M - 64);
    expect(parse(text).config.maxUse).toBe(M);
    expect(parse(sec(`MaxUse=1${' '.repeat(1000)}x`)).diagnostics).toHaveLength(1);
  });

  it('40,000 continued lines cost work in proportion to their length and join as one value', () => {
    const text = sec(`X-Long=${'a \\\n'.repeat(40_000)}end`);
    expect(steps(text)).toBeLessThanOrEqual(2 * text.length + 16);
    const joined = parse(sec(`MaxUse=1G \\\n${' \\\n'.repeat(40_000)}512M`));
    expect(joined.config.maxUse).toBe(G + 512 * M);
    expect(joined.diagnostics).toEqual([]);
  });

  it('a line longer than LONG_LINE_MAX abandons the rest of the file ("Line too long")', () => {
    const r = parse(sec(`Storage=none\nX-Pad=${'p'.repeat(LINE_MAX_BYTES)}\nCompress=no`));
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, storage: 'none' });
    expect(r.diagnostics).toEqual([
      { level: 'warning', file: F, line: 3, message: 'Line too long' },
    ]);
  });

  it('a continued line longer than LONG_LINE_MAX abandons the rest of the file', () => {
    const chunk = `${'c'.repeat(1000)}\\\n`;
    const r = parse(
      sec(`Storage=none\nX-Pad=${chunk.repeat(Math.ceil(LINE_MAX_BYTES / 1000))}x\nCompress=no`),
    );
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, storage: 'none' });
    expect(r.diagnostics.map((d) => d.message)).toEqual(['Continuation line too long']);
  });

  it('a line of exactly LONG_LINE_MAX bytes is parsed', () => {
    const value = `X-Pad=${'p'.repeat(LINE_MAX_BYTES - 6)}`;
    expect(parse(sec(`${value}\nStorage=none`)).config.storage).toBe('none');
  });
});

describe('storageSizeMax', () => {
  it.for([
    ['none', 0],
    ['external', 5 * G],
    ['journal', 7 * M],
  ] as const)('Storage=%s -> %d', ([storage, want]) => {
    expect(
      storageSizeMax({ ...DEFAULT_CONFIG, storage, externalSizeMax: 5 * G, journalSizeMax: 7 * M }),
    ).toBe(want);
  });
});

describe('DEFAULT_CONFIG', () => {
  it('matches the 64-bit defaults of spec §5.2', () => {
    expect(DEFAULT_CONFIG).toEqual({
      storage: 'external',
      compress: true,
      processSizeMax: 32 * G,
      externalSizeMax: 32 * G,
      journalSizeMax: 767 * M,
      maxUse: undefined,
      keepFree: undefined,
      enterNamespace: false,
      content: 'full',
      rateLimitIntervalUsec: 0,
      rateLimitBurst: 0,
      debugInfoCacheMaxUse: G,
    });
  });
});
