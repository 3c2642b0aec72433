// Golden comparisons: our coredumpctl-ts and systemd's /usr/bin/coredumpctl on
// the same journal entries must print the same rows, fields and errors.
// Sources of entries are a table: adding one (e.g. our worker's) is one line.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.js';
import {
  MESSAGE_ID_BACKTRACE,
  MESSAGE_ID_COREDUMP,
  OURS,
  both as bothAnywhere,
  requireBuilt,
  runCtl as runCtlAnywhere,
  startTestJournal,
  type Result,
  type TestJournal,
} from '../packages/coredumpctl/test/support.js';

const MARK = `cdts${randomBytes(6).toString('hex')}`;
const BAD_MARK = `${MARK}bad`;
let dir: string;
// The entries are made up: they go to a journal of the test's own, never the machine's.
let journal: TestJournal;
const inJournal = (args: readonly string[]): string[] => [`--directory=${journal.dir}`, ...args];
const both = (args: readonly string[]): { ours: Result; systemd: Result } =>
  bothAnywhere(inJournal(args));
const runCtl = (bin: string, args: readonly string[]): Result =>
  runCtlAnywhere(bin, inJournal(args));

const base = (
  pid: number,
  comm: string,
  extra: Record<string, string> = {},
): Record<string, string> => ({
  MESSAGE_ID: MESSAGE_ID_COREDUMP,
  MESSAGE: `Process ${pid} (${comm}) of user 0 dumped core.`,
  PRIORITY: '2',
  CDTS_GOLDEN: MARK,
  COREDUMP_PID: String(pid),
  COREDUMP_UID: '0',
  COREDUMP_GID: '0',
  COREDUMP_SIGNAL: '11',
  COREDUMP_COMM: comm,
  COREDUMP_TIMESTAMP: '1700000000000000',
  ...extra,
});

// One row per entry source; each yields the entries to inject.
const SOURCES: { name: string; entries: () => Record<string, string>[] }[] = [
  {
    name: 'synthetic states',
    entries: () => [
      base(101, 'present', {
        COREDUMP_EXE: '/usr/bin/present',
        COREDUMP_FILENAME: join(dir, 'core.present'),
      }),
      base(102, 'missing', {
        COREDUMP_UID: '65534',
        COREDUMP_GID: '12345',
        COREDUMP_SIGNAL: '6',
        COREDUMP_FILENAME: join(dir, 'nope'),
      }),
      base(103, 'error', { COREDUMP_FILENAME: dir }),
      base(104, 'journal', { COREDUMP: 'tiny-core-bytes' }),
      base(105, 'none'),
      base(106, 'truncated', { COREDUMP: 'abc', COREDUMP_TRUNCATED: 'yes' }),
      base(107, 'trunc-file', {
        COREDUMP_FILENAME: join(dir, 'core.present'),
        COREDUMP_TRUNCATED: '1',
      }),
      { ...base(108, 'python3'), MESSAGE_ID: MESSAGE_ID_BACKTRACE, COREDUMP_SIGNAL: 'ABRT' },
      base(109, 'multi', {
        COREDUMP_EXE: '/opt/x y/bin',
        COREDUMP_CMDLINE: '/opt/x y/bin --flag',
        COREDUMP_UNIT: 'x.service',
        COREDUMP_SLICE: 'system.slice',
        COREDUMP_CGROUP: '/system.slice/x.service',
        COREDUMP_HOSTNAME: 'h1',
        COREDUMP_OWNER_UID: '0',
        COREDUMP_PACKAGE_NAME: 'pkg',
        COREDUMP_PACKAGE_VERSION: '1.0',
        COREDUMP_PACKAGE_JSON: '{"/opt/x y/bin":{"name":"pkg","version":"1.0","buildId":"abcd"}}',
        COREDUMP_FILENAME: join(dir, 'core.big'),
      }),
    ],
  },
];

beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cdts-golden-'));
  writeFileSync(join(dir, 'core.present'), 'x'.repeat(1288));
  writeFileSync(join(dir, 'core.big'), Buffer.alloc(30_093_312, 1));
  mkdirSync(join(dir, 'sub'));
  chmodSync(dir, 0o755);
  journal = await startTestJournal();
  let n = 0;
  for (const source of SOURCES) {
    for (const e of source.entries()) {
      journal.inject(e);
      n++;
    }
  }
  journal.inject({ ...base(110, 'nouid'), CDTS_GOLDEN: BAD_MARK, COREDUMP_UID: '' });
  journal.inject({
    MESSAGE_ID: MESSAGE_ID_COREDUMP,
    MESSAGE: 'x',
    CDTS_GOLDEN: BAD_MARK,
    COREDUMP_COMM: 'nouid',
  });
  await waitFor(() => journal.count(`CDTS_GOLDEN=${MARK}`) >= n, { what: `${n} injected entries` });
  await waitFor(() => journal.count(`CDTS_GOLDEN=${BAD_MARK}`) >= 2, { what: 'bad entries' });
});

afterAll(async () => {
  await (journal as TestJournal | undefined)?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('same output as systemd coredumpctl', () => {
  it.for([
    ['list'],
    ['list', '--no-legend'],
    ['--json=short', 'list'],
    ['--json=pretty', 'list'],
    ['-r', 'list'],
    ['-n', '3', 'list'],
    ['-r', '-n', '2', 'list'],
    ['-1'],
    ['list', 'COREDUMP_PID=102', 'COREDUMP_PID=104'],
    ['list', 'missing'],
    ['list', '/usr/bin/present'],
    ['list', '103'],
    ['-F', 'COREDUMP_COMM', 'list'],
    ['info'],
    ['info', 'COREDUMP_PID=109'],
    ['-S', 'yesterday', 'list'],
    ['-U', '2000-01-01', 'list'],
    ['-S', '-1h', '-U', '+1h', 'list'],
    // "@infinity" is USEC_INFINITY, which coredumpctl keeps for "not given".
    ['-S', '@infinity', 'list'],
    ['-U', '@infinity', 'list'],
    ['-S', '@ infinity', '-U', '@0', 'list'],
  ])('%j', (args) => {
    const { ours, systemd } = both([...args, `CDTS_GOLDEN=${MARK}`]);
    expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.status).toBe(systemd.status);
    expect(ours.stderr).toBe(systemd.stderr);
  });

  it('info reports the states systemd reports', () => {
    const ours = runCtl(OURS, ['info', `CDTS_GOLDEN=${MARK}`]);
    for (const state of ['present', 'missing', 'error'])
      expect(ours.stdout).toContain(`(${state})`);
    expect(ours.stdout).toContain('Storage: journal');
    expect(ours.stdout).toContain('Size on Disk: 28.6M');
    expect(ours.stdout).toContain('build-id: abcd');
  });

  it('dump of a journal-stored core gives the same bytes', () => {
    const { ours, systemd } = both(['dump', `CDTS_GOLDEN=${MARK}`, 'COREDUMP_PID=104']);
    expect(ours.stdout).toBe('tiny-core-bytes');
    expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.stderr).toBe(systemd.stderr);
  });

  it('skips entries missing mandatory fields with the v262 warning (systemd 252 aborts)', () => {
    const ours = runCtl(OURS, ['list', `CDTS_GOLDEN=${BAD_MARK}`]);
    // An empty UID= is present (shown as "-"); absent fields are "(null)".
    expect(ours.stderr).toBe(
      'Found a coredump entry without mandatory fields (PID=(null), UID=(null), GID=(null), SIGNAL=(null), COMM=nouid), ignoring.\n',
    );
    expect(ours.stdout).toMatch(/ 110 +- +0 SIGSEGV none +nouid +-\n$/);
    expect(ours.status).toBe(0);
  });
});

describe('a journal directory without files: the same notices as systemd', () => {
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'cdts-golden-empty-'));
  });
  afterAll(() => {
    rmSync(empty, { recursive: true, force: true });
  });

  it.for([
    ['list'],
    ['--json=short', 'list'],
    ['info'],
    ['-1'],
    ['dump', '-o', '/dev/null'],
    ['-q', 'list'],
    ['-q', 'info'],
  ])('%j', (args) => {
    const { ours, systemd } = bothAnywhere([`--directory=${empty}`, ...args]);
    expect(systemd.status).toBe(1);
    if (!args.includes('-q')) expect(systemd.stderr).toMatch(/^No journal files were found\.\n/);
    expect(ours.stderr).toBe(systemd.stderr);
    expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.status).toBe(systemd.status);
  });
});

