// The socket-mode worker through the real kernel (core_pattern "@@<socket>",
// Linux 6.17+): the test listens on a temp socket, accepts the kernel's
// connection and hands it to a pre-started worker over a socketpair, as the
// manager does. Entries go to a private journald namespace and are compared
// with the pipe path's entry for the same program. Refusals: a user process
// speaking the protocol, and handshake faults from a client driving the worker.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processKernelConnection } from '@coredump-ts/coredumpd';
import { DEFAULT_CONFIG } from '@coredump-ts/config';
import {
  accept,
  bind,
  close,
  connect,
  recvmsg,
  recvmsgSync,
  sendmsg,
  socket,
  socketpair,
} from '@coredump-ts/unix';
import { pathsFromEnv } from '@coredump-ts/pipeline';

import {
  compileCrasher,
  startCrasher,
  type CrasherName,
  type CrasherOptions,
} from './support/crashers.js';
import {
  BOOT_ID,
  PRODUCT_SYSCTLS,
  crashMatches,
  expectEntry,
  expectStoredFile,
  text,
  withPipelineKernel,
  type Pipeline,
} from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';
import { isElfCore } from './support/elf.js';
import type { JsonJournalEntry } from './support/journald.js';
import { startJournaldNamespace, type JournaldNamespace } from './support/journald-namespace.js';
import { withKernelSettings } from './support/kernel.js';
import {
  handOff,
  listenKernelSocket,
  startSocketWorker,
  type KernelSocket,
  type WorkerRun,
} from './support/socket-mode.js';
import { waitFor } from './support/wait.js';

const USER = 'cdts-e2e';
const ERR_PROTOCOL_STATUS = 13;

const e2e = setUpE2eFixture({
  user: USER,
  prefix: 'cdts-sock-pipe-',
  journald: startJournaldNamespace,
  env: (ns) => ({ COREDUMP_TS_JOURNAL_SOCKET: ns.socketPath }),
});

/** The socket-mode side: its own storage and config, the same journald namespace. */
interface SocketSide {
  readonly root: string;
  readonly storage: string;
  readonly configRoot: string;
  readonly kernel: KernelSocket;
  env(): Record<string, string>;
  dropIn(lines: string): void;
  clear(): void;
}

let side: SocketSide;

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'cdts-sock-'));
  chmodSync(root, 0o755); // the worker drops privileges before it journals
  const storage = join(root, 'storage');
  const configRoot = join(root, 'config');
  const dropInDir = join(configRoot, 'etc/systemd/coredump.conf.d');
  mkdirSync(storage, { mode: 0o755 });
  mkdirSync(dropInDir, { recursive: true });
  side = {
    root,
    storage,
    configRoot,
    kernel: listenKernelSocket(join(root, 'kernel')),
    env: () => ({
      COREDUMP_TS_STORAGE: storage,
      COREDUMP_TS_CONFIG_ROOT: configRoot,
      COREDUMP_TS_JOURNAL_SOCKET: e2e.journald.socketPath,
    }),
    dropIn(lines) {
      writeFileSync(join(dropInDir, 'test.conf'), `[Coredump]\n${lines}\n`);
    },
    clear() {
      rmSync(join(dropInDir, 'test.conf'), { force: true });
      for (const f of readdirSync(storage)) rmSync(join(storage, f), { force: true });
    },
  };
});

afterAll(() => {
  side.kernel.close();
  rmSync(side.root, { recursive: true, force: true });
});

const ns = (): JournaldNamespace => e2e.journald;

async function entryOf(pid: number, sinceUsec: number): Promise<JsonJournalEntry> {
  return waitFor(
    async () =>
      (await ns().read(crashMatches(pid))).find(
        (e) => Number(text(e, 'COREDUMP_TIMESTAMP')) >= sinceUsec,
      ),
    { what: `the entry of pid ${String(pid)} in ${ns().name}`, timeoutMs: 60_000, intervalMs: 200 },
  );
}

interface SocketCrash {
  readonly pid: number;
  readonly stdout: string;
  readonly signal: NodeJS.Signals | null;
  readonly run: WorkerRun;
  readonly entry: JsonJournalEntry;
}

