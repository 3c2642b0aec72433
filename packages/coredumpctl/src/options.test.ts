import { describe, expect, it } from 'vitest';
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
