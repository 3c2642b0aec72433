// Content=stacks (issue 16 item 4) through the real kernel path: the same programs
// crashed twice through our handler and socket-activated worker, once with the full
// core stored and once with Content=stacks. The stacks file is the mini core: a zstd'd
// ELF core the stock zstd and gdb read, far smaller, whose `thread apply all bt` gives
// the full core's frames thread by thread. Then the ACL of a non-root crasher's file,
// Storage=journal's COREDUMP=, coredumpctl-ts info/dump, and a core the mini core
// cannot be built from (the worker fed a non-ELF core; its made-up entry goes to a
// journal namespace of this file's own).
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

import { STACK_HELPER_PATH } from '@coredump-ts/stacktrace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OURS, requireBuilt, runCtl } from '../packages/coredumpctl/test/support.js';
import { compileCrasher, startCrasher, type CrasherName } from './support/crashers.js';
import { crashThrough, expectStoredFile, getfacl, text, type CrashResult } from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';
import { buildStackPrograms } from './support/stack-crashers.js';
import { isElfCore } from './support/elf.js';
import type { JsonJournalEntry } from './support/journald.js';
import { gdbBacktrace } from './support/mini-core.js';
import { useTestJournal } from './support/test-journal.js';
import { crashDatagrams, newTestId, runCrash, useSandboxes } from './worker-helpers.js';

const execFileAsync = promisify(execFile);
const PROGRAMS = ['stacks-threads', 'segv'] as const satisfies readonly CrasherName[];
type Program = (typeof PROGRAMS)[number];
const MiB = 1 << 20;

interface Pair {
  readonly exe: string;
  readonly full: CrashResult;
  readonly stacks: CrashResult;
  /** Both stored files decompressed by the stock zstd. */
  readonly fullCore: string;
  readonly stacksCore: string;
}

/**
 * gdb's `thread apply all bt` as function names per thread: the crashing thread
 * (gdb's thread 1, the first NT_PRSTATUS) first, the others sorted, since the two
 * crashes differ in TIDs, addresses and argument values, not in frames.
 */
