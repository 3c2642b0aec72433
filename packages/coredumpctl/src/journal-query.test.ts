import { describe, expect, it } from 'vitest';
import { journalctlArgs, keepFileNotices } from './journal-query.js';

const HINT =
  'Hint: You are currently not seeing messages from other users and the system.\n' +
  "      Users in groups 'adm', 'systemd-journal' can see all messages.\n" +
  '      Pass -q to turn off this notice.\n';

describe('keepFileNotices', () => {
  it('keeps the hint with its indented lines and drops the error after it', () => {
    const stderr = `${HINT}No journal files were opened due to insufficient permissions.\n`;
    expect(keepFileNotices(stderr)).toBe(HINT);
  });

  it('keeps "No journal files were found." and nothing else', () => {
    const stderr =
      'Journal file /x/system.journal is truncated, ignoring file.\n' +
      'No journal files were found.\n' +
      '      an indented line that follows no hint\n';
    expect(keepFileNotices(stderr)).toBe('No journal files were found.\n');
  });

  it('gives nothing for empty stderr', () => {
    expect(keepFileNotices('')).toBe('');
  });
});

describe('journalctlArgs', () => {
  it('puts the file selection before the matches, quiet', () => {
    expect(
      journalctlArgs(
        { matches: ['COREDUMP_PID=1'], directory: '/d', all: true, reverse: true, lines: 2 },
        'json',
      ),
    ).toEqual([
      '-o',
      'json',
      '--no-pager',
      '-q',
      '--directory=/d',
      '--merge',
      '--reverse',
      '--lines=2',
      '--',
      'COREDUMP_PID=1',
    ]);
  });
});
