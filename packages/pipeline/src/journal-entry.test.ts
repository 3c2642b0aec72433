import { contextFromDatagrams } from '@coredump-ts/context';
import { field } from '@coredump-ts/protocol';
import { describe, expect, it } from 'vitest';

import { buildEntryFields, buildMessage } from './journal-entry.js';

const datagrams = [
  'COREDUMP_PID=4242',
  'COREDUMP_UID=1000',
  'COREDUMP_GID=1000',
  'COREDUMP_SIGNAL=11',
  'COREDUMP_SIGNAL_NAME=SIGSEGV',
  'COREDUMP_TIMESTAMP=1700000000000000',
  'COREDUMP_RLIMIT=18446744073709551615',
  'COREDUMP_HOSTNAME=box',
  'COREDUMP_COMM=segv',
  'COREDUMP_UNIT=',
  'X_UNKNOWN=kept',
  'PRIORITY=2',
  'MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1',
].map((s) => Buffer.from(s));
const ctx = contextFromDatagrams(datagrams, { pidfdReceived: false });

describe('journal entry', () => {
  it('MESSAGE formats', () => {
    expect(buildMessage(ctx.meta, { written: true, truncated: false })).toBe(
      'Process 4242 (segv) of user 1000 dumped core.',
    );
    expect(buildMessage(ctx.meta, { written: false, truncated: false })).toBe(
      'Process 4242 (segv) of user 1000 terminated abnormally without generating a coredump.',
    );
    expect(
      buildMessage(ctx.meta, {
        written: true,
        truncated: false,
        filename: '/x/core',
        journaldCrash: true,
      }),
    ).toBe('Process 4242 (segv) of user 1000 dumped core.\nCoredump diverted to /x/core');
  });
  it('received fields first and unchanged, then MESSAGE, FILENAME, TRUNCATED', () => {
    const fields = buildEntryFields(ctx.received, ctx.meta, {
      written: true,
      truncated: true,
      filename: '/s/core.zst',
    });
    const names = fields.map((f) => f.name);
    expect(names.slice(0, datagrams.length)).toEqual(ctx.received.map((f) => f.name));
    expect(names.slice(datagrams.length)).toEqual([
      'MESSAGE',
      'COREDUMP_FILENAME',
      'COREDUMP_TRUNCATED',
      'SYSLOG_IDENTIFIER',
    ]);
    expect(fields.find((f) => f.name === 'X_UNKNOWN')?.value.toString()).toBe('kept');
    expect(fields.filter((f) => f.name === 'PRIORITY')).toHaveLength(1);
  });
  it('adds PRIORITY and MESSAGE_ID when the sender did not', () => {
    const fields = buildEntryFields([field('COREDUMP_PID', 1)], ctx.meta, {
      written: false,
      truncated: false,
    });
    expect(fields.map((f) => `${f.name}=${f.value.toString()}`)).toEqual([
      'COREDUMP_PID=1',
      'PRIORITY=2',
      'MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1',
      'MESSAGE=Process 4242 (segv) of user 1000 terminated abnormally without generating a coredump.',
      'SYSLOG_IDENTIFIER=systemd-coredump',
    ]);
  });
});
