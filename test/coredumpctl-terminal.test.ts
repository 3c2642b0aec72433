// coredumpctl-ts on a terminal, next to systemd 252's /usr/bin/coredumpctl on
// the same pty (script(1)): the same pager chosen from the same environment
// (fake pagers on $PATH record their name, arguments and LESS* variables),
// and the same colour escapes in list and info (issue 14 item 6). The entries
// are made up and live in a journal of the test's own.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.js';
import {
  MESSAGE_ID_BACKTRACE,
  MESSAGE_ID_COREDUMP,
  OURS,
  requireBuilt,
  startTestJournal,
  SYSTEMD,
  type TestJournal,
} from '../packages/coredumpctl/test/support.js';

const MARK = `cdtstty${String(process.pid)}`;
let journal: TestJournal | undefined;
let dir: string;
let pagers: string;

const FAKE_PAGERS = ['pager', 'less', 'more', 'mypager'];

/** Run one coredumpctl on a pty with exactly `env` (plus PATH and TERM unless given); what the pty showed. */
function onPty(bin: string, args: readonly string[], env: Record<string, string>): string {
  const command = [bin === OURS ? [process.execPath, OURS] : [bin], args]
    .flat()
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], {
    env: { PATH: `${pagers}:/usr/bin:/bin`, TERM: 'xterm', COLUMNS: '250', TZ: 'UTC', ...env },
    encoding: 'utf8',
  });
  return r.stdout;
}

/** Which pager each ran, with what arguments and LESS variables (what the fake pagers wrote). */
function pagerRun(bin: string, args: readonly string[], env: Record<string, string>): string {
  rmSync(join(pagers, 'log'), { force: true });
  onPty(bin, args, env);
  try {
    return readFileSync(join(pagers, 'log'), 'utf8');
  } catch {
    return '(no pager)';
  }
}

const entry = (pid: number, extra: Record<string, string>): Record<string, string> => ({
  MESSAGE_ID: MESSAGE_ID_COREDUMP,
  MESSAGE: `Process ${String(pid)} (tty) of user 0 dumped core.\n\nStack trace:\n#0 main`,
  CDTS_TTY: MARK,
  COREDUMP_PID: String(pid),
  COREDUMP_UID: '0',
  COREDUMP_GID: '0',
  COREDUMP_SIGNAL: '11',
  COREDUMP_COMM: 'tty',
  COREDUMP_EXE: '/usr/bin/tty-crash',
  COREDUMP_TIMESTAMP: '1700000000000000',
  ...extra,
});

beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cdts-tty-'));
  chmodSync(dir, 0o755);
  pagers = join(dir, 'bin');
  spawnSync('mkdir', [pagers]);
  for (const name of FAKE_PAGERS) {
    const script = `#!/bin/sh
{ echo "${name} $*"; echo "LESS=\${LESS-unset} LESSSECURE=\${LESSSECURE-unset} LESSCHARSET=\${LESSCHARSET-unset}"; } >> ${pagers}/log
cat
`;
    writeFileSync(join(pagers, name), script, { mode: 0o755 });
  }
  writeFileSync(join(dir, 'core.present'), 'x'.repeat(1288));
  journal = await startTestJournal();
  journal.inject(entry(501, { COREDUMP_FILENAME: join(dir, 'core.present') }));
  journal.inject(entry(502, { COREDUMP_FILENAME: join(dir, 'nope') }));
  journal.inject(entry(503, { COREDUMP_FILENAME: dir }));
  journal.inject(entry(504, { COREDUMP: 'bytes' }));
  journal.inject(entry(505, {}));
  journal.inject(
    entry(506, { COREDUMP_FILENAME: join(dir, 'core.present'), COREDUMP_TRUNCATED: '1' }),
  );
  journal.inject({ ...entry(507, {}), MESSAGE_ID: MESSAGE_ID_BACKTRACE, COREDUMP_SIGNAL: 'x' });
  await waitFor(() => journal?.count(`CDTS_TTY=${MARK}`) === 7, { what: 'the entries' });
});

