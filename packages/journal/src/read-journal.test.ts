import { describe, expect, it } from 'vitest';
import { journalctlArgs, readJournal, type ReadJournalOptions } from './read-journal.js';

const BASE = ['-o', 'export', '--no-pager', '-q'];

describe('journalctlArgs', () => {
  it.for<[string, ReadJournalOptions, string[]]>([
    ['nothing', {}, []],
    ['a directory', { directory: '/var/log/journal' }, ['--directory=/var/log/journal']],
    [
      'files',
      { files: ['/a.journal', '/b*.journal'] },
      ['--file=/a.journal', '--file=/b*.journal'],
    ],
    ['a root', { root: '/mnt' }, ['--root=/mnt']],
    ['since and until', { since: '-1h', until: 'now' }, ['--since=-1h', '--until=now']],
    ['reverse and lines', { reverse: true, lines: 1 }, ['--reverse', '--lines=1']],
    ['reverse false', { reverse: false, all: false }, []],
    [
      'output fields',
      { outputFields: ['COREDUMP_PID', 'COREDUMP_EXE'] },
      ['--output-fields=COREDUMP_PID,COREDUMP_EXE'],
    ],
    ['no output fields', { outputFields: [] }, []],
    ['all journals', { all: true }, ['--merge']],
    [
      'matches, after -- so none is taken for an option',
      { matches: ['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1', 'COREDUMP_COMM=-x'], lines: 5 },
      ['--lines=5', '--', 'MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1', 'COREDUMP_COMM=-x'],
    ],
  ])('maps %s', ([, opts, expected]) => {
    expect(journalctlArgs(opts)).toEqual([...BASE, ...expected]);
  });

  it.for([-1, 1.5, Number.NaN])('rejects lines=%s', (lines) => {
    expect(() => journalctlArgs({ lines })).toThrow(RangeError);
  });
});

describe('readJournal', () => {
  it('reports a journalctl that cannot be run as ERR_JOURNAL_READ', async () => {
    const run = async (): Promise<number> => {
      let n = 0;
      for await (const e of readJournal({ journalctl: '/nonexistent/journalctl' }))
        n += e.fields.size;
      return n;
    };
    await expect(run()).rejects.toMatchObject({
      code: 'ERR_JOURNAL_READ',
      message: expect.stringContaining('could not run /nonexistent/journalctl') as unknown,
    });
  });
});
