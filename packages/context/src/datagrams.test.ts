import { describe, expect, it } from 'vitest';
import { encodeDatagram, field, isCoredumpError, type ErrorCode } from '@coredump-ts/protocol';
import { contextFromDatagrams, type ReceiveOptions } from './datagrams.js';

const dg = (name: string, value: string | Buffer): Buffer => encodeDatagram(field(name, value));
const MANDATORY: [string, string][] = [
  ['COREDUMP_PID', '1234'],
  ['COREDUMP_UID', '1000'],
  ['COREDUMP_GID', '1000'],
  ['COREDUMP_SIGNAL', '11'],
  ['COREDUMP_TIMESTAMP', '1700000000123456'],
  ['COREDUMP_RLIMIT', '18446744073709551615'],
  ['COREDUMP_HOSTNAME', 'box'],
  ['COREDUMP_COMM', 'crasher'],
];
const base = (): Buffer[] => MANDATORY.map(([n, val]) => dg(n, val));
const without = (name: string): Buffer[] =>
  MANDATORY.filter(([n]) => n !== name).map(([n, val]) => dg(n, val));
const noPidfd: ReceiveOptions = { pidfdReceived: false };
const auxv = Buffer.from([0x21, 0, 0, 0, 0xff, 0x0a, 0x3d, 0]);

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('contextFromDatagrams: accepted conversations', () => {
  it('parses the mandatory set into meta', () => {
    const { meta, received: fields } = contextFromDatagrams(base(), noPidfd);
    expect(meta).toEqual({
      pid: 1234,
      uid: 1000,
      gid: 1000,
      signal: 11,
      signalName: 'SIGSEGV',
      timestampUsec: 1700000000123456,
      rlimit: Infinity,
      hostname: 'box',
      dumpable: 0,
      comm: 'crasher',
      byPidfd: false,
    });
    expect(fields.map((f) => f.name)).toEqual(MANDATORY.map(([n]) => n));
    expect(fields.find((f) => f.name === 'COREDUMP_RLIMIT')?.value.toString()).toBe(
      '18446744073709551615',
    );
  });

  it.for([
    ['COREDUMP_RLIMIT', '0', { rlimit: 0 }],
    ['COREDUMP_RLIMIT', '9007199254740991', { rlimit: 9007199254740991 }],
    ['COREDUMP_RLIMIT', '9007199254740992', { rlimit: Infinity }],
    ['COREDUMP_SIGNAL', '37', { signal: 37, signalName: 'SIGRTMIN+3' }],
    ['COREDUMP_SIGNAL', '0', { signal: 0, signalName: undefined }],
    ['COREDUMP_COMM', 'a b\\x01', { comm: 'a b\\x01' }],
  ] as const)('%s=%s', ([name, value, want]) => {
    const d = MANDATORY.map(([n, val]) => dg(n, n === name ? value : val));
    const { meta } = contextFromDatagrams(d, noPidfd);
    for (const [k, v] of Object.entries(want)) expect(meta[k as keyof typeof meta]).toBe(v);
  });

  it('parses optional fields and passes unknown ones through in order', () => {
    const d = [
      ...base(),
      dg('COREDUMP_BY_PIDFD', '1'),
      dg('COREDUMP_PIDFDID', '987'),
      dg('COREDUMP_CODE', '-6'),
      dg('COREDUMP_DUMPABLE', '1'),
      dg('COREDUMP_TID', '1235'),
      dg('COREDUMP_THREAD_NAME', 'worker'),
      dg('COREDUMP_EXE', '/usr/bin/crasher'),
      dg('COREDUMP_UNIT', ''),
      dg('COREDUMP_PROC_AUXV', auxv),
      dg('COREDUMP_ENVIRON', 'A=1\nB=\u00e9'),
      dg('X_UNKNOWN', Buffer.from([0, 1, 2])),
      dg('COREDUMP_ENVIRON', 'second copy of an unparsed field is kept'),
    ];
    const { meta, received: fields } = contextFromDatagrams(d, {
      pidfdReceived: true,
      pidfdPid: 1234,
    });
    expect(meta).toMatchObject({
      byPidfd: true,
      pidfdId: '987',
      code: -6,
      dumpable: 1,
      tid: 1235,
      threadName: 'worker',
      exe: '/usr/bin/crasher',
      unit: '',
    });
    expect(meta.auxv?.equals(auxv)).toBe(true);
    expect(fields.length).toBe(d.length);
    fields.forEach((f, i) => {
      expect(Buffer.concat([Buffer.from(`${f.name}=`), f.value]).equals(d[i] ?? Buffer.alloc(0)));
    });
    expect(fields.at(-2)?.value.equals(Buffer.from([0, 1, 2]))).toBe(true);
  });

  it.for([
    ['0', 0],
    ['2', 2],
    ['7', 0],
  ] as const)('DUMPABLE=%s -> %i', ([text, want]) => {
    const { meta } = contextFromDatagrams([...base(), dg('COREDUMP_DUMPABLE', text)], noPidfd);
    expect(meta.dumpable).toBe(want);
  });

  it('accepts a pidfd whose process is gone (pidfdPid unknown)', () => {
    const { meta } = contextFromDatagrams([...base(), dg('COREDUMP_BY_PIDFD', '1')], {
      pidfdReceived: true,
    });
    expect(meta.byPidfd).toBe(true);
  });
});