/** Crash `name` with core_pattern "@@<our socket>", serving the connection with a socket worker. */
async function crashThroughSocket(
  name: CrasherName,
  options: CrasherOptions = {},
  env: Readonly<Record<string, string>> = {},
): Promise<SocketCrash> {
  const binary = await compileCrasher(name);
  const sinceUsec = (Math.floor(Date.now() / 1000) - 1) * 1_000_000;
  const { run, exit } = await withKernelSettings(
    { corePattern: `@@${side.kernel.path}`, ...PRODUCT_SYSCTLS },
    async () => {
      const served = side.kernel.serveOne({ ...side.env(), ...env });
      const crashed = startCrasher(binary, [], options).exited;
      // The crasher is reaped only once the worker closed the connection (COREDUMP_WAIT).
      const [r, x] = await Promise.all([served, crashed]);
      return { run: r, exit: x };
    },
  );
  expect(run.status, run.stderr).toBe(0);
  const entry = await entryOf(exit.pid, sinceUsec);
  return { pid: exit.pid, stdout: exit.stdout, signal: exit.signal, run, entry };
}

/** Whether a datagram waits on `fd` (taken off the queue; fds it carries closed). */
function datagramQueued(fd: number): boolean {
  try {
    const got = recvmsgSync(fd, { timeoutMs: 0 });
    for (const f of got.fds) close(f);
    return true;
  } catch {
    return false;
  }
}

/** The same program through the pipe path (handler + socket-activated worker). */
async function crashThroughPipe(p: Pipeline, name: CrasherName): Promise<JsonJournalEntry> {
  const binary = await compileCrasher(name);
  const sinceUsec = (Math.floor(Date.now() / 1000) - 1) * 1_000_000;
  const exit = await withPipelineKernel(p, async () => startCrasher(binary).exited);
  return entryOf(exit.pid, sinceUsec);
}

/** Fields whose values depend on the process instance (pid, time, fds, addresses). */
const PER_PROCESS = new Set([
  'COREDUMP_PID',
  'COREDUMP_TID',
  'COREDUMP_PIDFDID',
  'COREDUMP_TIMESTAMP',
  'COREDUMP_FILENAME',
  'COREDUMP_OPEN_FDS',
  'COREDUMP_PROC_STATUS',
  'COREDUMP_PROC_MAPS',
  'COREDUMP_PROC_AUXV',
  'COREDUMP_PROC_MOUNTINFO',
  'COREDUMP_TS_STACKTRACE', // pc and module addresses
  'MESSAGE',
]);

/** The entry a user compares: our fields (not journald's), values where stable. */
function comparable(entry: JsonJournalEntry): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of Object.keys(entry).sort()) {
    if (name.startsWith('_')) continue;
    out[name] = PER_PROCESS.has(name) ? '(per process)' : text(entry, name);
  }
  return out;
}

