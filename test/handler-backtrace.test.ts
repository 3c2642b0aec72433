// `--backtrace` mode end to end: the built handler reads a journal export entry
// on stdin and journald records it under the backtrace MESSAGE_ID (spec §2.3).
// The reports are made up, so they go to a journald namespace of this file's own.
import { spawn } from 'node:child_process';
import { MESSAGE_ID_BACKTRACE } from '@coredump-ts/protocol';
import { describe, expect, it } from 'vitest';
import { useTestJournal, type TestJournal } from './support/test-journal.js';
import { HANDLER_MAIN } from './support/receiver.js';

function backtrace(journal: TestJournal, args: string[], stdin: string): Promise<number | null> {
  const child = spawn('/usr/bin/node', [HANDLER_MAIN, '--backtrace', ...args], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { ...process.env, ...journal.env() },
  });
  child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('handler --backtrace', () => {
  const journal = useTestJournal();

  // A timestamp no other test uses, so the entry can be found by it alone.
  const seconds = 1_000_000_000 + (process.pid % 100_000) * 1000 + Math.floor(Math.random() * 1000);

  it("records the reporter's entry with MESSAGE_ID=1f4e… and PRIORITY=2", async () => {
    const args = [String(process.pid), '0', '0', '6', String(seconds), '12345', 'youmachine', '1'];
    const input = '__CURSOR=x\n_BOOT_ID=0123\nMESSAGE=reporter says hi\nREPORTER_FIELD=42\n\n';
    expect(await backtrace(journal, args, input)).toBe(0);
    const [entry] = await journal.waitFor([
      `COREDUMP_TIMESTAMP=${seconds}000000`,
      `MESSAGE_ID=${MESSAGE_ID_BACKTRACE}`,
    ]);
    expect(entry?.['MESSAGE']).toBe('reporter says hi');
    expect(entry?.['REPORTER_FIELD']).toBe('42');
    expect(entry?.['PRIORITY']).toBe('2');
    expect(entry?.['COREDUMP_HOSTNAME']).toBe('youmachine');
    expect(entry?.['COREDUMP_DUMPABLE']).toBe('1');
    expect(entry?.['COREDUMP_PID']).toBe(String(process.pid));
  });

  it('logs the fallback MESSAGE when stdin ends before the entry does', async () => {
    const args = [String(process.pid), '0', '0', '6', String(seconds + 1), '12345'];
    expect(await backtrace(journal, args, 'MESSAGE=cut off')).toBe(0);
    const [entry] = await journal.waitFor([
      `COREDUMP_TIMESTAMP=${seconds + 1}000000`,
      `MESSAGE_ID=${MESSAGE_ID_BACKTRACE}`,
    ]);
    expect(entry?.['MESSAGE']).toMatch(
      new RegExp(`^Process ${process.pid} \\(.+\\) of user 0 failed with 6\\.$`),
    );
  });
});
