import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoredumpctlError } from './errors.js';
import { HELP } from './help.js';
import { OPTION_TABLE } from './option-table.js';
import { parseOptions } from './options.js';
import { splitQuoted } from './split-quoted.js';
import { classifyMatch } from './matches.js';

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0) * 1000;

describe('parseOptions', () => {
  it.for([
    [['-n', '0'], 'Invalid numeric parameter to -n: 0'],
    [['-n', '-1'], 'Invalid numeric parameter to -n: -1'],
    [['--since=0'], "Failed to parse timestamp '0': Invalid argument"],
    [['--until='], "Failed to parse timestamp '': Invalid argument"],
    [['--since=today', '--until=yesterday'], '--since= must be before --until=.'],
    [
      ['--directory=/', '--root=/'],
      'Please specify either --root=, --image= or -D/--directory=, the combination of these options is not supported.',
    ],
    [['--json=foo'], 'Unknown argument to --json= switch: foo'],
    [['-F', 'foo', '-F', 'bar'], 'Cannot use --field/-F more than once.'],
    [['-o', 'a', '--output=b'], 'Cannot set output more than once.'],
    [['--debugger-arguments="'], `Failed to parse debugger arguments '"': Invalid argument`],
    [['--bogus'], "coredumpctl: unrecognized option '--bogus'"],
    [['-n'], "coredumpctl: option requires an argument -- 'n'"],
    [['--all=1'], "coredumpctl: option '--all' doesn't allow an argument"],
    [['frob'], 'Unknown command verb frob.'],
  ] as const)('%j fails with %s', ([args, message]) => {
    expect(() => parseOptions(args, { nowUsec: NOW })).toThrow(
      expect.objectContaining({ code: 'ERR_COREDUMPCTL_USAGE', message }),
    );
  });

  it('parses verbs, clustered short options and permuted operands', () => {
    const o = parseOptions(['-rn5', 'info', 'foo', '--json=short', '-A', "-ex 'bt full'"], {
      nowUsec: NOW,
    });
    expect(o).toMatchObject({
      verb: 'info',
      matches: ['foo'],
      reverse: true,
      rowsMax: 5,
      json: 'short',
      debuggerArgs: ['-ex', 'bt full'],
    });
    expect(parseOptions(['gdb']).verb).toBe('debug');
    expect(parseOptions(['-1'])).toMatchObject({ rowsMax: 1, reverse: true, verb: 'list' });
    expect(parseOptions(['--rev']).reverse).toBe(true);
  });

  it('takes "@infinity" (USEC_INFINITY) as no --since/--until, as systemd 252 does', () => {
    const since = (...args: string[]) => parseOptions(args, { nowUsec: NOW });
    expect(since('-S', '@infinity')).toMatchObject({ sinceUsec: undefined, untilUsec: undefined });
    expect(since('-U', '@infinity').untilUsec).toBeUndefined();
    expect(since('-S', '@5', '-S', '@ infinity').sinceUsec).toBeUndefined();
    // no "--since= must be before --until=." against an --until that is set
    expect(since('-S', '@infinity', '-U', '@0')).toMatchObject({
      sinceUsec: undefined,
      untilUsec: 0,
    });
    expect(since('-S', '@5').sinceUsec).toBe(5_000_000);
    for (const bad of ['infinity', '+infinity', '@inf'])
      expect(() => since('-S', bad)).toThrow(
        `Failed to parse timestamp '${bad}': Invalid argument`,
      );
  });
});

describe('classifyMatch', () => {
  it.for([
    ['FOO=bar', 'FOO=bar'],
    ['bin/sh', 'COREDUMP_EXE=/cwd/bin/sh'],
    ['/usr/bin/x', 'COREDUMP_EXE=/usr/bin/x'],
    ['123', 'COREDUMP_PID=123'],
    ['0', 'COREDUMP_COMM=0'],
    ['', 'COREDUMP_COMM='],
    ['bash', 'COREDUMP_COMM=bash'],
  ] as const)('%s -> %s', ([m, want]) => {
    expect(classifyMatch(m, '/cwd')).toBe(want);
  });
});

describe('splitQuoted', () => {
  it.for([
    ['a b  c', ['a', 'b', 'c']],
    [`"a b" 'c d'e`, ['a b', 'c de']],
    ['a\\ b', ['a b']],
    ['"', undefined],
  ] as const)('%s', ([text, want]) => {
    expect(splitQuoted(text)).toEqual(want);
  });
});

