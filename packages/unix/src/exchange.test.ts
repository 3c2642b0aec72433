// Two processes: this test listens and sends, a child (test/fixtures/receiver.mjs,
// running the built dist/) connects and receives. test/unix-activation.test.ts
// repeats it with the child started by systemd-socket-activate.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { accept, bind, close, listen, peerCred, pipe, sendmsg, socket } from '@coredump-ts/unix';

const RECEIVER = fileURLToPath(new URL('../test/fixtures/receiver.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

let dir: string;
let cleanup: (() => void)[];

beforeAll(() => {
  if (!existsSync(DIST)) {
    throw new Error(`${DIST} missing: run \`npx tsc -b packages/unix\` before this test`);
  }
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unix-exchange-'));
  cleanup = [];
});

afterEach(() => {
  for (const fn of cleanup.reverse()) fn();
  rmSync(dir, { recursive: true, force: true });
});

it('exchanges datagrams, binary bytes, a 200 KB datagram and an fd with another process', async () => {
  const path = join(dir, 'sock');
  const listener = socket('seqpacket');
  cleanup.push(() => {
    close(listener);
  });
  bind(listener, path);
  listen(listener);

  const child = spawn(process.execPath, [RECEIVER, 'connect', path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
    }
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const { value, done } = (await lines.next()) as IteratorResult<string, undefined>;
    if (done === true) throw new Error(`receiver exited early (code ${child.exitCode})`);
    return value;
  };

  const conn = await accept(listener, { timeoutMs: 30_000 });
  cleanup.push(() => {
    close(conn);
  });
  expect(peerCred(conn).pid).toBe(child.pid);
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
  cleanup.pop();

  const report = JSON.parse(await nextLine()) as Record<string, unknown>;
  expect(report['error']).toBeUndefined();
  expect(report).toMatchObject({
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
