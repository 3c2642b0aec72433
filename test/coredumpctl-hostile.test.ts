// Hostile values in coredump entries (issue 15 item 9): a newline in
// COREDUMP_EXE must not forge a row in `list` (systemd indents the
// continuation into the column; so do we), and control characters (ANSI
// escape sequences) are shown escaped in list cells and info values, which
// systemd 252 does not do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.js';
import {
  both,
  MESSAGE_ID_COREDUMP,
  OURS,
  requireBuilt,
  runCtl,
  startTestJournal,
  type TestJournal,
} from '../packages/coredumpctl/test/support.js';

const MARK = `cdtshostile${String(process.pid)}`;
let journal: TestJournal | undefined;
const dirArg = (): string => `--directory=${journal?.dir ?? ''}`;

const entry = (pid: number, exe: string): Record<string, string> => ({
  MESSAGE_ID: MESSAGE_ID_COREDUMP,
  MESSAGE: `Process ${String(pid)} (hostile) of user 0 dumped core.`,
  CDTS_HOSTILE: MARK,
  COREDUMP_PID: String(pid),
  COREDUMP_UID: '0',
  COREDUMP_GID: '0',
  COREDUMP_SIGNAL: '11',
  COREDUMP_COMM: 'hostile',
  COREDUMP_EXE: exe,
  COREDUMP_TIMESTAMP: '1700000000000000',
});

beforeAll(async () => {
  requireBuilt();
  journal = await startTestJournal();
  journal.inject(
    entry(301, '/usr/bin/a\nSun 2023-11-12 00:00:00 CET 1 0 0 SIGSEGV present /forged 1.0K'),
  );
  journal.inject(entry(302, '/usr/bin/\x1b[31mred\x1b[0m'));
  journal.inject(entry(303, '/usr/bin/plain'));
  // COREDUMP_SIGNAL as systemd parses it (safe_atoi: octal, hex, a sign, leading blanks).
  for (const [i, signal] of [
    '013',
    ' 11',
    '0x0b',
    '+11',
    '0b1011',
    'SIGSEGV',
    'RTMIN+0x2',
  ].entries())
    journal.inject({
      ...entry(310 + i, '/usr/bin/odd-signal'),
      COREDUMP_SIGNAL: signal,
      CDTS_ODD: MARK,
    });
  await waitFor(() => journal?.count(`CDTS_HOSTILE=${MARK}`) === 10, { what: 'hostile entries' });
});

afterAll(async () => {
  await journal?.stop();
});

const FORGED = 'Sun 2023-11-12 00:00:00 CET 1 0 0 SIGSEGV present /forged 1.0K';

describe('a newline in COREDUMP_EXE', () => {
  it('list indents the continuation into the EXE column, byte for byte as systemd', () => {
    const args = [dirArg(), 'list', `CDTS_HOSTILE=${MARK}`, 'COREDUMP_PID=301', 'COREDUMP_PID=303'];
    const { ours, systemd } = both(args);
    expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.status).toBe(0);
    const lines = ours.stdout.split('\n');
    const continuation = lines.find((l) => l.includes(FORGED)) ?? '';
    expect(continuation.indexOf(FORGED)).toBe(lines[0]?.indexOf('EXE'));
    // Rows start at column 0; the forged text never does.
    expect(lines.filter((l) => /^\S/.test(l))).toHaveLength(3);
  });

  it('info indents it under the value instead of at column 0', () => {
    const ours = runCtl(OURS, [dirArg(), 'info', `CDTS_HOSTILE=${MARK}`, 'COREDUMP_PID=301']);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toContain(`    Executable: /usr/bin/a\n${' '.repeat(16)}${FORGED}\n`);
  });
});

describe('odd but valid COREDUMP_SIGNAL values', () => {
  it.for([['list'], ['info']])('%j as systemd shows them', (args) => {
    const { ours, systemd } = both([dirArg(), ...args, `CDTS_ODD=${MARK}`]);
    expect(ours.stdout).toBe(systemd.stdout);
    expect(ours.status).toBe(0);
  });
});

describe('control characters (ANSI sequences)', () => {
  it('are escaped in list cells, and the columns still line up', () => {
    const ours = runCtl(OURS, [dirArg(), 'list', `CDTS_HOSTILE=${MARK}`, 'COREDUMP_PID=302']);
    expect(ours.status).toBe(0);
    expect(ours.stdout).not.toContain('\x1b');
    expect(ours.stdout).toContain('/usr/bin/\\x1b[31mred\\x1b[0m');
    const [header = '', row = ''] = ours.stdout.split('\n');
    expect(row.length).toBe(header.length);
  });

  it('are escaped in info values', () => {
    const ours = runCtl(OURS, [dirArg(), 'info', `CDTS_HOSTILE=${MARK}`, 'COREDUMP_PID=302']);
    expect(ours.status).toBe(0);
    expect(ours.stdout).not.toContain('\x1b');
    expect(ours.stdout).toContain('    Executable: /usr/bin/\\x1b[31mred\\x1b[0m\n');
  });

  it('stay as they are in JSON, which escapes them itself', () => {
    const ours = runCtl(OURS, [
      dirArg(),
      '--json=short',
      'list',
      `CDTS_HOSTILE=${MARK}`,
      'COREDUMP_PID=302',
    ]);
    expect(ours.stdout).not.toContain('\x1b');
    const rows = JSON.parse(ours.stdout) as { exe: string }[];
    expect(rows[0]?.exe).toBe('/usr/bin/\x1b[31mred\x1b[0m');
  });
});
