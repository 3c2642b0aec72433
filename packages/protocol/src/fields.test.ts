import { describe, expect, it } from 'vitest';
import { isCoredumpError } from './errors.js';
import {
  CONTEXT_FIELD_ORDER,
  FIELD,
  MESSAGE_ID_COREDUMP,
  buildContextFields,
  field,
} from './fields.js';

const v = (s: string): Buffer => Buffer.from(s);
const names = (fs: readonly { name: string }[]): string[] => fs.map((f) => f.name);

describe('FIELD', () => {
  it.for([
    ['PID', 'COREDUMP_PID'],
    ['PIDFDID', 'COREDUMP_PIDFDID'],
    ['BY_PIDFD', 'COREDUMP_BY_PIDFD'],
    ['CODE', 'COREDUMP_CODE'],
    ['PROC_AUXV', 'COREDUMP_PROC_AUXV'],
    ['COREDUMP', 'COREDUMP'],
    ['MESSAGE_ID', 'MESSAGE_ID'],
    ['SIZE_LIMIT', 'SIZE_LIMIT'],
    ['PACKAGE_JSON', 'COREDUMP_PACKAGE_JSON'],
  ] as const)('FIELD.%s === %s', ([key, name]) => {
    expect(FIELD[key]).toBe(name);
  });

  it('has no duplicate names', () => {
    const all = Object.values(FIELD);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('CONTEXT_FIELD_ORDER', () => {
  it('is v262 build_iovw order', () => {
    expect(CONTEXT_FIELD_ORDER.map((n) => n.replace(/^COREDUMP_/, ''))).toEqual(
      (
        'PID BY_PIDFD PIDFDID UID GID SIGNAL SIGNAL_NAME CODE TIMESTAMP RLIMIT HOSTNAME ' +
        'DUMPABLE COMM TID THREAD_NAME EXE UNIT USER_UNIT SESSION OWNER_UID SLICE CMDLINE ' +
        'CGROUP OPEN_FDS PROC_STATUS PROC_MAPS PROC_LIMITS PROC_CGROUP PROC_MOUNTINFO ' +
        'PROC_AUXV CWD ROOT CONTAINER_CMDLINE ENVIRON FORWARDED'
      ).split(' '),
    );
  });
});

describe('buildContextFields', () => {
  it.for([
    [
      'reverse insertion order is re-sorted',
      [FIELD.ENVIRON, FIELD.COMM, FIELD.SIGNAL_NAME, FIELD.SIGNAL, FIELD.PID],
      [FIELD.PID, FIELD.SIGNAL, FIELD.SIGNAL_NAME, FIELD.COMM, FIELD.ENVIRON],
    ],
    ['empty map', [], []],
    [
      'optional fields appear only when present',
      [FIELD.UNIT, FIELD.TID, FIELD.BY_PIDFD, FIELD.FORWARDED],
      [FIELD.BY_PIDFD, FIELD.TID, FIELD.UNIT, FIELD.FORWARDED],
    ],
  ] as const)('%s', ([, given, want]) => {
    const out = buildContextFields(new Map(given.map((n) => [n, v(`${n}-value`)])));
    expect(names(out)).toEqual([...want, 'PRIORITY', 'MESSAGE_ID']);
    expect(out.at(-2)?.value.toString()).toBe('2');
    expect(out.at(-1)?.value.toString()).toBe(MESSAGE_ID_COREDUMP);
    for (const f of out.slice(0, -2)) expect(f.value.toString()).toBe(`${f.name}-value`);
  });

  it.for(['COREDUMP_BOGUS', 'MESSAGE', 'PRIORITY'])('rejects non-context key %s', (k) => {
    let err: unknown;
    try {
      buildContextFields(new Map([[k, v('x')]]));
    } catch (e) {
      err = e;
    }
    expect(isCoredumpError(err, 'ERR_PROTOCOL')).toBe(true);
  });
});

describe('field', () => {
  it.for([
    ['s', 'text', 'text'],
    ['n', 42, '42'],
    ['b', Buffer.from([0xff]), '\ufffd'],
  ] as const)('%s', ([name, value, text]) => {
    expect(field(name, value).value.toString()).toBe(text);
  });
});
