// Issue 15: crashes that hostile or odd input used to lose, each reproduced through the
// built worker binary (a private journald namespace takes the entries). Every case
// here lost the crash, or ended the worker uncoded, before its fix.
import {
  chmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  symlinkSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { errorCodeInfo } from '@coredump-ts/protocol';
import { bind, close, isSysError, pipe, sendmsg, socket } from '@coredump-ts/unix';

import { describe, expect, it } from 'vitest';

import { useTestJournal } from './support/test-journal.js';
import {
  crashDatagrams,
  newTestId,
  runCrash,
  startWorker,
  useSandboxes,
  type Sandbox,
} from './worker-helpers.js';

const journal = useTestJournal();
const sandbox = useSandboxes('worker-hostile-', journal);

const CORE = Buffer.from('\x7fELF not really a core, but bytes to store');

describe('field names journald refuses (item 2)', () => {
  it('drops only those fields, logs once, and records the crash', async () => {
    const s = sandbox();
    const testId = newTestId();
    const refused = ['lowercase_field=x', '_TRUSTED=x', '9LEADING_DIGIT=x', `${'L'.repeat(65)}=x`];
    const datagrams = [
      ...crashDatagrams({ testId }),
      ...refused.map((d) => Buffer.from(d)),
      Buffer.from('KEPT_FIELD=kept'),
    ];
    const run = await runCrash(s.env(), datagrams, CORE);
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stderr.match(/journald would refuse by name/g) ?? [];
    expect(warnings, run.stderr).toHaveLength(1);
    expect(run.stderr).toContain(
      'Dropping 4 field(s) journald would refuse by name: "lowercase_field"',
    );
    const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
    expect(entry?.['KEPT_FIELD']).toBe('kept');
    expect(entry?.['MESSAGE']).toBe('Process 4242 (sleeper) of user 1000 dumped core.');
    expect(entry?.['lowercase_field']).toBeUndefined();
    expect(readdirSync(s.storage)).toHaveLength(1);
  });
});

describe('a COMM that makes the file name pass 255 bytes (item 3)', () => {
  it.for([
    { what: '300 ASCII bytes', comm: 'A'.repeat(300) },
    { what: '120 two-byte characters (escaped to 8 bytes each)', comm: 'é'.repeat(120) },
  ])('stores the core under a shortened name: $what', async ({ comm }) => {
    const s = sandbox();
    const testId = newTestId();
    const run = await runCrash(s.env(), crashDatagrams({ testId, comm }), CORE);
    expect(run.code, run.stderr).toBe(0);
    const [name, ...others] = readdirSync(s.storage);
    expect(others).toEqual([]);
    expect(Buffer.byteLength(name ?? '')).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^core\.[^.]+~[0-9a-f]{8}\.1000\.[0-9a-f]{32}\.4242\.[0-9]+\.zst$/);
    const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
    expect(entry?.['COREDUMP_FILENAME']).toBe(`${s.storage}/${name ?? ''}`);
    expect(entry?.['COREDUMP_COMM']).toBe(comm);
  });
});

describe('journald stalled or absent (item 4)', () => {
  /** A journal socket that is bound but never read, its queue filled to the brim. */
  function stalledJournal(s: Sandbox): { path: string; close(): void } {
    const path = join(s.root, 'stalled-journal');
    const server = socket('dgram');
    bind(server, path);
    chmodSync(path, 0o777); // the worker sends as the crashing user
    const client = socket('dgram');
    let queued = 0;
    try {
      for (;;) {
        sendmsg(client, Buffer.from('FILLER=1\n'), { path, dontWait: true });
        queued++;
      }
    } catch (error) {
      if (!isSysError(error, 'EAGAIN')) throw error;
    } finally {
      close(client);
    }
    expect(queued).toBeGreaterThan(0);
    return {
      path,
      close: () => {
        close(server);
      },
    };
  }

  function kmsgFile(s: Sandbox): string {
    const path = join(s.root, 'kmsg');
    writeFileSync(path, '');
    chmodSync(path, 0o666);
    return path;
  }

  const FAST = { COREDUMP_TS_JOURNAL_TIMEOUT_MS: '300' };

  it.for([
    { storage: 'external', journal: 'stalled' },
    { storage: 'journal', journal: 'stalled' },
    { storage: 'external', journal: 'absent' },
    { storage: 'journal', journal: 'absent' },
  ] as const)(
    'Storage=$storage, journald $journal: the worker ends, the core stays on disk, kmsg says where',
    async (c) => {
      const s = sandbox();
      s.writeConfig(`Storage=${c.storage}`);
      const kmsg = kmsgFile(s);
      const fake = c.journal === 'stalled' ? stalledJournal(s) : undefined;
      try {
        const journalSocket = fake?.path ?? join(s.root, 'no-journald-here');
        const env = s.env({
          ...FAST,
          COREDUMP_TS_JOURNAL_SOCKET: journalSocket,
          COREDUMP_TS_KMSG: kmsg,
        });
        const run = await runCrash(env, crashDatagrams({ testId: newTestId() }), CORE);
        expect(run.code, run.stderr).not.toBe(0);
        const [name, ...others] = readdirSync(s.storage);
        expect(others, run.stderr).toEqual([]);
        expect(name).toMatch(/^core\.sleeper\.1000\./);
        const lines = readFileSync(kmsg, 'utf8');
        const file = `${s.storage}/${name ?? ''}`;
        expect(lines, run.stderr).toContain(
          'Failed to log the coredump of process 4242 (sleeper) of user 1000 to the journal',
        );
        expect(lines).toContain(`the core is kept in ${file}.`);
        if (c.storage === 'journal') {
          expect(lines).toContain(`is kept in ${file} instead of the journal.`);
        }
        if (c.journal === 'stalled') expect(lines).toContain('within 300 ms');
      } finally {
        fake?.close();
      }
    },
  );
});