describe('expected failures (spec §12), same message and status as systemd', () => {
  it.for([
    ['-n', '0'],
    ['-n', '-1'],
    ['-n', 'abc'],
    ['--since=0'],
    ['--until='],
    ['--since=today', '--until=yesterday'],
    ['--directory=/', '--root=/'],
    ['--json=foo'],
    ['-F', 'foo', '-F', 'bar'],
    ['list', '0'],
    ['list', ''],
    ['info', ''],
    ['-o', 'a', '-o', 'b', 'dump'],
    ['--debugger-arguments="'],
    ['dump', '-F', 'x'],
    ['frobnicate'],
    ['--bogus'],
    ['-x'],
    ['-n'],
    ['-S', 'Mon 2023-01-01'],
    ['-S', '2023-13-01'],
    // Times before the epoch or past 9999, and parse_sec()'s ERANGE (issue 15 item 8).
    ['-S', '-100y'],
    ['-S', '1969-12-31'],
    ['-U', '+100000y'],
    ['-U', '9999-12-31'],
    ['-S', '@-5'],
    ['-S', '--5'],
    ['-S', '@99999999999999'],
    ['-S', 'infinity'],
    ['-S', '+infinity'],
    ['-U', '@inf'],
  ])('%j', (args) => {
    const { ours, systemd } = both([...args, `CDTS_GOLDEN=${MARK}`]);
    expect(systemd.status).not.toBe(0);
    expect(ours.status).toBe(systemd.status);
    // getopt prefixes argv[0]; ours always says "coredumpctl".
    expect(ours.stderr).toBe(systemd.stderr.replace(/^\/usr\/bin\/coredumpctl:/, 'coredumpctl:'));
    expect(ours.stdout).toBe(systemd.stdout);
  });

  it.for([
    // glob(3) with GLOB_NOCHECK: a pattern that matches nothing (or an empty range) is the file name.
    ['--file=[z-a]*'],
    ['--file=/nonexistent/*'],
    ['--file=/etc/passwd'],
    ['--directory=/nonexistent'],
  ])('%j (journal files that do not open)', (args) => {
    const { ours, systemd } = bothAnywhere([...args, 'list']);
    expect(systemd.status).toBe(1);
    expect(ours.stderr).toBe(systemd.stderr);
    expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.status).toBe(systemd.status);
  });

  it('dump --output=/dev/full fails', () => {
    const ours = runCtl(OURS, [
      'dump',
      '--output=/dev/full',
      `CDTS_GOLDEN=${MARK}`,
      'COREDUMP_PID=101',
    ]);
    expect(ours.status).not.toBe(0);
    expect(ours.stderr).toContain('No space left on device');
  });

  it('debug --debugger=/bin/false propagates the failure', () => {
    const ours = runCtl(OURS, [
      'debug',
      '--debugger=/bin/false',
      `CDTS_GOLDEN=${MARK}`,
      'COREDUMP_PID=101',
    ]);
    expect(ours.status).toBe(1);
  });

  it('debug --debugger=/bin/sh -A passes arguments and propagates the exit status', () => {
    const ours = runCtl(OURS, [
      'debug',
      '-q',
      '--debugger=/bin/sh',
      '-A',
      "-c 'exit 7' sh",
      `CDTS_GOLDEN=${MARK}`,
      'COREDUMP_PID=101',
    ]);
    expect(ours.status).toBe(7);
  });

  it('refuses an absent or relative executable for debug', () => {
    const ours = runCtl(OURS, ['debug', '-q', `CDTS_GOLDEN=${MARK}`, 'COREDUMP_PID=104']);
    expect(ours.status).toBe(1);
    expect(ours.stderr).toContain('COREDUMP_EXE');
  });
});
