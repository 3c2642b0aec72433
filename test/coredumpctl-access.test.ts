// Access rules for coredumpctl-ts, as a user who is not root, next to
// systemd's coredumpctl: the live journal is closed to them; on a copy of
// the journal they may read, cores they cannot open are `inaccessible` and
// dumping one fails with a message and exit 1, never a stack trace. And
// `debug` forwards SIGTERM to the debugger and exits with its status.
// The entries are made up: they go to a journald namespace of this file's own
// (support/test-journal.ts) and are read from copies of its files.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.js';
import {
  MESSAGE_ID_COREDUMP,
  OURS,
  SYSTEMD,
  requireBuilt,
  type Result,
} from '../packages/coredumpctl/test/support.js';
import { useTestJournal } from './support/test-journal.js';
import { readableCopyFor } from './support/readable-copy.js';

const USER = 'cdts-user';
const MARK = `cdts${randomBytes(6).toString('hex')}`;
const STACK_FRAME = /^ {4}at /m;
let dir: string;
let copy: string;
const journal = useTestJournal();
/** coredumpctl-ts as the user runs it: the checkout's, or a copy they can read. */
let oursForUser: string;

function ensureUser(): void {
  if (spawnSync('id', ['-u', USER]).status === 0) return;
  const r = spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', USER], {
    encoding: 'utf8',
  });
  // Another test file may have created it meanwhile (9 = already exists).
  if (r.status !== 0 && r.status !== 9) throw new Error(`useradd failed: ${r.stderr}`);
}

