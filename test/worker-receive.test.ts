// Malformed conversations from a test client against the built worker under
// `systemd-socket-activate --seqpacket --accept`: each one is refused with a
// clear log line, and nothing is stored.
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { close, connect, pidfdOpen, pipe, sendmsg, socket } from '@coredump-ts/unix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { socketActivate, type SocketActivation } from './support/activate.js';
import { waitFor } from './support/wait.js';
import {
  crashDatagrams,
  makeSandbox,
  newTestId,
  requireBuiltWorker,
  type Sandbox,
} from './worker-helpers.js';
import { useTestJournal } from './support/test-journal.js';

const journal = useTestJournal();
let s: Sandbox;
let activation: SocketActivation;

beforeAll(async () => {
  const main = requireBuiltWorker();
  s = makeSandbox('worker-recv-', journal);
  activation = await socketActivate({
    socketPath: join(s.root, 'coredump.sock'),
    command: '/usr/bin/node',
    args: [main],
    env: s.env(),
  });
});
afterAll(async () => {
  await activation.stop();
  rmSync(s.root, { recursive: true, force: true });
});

type Step = Buffer | { fds: number };
const valid = (): Buffer[] => crashDatagrams({ testId: newTestId() });
const without = (name: string): Buffer[] =>
  valid().filter((d) => !d.toString('latin1').startsWith(`${name}=`));

/** Run one conversation and wait for the worker's refusal line naming `expected`. */
async function converse(steps: Step[], expected: string): Promise<void> {
  const before = activation.output().split('Refused coredump conversation').length;
  const sock = socket('seqpacket');
  const opened: number[] = [];
  try {
    connect(sock, activation.socketPath);
    for (const step of steps) {
      if (Buffer.isBuffer(step)) {
        sendmsg(sock, step);
      } else {
        const fds = Array.from({ length: step.fds }, () => {
          const [r, w] = pipe();
          opened.push(r, w);
          return r;
        });
        sendmsg(sock, Buffer.alloc(0), { fds });
      }
    }
  } finally {
    close(sock);
    for (const fd of opened) close(fd);
  }
  const line = await waitFor(
    () => {
      const lines = activation
        .output()
        .split('\n')
        .filter((l) => l.includes('Refused coredump conversation'));
      return lines.length >= before ? lines[before - 1] : undefined;
    },
    { what: `the refusal of a conversation (${expected})`, timeoutMs: 20_000 },
  );
  expect(line).toContain(expected);
  expect(line).toMatch(/^<3>/);
  expect(readdirSync(s.storage)).toEqual([]);
}

describe('receive validation', () => {
  it.for([
    'COREDUMP_PID',
    'COREDUMP_UID',
    'COREDUMP_GID',
    'COREDUMP_SIGNAL',
    'COREDUMP_TIMESTAMP',
    'COREDUMP_RLIMIT',
    'COREDUMP_HOSTNAME',
    'COREDUMP_COMM',
  ])('missing mandatory %s', async (name) => {
    await converse(
      [...without(name), { fds: 1 }],
      `Mandatory argument ${name} not received on socket.`,
    );
  });

  it('duplicated field', async () => {
    await converse(
      [...valid(), Buffer.from('COREDUMP_COMM=again'), { fds: 1 }],
      'Message contains duplicated field: COREDUMP_COMM',
    );
  });

  it('NUL in a parsed field', async () => {
    await converse(
      [...without('COREDUMP_COMM'), Buffer.from('COREDUMP_COMM=a\0b'), { fds: 1 }],
      'COREDUMP_COMM= field contains NUL character.',
    );
  });

  it('fd on a payload datagram', async () => {
    const sock = socket('seqpacket');
    const [r, w] = pipe();
    try {
      connect(sock, activation.socketPath);
      const before = activation.output().split('Refused coredump conversation').length;
      const [first, ...rest] = valid();
      if (first === undefined) throw new Error('no datagrams');
      sendmsg(sock, first, { fds: [r] });
      for (const d of rest) sendmsg(sock, d);
      close(sock);
      await waitFor(
        () => activation.output().split('Refused coredump conversation').length > before,
        { what: 'refusal' },
      );
      expect(activation.output()).toContain(
        'Received payload message with file descriptor(s), expected none.',
      );
    } finally {
      close(r);
      close(w);
    }
    expect(readdirSync(s.storage)).toEqual([]);
  });

  it('payload after the first fd', async () => {
    await converse(
      [...valid(), { fds: 1 }, Buffer.from('COREDUMP_LATE=1')],
      'Received unexpected message with non-zero length.',
    );
  });

  it('two fds in one sentinel', async () => {
    await converse(
      [...valid(), { fds: 2 }],
      'Received zero length message with zero or more than one file descriptor(s), expected one.',
    );
  });

  it('no fd at all (EOF after the fields)', async () => {
    await converse(
      valid(),
      'Received zero length message with zero or more than one file descriptor(s), expected one.',
    );
  });

  it('COREDUMP_BY_PIDFD without a pidfd', async () => {
    await converse(
      [...valid(), Buffer.from('COREDUMP_BY_PIDFD=1'), { fds: 1 }],
      'Received unexpected pidfd field without pidfd.',
    );
  });

  it('COREDUMP_PID that does not match the pidfd', async () => {
    const pidfd = pidfdOpen(process.pid);
    const sock = socket('seqpacket');
    const [r, w] = pipe();
    const before = activation.output().split('Refused coredump conversation').length;
    try {
      connect(sock, activation.socketPath);
      for (const d of valid()) sendmsg(sock, d); // COREDUMP_PID=4242, not us
      sendmsg(sock, Buffer.alloc(0), { fds: [r] });
      sendmsg(sock, Buffer.alloc(0), { fds: [pidfd] });
    } finally {
      close(sock);
      close(r);
      close(w);
      close(pidfd);
    }
    await waitFor(
      () => activation.output().split('Refused coredump conversation').length > before,
      { what: 'refusal' },
    );
    expect(activation.output()).toContain('Received conflicting pid: 4242');
    expect(readdirSync(s.storage)).toEqual([]);
  });

  it('a peer that is not root', async () => {
    chmodSync(activation.socketPath, 0o666);
    const before = activation.output().split('Refused coredump conversation').length;
    // Python speaks SOCK_SEQPACKET out of the box; run it as nobody.
    const script = [
      'import socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)',
      's.connect(sys.argv[1])',
      's.send(b"COREDUMP_PID=1")',
      's.close()',
    ].join('\n');
    const child = spawn('python3', ['-c', script, activation.socketPath], {
      uid: 65534,
      gid: 65534,
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    await waitFor(
      () => activation.output().split('Refused coredump conversation').length > before,
      { what: 'refusal' },
    );
    expect(activation.output()).toMatch(
      /Refused coredump conversation, nothing stored: Refusing connection from pid [0-9]+ uid 65534: only root may submit coredumps\./,
    );
    expect(readdirSync(s.storage)).toEqual([]);
  });
});
