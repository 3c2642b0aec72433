import { isCoredumpError } from '@coredump-ts/protocol';
import { describe, expect, it } from 'vitest';
import { hostname as localHostname } from 'node:os';
import { hostnameFieldValue, isValidHostname, parseKernelArgv } from './argv.js';

const FULL = [
  '4242',
  '1000',
  '1000',
  '11',
  '1700000000',
  '18446744073709551615',
  'host',
  '1',
  '5',
  '4243',
];

describe('parseKernelArgv', () => {
  it('parses all ten specifiers', () => {
    const { args, warnings } = parseKernelArgv(FULL);
    expect(warnings).toEqual([]);
    expect(args).toEqual({
      pid: 4242,
      uid: 1000,
      gid: 1000,
      signal: 11,
      timestampUsec: 1_700_000_000_000_000,
      rlimit: 18446744073709551615n,
      hostname: 'host',
      dumpable: 1,
      pidfd: 5,
      tid: 4243,
    });
  });

  it.for([
    {
      n: 6,
      hostname: hostnameFieldValue(localHostname()),
      dumpable: 0,
      pidfd: undefined,
      tid: undefined,
    },
    { n: 7, hostname: 'host', dumpable: 0, pidfd: undefined, tid: undefined },
    { n: 8, hostname: 'host', dumpable: 1, pidfd: undefined, tid: undefined },
    { n: 9, hostname: 'host', dumpable: 1, pidfd: 5, tid: undefined },
    { n: 10, hostname: 'host', dumpable: 1, pidfd: 5, tid: 4243 },
    { n: 11, hostname: 'host', dumpable: 1, pidfd: 5, tid: 4243 },
  ])('accepts $n arguments, optional ones missing or extra ignored', ({ n, ...want }) => {
    const argv = [...FULL, 'extra'].slice(0, n);
    const { args, warnings } = parseKernelArgv(argv);
    expect(warnings).toEqual([]);
    expect(args).toMatchObject({ pid: 4242, uid: 1000, gid: 1000, signal: 11 });
    expect({
      hostname: args.hostname,
      dumpable: args.dumpable,
      pidfd: args.pidfd,
      tid: args.tid,
    }).toEqual(want);
  });

  it.for([0, 1, 5])('rejects %i arguments with the kernel message', (n) => {
    let error: unknown;
    try {
      parseKernelArgv(FULL.slice(0, n));
    } catch (e) {
      error = e;
    }
    expect(isCoredumpError(error, 'ERR_ARGV')).toBe(true);
    expect((error as Error).message).toBe(
      `Not enough arguments passed by the kernel (${n}, expected between 6 and 10).`,
    );
  });

  it('takes an empty %F (old kernel) as no pidfd', () => {
    const argv = [...FULL];
    argv[8] = '';
    expect(parseKernelArgv(argv).args.pidfd).toBeUndefined();
  });

  it.for([
    { index: 0, value: '0', what: 'PID' },
    { index: 0, value: '-1', what: 'PID' },
    { index: 0, value: 'abc', what: 'PID' },
    { index: 1, value: '4294967295', what: 'UID' },
    { index: 1, value: '65535', what: 'UID' },
    { index: 1, value: '', what: 'UID' },
    { index: 2, value: 'x', what: 'GID' },
    { index: 7, value: 'two', what: 'dumpable' },
    { index: 8, value: 'fd', what: 'pidfd' },
  ])('a malformed required argument ($what = "$value") is fatal', ({ index, value, what }) => {
    const argv = [...FULL];
    argv[index] = value;
    expect(() => parseKernelArgv(argv)).toThrow(new RegExp(what));
  });

  it.for([
    { index: 3, value: '0', field: 'signal', want: 0, warning: /signal .*recording signal 0/ },
    { index: 3, value: '65', field: 'signal', want: 0, warning: /signal/ },
    {
      index: 5,
      value: '18446744073709551616',
      field: 'rlimit',
      want: 18446744073709551615n,
      warning: /resource limit .*unlimited/,
    },
    {
      index: 6,
      value: 'bad_host',
      field: 'hostname',
      want: 'bad_host',
      warning: /invalid hostname, recording it as: bad_host$/,
    },
    { index: 6, value: '-lead', field: 'hostname', want: '-lead', warning: /invalid hostname/ },
    {
      index: 6,
      value: 'a\nb\\c\u00e9',
      field: 'hostname',
      want: 'a\\nb\\\\c\\303\\251',
      warning: /invalid hostname/,
    },
    { index: 9, value: 'x', field: 'tid', want: undefined, warning: /TID/ },
  ] as const)('a malformed argument ($field = "$value") is a warning, not a lost crash', (c) => {
    const argv = [...FULL];
    argv[c.index] = c.value;
    const { args, warnings } = parseKernelArgv(argv);
    expect(args[c.field]).toBe(c.want);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(c.warning);
  });

  it('records the current time for a malformed %t', () => {
    const argv = [...FULL];
    argv[4] = 'yesterday';
    const before = Date.now() * 1000;
    const { args, warnings } = parseKernelArgv(argv);
    expect(args.timestampUsec).toBeGreaterThanOrEqual(before);
    expect(warnings).toEqual([
      'Failed to parse timestamp "yesterday", recording the current time.',
    ]);
  });

  it('keeps a dumpable value above 2 with a notice', () => {
    const argv = [...FULL];
    argv[7] = '3';
    const { args, warnings } = parseKernelArgv(argv);
    expect(args.dumpable).toBe(3);
    expect(warnings).toEqual(['Got unexpected %d/dumpable value 3.']);
  });

  it('accepts a real-time signal and the Debian rlimit constant', () => {
    const argv = [...FULL];
    argv[3] = '64';
    argv[5] = '9223372036854775808';
    const { args } = parseKernelArgv(argv);
    expect(args.signal).toBe(64);
    expect(args.rlimit).toBe(9223372036854775808n);
  });
});

describe('isValidHostname', () => {
  it.for([
    ['localhost', true],
    ['a.b-c.d', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['a..b', false],
    ['a.', false],
    ['.a', false],
    ['a-', false],
    ['a_b', false],
    ['ü', false],
  ] as const)('%s -> %s', ([name, valid]) => {
    expect(isValidHostname(name)).toBe(valid);
  });
});
