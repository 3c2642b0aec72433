// coredumpctl-ts top and metrics (issue 18) against hand-counted entries in a
// private journal: one row per signature (entries without one by exe and
// signal), the JSON shape, matches and -n; metrics validated by promtool.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { OURS, requireBuilt, runCtl, SYSTEMD } from '../packages/coredumpctl/test/support.js';
import { MESSAGE_ID_COREDUMP } from './support/e2e.js';
import { useTestJournal } from './support/test-journal.js';
import { waitFor } from './support/wait.js';

const MARK = `cdts${randomBytes(6).toString('hex')}`;
const SIG_A = 'aaaaaaaaaaaaaaaa';
const SIG_B = 'bbbbbbbbbbbbbbbb';
const journal = useTestJournal('cdtstop');

let pid = 300;
function crash(exe: string, signal: number, extra: Record<string, string> = {}): void {
  pid++;
  const comm = exe.split('/').at(-1) ?? exe;
  journal.inject({
    MESSAGE_ID: MESSAGE_ID_COREDUMP,
    MESSAGE: `Process ${String(pid)} (${comm}) of user 0 dumped core.`,
    PRIORITY: '2',
    CDTS_TOP: MARK,
    COREDUMP_PID: String(pid),
    COREDUMP_UID: '0',
    COREDUMP_GID: '0',
    COREDUMP_SIGNAL: String(signal),
    COREDUMP_SIGNAL_NAME: signal === 6 ? 'SIGABRT' : 'SIGSEGV',
    COREDUMP_COMM: comm,
    COREDUMP_EXE: exe,
    COREDUMP_TIMESTAMP: '1700000000000000',
    ...extra,
  });
}

// Hand-counted: A x3 (SEGV), no signature /usr/bin/c x2 (SEGV), B x1 (ABRT),
// plus one entry that is not a coredump (another MESSAGE_ID) which counts nowhere.
const ENTRIES = 7;

const top = (...args: string[]) =>
  runCtl(OURS, ['top', `--directory=${journal.directory}`, ...args]);

beforeAll(async () => {
  requireBuilt();
  for (let i = 0; i < 3; i++) {
    crash('/usr/bin/a', 11, {
      COREDUMP_TS_SIGNATURE: SIG_A,
      COREDUMP_TS_TOP_FRAME: 'liba.so!crash',
    });
  }
  crash('/usr/bin/c', 11);
  crash('/usr/bin/b', 6, { COREDUMP_TS_SIGNATURE: SIG_B, COREDUMP_TS_TOP_FRAME: 'b!main' });
  crash('/usr/bin/c', 11);
  journal.inject({ MESSAGE: 'not a coredump', CDTS_TOP: MARK, COREDUMP_TS_SIGNATURE: SIG_B });
  await waitFor(() => journal.count(`CDTS_TOP=${MARK}`) >= ENTRIES, {
    what: `${String(ENTRIES)} injected entries`,
  });
  // The files are read directly: wait until the reader sees all six coredumps.
  await waitFor(
    () => {
      const r = top('--json=short');
      if (r.status !== 0) return false;
      const rows = JSON.parse(r.stdout) as { count: number }[];
      return rows.reduce((n, row) => n + row.count, 0) === 6;
    },
    { what: 'top to see the six coredumps', timeoutMs: 30_000, intervalMs: 300 },
  );
});