function framesPerThread(bt: string): string[] {
  const threads = new Map<number, string[]>();
  let frames: string[] | undefined;
  for (const line of bt.split('\n')) {
    const header = /^Thread (\d+) /.exec(line);
    if (header !== null) threads.set(Number(header[1]), (frames = []));
    const m = /^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(/.exec(line);
    if (m?.[1] !== undefined) frames?.push(m[1]);
  }
  const text = (n: number): string => (threads.get(n) ?? []).join(' < ');
  const others = [...threads.keys()].filter((n) => n !== 1).map(text);
  return [text(1), ...others.sort()];
}

const uncompressed = async (zst: string, out: string): Promise<string> => {
  await execFileAsync('zstd', ['-d', '-q', '-f', zst, '-o', out]);
  return out;
};

/** COREDUMP= of an entry (journalctl -o json --all gives a byte array). */
const coreField = (entry: JsonJournalEntry): Buffer | undefined => {
  const v = entry['COREDUMP'];
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? Buffer.from(v) : undefined;
};

describe.skipIf(!existsSync(STACK_HELPER_PATH))('Content=stacks through the kernel', () => {
  const e2e = setUpE2eFixture({ prefix: 'cdts-stacks-' });
  const crashes = new Map<Program, Pair>();
  let work = '';

  beforeAll(async () => {
    requireBuilt();
    work = mkdtempSync(join(tmpdir(), 'cdts-stacks-out-'));
    const p = e2e.pipeline;
    for (const name of PROGRAMS) {
      const exe = await compileCrasher(name);
      p.clearDropIns();
      const full = await crashThrough(p, () => startCrasher(exe, []));
      p.dropIn('content', 'Content=stacks');
      const stacks = await crashThrough(p, () => startCrasher(exe, []));
      p.clearDropIns();
      const unzstd = (c: CrashResult, kind: string): Promise<string> =>
        uncompressed(text(c.entry, 'COREDUMP_FILENAME') ?? '', join(work, `${name}.${kind}`));
      const [fullCore, stacksCore] = await Promise.all([
        unzstd(full, 'full'),
        unzstd(stacks, 'stacks'),
      ]);
      crashes.set(name, { exe, full, stacks, fullCore, stacksCore });
    }
  }, 300_000);
  afterAll(() => {
    e2e.pipeline.clearDropIns();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  const pair = (name: Program): Pair => {
    const c = crashes.get(name);
    if (c === undefined) throw new Error(`no crashes of ${name}`);
    return c;
  };

  it.for(PROGRAMS)(
    '%s: the stacks file is a zstd ELF core, far smaller, with the same frames per thread in gdb',
    async (name) => {
      const { exe, full, stacks, fullCore, stacksCore } = pair(name);
      expect(text(full.entry, 'COREDUMP_TS_CONTENT')).toBe('full');
      expect(text(stacks.entry, 'COREDUMP_TS_CONTENT')).toBe('stacks');
      const file = (c: CrashResult): Promise<string> =>
        expectStoredFile(c.entry, e2e.pipeline, {
          pid: c.exit.pid,
          comm: name === 'stacks-threads' ? 'stacks-threads' : 'segv',
          uid: 0,
          acl: false,
        });
      const [fullZst, stacksZst] = [await file(full), await file(stacks)];
      expect(isElfCore(readFileSync(stacksCore).subarray(0, 64))).toBe(true);
      const size = (path: string): number => statSync(path).size;
      // Reported: the sizes as they come (raw and zstd'd).
      console.log(
        `${name}: full core ${String(size(fullCore))} B (zstd ${String(size(fullZst))} B), ` +
          `stack-only ${String(size(stacksCore))} B (zstd ${String(size(stacksZst))} B)`,
      );
      expect(size(stacksCore)).toBeLessThan(MiB);
      expect(size(stacksCore) * 4).toBeLessThan(size(fullCore));
      expect(size(stacksZst)).toBeLessThan(size(fullZst));

      const [fullBt, stacksBt] = await Promise.all([
        gdbBacktrace(fullCore, exe),
        gdbBacktrace(stacksCore, exe),
      ]);
      const frames = framesPerThread(fullBt);
      expect(frames).toHaveLength(name === 'stacks-threads' ? 5 : 1);
      expect(frames[0]).toMatch(
        name === 'stacks-threads' ? /^fault < about_to_crash < crash/ : /^main$/,
      );
      expect(framesPerThread(stacksBt)).toEqual(frames);
      // The trace in MESSAGE comes from the same mini core either way.
      expect(text(stacks.entry, 'COREDUMP_TS_SIGNATURE')).toBe(
        text(full.entry, 'COREDUMP_TS_SIGNATURE'),
      );
    },
  );

  it("a non-root crasher: the stacks file has the crashing user's ACL, as a full core", async () => {
    const p = e2e.pipeline;
    const exe = await compileCrasher('segv');
    p.dropIn('content', 'Content=stacks');
    try {
      const { exit, entry } = await crashThrough(p, () => startCrasher(exe, [], { uid: e2e.uid }));
      expect(text(entry, 'COREDUMP_TS_CONTENT')).toBe('stacks');
      const path = await expectStoredFile(entry, p, {
        pid: exit.pid,
        comm: 'segv',
        uid: e2e.uid,
        acl: true,
      });
      expect(getfacl(path)).toContain(`user:${String(e2e.uid)}:r--`);
    } finally {
      p.clearDropIns();
    }
  });

  it('Storage=journal: COREDUMP= holds the mini core', async () => {
    const p = e2e.pipeline;
    const { exe, full, fullCore } = pair('stacks-threads');
    p.dropIn('content', 'Content=stacks\nStorage=journal');
    let crash: CrashResult;
    try {
      crash = await crashThrough(p, () => startCrasher(exe, []));
    } finally {
      p.clearDropIns();
    }
    expect(text(crash.entry, 'COREDUMP_FILENAME')).toBeUndefined();
    expect(text(crash.entry, 'COREDUMP_TS_CONTENT')).toBe('stacks');
    const core = coreField(crash.entry);
    expect(core).toBeDefined();
    if (core === undefined) return;
    expect(isElfCore(core.subarray(0, 64))).toBe(true);
    const fullSize = statSync(fullCore).size;
    expect(core.length * 4).toBeLessThan(fullSize);
    const path = join(work, 'journal.stacks');
    writeFileSync(path, core);
    const fullBt = await gdbBacktrace(fullCore, exe);
    expect(framesPerThread(await gdbBacktrace(path, exe))).toEqual(framesPerThread(fullBt));
    expect(full.entry['COREDUMP']).toBeUndefined();
  });

  it('flood control: past RateLimitBurst= a stacks crash is logged, nothing stored', async () => {
    const p = e2e.pipeline;
    const exe = await compileCrasher('segv');
    p.dropIn('content', 'Content=stacks\nRateLimitIntervalSec=1h\nRateLimitBurst=1');
    const entries: JsonJournalEntry[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        entries.push((await crashThrough(p, () => startCrasher(exe, []))).entry);
      }
    } finally {
      p.clearDropIns();
    }
    const [kept, limited] = entries;
    expect(text(kept ?? {}, 'COREDUMP_TS_CONTENT')).toBe('stacks');
    expect(text(kept ?? {}, 'COREDUMP_FILENAME')).toBeDefined();
    expect(text(limited ?? {}, 'COREDUMP_TS_RATE_LIMITED')).toBe('1');
    expect(text(limited ?? {}, 'COREDUMP_FILENAME')).toBeUndefined();
    expect(text(limited ?? {}, 'COREDUMP_TS_CONTENT')).toBeUndefined();
  });

  it('70 threads: the first 64 kept, the stacks core stays within its bound', async () => {
    const p = e2e.pipeline;
    const { exe, args } = (await buildStackPrograms()).threads70;
    p.dropIn('content', 'Content=stacks');
    let crash: CrashResult;
    try {
      crash = await crashThrough(p, () => startCrasher(exe, args));
    } finally {
      p.clearDropIns();
    }
    expect(text(crash.entry, 'COREDUMP_TS_CONTENT')).toBe('stacks');
    const core = await uncompressed(
      text(crash.entry, 'COREDUMP_FILENAME') ?? '',
      join(work, 'threads70.stacks'),
    );
    const size = statSync(core).size;
    console.log(`stack-threads70: stack-only ${String(size)} B`);
    expect(size).toBeLessThan(2 * MiB);
    const bt = await gdbBacktrace(core, exe);
    expect(bt.split('\n').filter((l) => l.startsWith('Thread '))).toHaveLength(64);
    expect(framesPerThread(bt)[0]).not.toBe('');
  });

  it('coredumpctl-ts info names the kind; dump gives the mini core gdb opens', async () => {
    const { exe, full, stacks, stacksCore } = pair('stacks-threads');
    const info = (c: CrashResult, extra: string[] = []) =>
      // -1: the newest entry of that PID; an older run's crash may have had it too.
      runCtl(OURS, ['info', '-1', ...extra, `COREDUMP_PID=${String(c.exit.pid)}`]);
    const stacksInfo = info(stacks);
    expect(stacksInfo.status, stacksInfo.stderr).toBe(0);
    expect(stacksInfo.stdout).toMatch(
      /^ {7}Storage: .*\(present\)\n(?: {2}Size on Disk: .*\n)? {7}Content: stack-only \(mini core\)$/m,
    );
    const fullInfo = info(full);
    expect(fullInfo.stdout).toMatch(/^ {7}Storage: .*\(present\)$/m);
    expect(fullInfo.stdout).not.toContain('Content:');
    const json = (c: CrashResult): unknown =>
      JSON.parse(info(c, ['--json=short']).stdout) as unknown;
    expect(json(stacks)).toMatchObject({ Storage: 'present', Content: 'stacks' });
    expect(json(full)).toMatchObject({ Storage: 'present', Content: 'full' });

    const dumped = join(work, 'dumped.stacks');
    const dump = runCtl(OURS, ['dump', '-o', dumped, `COREDUMP_PID=${String(stacks.exit.pid)}`]);
    expect(dump.status, dump.stderr).toBe(0);
    expect(readFileSync(dumped)).toEqual(readFileSync(stacksCore));
    expect(framesPerThread(await gdbBacktrace(dumped, exe))[0]).toMatch(/^fault < about_to_crash/);
    expect(basename(text(stacks.entry, 'COREDUMP_FILENAME') ?? '')).toMatch(/\.zst$/);

    // debug: gdb itself on the executable and the decompressed stack-only core.
    const debug = runCtl(OURS, [
      'debug',
      '-q',
      '-A',
      '-batch -nx -ex "set debuginfod enabled off" -ex "thread apply all bt"',
      `COREDUMP_PID=${String(stacks.exit.pid)}`,
    ]);
    expect(debug.status, debug.stderr).toBe(0);
    expect(framesPerThread(debug.stdout.replace(/^Thread (\d+) .*$/gm, 'Thread $1 :'))).toEqual(
      framesPerThread(await gdbBacktrace(stacksCore, exe)),
    );
  });
});

describe('Content=stacks when no mini core can be built', () => {
  const journal = useTestJournal();
  const sandbox = useSandboxes('cdts-stacks-worker-', journal);

  it('a non-ELF core: the entry is written, no file, one line says why', async () => {
    const s = sandbox();
    s.writeConfig('Content=stacks');
    const testId = newTestId();
    const datagrams = crashDatagrams({ testId, uid: 0 });
    const run = await runCrash(
      s.env(),
      datagrams,
      Buffer.from('this is not an ELF file\n'.repeat(1000)),
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l.includes('Content=stacks'));
    expect(lines).toEqual([
      expect.stringMatching(
        /Content=stacks: no stack-only core could be built \(.+\), none is stored\.$/,
      ) as unknown as string,
    ]);
    const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    expect(text(entry, 'MESSAGE')).toMatch(/^Process \d+ \(.+\) of user 0 dumped core\.$/);
    expect(text(entry, 'COREDUMP_FILENAME')).toBeUndefined();
    expect(text(entry, 'COREDUMP_TS_CONTENT')).toBeUndefined();
    expect(entry['COREDUMP']).toBeUndefined();
    expect(readdirSync(s.storage)).toEqual([]);
  });
});