describe('socket mode through the kernel, against the pipe path', () => {
  it.for([
    ['segv', 'SIGSEGV', 11],
    ['abort', 'SIGABRT', 6],
  ] as const)('%s: the same entry as the pipe path', async ([name, signalName, signal]) => {
    side.clear();
    const viaPipe = await crashThroughPipe(e2e.pipeline, name);
    const viaSocket = await crashThroughSocket(name);
    expect(viaSocket.signal).toBe(signalName);
    const c = { pid: viaSocket.pid, comm: name, uid: 0 };
    expectEntry(viaSocket.entry, { ...c, signalName, signal });
    expect(comparable(viaSocket.entry)).toEqual(comparable(viaPipe));
    expect(text(viaSocket.entry, 'COREDUMP_BY_PIDFD')).toBe('1');
    expect(text(viaSocket.entry, 'COREDUMP_TID')).toBe(String(viaSocket.pid));
    expect(text(viaSocket.entry, '_BOOT_ID')).toBe(BOOT_ID);
    await expectStoredFile(viaSocket.entry, { storage: side.storage } as Pipeline, {
      ...c,
      acl: false,
    });
    expect(viaSocket.run.stderr).toContain(
      `Process ${String(viaSocket.pid)} (${name}) of user 0 terminated abnormally with signal ${String(signal)}/${signalName.slice(3)}, processing...`,
    );
  });

  it('the process is held until its mini core is collected: the trace reads its memory', async () => {
    // The kernel reaps it once the worker closes the connection (COREDUMP_WAIT); the
    // link_map walk before that reads /proc/PID/mem. The pump's end must not close it.
    side.clear();
    const crash = await crashThroughSocket('segv', {}, { COREDUMP_TS_LOG_LEVEL: 'debug' });
    expect(crash.run.stderr).toContain('Stack helper took ');
    expect(crash.run.stderr).not.toContain('Not reading process memory');
    expect(crash.run.stderr).not.toContain('link_map walk:');
  });

  it('the process is held until its entry is written: not reaped before', async () => {
    // The connection is closed once the entry is sent (systemd's worker closes it when it
    // exits), so the kernel frees the crashed process's memory only after the stack
    // helper has run. The entry goes to a datagram socket of this test's: by the time the
    // crasher is reaped, it must already be queued there.
    side.clear();
    const dir = mkdtempSync(join(tmpdir(), 'cdts-held-'));
    chmodSync(dir, 0o755); // the worker sends after its privilege drop
    const path = join(dir, 'journal');
    const journal = socket('dgram');
    try {
      bind(journal, path);
      chmodSync(path, 0o666);
      const binary = await compileCrasher('segv');
      let queuedAtReap: boolean | undefined;
      const run = await withKernelSettings(
        { corePattern: `@@${side.kernel.path}`, ...PRODUCT_SYSCTLS },
        async () => {
          const served = side.kernel.serveOne({ ...side.env(), COREDUMP_TS_JOURNAL_SOCKET: path });
          const reaped = startCrasher(binary).exited.then(() => {
            queuedAtReap = datagramQueued(journal);
          });
          const [r] = await Promise.all([served, reaped]);
          return r;
        },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(queuedAtReap).toBe(true);
    } finally {
      close(journal);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a threaded crash: the crashing thread by PF_DUMPCORE', async () => {
    side.clear();
    const crash = await crashThroughSocket('threads');
    const tid = /tid=([0-9]+)/.exec(crash.stdout)?.[1];
    expect(tid).toBeDefined();
    expect(tid).not.toBe(String(crash.pid));
    expect(text(crash.entry, 'COREDUMP_TID')).toBe(tid);
    expect(text(crash.entry, 'COREDUMP_THREAD_NAME')).toBe('crash-thread');
    expect(text(crash.entry, 'COREDUMP_SIGNAL')).toBe('11');
  });

  it("a non-root crash: the user's ACL on the file, the entry readable by that user", async () => {
    side.clear();
    const crash = await crashThroughSocket('segv', { uid: e2e.uid });
    const c = { pid: crash.pid, comm: 'segv', uid: e2e.uid };
    expectEntry(crash.entry, { ...c, signalName: 'SIGSEGV', signal: 11 });
    expect(text(crash.entry, 'COREDUMP_DUMPABLE')).toBe('1');
    expect(text(crash.entry, 'COREDUMP_GID')).toBe(String(e2e.uid));
    expect(text(crash.entry, '_UID')).toBe(String(e2e.uid));
    await expectStoredFile(crash.entry, { storage: side.storage } as Pipeline, { ...c, acl: true });
    const seen = await waitFor(
      async () => {
        const got = await ns().read(crashMatches(crash.pid), { user: USER });
        return got.length > 0 ? got : undefined;
      },
      { what: `${USER} to read the entry of ${String(crash.pid)}`, timeoutMs: 20_000 },
    );
    expect(seen.map((e) => text(e, 'MESSAGE'))).toEqual([text(crash.entry, 'MESSAGE')]);
  });

  it('Storage=journal: the core in COREDUMP=, no file', async () => {
    side.clear();
    side.dropIn('Storage=journal');
    const crash = await crashThroughSocket('segv');
    // journalctl -o json leaves fields over 4 KiB out unless --all: read COREDUMP= raw.
    const core = execFileSync(
      'journalctl',
      [
        `--namespace=${ns().name}`,
        '--all',
        '-o',
        'cat',
        '--output-fields=COREDUMP',
        `COREDUMP_PID=${String(crash.pid)}`,
      ],
      { maxBuffer: 64 << 20 },
    );
    expect(isElfCore(core)).toBe(true);
    expect(core.length).toBeGreaterThan(64 * 1024);
    expect(text(crash.entry, 'COREDUMP_FILENAME')).toBeUndefined();
    expect(readdirSync(side.storage)).toEqual([]);
  });

  it('Storage=none: the entry, no core anywhere', async () => {
    side.clear();
    side.dropIn('Storage=none');
    const crash = await crashThroughSocket('segv');
    expect(crash.entry['COREDUMP']).toBeUndefined();
    expect(text(crash.entry, 'COREDUMP_FILENAME')).toBeUndefined();
    expect(text(crash.entry, 'COREDUMP_SIGNAL')).toBe('11');
    expect(readdirSync(side.storage)).toEqual([]);
  });

  it('ProcessSizeMax=: the stored core is cut at the limit and marked truncated', async () => {
    side.clear();
    // The capture limit is the larger of ProcessSizeMax= and the storage limit (spec §5.4).
    side.dropIn('ProcessSizeMax=64K\nExternalSizeMax=64K\nCompress=no');
    const crash = await crashThroughSocket('segv');
    expect(crash.run.status).toBe(0);
    expect(text(crash.entry, 'COREDUMP_TRUNCATED')).toBe('1');
    const path = text(crash.entry, 'COREDUMP_FILENAME') ?? '';
    const size = Number(execFileSync('stat', ['-c', '%s', path], { encoding: 'utf8' }).trim());
    expect(size).toBe(64 * 1024);
  });

  it('Content=stacks: the stored file is the mini core alone, not the head read ahead', async () => {
    // The worker reads the core's head (for the signal) before the pipeline: that head
    // belongs to the connection's stream, not to the mini core stored in its place.
    side.clear();
    side.dropIn('Content=stacks\nCompress=no');
    const crash = await crashThroughSocket('segv');
    expect(crash.run.status).toBe(0);
    expect(text(crash.entry, 'COREDUMP_TS_CONTENT')).toBe('stacks');
    const stored = readFileSync(text(crash.entry, 'COREDUMP_FILENAME') ?? '');
    expect(isElfCore(stored)).toBe(true);
    // Every segment inside the file, the last one ending where the file ends.
    const phoff = Number(stored.readBigUInt64LE(32));
    const phnum = stored.readUInt16LE(56);
    let end = 0;
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * 56;
      end = Math.max(end, Number(stored.readBigUInt64LE(at + 8) + stored.readBigUInt64LE(at + 32)));
    }
    expect(end).toBe(stored.length);
  });
});

/** struct coredump_req as a 6.17+ kernel sends it. */
function request(size = 16, sizeAck = 16, mask = 0xfn, length = size): Buffer {
  const b = Buffer.alloc(Math.max(length, 16));
  b.writeUInt32LE(size, 0);
  b.writeUInt32LE(sizeAck, 4);
  b.writeBigUInt64LE(mask, 8);
  return b.subarray(0, length);
}
const mark = (n: number): Buffer => Buffer.from([n, 0, 0, 0]);

/** Play the kernel's side on `fd`: the request, then (optionally) read the ack and send a mark. */
async function speak(fd: number, req: Buffer, answer?: Buffer, then?: Buffer): Promise<Buffer> {
  sendmsg(fd, req);
  if (answer === undefined) return Buffer.alloc(0);
  const ack = await recvmsg(fd, { timeoutMs: 30_000 });
  sendmsg(fd, answer);
  if (then !== undefined) sendmsg(fd, then);
  return ack.data;
}

const escapeRegExp = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('flood control in socket mode', () => {
  it('Burst=1: the second crash is rejected before the dump, and still journaled', async () => {
    side.clear();
    side.dropIn('RateLimitIntervalSec=1h\nRateLimitBurst=1');
    try {
      const kept = await crashThroughSocket('segv');
      expect(text(kept.entry, 'COREDUMP_FILENAME')).toBeDefined();
      expect(text(kept.entry, 'COREDUMP_TS_RATE_LIMITED')).toBeUndefined();

      const limited = await crashThroughSocket('segv');
      expect(limited.signal).toBe('SIGSEGV');
      // Linux 6.19+ gives the signal in the pidfd info: the kernel is told to skip the
      // dump. Before that the dump starts, its notes give the signal, and it is cut short.
      const rejected = limited.run.stderr.includes(
        `Told the kernel to skip the coredump of process ${String(limited.pid)}.`,
      );
      const cutShort = limited.run.stderr.includes(
        `Read the signal of process ${String(limited.pid)} from its core's notes and stopped the dump (rate limit).`,
      );
      expect([rejected, cutShort]).toContain(true);
      const e = limited.entry;
      expect(text(e, 'COREDUMP_TS_RATE_LIMITED')).toBe('1');
      expect(text(e, 'COREDUMP_TS_SUPPRESSED')).toBe('1');
      expect(text(e, 'COREDUMP_FILENAME')).toBeUndefined();
      expect(text(e, 'COREDUMP_COMM')).toBe('segv');
      expect(text(e, 'COREDUMP_EXE')).toMatch(/\/segv$/);
      expect(text(e, 'COREDUMP_BY_PIDFD')).toBe('1');
      // Without COREDUMP_SIGNAL systemd's coredumpctl aborts (safe_atoi assertion).
      expect(text(e, 'COREDUMP_SIGNAL')).toBe('11');
      const firstLines =
        `Process ${String(limited.pid)} (segv) of user 0 terminated abnormally without generating a coredump.\n` +
        (rejected
          ? 'The kernel was told not to dump the core because of the rate limit (1 suppressed since the last one stored).'
          : "The dump was stopped after the core's notes because of the rate limit (1 suppressed since the last one stored).");
      if (rejected) {
        expect(text(e, 'MESSAGE')).toBe(firstLines);
      } else {
        // Cut short: traced from its notes and the held process's stacks, so the
        // crash loop is one signature, the stored crash's, on its frames.
        expect(text(e, 'MESSAGE')).toMatch(
          new RegExp(`^${escapeRegExp(firstLines)}\n\nStack trace of thread \\d+:\n#0 `),
        );
        expect(text(e, 'COREDUMP_TS_SIGNATURE_BASIS')).toBe('frames');
        expect(text(e, 'COREDUMP_TS_SIGNATURE')).toBe(text(kept.entry, 'COREDUMP_TS_SIGNATURE'));
        expect(text(e, 'COREDUMP_TS_TOP_FRAME')).toBe(text(kept.entry, 'COREDUMP_TS_TOP_FRAME'));
      }
      expect(readdirSync(side.storage).filter((f) => f.startsWith('core.'))).toHaveLength(1);
      // systemd 252's own coredumpctl lists both entries.
      const listed = execFileSync(
        '/usr/bin/coredumpctl',
        [
          '--no-pager',
          '--no-legend',
          '-D',
          ns().journalDir,
          'list',
          `COREDUMP_PID=${String(limited.pid)}`,
        ],
        { encoding: 'utf8' },
      );
      expect(listed).toMatch(new RegExp(`\\b${String(limited.pid)}\\b.*\\bSIGSEGV\\b.*\\bnone\\b`));
    } finally {
      side.clear();
    }
  });
});

describe('the kernel skipping a dump, a worker killed mid-stream', () => {
  it('REJECT (flood control): the kernel skips the dump, nothing is stored', async () => {
    side.clear();
    const binary = await compileCrasher('segv');
    const lines: string[] = [];
    const keep = (m: string): void => {
      lines.push(m);
    };
    const log = { debug: keep, info: keep, warn: keep, error: keep };
    const { status, exit } = await withKernelSettings(
      { corePattern: `@@${side.kernel.path}`, ...PRODUCT_SYSCTLS },
      async () => {
        const crashed = startCrasher(binary).exited;
        const conn = await accept(side.kernel.fd, { timeoutMs: 60_000 });
        const st = await processKernelConnection(conn, Date.now() * 1000, {
          config: DEFAULT_CONFIG,
          paths: pathsFromEnv({ ...process.env, ...side.env() }),
          log,
          decide: () => 'reject',
        });
        return { status: st, exit: await crashed };
      },
    );
    expect(status).toBe(0);
    expect(exit.signal).toBe('SIGSEGV');
    expect(lines).toContain(`Told the kernel to skip the coredump of process ${String(exit.pid)}.`);
    expect(readdirSync(side.storage)).toEqual([]);
  });

  it('a worker SIGKILLed while the core streams leaves no file, and the crash is reaped', async () => {
    side.clear();
    const binary = await compileCrasher('alloc');
    const exit = await withKernelSettings(
      { corePattern: `@@${side.kernel.path}`, ...PRODUCT_SYSCTLS },
      async () => {
        const worker = startSocketWorker(side.env());
        const crashed = startCrasher(binary, ['512', 'random']).exited;
        handOff(worker, await accept(side.kernel.fd, { timeoutMs: 60_000 }), Date.now() * 1000);
        // Mid-stream: the worker has its unnamed (O_TMPFILE) core file open in the storage dir.
        await waitFor(
          () => {
            try {
              return readdirSync(`/proc/${String(worker.pid)}/fd`).some((fd) => {
                try {
                  return readlinkSync(`/proc/${String(worker.pid)}/fd/${fd}`).startsWith(
                    `${side.storage}/`,
                  );
                } catch {
                  return false;
                }
              });
            } catch {
              return false;
            }
          },
          { what: 'the worker to open its temporary core file', timeoutMs: 60_000, intervalMs: 20 },
        );
        process.kill(worker.pid, 'SIGKILL');
        const run = await worker.exited;
        expect(run.signal).toBe('SIGKILL');
        return crashed;
      },
    );
    expect(exit.signal).toBe('SIGSEGV');
    expect(readdirSync(side.storage)).toEqual([]);
    expect(await ns().read(crashMatches(exit.pid))).toEqual([]);
  });
});

describe('refusals: nothing stored, systemd errors, coded exit', () => {
  it('a user process that connects to the socket and speaks the protocol', async () => {
    side.clear();
    const served = side.kernel.serveOne(side.env());
    const fd = socket('stream');
    try {
      connect(fd, side.kernel.path);
      const ack = await speak(
        fd,
        request(),
        mark(0),
        Buffer.from('\x7fELF pretending to be a core'),
      );
      expect(ack.readBigUInt64LE(8)).toBe(9n); // it was answered like the kernel...
      const run = await served;
      // ...and refused once its pidfd showed no crash.
      expect(run.status).toBe(ERR_PROTOCOL_STATUS);
      expect(run.stderr).toContain(`The process [${String(process.pid)}] did not crash.`);
    } finally {
      close(fd);
    }
    expect(readdirSync(side.storage)).toEqual([]);
    expect(await ns().read(crashMatches(process.pid))).toEqual([]);
  });

  it('a bad hand-off from the manager; an idle worker retired by closing its channel', async () => {
    const retired = startSocketWorker(side.env());
    close(retired.channel);
    expect((await retired.exited).status).toBe(0);

    const noFd = startSocketWorker(side.env());
    sendmsg(noFd.channel, Buffer.from('{"acceptedUsec":1}'));
    close(noFd.channel);
    const noFdRun = await noFd.exited;
    expect(noFdRun.status).toBe(17); // ERR_LISTEN_FDS
    expect(noFdRun.stderr).toContain('Received unexpected number of file descriptors.');

    const badJson = startSocketWorker(side.env());
    const [a, b] = socketpair('stream');
    try {
      handOff(badJson, b, Number.NaN);
      const run = await badJson.exited;
      expect(run.status).toBe(ERR_PROTOCOL_STATUS);
      expect(run.stderr).toContain('Received a hand-off without a valid acceptedUsec.');
    } finally {
      close(a);
    }
  });

  it.for([
    [
      'a short request',
      request(16, 16, 0xfn, 8),
      undefined,
      'Acquired coredump request size is too small (8 < 16)',
    ],
    [
      'a huge request',
      request(8192, 16, 0xfn, 8192),
      undefined,
      'Acquired coredump request size is too large (8192 > 4096)',
    ],
    [
      'missing mask bits',
      request(16, 16, 0x9n),
      undefined,
      'Received coredump request with insufficient flags (9)',
    ],
    [
      'a conflicting-flags mark',
      request(),
      mark(4),
      'Sent coredump ack message is refused as it contains conflicting flags.',
    ],
    [
      'an unknown mark',
      request(),
      mark(77),
      'Sent coredump ack message is refused with unknown reason (77).',
    ],
  ] as const)('%s from a client driving the worker', async ([, req, answer, message]) => {
    side.clear();
    const worker = startSocketWorker(side.env());
    const [ours, theirs] = socketpair('stream');
    try {
      handOff(worker, theirs, Date.now() * 1000);
      await speak(ours, req, answer);
      const run = await worker.exited;
      expect(run.status).toBe(ERR_PROTOCOL_STATUS);
      expect(run.stderr).toContain(`Failed to process coredump request: ${message}`);
    } finally {
      close(ours);
    }
    expect(readdirSync(side.storage)).toEqual([]);
  });
});