describe('contextFromDatagrams: refused conversations', () => {
  const cases: [string, Buffer[], ReceiveOptions, ErrorCode, string][] = [
    ...MANDATORY.map(([n]): [string, Buffer[], ReceiveOptions, ErrorCode, string] => [
      `missing ${n}`,
      without(n),
      noPidfd,
      'ERR_MISSING_FIELD',
      `Mandatory argument ${n} not received on socket.`,
    ]),
    ...['COREDUMP_PID', 'COREDUMP_COMM', 'COREDUMP_EXE', 'COREDUMP_UNIT', 'COREDUMP_CODE'].map(
      (n): [string, Buffer[], ReceiveOptions, ErrorCode, string] => [
        `NUL in ${n}`,
        [...without(n), dg(n, Buffer.from('12\u00003'))],
        noPidfd,
        'ERR_PROTOCOL',
        `${n}= field contains NUL character.`,
      ],
    ),
    ...['COREDUMP_PID', 'COREDUMP_HOSTNAME', 'COREDUMP_TID', 'COREDUMP_PROC_AUXV'].map(
      (n): [string, Buffer[], ReceiveOptions, ErrorCode, string] => [
        `duplicate ${n}`,
        [...base(), dg('COREDUMP_TID', '5'), dg('COREDUMP_PROC_AUXV', auxv), dg(n, '5')],
        noPidfd,
        'ERR_DUPLICATE_FIELD',
        `Message contains duplicated field: ${n}`,
      ],
    ),
    [
      'BY_PIDFD without a pidfd',
      [...base(), dg('COREDUMP_BY_PIDFD', '1')],
      noPidfd,
      'ERR_PROTOCOL',
      'Received unexpected pidfd field without pidfd.',
    ],
    [
      'BY_PIDFD not "1"',
      [...base(), dg('COREDUMP_BY_PIDFD', 'yes')],
      { pidfdReceived: true },
      'ERR_PROTOCOL',
      'Failed to parse COREDUMP_BY_PIDFD= field: "yes"',
    ],
    [
      'PID differs from the pidfd',
      base(),
      { pidfdReceived: true, pidfdPid: 4321 },
      'ERR_PIDFD_MISMATCH',
      'Received conflicting pid: 1234',
    ],
    ...(
      [
        ['COREDUMP_PID', '0'],
        ['COREDUMP_PID', '-1'],
        ['COREDUMP_PID', 'abc'],
        ['COREDUMP_UID', '4294967295'],
        ['COREDUMP_GID', '65535'],
        ['COREDUMP_SIGNAL', '11x'],
        ['COREDUMP_TIMESTAMP', '1.5'],
        ['COREDUMP_RLIMIT', '18446744073709551616'],
        ['COREDUMP_RLIMIT', ''],
      ] as const
    ).map(([n, val]): [string, Buffer[], ReceiveOptions, ErrorCode, string] => [
      `bad ${n}=${val}`,
      [...without(n), dg(n, val)],
      noPidfd,
      'ERR_PROTOCOL',
      `Failed to parse ${n}= field: ${JSON.stringify(val)}`,
    ]),
    [
      'datagram without =',
      [...base(), Buffer.from('GARBAGE')],
      noPidfd,
      'ERR_PROTOCOL',
      "Received datagram without '='.",
    ],
  ];

  it.for(cases)('%s', ([, datagrams, opts, code, message]) => {
    const err = thrown(() => contextFromDatagrams(datagrams, opts));
    expect(isCoredumpError(err, code)).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('NUL is allowed in PROC_AUXV and in unparsed fields', () => {
    const d = [...base(), dg('COREDUMP_PROC_AUXV', auxv), dg('COREDUMP_ENVIRON', 'A\u0000B')];
    expect(contextFromDatagrams(d, noPidfd).received.length).toBe(10);
  });
});