describe('parseOptions over random command lines (fast-check)', () => {
  const words = [
    ...OPTION_TABLE.flatMap((r) => [
      ...(r.short !== undefined ? [`-${r.short}`] : []),
      ...(r.long !== undefined ? [`--${r.long}`, `--${r.long}=`, `--${r.long.slice(0, 3)}`] : []),
    ]),
    'list', 'info', 'dump', 'debug', 'gdb', 'help', '--', '-', '-1rq', '-n5', '-S', '-100y',
    '@-5', 'yesterday', '[z-a]*', '*', 'COREDUMP_PID=1', '0', '', '"', "'a b'", 'pretty', 'x',
  ]; // prettier-ignore
  const withArg = OPTION_TABLE.filter((r) => r.arg !== undefined);
  const globish = fc.string({
    unit: fc.constantFrom('[', ']', '!', '^', '-', 'a', 'z', '*', '?', '\\'),
    maxLength: 10,
  });
  const timeish = fc.oneof(
    fc.constantFrom('-100y', '@-5', '--5', '1969-12-31', '+100000y', '9999-12-31', 'now', 'today'),
    fc
      .tuple(
        fc.constantFrom('', '+', '-', '@'),
        fc.nat(),
        fc.constantFrom('', 'y', 's', 'min', ' ago'),
      )
      .map((p) => p.join('')),
  );
  // An option with its value as one word ("--file=[z-a]*", "-S-100y") or two.
  const option = fc
    .tuple(
      fc.constantFrom(...withArg),
      fc.oneof(globish, timeish, fc.string({ maxLength: 8 })),
      fc.boolean(),
    )
    .map(([r, value, joined]) => {
      const name = r.long !== undefined ? `--${r.long}` : `-${r.short ?? ''}`;
      if (!joined) return [name, value];
      return [r.long !== undefined ? `${name}=${value}` : `${name}${value}`];
    });
  const argv = fc
    .array(
      fc.oneof(
        fc.constantFrom(...words).map((w) => [w]),
        fc.string({ maxLength: 12 }).map((w) => [w]),
        option,
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.flat());

  it('never throws anything but a coded CoredumpctlError', () => {
    fc.assert(
      fc.property(argv, (args) => {
        try {
          parseOptions(args, { nowUsec: NOW, cwd: '/nonexistent-cwd' });
        } catch (error) {
          return error instanceof CoredumpctlError && error.code === 'ERR_COREDUMPCTL_USAGE';
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('never gives a time before the epoch', () => {
    fc.assert(
      fc.property(argv, (args) => {
        try {
          const o = parseOptions(args, { nowUsec: NOW, cwd: '/nonexistent-cwd' });
          return (o.sinceUsec ?? 0) >= 0 && (o.untilUsec ?? 0) >= 0;
        } catch {
          return true;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the option table', () => {
  it('--help lists every option of the table, with its argument', () => {
    for (const r of OPTION_TABLE) {
      const flag =
        r.long !== undefined
          ? `--${r.long}${r.arg !== undefined ? `=${r.arg}` : ''}`
          : `-${r.short ?? ''}${r.arg !== undefined ? ` ${r.arg}` : ''}`;
      expect(HELP).toContain(flag);
      expect(HELP).toContain(r.help);
      if (r.short !== undefined) expect(HELP).toMatch(new RegExp(`^  -${r.short}\\b`, 'm'));
    }
  });

  it('every option parses: short letters and long names', () => {
    for (const r of OPTION_TABLE) {
      if (r.key === 'h' || r.key === 'version') continue;
      const value =
        r.key === 'json'
          ? 'short'
          : r.key === 'n'
            ? '3'
            : r.key === 'S' || r.key === 'U'
              ? 'now'
              : 'x';
      const forms = [
        ...(r.short !== undefined
          ? [[`-${r.short}`, ...(r.arg !== undefined ? [value] : [])]]
          : []),
        ...(r.long !== undefined ? [[`--${r.long}${r.arg !== undefined ? `=${value}` : ''}`]] : []),
      ];
      for (const args of forms) expect(() => parseOptions(args, { nowUsec: NOW })).not.toThrow();
    }
  });
});