afterAll(async () => {
  await journal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const inJournal = (args: readonly string[]): string[] => [
  `--directory=${journal?.dir ?? ''}`,
  ...args,
  `CDTS_TTY=${MARK}`,
];

describe('the pager, chosen from the environment as systemd chooses it', () => {
  const ENVS: Record<string, string>[] = [
    {},
    { PAGER: 'mypager' },
    { SYSTEMD_PAGER: 'mypager', PAGER: 'more' },
    { SYSTEMD_PAGERSECURE: '0', PAGER: 'mypager' },
    { SYSTEMD_PAGERSECURE: '1', SYSTEMD_PAGER: 'mypager' },
    { SYSTEMD_PAGERSECURE: 'no' },
    { SYSTEMD_PAGERSECURE: 'junk', PAGER: 'mypager' },
    { SYSTEMD_PAGERSECURE: '0', PAGER: 'mypager -x  y' },
    { SYSTEMD_PAGERSECURE: '0', PAGER: 'nonexistent' },
    { LANG: 'C' },
    { LANG: 'C.UTF-8' },
    { SYSTEMD_LESS: 'abc', SYSTEMD_LESSCHARSET: 'latin1' },
    { SYSTEMD_PAGER: 'cat' },
    { SYSTEMD_PAGER: ' cat ' },
    { SYSTEMD_PAGER: '', PAGER: 'mypager' },
    { TERM: 'dumb' },
  ];
  const VERBS = [
    ['list'],
    ['info'],
    ['-F', 'COREDUMP_PID'],
    ['--json=short', 'list'],
    ['--no-pager', 'list'],
    ['list', 'nosuchcomm'],
    ['--help'],
  ];

  it.for(VERBS)('%j', (args) => {
    // Every environment for list; for the other verbs, whether they page at all.
    const envs = args.length === 1 && args[0] === 'list' ? ENVS : ENVS.slice(0, 4);
    for (const env of envs) {
      const theirs = pagerRun(SYSTEMD, inJournal(args), env);
      const ours = pagerRun(OURS, inJournal(args), env);
      expect({ env, pager: ours }).toEqual({ env, pager: theirs });
    }
    // Sanity: the fakes ran at all.
    if (args.length === 1 && args[0] === 'list')
      expect(pagerRun(OURS, inJournal(args), {})).toMatch(/^less \n/);
  });
});

describe('colours, byte for byte as systemd prints them', () => {
  it.for([
    ['list'],
    ['--no-legend', 'list'],
    ['info'],
    ['-F', 'COREDUMP_PID'],
    ['list', 'nosuchcomm'],
    ['frobnicate'],
    ['--bogus'],
    ['--help'],
  ])('%j on a pty', (args) => {
    const env = { SYSTEMD_PAGER: 'cat' };
    // getopt prefixes argv[0]; ours always says "coredumpctl".
    const theirs = onPty(SYSTEMD, inJournal(args), env).replace(
      /^\/usr\/bin\/coredumpctl:/,
      'coredumpctl:',
    );
    const ours = onPty(OURS, inJournal(args), env);
    expect(ours).toBe(theirs);
  });

  it.for([
    [{ COLUMNS: '80' }, ['list']],
    [{ COLUMNS: '60' }, ['list']],
    [{ COLUMNS: '40', LANG: 'C' }, ['list']],
    [{ COLUMNS: '20' }, ['--no-legend', 'list']],
    [{ COLUMNS: '60', NO_COLOR: '1' }, ['-r', 'list']],
  ] as const)('%j %j: fitted to the terminal, ellipsized, as systemd', ([env, args]) => {
    const all = { SYSTEMD_PAGER: 'cat', ...env };
    const ours = onPty(OURS, inJournal(args), all);
    expect(ours).toBe(onPty(SYSTEMD, inJournal(args), all));
    expect(ours).toMatch('LANG' in env ? /\.\.\./ : /…/);
  });

  it('list shows the underlined legend and the COREFILE state colours', () => {
    const ours = onPty(OURS, inJournal(['list']), { SYSTEMD_PAGER: 'cat' });
    expect(ours).toContain('\x1b[0m\x1b[0;4mTIME');
    expect(ours).toContain('\x1b[0;38;5;245mmissing  \x1b[0m');
    expect(ours).toContain('\x1b[0;38;5;245mnone     \x1b[0m');
    expect(ours).toContain('\x1b[0;1;31merror    \x1b[0m');
  });

  it.for([
    [{ SYSTEMD_PAGER: 'cat', NO_COLOR: '1' }, false],
    [{ SYSTEMD_PAGER: 'cat', SYSTEMD_COLORS: '0' }, false],
    [{ SYSTEMD_PAGER: 'cat', SYSTEMD_COLORS: 'yes', NO_COLOR: '1' }, true],
    [{ SYSTEMD_PAGER: 'cat', TERM: 'dumb' }, false],
    [{ SYSTEMD_PAGER: 'cat', SYSTEMD_URLIFY: '0' }, true],
  ] as const)('%j: colours %j', ([env, colours]) => {
    const theirs = onPty(SYSTEMD, inJournal(['list']), env);
    const ours = onPty(OURS, inJournal(['list']), env);
    expect(ours).toBe(theirs);
    expect(ours.includes('\x1b[')).toBe(colours);
  });

  it.for([{ SYSTEMD_COLORS: '1' }, { SYSTEMD_COLORS: '256' }, { SYSTEMD_COLORS: 'junk' }, {}])(
    '%j off a terminal',
    (env) => {
      for (const args of [['list'], ['info'], ['--help']]) {
        const run = (bin: string): string =>
          spawnSync(
            bin === OURS ? process.execPath : bin,
            bin === OURS ? [OURS, ...inJournal(args)] : inJournal(args),
            {
              env: { PATH: '/usr/bin:/bin', TZ: 'UTC', ...env },
              encoding: 'utf8',
            },
          ).stdout;
        expect(run(OURS)).toBe(run(SYSTEMD));
      }
    },
  );
});
