// The seqpacket exchange of packages/unix/src/exchange.test.ts, with the
// receiver started the way the worker is: `systemd-socket-activate --seqpacket
// --accept` hands it the connection on fd 3 with LISTEN_FDS=1 and LISTEN_PID.
// The receiver (packages/unix/test/fixtures/receiver.mjs) runs the built dist/.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { close, connect, isSysError, pipe, sendmsg, socket } from '@coredump-ts/unix';

const RECEIVER = fileURLToPath(
  new URL('../packages/unix/test/fixtures/receiver.mjs', import.meta.url),
);
const DIST = fileURLToPath(new URL('../packages/unix/dist/index.js', import.meta.url));
const ADDON = fileURLToPath(
  new URL('../packages/unix/build/Release/coredump_unix.node', import.meta.url),
);

let dir: string;
let cleanup: (() => void)[];

beforeAll(() => {
  for (const file of [DIST, ADDON]) {
    if (!existsSync(file)) throw new Error(`${file} missing: run \`npm run build\` first`);
  }
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unix-activation-'));
  cleanup = [];
});

afterEach(() => {
  for (const fn of cleanup.reverse()) fn();
  rmSync(dir, { recursive: true, force: true });
});

/** Connect once systemd-socket-activate listens; retry while the socket is not there yet. */
async function connectWhenListening(path: string, exited: () => boolean): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const fd = socket('seqpacket');
    try {
      connect(fd, path);
      return fd;
    } catch (error) {
      close(fd);
      const notYet = isSysError(error, 'ENOENT') || isSysError(error, 'ECONNREFUSED');
      if (!notYet || exited() || Date.now() > deadline) throw error;
    }
    await sleep(20);
  }
}

it('hands the connection to a socket-activated receiver on fd 3', async () => {
  const path = join(dir, 'coredump');
  const activator = spawn(
    'systemd-socket-activate',
    ['--seqpacket', '--accept', '-l', path, process.execPath, RECEIVER, 'activated'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  activator.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = (): boolean => activator.exitCode !== null || activator.signalCode !== null;
  cleanup.push(() => {
    // Only systemd-socket-activate itself: the receiver exits at end of stream.
    if (!exited() && activator.pid !== undefined) process.kill(activator.pid, 'SIGTERM');
  });
  const lines = createInterface({ input: activator.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const { value, done } = (await lines.next()) as IteratorResult<string, undefined>;
    if (done === true) throw new Error(`no output from the receiver; activator said: ${stderr}`);
    return value;
  };

  const conn = await connectWhenListening(path, exited);
  let connOpen = true;
  cleanup.push(() => {
    if (connOpen) close(conn);
  });
  expect(await nextLine()).toBe('ready');

  const big = randomBytes(200 * 1024);
  const binary = Buffer.from([0x00, 0xff, 0x0a, 0x41, 0x00, 0x0a, 0xff]);
  const [readFd, writeFd] = pipe();
  writeSync(writeFd, 'core through the pipe\n');
  close(writeFd);
  sendmsg(conn, Buffer.from('COREDUMP_PID=4242'));
  sendmsg(conn, big);
  sendmsg(conn, binary);
  sendmsg(conn, new Uint8Array(0), { fds: [readFd] });
  close(readFd);
  close(conn);
  connOpen = false;

  const report = JSON.parse(await nextLine()) as Record<string, unknown>;
  expect(report['error']).toBeUndefined();
  expect(report).toMatchObject({
    envBefore: { LISTEN_PID: String(report['pid']), LISTEN_FDS: '1' },
    listenFds: [3],
    envAfter: { LISTEN_PID: null, LISTEN_FDS: null, LISTEN_FDNAMES: null },
    cloexec: true,
    socketType: 'seqpacket',
    peerPid: process.pid,
    timeout: 'ETIMEDOUT/recvmsg',
    eof: true,
    messages: [
      { length: 17, hex: Buffer.from('COREDUMP_PID=4242').toString('hex'), fds: 0 },
      { length: big.length, sha256: createHash('sha256').update(big).digest('hex'), fds: 0 },
      { length: 7, hex: binary.toString('hex'), fds: 0 },
      { length: 0, fds: 1, pipe: 'core through the pipe\n' },
    ],
  });
});