describe('coredumpctl-ts top', () => {
  it('one row per signature, most frequent first, in the JSON shape', () => {
    const r = top('--json=short');
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows.map((row) => Object.keys(row))).toEqual(
      Array(3).fill(['count', 'signature', 'first', 'last', 'sig', 'exe', 'top_frame']),
    );
    expect(rows.map((row) => ({ ...row, first: undefined, last: undefined }))).toEqual([
      {
        count: 3,
        signature: SIG_A,
        sig: 11,
        exe: '/usr/bin/a',
        top_frame: 'liba.so!crash',
        first: undefined,
        last: undefined,
      },
      {
        count: 2,
        signature: '-',
        sig: 11,
        exe: '/usr/bin/c',
        top_frame: null,
        first: undefined,
        last: undefined,
      },
      {
        count: 1,
        signature: SIG_B,
        sig: 6,
        exe: '/usr/bin/b',
        top_frame: 'b!main',
        first: undefined,
        last: undefined,
      },
    ]);
    for (const row of rows) {
      expect(typeof row['first']).toBe('number');
      expect(row['first'] as number).toBeLessThanOrEqual(row['last'] as number);
    }
    // The first and last A were injected before and after the others.
    const [a, c] = rows;
    expect(a?.['first'] as number).toBeLessThan(c?.['first'] as number);
  });

  it('--json=pretty is the same rows', () => {
    const short = JSON.parse(top('--json=short').stdout) as unknown;
    const pretty = top('--json=pretty');
    expect(pretty.stdout).toMatch(/^\[\n\t\{\n\t\t"count" : 3,/);
    expect(JSON.parse(pretty.stdout)).toEqual(short);
  });

  it('matches, -n and the table', () => {
    const onlyA = JSON.parse(top('--json=short', 'COREDUMP_EXE=/usr/bin/a').stdout) as {
      count: number;
    }[];
    expect(onlyA.map((r) => r.count)).toEqual([3]);
    expect((JSON.parse(top('--json=short', '-n', '2').stdout) as unknown[]).length).toBe(2);
    const table = top('--no-pager');
    expect(table.status).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^COUNT SIGNATURE\s+FIRST\s+LAST\s+SIG\s+EXE\s+TOP_FRAME\s*$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(['3', '2', '1']);
    expect(lines[1]).toMatch(/ SIGSEGV \/usr\/bin\/a +liba\.so!crash\s*$/);
    expect(lines[3]).toMatch(/ SIGABRT \/usr\/bin\/b +b!main\s*$/);
  });

  it('nothing selected: "No coredumps found." and status 1', () => {
    const r = top('COREDUMP_EXE=/nonexistent');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('No coredumps found.');
  });
});

describe('coredumpctl-ts metrics', () => {
  it("prints the exporter text once; promtool accepts it; counts are the journal's", () => {
    const r = runCtl(OURS, ['metrics', `--directory=${journal.directory}`]);
    expect(r.status, r.stderr).toBe(0);
    const check = spawnSync('promtool', ['check', 'metrics'], {
      input: r.stdout,
      encoding: 'utf8',
    });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(r.stdout).toMatch(/^coredumps_total\{boot_id="[0-9a-f]{32}"\} 6$/m);
    expect(r.stdout).toMatch(
      new RegExp(
        `^coredumps_by_signature\\{signature="${SIG_A}",exe="/usr/bin/a",signal_name="SIGSEGV"\\} 3$`,
        'm',
      ),
    );
    expect(r.stdout).toMatch(
      new RegExp(
        `^coredumps_by_signature\\{signature="${SIG_B}",exe="/usr/bin/b",signal_name="SIGABRT"\\} 1$`,
        'm',
      ),
    );
  });

  // systemd's coredumpctl has no metrics verb: its words for the same -D/--file under list.
  it.for([
    '--directory=/nonexistent-cdts-journal',
    '--file=/nonexistent-cdts-journal/system.journal',
  ])('a journal it cannot open (%s): a clear error, exit 1', (selection) => {
    const ours = runCtl(OURS, ['metrics', selection]);
    const theirs = runCtl(SYSTEMD, ['list', selection]);
    expect(theirs.status).toBe(1);
    expect(ours.status).toBe(1);
    expect(ours.stdout).toBe('');
    expect(ours.stderr).toBe(theirs.stderr);
  });

  it('refuses matches', () => {
    const r = runCtl(OURS, ['metrics', `--directory=${journal.directory}`, 'COREDUMP_PID=1']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('metrics takes no matches');
  });
});
