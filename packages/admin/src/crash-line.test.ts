import { describe, expect, it } from 'vitest';
import { describeCrash, fieldText } from './crash-line.js';

describe('describeCrash', () => {
  const usec = new Date(2024, 0, 2, 12, 1, 2).getTime() * 1000;
  const base = {
    COREDUMP_PID: '1234',
    COREDUMP_COMM: 'segv',
    COREDUMP_UID: '0',
    COREDUMP_SIGNAL_NAME: 'SIGSEGV',
    COREDUMP_SIGNAL: '11',
    COREDUMP_TIMESTAMP: String(usec),
  };

  it('names the stored file and its size', () => {
    const ev = describeCrash(
      { ...base, COREDUMP_FILENAME: '/var/lib/systemd/coredump/core.segv.zst' },
      () => 12_595,
    );
    expect(ev).toEqual({
      pid: 1234,
      filename: '/var/lib/systemd/coredump/core.segv.zst',
      // config's formatBytes is systemd's FORMAT_BYTES, which truncates: 12595 B is 12.2K.
      line: '12:01:02 pid 1234 (segv) uid 0 SIGSEGV -> /var/lib/systemd/coredump/core.segv.zst (12.2K)',
    });
  });

  it('says missing when the file is gone, journal for Storage=journal, not stored otherwise', () => {
    expect(describeCrash({ ...base, COREDUMP_FILENAME: '/x' }, () => undefined).line).toMatch(
      /-> \/x \(missing\)$/,
    );
    expect(describeCrash({ ...base, COREDUMP: [127, 69, 76, 70] }, () => 1).line).toMatch(
      /-> journal \(COREDUMP= field\)$/,
    );
    expect(describeCrash(base, () => 1).line).toMatch(/SIGSEGV -> not stored$/);
  });

  it('falls back to the signal number and decodes binary and repeated fields', () => {
    const entry = {
      ...base,
      COREDUMP_SIGNAL_NAME: undefined,
      COREDUMP_COMM: [119, 101, 98],
      COREDUMP_UID: ['1000', '1001'],
    };
    expect(describeCrash(entry, () => 1).line).toBe(
      '12:01:02 pid 1234 (web) uid 1000 signal 11 -> not stored',
    );
    expect(fieldText({}, 'X')).toBeUndefined();
  });
});
