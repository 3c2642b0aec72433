import { FIELD, MESSAGE_ID_BACKTRACE } from '@coredump-ts/protocol';
import { describe, expect, it } from 'vitest';
import { buildBacktraceEntry } from './backtrace.js';

const ARGV = [String(process.pid), '0', '0', '6', '1679509902', '12345', 'youmachine', '1'];

const asText = (fields: { name: string; value: Buffer }[]): [string, string][] =>
  fields.map((f) => [f.name, f.value.toString('latin1')]);

describe('buildBacktraceEntry (--backtrace)', () => {
  it("appends the reporter's entry and uses the backtrace MESSAGE_ID", () => {
    const warnings: string[] = [];
    const input = Buffer.from('MESSAGE=traceback here\nPYTHON_EXC=ValueError\n\n');
    const fields = asText(
      buildBacktraceEntry(ARGV, input, { procRoot: '/proc', warn: (m) => warnings.push(m) }),
    );
    const get = (n: string): string | undefined => fields.find(([k]) => k === n)?.[1];
    expect(warnings).toEqual([]);
    expect(get(FIELD.MESSAGE_ID)).toBe(MESSAGE_ID_BACKTRACE);
    expect(get(FIELD.PRIORITY)).toBe('2');
    expect(get(FIELD.TIMESTAMP)).toBe('1679509902000000');
    expect(get(FIELD.HOSTNAME)).toBe('youmachine');
    expect(get(FIELD.DUMPABLE)).toBe('1');
    expect(get(FIELD.PID)).toBe(String(process.pid));
    expect(fields.slice(-2)).toEqual([
      ['MESSAGE', 'traceback here'],
      ['PYTHON_EXC', 'ValueError'],
    ]);
  });

  it('falls back to its own MESSAGE when stdin ends early', () => {
    const warnings: string[] = [];
    const fields = asText(
      buildBacktraceEntry(ARGV, Buffer.from('MESSAGE=cut'), {
        procRoot: '/proc',
        warn: (m) => warnings.push(m),
      }),
    );
    const comm = fields.find(([k]) => k === FIELD.COMM)?.[1] ?? '';
    expect(fields.at(-1)).toEqual([
      'MESSAGE',
      `Process ${process.pid} (${comm}) of user 0 failed with 6.`,
    ]);
    expect(warnings).toEqual([
      'Did not receive a full journal entry on stdin, ignoring message sent by reporter.',
    ]);
  });

  it('needs the PID to exist', () => {
    const argv = ['999999999', ...ARGV.slice(1)];
    expect(() =>
      buildBacktraceEntry(argv, Buffer.alloc(0), { procRoot: '/proc', warn: () => undefined }),
    ).toThrow(/Failed to get COMM/);
  });
});