describe('a second fd that is not a pidfd (item 5)', () => {
  it.for(['/dev/null', 'a pipe'])('is a coded protocol refusal: %s', async (what) => {
    const s = sandbox();
    const w = startWorker(s.env());
    const [coreRead, coreWrite] = pipe();
    const [otherRead, otherWrite] = pipe();
    const other = what === '/dev/null' ? openSync('/dev/null', 'r') : otherRead;
    try {
      for (const d of crashDatagrams({ testId: newTestId() })) sendmsg(w.client, d);
      sendmsg(w.client, Buffer.alloc(0), { fds: [coreRead] });
      sendmsg(w.client, Buffer.alloc(0), { fds: [other] });
    } finally {
      for (const fd of new Set([coreRead, coreWrite, otherRead, otherWrite, other, w.client])) {
        close(fd);
      }
    }
    const run = await w.done;
    expect(run.stderr).toContain(
      'Refused coredump conversation, nothing stored: Received a second file descriptor that is not a pidfd.',
    );
    expect(run.stderr).not.toContain('Unexpected failure');
    expect(run.code, run.stderr).toBe(errorCodeInfo('ERR_PROTOCOL').exitStatus);
  });
});

describe('the storage directory replaced by a symbolic link (item 10)', () => {
  it('is refused with a clear error; nothing is written or deleted in the target', async () => {
    const s = sandbox();
    const target = join(s.root, 'elsewhere');
    mkdirSync(target);
    const oldCore = `core.victim.1000.${'0'.repeat(32)}.1.1000000.zst`;
    writeFileSync(join(target, oldCore), Buffer.alloc(256 * 1024, 1));
    rmSync(s.storage, { recursive: true });
    symlinkSync(target, s.storage);
    // MaxUse=1 makes vacuum want to delete every core it can see.
    s.writeConfig('MaxUse=1\nKeepFree=0');
    const testId = newTestId();
    const run = await runCrash(s.env(), crashDatagrams({ testId }), CORE);
    expect(run.code, run.stderr).toBe(errorCodeInfo('ERR_STORAGE_IO').exitStatus);
    expect(run.stderr).toContain(
      `Refusing the storage directory ${s.storage}: it is a symbolic link`,
    );
    expect(run.stderr).toMatch(/Failed to vacuum .*symbolic link/);
    expect(readdirSync(target)).toEqual([oldCore]);
    const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
    expect(entry?.['COREDUMP_FILENAME']).toBeUndefined();
    expect(entry?.['MESSAGE']).toBe(
      'Process 4242 (sleeper) of user 1000 terminated abnormally without generating a coredump.',
    );
  });
});

describe('a slow-drip peer (item 11)', () => {
  it('one datagram every 80 ms: refused at the conversation deadline', async () => {
    const s = sandbox();
    const w = startWorker(s.env({ COREDUMP_TS_RECEIVE_DEADLINE_MS: '1000' }));
    const datagrams = crashDatagrams({ testId: newTestId() });
    let sent = 0;
    let stopped = false;
    const drip = setInterval(() => {
      if (stopped) return;
      try {
        sendmsg(w.client, datagrams[sent] ?? Buffer.from(`X_PADDING=${String(sent)}`));
        sent++;
      } catch {
        stopped = true; // the worker hung up
      }
    }, 80);
    let run;
    try {
      run = await w.done;
    } finally {
      clearInterval(drip);
      close(w.client);
    }
    expect(run.stderr).toContain(
      'Refused coredump conversation, nothing stored: The coredump conversation did not finish within 1000 ms, refusing.',
    );
    expect(run.code, run.stderr).toBe(errorCodeInfo('ERR_SOCKET_RECEIVE').exitStatus);
    // Every datagram arrived well inside the 60 s per-datagram wait.
    expect(sent).toBeGreaterThan(1);
    expect(readdirSync(s.storage)).toEqual([]);
  });
});