/** Run ours or systemd's coredumpctl as the unprivileged user. */
function runAsUser(bin: string, args: readonly string[]): Result {
  const argv = bin === OURS ? [process.execPath, oursForUser, ...args] : [bin, ...args];
  const r = spawnSync('runuser', ['-u', USER, '--', ...argv], {
    encoding: 'utf8',
    cwd: '/',
    env: { ...process.env, TZ: 'Europe/Berlin', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: 'cat' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const bothAsUser = (args: readonly string[]): { ours: Result; systemd: Result } => ({
  ours: runAsUser(OURS, args),
  systemd: runAsUser(SYSTEMD, args),
});

const entry = (
  pid: number,
  comm: string,
  extra: Record<string, string>,
): Record<string, string> => ({
  MESSAGE_ID: MESSAGE_ID_COREDUMP,
  MESSAGE: `Process ${pid} (${comm}) of user 1002 dumped core.`,
  PRIORITY: '2',
  CDTS_ACCESS: MARK,
  COREDUMP_PID: String(pid),
  COREDUMP_UID: '1002',
  COREDUMP_GID: '1002',
  COREDUMP_SIGNAL: '11',
  COREDUMP_COMM: comm,
  COREDUMP_TIMESTAMP: '1700000000000000',
  ...extra,
});

/**
 * Copy the test journal's files into a directory the user may read.
 * journald keeps writing the live file, so a copy may predate our last
 * entry: the caller retries until the copy holds all of them.
 */
function copyJournal(into: string): string {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { mode: 0o755 });
  chmodSync(into, 0o755);
  for (const from of journal.files()) {
    const to = join(into, basename(from));
    copyFileSync(from, to);
    chmodSync(to, 0o644);
  }
  return into;
}

function countIn(directory: string): number {
  const r = spawnSync(
    'journalctl',
    ['-q', `--directory=${directory}`, '-o', 'cat', `CDTS_ACCESS=${MARK}`],
    {
      encoding: 'utf8',
    },
  );
  return r.stdout.split('\n').filter((l) => l !== '').length;
}

const ENTRIES = 5;

beforeAll(async () => {
  requireBuilt();
  ensureUser();
  dir = mkdtempSync(join(tmpdir(), 'cdts-access-'));
  chmodSync(dir, 0o755);
  oursForUser = readableCopyFor(USER, OURS, join(dir, 'app'), 'coredumpctl.js');
  // Root-only: a 0600 file inside a 0700 directory (stat itself fails) ...
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o700 });
  writeFileSync(join(locked, 'core.hidden'), 'hidden-core', { mode: 0o600 });
  // ... and a 0640 root:root file in an open directory (stat works, open fails).
  writeFileSync(join(dir, 'core.rootgroup'), 'rootgroup-core', { mode: 0o640 });
  chmodSync(join(dir, 'core.rootgroup'), 0o640);
  // systemd 252 only dumps files with a compression suffix; store it as systemd does.
  writeFileSync(join(dir, 'core.open'), 'open-core');
  const z = spawnSync('zstd', ['-q', '--rm', join(dir, 'core.open')], { encoding: 'utf8' });
  if (z.status !== 0) throw new Error(`zstd failed: ${z.stderr}`);
  chmodSync(join(dir, 'core.open.zst'), 0o644);
  journal.inject(entry(201, 'hidden', { COREDUMP_FILENAME: join(locked, 'core.hidden') }));
  journal.inject(entry(202, 'rootgroup', { COREDUMP_FILENAME: join(dir, 'core.rootgroup') }));
  journal.inject(entry(203, 'open', { COREDUMP_FILENAME: join(dir, 'core.open.zst') }));
  journal.inject(entry(204, 'gone', { COREDUMP_FILENAME: join(dir, 'core.gone') }));
  journal.inject(entry(205, 'injournal', { COREDUMP: 'journal-core-bytes' }));
  await waitFor(() => journal.count(`CDTS_ACCESS=${MARK}`) >= ENTRIES, {
    what: `${ENTRIES} injected entries`,
  });
  copy = await waitFor(
    () => {
      const d = copyJournal(join(dir, 'journal'));
      return countIn(d) >= ENTRIES && d;
    },
    { what: 'a journal copy holding our entries', timeoutMs: 30_000, intervalMs: 500 },
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('as a user who is not root, on the live journal', () => {
  it.for([['list'], ['info'], ['-1', 'list'], ['dump', '-o', '/dev/null'], ['-q', 'list']])(
    '%j: nothing visible, exit 1, the same hint and error as systemd',
    (args) => {
      // The machine's journal holds entries (journald's own at least); the
      // user just may not read them.
      const { ours, systemd } = bothAsUser([...args, `CDTS_ACCESS=${MARK}`]);
      expect(systemd.status).toBe(1);
      expect(ours.status).toBe(systemd.status);
      expect(ours.stdout).toBe('');
      expect(ours.stdout).toBe(systemd.stdout);
      expect(ours.stderr).not.toMatch(STACK_FRAME);
      expect(ours.stderr.trimEnd().split('\n').at(-1)).toBe(
        'No journal files were opened due to insufficient permissions.',
      );
      // Without -q, first the hint naming the groups from /var/log/journal's ACL.
      if (!args.includes('-q')) expect(systemd.stderr).toMatch(/^Hint: You are currently not/);
      expect(ours.stderr).toBe(systemd.stderr);
    },
  );
});

// systemd 252 aborts the whole listing on a core it cannot even stat (see the
// next block), so the golden comparisons leave entry 201 out.
const COMPARABLE = ['202', '203', '204', '205'].map((pid) => `COREDUMP_PID=${pid}`);

describe('as a user who is not root, on a journal copy they may read', () => {
  it.for([['list'], ['--json=short', 'list'], ['--json=pretty', 'list'], ['info']])(
    '%j matches systemd',
    (args) => {
      const { ours, systemd } = bothAsUser([
        `--directory=${copy}`,
        ...args,
        `CDTS_ACCESS=${MARK}`,
        ...COMPARABLE,
      ]);
      expect(ours.stdout).toBe(systemd.stdout);
      expect(ours.stderr).toBe(systemd.stderr);
      expect(ours.status).toBe(systemd.status);
      expect(ours.status).toBe(0);
    },
  );

  it('lists a 0640 root:root core as inaccessible, as systemd does', () => {
    const { ours, systemd } = bothAsUser([
      `--directory=${copy}`,
      'list',
      `CDTS_ACCESS=${MARK}`,
      ...COMPARABLE,
    ]);
    const state = (out: string, comm: string): string | undefined =>
      out
        .split('\n')
        .find((l) => l.endsWith(` ${comm}`) || l.includes(` ${comm} `))
        ?.match(/ SIGSEGV (\S+) /)?.[1];
    for (const [comm, want] of [
      ['rootgroup', 'inaccessible'],
      ['open', 'present'],
      ['gone', 'missing'],
      ['injournal', 'journal'],
    ] as const) {
      expect(state(ours.stdout, comm), comm).toBe(want);
      expect(state(systemd.stdout, comm), comm).toBe(want);
    }
    // Root, on the same copy, can open it: the state is about the caller.
    const asRoot = spawnSync(
      process.execPath,
      [OURS, `--directory=${copy}`, 'list', `CDTS_ACCESS=${MARK}`, 'rootgroup'],
      { encoding: 'utf8' },
    );
    expect(state(asRoot.stdout, 'rootgroup')).toBe('present');
  });

  it('lists a core in a 0700 root directory as inaccessible (systemd 252 aborts the list)', () => {
    const args = [`--directory=${copy}`, 'list', `CDTS_ACCESS=${MARK}`];
    const ours = runAsUser(OURS, args);
    const systemd = runAsUser(SYSTEMD, args);
    const hidden = join(dir, 'locked', 'core.hidden');
    expect(systemd.stderr).toBe(`Failed to resolve "${hidden}": Permission denied\n`);
    expect(systemd.status).toBe(1);
    // Ours keeps listing, with v262's state for a file it may not reach.
    expect(ours.stdout).toMatch(/ 201 1002 1002 SIGSEGV inaccessible hidden +-\n/);
    expect(ours.stdout).toMatch(/ 202 1002 1002 SIGSEGV inaccessible rootgroup +-\n/);
    expect(ours.stderr).toBe('');
    expect(ours.status).toBe(0);
  });

  it.for([
    ['0700 directory', 'COREDUMP_PID=201', 'locked/core.hidden'],
    ['0640 root:root', 'COREDUMP_PID=202', 'core.rootgroup'],
  ])('dump of the %s core: a message naming it, exit 1, as systemd', ([, match, file]) => {
    const args = [`--directory=${copy}`, 'dump', '-o', '/dev/null', `CDTS_ACCESS=${MARK}`];
    const { ours, systemd } = bothAsUser([...args, match ?? '']);
    expect(systemd.status).toBe(1);
    expect(ours.status).toBe(1);
    expect(ours.stderr).not.toMatch(STACK_FRAME);
    const last = (text: string): string | undefined => text.trimEnd().split('\n').at(-1);
    expect(last(ours.stderr)).toMatch(/: Permission denied$/);
    expect(last(ours.stderr)).toContain(join(dir, file ?? ''));
    // systemd 252 also logs "Failed to resolve" first for the 0700 case; the final line is the same.
    expect(last(ours.stderr)).toBe(last(systemd.stderr));
    // The info block before it: systemd 252 stops after Machine ID when it cannot
    // resolve the file; ours goes on with the state, as for the 0640 file.
    if (match === 'COREDUMP_PID=202') expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.stdout).toContain(`Storage: ${join(dir, file ?? '')} (inaccessible)\n`);
  });

  it.for([
    ['COREDUMP_PID=203', 'open-core'],
    ['COREDUMP_PID=205', 'journal-core-bytes'],
  ])('dump of %s (readable to the user) gives the bytes systemd gives', ([match, bytes]) => {
    const args = [`--directory=${copy}`, 'dump', `CDTS_ACCESS=${MARK}`, match ?? ''];
    const { ours, systemd } = bothAsUser(args);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toBe(bytes);
    expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.stderr).toBe(systemd.stderr);
    expect(ours.status).toBe(systemd.status);
  });
});

describe('debug and SIGTERM', () => {
  it('forwards SIGTERM to the debugger, exits with its status, removes the temp core', async () => {
    // A real core: gcore of a sleeping process, zstd-compressed as systemd stores it.
    const sleeper = spawn('/usr/bin/sleep', ['300'], { stdio: 'ignore' });
    const corePrefix = join(dir, 'core.sleep');
    try {
      const g = spawnSync('gcore', ['-o', corePrefix, String(sleeper.pid)], { encoding: 'utf8' });
      expect(g.status, g.stderr).toBe(0);
    } finally {
      sleeper.kill('SIGKILL');
    }
    const raw = `${corePrefix}.${String(sleeper.pid)}`;
    const z = spawnSync('zstd', ['-q', '--rm', raw, '-o', `${raw}.zst`], { encoding: 'utf8' });
    expect(z.status, z.stderr).toBe(0);
    const pid = 206;
    journal.inject({
      ...entry(pid, 'sleep', { COREDUMP_EXE: '/usr/bin/sleep', COREDUMP_FILENAME: `${raw}.zst` }),
      COREDUMP_UID: '0',
      COREDUMP_GID: '0',
    });
    await waitFor(() => journal.count(`CDTS_ACCESS=${MARK}`) > ENTRIES, {
      what: 'the debug entry',
    });

    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const seen = join(dir, 'debugger-saw');
    const ready = join(dir, 'debugger-ready');
    const script = join(dir, 'debugger.sh');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        `trap 'echo TERM > ${seen}; exit 77' TERM`,
        // argv: <exe> -c <core>; the core must be there while the debugger runs.
        // Renamed into place: the test polls the file and must never read half a line.
        `test -s "$3" && echo "$3" > ${ready}.part && mv ${ready}.part ${ready}`,
        'while :; do sleep 0.05; done',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const child = spawn(
      process.execPath,
      [
        OURS,
        `--directory=${journal.directory}`,
        'debug',
        '-q',
        `--debugger=${script}`,
        `CDTS_ACCESS=${MARK}`,
        `COREDUMP_PID=${pid}`,
      ],
      { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        child.once('exit', (code, signal) => {
          resolve({ code, signal });
        });
      },
    );
    const tempCore = await waitFor(() => existsSync(ready) && readFileSync(ready, 'utf8').trim(), {
      what: 'the debugger to start on the temp core',
      timeoutMs: 30_000,
    });
    expect(tempCore.startsWith(tmp)).toBe(true);
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect(readFileSync(seen, 'utf8')).toBe('TERM\n');
    expect(signal).toBeNull();
    expect(code).toBe(77);
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(tempCore)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
