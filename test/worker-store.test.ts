// The worker as a child process (connection on fd 3) fed a real core (gcore of
// a live process) through a pipe, with a temp storage dir and config root, the
// real journald, zstd and getfacl: what is stored, what is logged, each limit.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { getAttribute } from 'fs-xattr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XATTR } from '@coredump-ts/pipeline';

import { journalNow, type JsonJournalEntry } from './support/journald.js';
import { useTestJournal } from './support/test-journal.js';
import {
  crashDatagrams,
  makeRealCore,
  makeSandbox,
  onlyFile,
  newTestId,
  requireBuiltWorker,
  runCrash,
  type RealCore,
  type Sandbox,
} from './worker-helpers.js';
import { expectTracedMessage } from './support/trace-message.js';

const execFileAsync = promisify(execFile);

const journal = useTestJournal();
let core: RealCore;
let coreDir: Sandbox;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  requireBuiltWorker();
  coreDir = makeSandbox('worker-gcore-');
  core = await makeRealCore(coreDir.root);
});
afterAll(() => {
  for (const s of [coreDir, ...sandboxes]) rmSync(s.root, { recursive: true, force: true });
});

function sandbox(config = ''): Sandbox {
  const s = makeSandbox('worker-', journal);
  sandboxes.push(s);
  if (config !== '') s.writeConfig(config);
  return s;
}

const text = (e: JsonJournalEntry, name: string): string | undefined => {
  const v = e[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'number')
    return Buffer.from(v as number[]).toString('utf8');
  return undefined;
};
const bytes = (e: JsonJournalEntry, name: string): Buffer | undefined => {
  const v = e[name];
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Array.isArray(v) && typeof v[0] === 'number') return Buffer.from(v as number[]);
  return undefined;
};

async function entryFor(testId: string): Promise<JsonJournalEntry> {
  const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
  if (entry === undefined) throw new Error('no entry');
  return entry;
}

async function crash(
  s: Sandbox,
  data: Buffer,
  opts: { uid?: number; rlimit?: string; auxv?: Buffer | null; env?: Record<string, string> } = {},
) {
  const testId = newTestId();
  const datagrams = crashDatagrams({
    testId,
    uid: opts.uid ?? core.uid,
    pid: core.pid,
    ...(opts.rlimit === undefined ? {} : { rlimit: opts.rlimit }),
    ...(opts.auxv === null ? {} : { auxv: opts.auxv ?? core.auxv }),
  });
  const run = await runCrash(s.env(opts.env), datagrams, data);
  return { testId, run, files: readdirSync(s.storage) };
}

const decompress = async (path: string): Promise<Buffer> =>
  (await execFileAsync('zstd', ['-d', '-c', path], { encoding: 'buffer', maxBuffer: 1 << 30 }))
    .stdout;

describe('worker stores a real core', () => {
  it('file name, mode, xattrs, ACL, zstd round trip and the journal entry', async () => {
    const s = sandbox();
    const { testId, run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(files).toHaveLength(1);
    const name = onlyFile(files);
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')
      .trim()
      .replaceAll('-', '');
    expect(name).toMatch(
      new RegExp(`^core\\.sleeper\\.1000\\.${bootId}\\.${String(core.pid)}\\.[0-9]{16}\\.zst$`),
    );
    const path = join(s.storage, name);
    const st = statSync(path);
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.uid).toBe(0);
    await execFileAsync('zstd', ['-t', '-q', path]);
    expect((await decompress(path)).equals(core.bytes)).toBe(true);
    expect((await getAttribute(path, XATTR.PID)).toString()).toBe(String(core.pid));
    expect((await getAttribute(path, XATTR.UID)).toString()).toBe('1000');
    expect((await getAttribute(path, XATTR.SIGNAL)).toString()).toBe('11');
    expect((await getAttribute(path, XATTR.COMM)).toString()).toBe('sleeper');
    expect((await getAttribute(path, XATTR.RLIMIT)).toString()).toBe('18446744073709551615');
    expect((await getAttribute(path, XATTR.EXE)).toString()).toBe('/usr/bin/sleeper');
    expect(execFileSync('getfacl', ['-n', '-p', path], { encoding: 'utf8' })).toContain(
      'user:1000:r--',
    );

    const e = await entryFor(testId);
    expectTracedMessage(
      text(e, 'MESSAGE'),
      `Process ${String(core.pid)} (sleeper) of user 1000 dumped core.`,
    );
    expect(text(e, 'COREDUMP_FILENAME')).toBe(path);
    expect(e['COREDUMP_TRUNCATED']).toBeUndefined();
    expect(text(e, 'PRIORITY')).toBe('2');
    expect(text(e, 'MESSAGE_ID')).toBe('fc2e22bc6ee647b6b90729ab34a250b1');
    expect(text(e, 'SYSLOG_IDENTIFIER')).toBe('systemd-coredump');
    expect(text(e, 'COREDUMP_HOSTNAME')).toBe('worker-test');
    expect(bytes(e, 'COREDUMP_PROC_AUXV')?.equals(core.auxv)).toBe(true);
    expect(text(e, '_UID')).toBe('1000'); // sent after dropping to the crashing user
  });

  it('a system uid gets no ACL and the entry comes from systemd-coredump', async () => {
    const s = sandbox();
    const { testId, run, files } = await crash(s, core.bytes, { uid: 0 });
    expect(run.code, run.stderr).toBe(0);
    expect(
      execFileSync('getfacl', ['-n', '-p', join(s.storage, onlyFile(files))], { encoding: 'utf8' }),
    ).not.toMatch(/user:[0-9]+:/);
    const e = await entryFor(testId);
    expect(text(e, '_UID')).toBe('995');
  });
});

describe('storage directory', () => {
  it('is created 0755 when missing', async () => {
    const s = sandbox();
    const dir = join(s.root, 'var/lib/systemd/coredump');
    const testId = newTestId();
    const run = await runCrash(
      s.env({ COREDUMP_TS_STORAGE: dir }),
      crashDatagrams({ testId, pid: core.pid, auxv: core.auxv }),
      core.bytes,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(readdirSync(dir)).toHaveLength(1);
  });
});

describe('coredump.conf', () => {
  it('a bad line is a warning naming file and line; the crash is still processed', async () => {
    const s = sandbox('Compress=no\nMaxUse=lots');
    const { run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`<4>${s.configRoot}/etc/systemd/coredump\\.conf:3: .*MaxUse=`),
    );
    expect(onlyFile(files)).not.toMatch(/\.zst$/); // the good line before it still applies
  });
});

describe('limits', () => {
  it('ProcessSizeMax= truncates and flags COREDUMP_TRUNCATED=1', async () => {
    const s = sandbox('ProcessSizeMax=64K\nExternalSizeMax=64K');
    const { testId, run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(
      (await decompress(join(s.storage, onlyFile(files)))).equals(core.bytes.subarray(0, 65536)),
    ).toBe(true);
    expect(text(await entryFor(testId), 'COREDUMP_TRUNCATED')).toBe('1');
  });

  it('Compress=no with truncation logs SIZE_LIMIT= under the truncated-core MESSAGE_ID', async () => {
    const s = sandbox('Compress=no\nProcessSizeMax=64K\nExternalSizeMax=64K');
    // The note is found by the worker's _PID, and PIDs wrap: only entries from now on count.
    const since = journalNow();
    const { testId, run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(
      readFileSync(join(s.storage, onlyFile(files))).equals(core.bytes.subarray(0, 65536)),
    ).toBe(true);
    expect(run.stderr).toContain('<6>Core file was truncated to 65536 bytes.');
    expect(text(await entryFor(testId), 'COREDUMP_TRUNCATED')).toBe('1');
    const notes = await journal.waitFor(
      ['MESSAGE_ID=5aadd8e954dc4b1a8c954d63fd9e1137', `_PID=${String(run.pid)}`],
      { sinceUsec: since },
    );
    expect(notes[0]?.['SIZE_LIMIT']).toBe('65536');
  });

  it('ExternalSizeMax= below the compressed size: not kept, and said so', async () => {
    const s = sandbox('ExternalSizeMax=1K');
    const { testId, run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(files).toEqual([]);
    expect(run.stderr).toMatch(
      /<6>The core will not be stored: size [0-9]+ is greater than 1024 \(the configured maximum\)/,
    );
    const e = await entryFor(testId);
    expect(text(e, 'MESSAGE')).toMatch(/dumped core\.\n\nStack trace of thread /);
    expect(e['COREDUMP_FILENAME']).toBeUndefined();
  });

  it('Storage=journal puts the exact core in COREDUMP=', async () => {
    const s = sandbox('Storage=journal');
    const { testId, run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(files).toEqual([]);
    const e = await entryFor(testId);
    expect(bytes(e, 'COREDUMP')?.equals(core.bytes)).toBe(true);
    expect(e['COREDUMP_FILENAME']).toBeUndefined();
  });

  it('Storage=journal above JournalSizeMax=: no COREDUMP=, and said so', async () => {
    const s = sandbox('Storage=journal\nJournalSizeMax=4K');
    const { testId, run } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `The core will not be stored: size ${String(core.bytes.length)} is greater than 4096 (the configured maximum)`,
    );
    const e = await entryFor(testId);
    expect(e['COREDUMP']).toBeUndefined();
    expect(text(e, 'MESSAGE')).toMatch(/dumped core\.\n\nStack trace of thread /);
  });

  it('Storage=none keeps nothing', async () => {
    const s = sandbox('Storage=none');
    const { testId, run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(files).toEqual([]);
    const e = await entryFor(testId);
    expect(e['COREDUMP']).toBeUndefined();
    expect(e['COREDUMP_FILENAME']).toBeUndefined();
  });

  it('Compress=no stores the raw core', async () => {
    const s = sandbox('Compress=no');
    const { run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(files[0]).not.toMatch(/\.zst$/);
    expect(readFileSync(join(s.storage, onlyFile(files))).equals(core.bytes)).toBe(true);
  });

  it.for(['0', '1', '4095'])('rlimit %s (below a page): not written', async (rlimit) => {
    const s = sandbox();
    const { testId, run, files } = await crash(s, core.bytes, { rlimit });
    expect(run.code, run.stderr).toBe(0);
    expect(files).toEqual([]);
    expect(run.stderr).toContain(
      `<6>Resource limits disable core dumping for process ${String(core.pid)} (sleeper).`,
    );
    expect(text(await entryFor(testId), 'MESSAGE')).toBe(
      `Process ${String(core.pid)} (sleeper) of user 1000 terminated abnormally without generating a coredump.`,
    );
  });

  it('vacuum removes the heaviest uid oldest file first', async () => {
    const s = sandbox(`MaxUse=${String(3 * 64 + 4)}K\nKeepFree=0`);
    const old = (name: string, ageSec: number): void => {
      const p = join(s.storage, name);
      writeFileSync(p, randomBytes(64 * 1024));
      const t = Date.now() / 1000 - ageSec;
      utimesSync(p, t, t);
    };
    old('core.a.1000.x.1.1.zst', 300);
    old('core.a.1000.x.2.2.zst', 200);
    old('core.a.1000.x.3.3.zst', 100);
    old('core.b.2000.x.4.4.zst', 1000);
    const { run, files } = await crash(s, core.bytes);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('<6>Removed old coredump core.a.1000.x.1.1.zst.');
    expect(files).not.toContain('core.a.1000.x.1.1.zst');
    expect(files).toContain('core.b.2000.x.4.4.zst');
    expect(files.filter((f) => f.startsWith('core.sleeper.'))).toHaveLength(1);
  });
});

describe('faults', () => {
  it('journald absent: the core is still stored, clear error, non-zero exit', async () => {
    const s = sandbox();
    const { run, files } = await crash(s, core.bytes, {
      env: { COREDUMP_TS_JOURNAL_SOCKET: join(s.root, 'no-journald') },
    });
    expect(files).toHaveLength(1);
    expect(run.code).toBe(40);
    expect(run.stderr).toMatch(/<3>Failed to log coredump: journald is not listening on/);
  });

  it.for([
    ['a non-ELF core', Buffer.from('this is not an ELF file\n'.repeat(1000))],
    ['a truncated core', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1])],
  ] as const)('%s is stored; the ACL is skipped with the spec message', async ([, data]) => {
    const s = sandbox();
    const { run, files } = await crash(s, data);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      '<6>Core file does not have ELF header, not adjusting permissions.',
    );
    const path = join(s.storage, onlyFile(files));
    expect((await decompress(path)).equals(data)).toBe(true);
    expect(execFileSync('getfacl', ['-n', '-p', path], { encoding: 'utf8' })).not.toMatch(
      /user:[0-9]+:/,
    );
  });
});
