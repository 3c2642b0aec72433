// Our pipeline's stack traces against systemd 252's, on the same binaries: each
// program is crashed through systemd's own helper and worker (support/systemd-stack.ts,
// a private journald namespace) and through ours (the e2e pipeline: handler, then the
// socket-activated worker, which traces a mini core kept while the core streamed).
// Two crashes differ in PIDs, TIDs and ASLR addresses, so the texts are compared as
// `function (module + offset)` frames; Module lines, the architecture line and
// COREDUMP_PACKAGE_* must be equal as they are. Then the in-process path, and the
// degradations: the entry is written and the core stored, without a trace.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { STACK_HELPER_PATH } from '@coredump-ts/stacktrace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startCrasher } from './support/crashers.js';
import {
  crashThrough,
  startPipeline,
  text,
  type CrashResult,
  type Pipeline,
} from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';
import type { JsonJournalEntry } from './support/journald.js';
import { buildStackPrograms, type StackPrograms } from './support/stack-crashers.js';
import {
  crashCasesThroughSystemd,
  entryText,
  removeSystemdCrashes,
  SYSTEMD_COREDUMP,
  type SystemdCrash,
} from './support/systemd-stack.js';

const CASES = ['threads', 'abort', 'pkg', 'recurse', 'dlopen', 'altstack', 'threads70'] as const;
type Case = (typeof CASES)[number];
const PACKAGE_FIELDS = [
  'COREDUMP_PACKAGE_JSON',
  'COREDUMP_PACKAGE_NAME',
  'COREDUMP_PACKAGE_VERSION',
];

/** The stack-trace text after the first line, with what differs between two runs taken out. */
function traceText(message: string): string {
  const at = message.indexOf('\n\n');
  if (at < 0) return '';
  return message
    .slice(at + 2)
    .split('\n')
    .map((line) =>
      line
        .replace(/^Stack trace of thread \d+:$/, 'Stack trace of thread N:')
        .replace(/^#(\d+) +0x[0-9a-f]{16} /, '#$1 '),
    )
    .join('\n');
}

/** The thread blocks: frames as `#N function (module + offset)`, crashing thread first. */
const threadBlocks = (message: string): string => {
  const t = traceText(message);
  const from = t.indexOf('Stack trace of thread ');
  const to = t.indexOf('\nELF object binary architecture: ');
  return t.slice(from, to < 0 ? undefined : to);
};
/**
 * The crashing thread's block whole; of the others, the frames from their start
 * routine down: an idle thread's top frames depend on whether it had left the
 * start-up barrier (futex) for pause() when the crash came, and the kernel writes the
 * other threads' notes in the order they stopped; both differ per run, in systemd too.
 */
const comparableBlocks = (message: string): string[] => {
  const [first = '', ...others] = threadBlocks(message).split('\n\n');
  return [
    first.trim(),
    ...others
      .map((b) =>
        b
          .trim()
          .split('\n')
          .filter((l) => /^#\d+ (start_thread|__clone3|__libc_start|_start) /.test(l))
          .map((l) => l.replace(/^#\d+ /, ''))
          .join('\n'),
      )
      .sort(),
  ];
};
const moduleLines = (message: string): string[] =>
  traceText(message)
    .split('\n')
    .filter((l) => l.startsWith('Module '))
    .sort();
const archLine = (message: string): string | undefined =>
  traceText(message)
    .split('\n')
    .find((l) => l.startsWith('ELF object binary architecture: '));

const packageValues = (get: (name: string) => string | undefined): unknown[] =>
  PACKAGE_FIELDS.flatMap((name) => {
    const value = get(name);
    if (value === undefined) return [];
    return [[name, name === 'COREDUMP_PACKAGE_JSON' ? (JSON.parse(value) as unknown) : value]];
  });

const haveSystemd = existsSync(SYSTEMD_COREDUMP) && existsSync(STACK_HELPER_PATH);

describe.skipIf(!haveSystemd)("our pipeline's stack traces equal systemd 252's", () => {
  const fixture = setUpE2eFixture({ prefix: 'cdts-trace-' });
  let programs: StackPrograms;
  const theirs = new Map<Case, SystemdCrash>();
  const ours = new Map<Case, CrashResult>();

  beforeAll(async () => {
    programs = await buildStackPrograms();
    await crashCasesThroughSystemd(CASES, programs, theirs);
    for (const c of CASES) {
      const { exe, args } = programs[c];
      ours.set(c, await crashThrough(fixture.pipeline, () => startCrasher(exe, args)));
    }
  }, 300_000);

  afterAll(() => {
    removeSystemdCrashes([...theirs.values()]);
  });

  function pair(c: Case): {
    sd: string;
    us: string;
    sdEntry: JsonJournalEntry;
    usEntry: JsonJournalEntry;
  } {
    const s = theirs.get(c);
    const o = ours.get(c);
    if (s === undefined || o === undefined) throw new Error(`no crash for ${c}`);
    return {
      sd: entryText(s.entry, 'MESSAGE') ?? '',
      us: text(o.entry, 'MESSAGE') ?? '',
      sdEntry: s.entry,
      usEntry: o.entry,
    };
  }

  it.for(CASES)('%s: the same frames, Module lines and architecture', (c) => {
    const { sd, us, usEntry } = pair(c);
    expect(us).toMatch(
      /^Process \d+ \(.+\) of user 0 dumped core\.\n\n(Module |Stack trace of thread )/,
    );
    expect(us).toContain('\nStack trace of thread ');
    if (c === 'threads70') expectSameThreadsOf70(us, sd);
    else expect(comparableBlocks(us)).toEqual(comparableBlocks(sd));
    expect(moduleLines(us)).toEqual(moduleLines(sd));
    expect(archLine(us)).toBe('ELF object binary architecture: AMD x86-64');
    expect(archLine(us)).toBe(archLine(sd));
    expect(text(usEntry, 'COREDUMP_TS_SIGNATURE_BASIS')).toBe('frames');
    expect(text(usEntry, 'COREDUMP_TS_SIGNATURE')).toMatch(/^[0-9a-f]{16}$/);
    const structured = JSON.parse(text(usEntry, 'COREDUMP_TS_STACKTRACE') ?? '{}') as {
      threads: { frames: unknown[] }[];
    };
    expect(structured.threads[0]?.frames.length).toBeGreaterThan(0);
  });

  /**
   * 70 threads, 64 shown: the crashing one first, then 63 of the other 69 in the order
   * the kernel wrote their notes, which differs per crash. So which ones make the cut
   * differs between two crashes (in systemd's own runs too): whether the main thread is
   * among them, say. The crashing thread's block must be systemd's, and every other block
   * one of the two that systemd's run shows or could show (an idle thread, main).
   */
  function expectSameThreadsOf70(us: string, sd: string): void {
    const [usFirst, ...usOthers] = comparableBlocks(us);
    const [sdFirst, ...sdOthers] = comparableBlocks(sd);
    expect(usFirst).toBe(sdFirst);
    expect(usOthers).toHaveLength(63);
    expect(sdOthers).toHaveLength(63);
    const idle = sdOthers.find((b) => b.startsWith('start_thread ('));
    expect(idle).toMatch(/^start_thread \(libc\.so\.6 \+ 0x[0-9a-f]+\)\n__clone3 \(libc/);
    for (const block of [...usOthers, ...sdOthers]) {
      if (block !== idle) expect(block).toMatch(/^_start \(stack-threads70 \+ 0x[0-9a-f]+\)$/);
    }
  }

  it.for(CASES)("%s: COREDUMP_PACKAGE_* are systemd's", (c) => {
    const { sdEntry, usEntry } = pair(c);
    const sdValues = packageValues((n) => entryText(sdEntry, n));
    expect(sdValues.length).toBeGreaterThan(0);
    expect(packageValues((n) => text(usEntry, n))).toEqual(sdValues);
  });

  it('threads: the crashing thread first, four threads', () => {
    const { us } = pair('threads');
    const tid = /tid=(\d+)/.exec(ours.get('threads')?.exit.stdout ?? '')?.[1];
    expect(tid).toBeDefined();
    expect([...us.matchAll(/Stack trace of thread (\d+):/g)].map((m) => m[1])).toHaveLength(4);
    expect(/Stack trace of thread (\d+):/.exec(us)?.[1]).toBe(tid);
  });

  it('recursion 200 deep: 64 frames shown', () => {
    const { us } = pair('recurse');
    const block = threadBlocks(us)
      .split('\n')
      .filter((l) => /^#\d+ /.test(l));
    expect(block).toHaveLength(64);
    expect(block.every((l) => l.includes('descend (stack-recurse + 0x'))).toBe(true);
  });

  it('abort(): TOP_FRAME skips the abort machinery', () => {
    const { usEntry } = pair('abort');
    expect(text(usEntry, 'COREDUMP_TS_TOP_FRAME')).toBe('abort!main');
  });

  it('in-process path (socket unreachable): traced too', async () => {
    const p = fixture.pipeline;
    await p.stopListener();
    try {
      const { exe, args } = programs.pkg;
      const { entry } = await crashThrough(p, () => startCrasher(exe, args));
      const message = text(entry, 'MESSAGE') ?? '';
      expect(threadBlocks(message)).toBe(threadBlocks(pair('pkg').sd));
      expect(text(entry, 'COREDUMP_PACKAGE_NAME')).toBe('cdts-crasher');
      expect(text(entry, 'COREDUMP_TS_SIGNATURE_BASIS')).toBe('frames');
    } finally {
      await p.startListener();
    }
  });
});

describe.skipIf(!existsSync(STACK_HELPER_PATH))('the trace degrades without loss', () => {
  // For the journald it ensures; each case starts a pipeline with its own environment.
  setUpE2eFixture({ prefix: 'cdts-trace-degrade-' });
  let programs: StackPrograms;
  beforeAll(async () => {
    programs = await buildStackPrograms();
  }, 120_000);

  const cases: [string, Record<string, string>][] = [
    ['deadline hit', { COREDUMP_TS_STACK_DEADLINE_MS: '1' }],
    ['libdw missing', { COREDUMP_TS_LIBDW: 'libdw-cdts-missing.so.1' }],
  ];

  it.for(cases)('%s: entry and stored core, no trace', async ([, env]) => {
    let p: Pipeline | undefined;
    try {
      p = await startPipeline('cdts-trace-degrade-', { env });
      const pipeline = p;
      const { exe, args } = programs.threads;
      const { entry } = await crashThrough(pipeline, () => startCrasher(exe, args));
      const message = text(entry, 'MESSAGE') ?? '';
      expect(message).toMatch(/^Process \d+ \(.+\) of user 0 dumped core\.$/);
      expect(text(entry, 'COREDUMP_TS_STACKTRACE')).toBeUndefined();
      expect(text(entry, 'COREDUMP_PACKAGE_JSON')).toBeUndefined();
      expect(text(entry, 'COREDUMP_TS_SIGNATURE_BASIS')).toBe('exe-signal');
      expect(text(entry, 'COREDUMP_TS_CONTENT')).toBe('full');
      expect(text(entry, 'COREDUMP_TS_SIGNATURE')).toMatch(/^[0-9a-f]{16}$/);
      const filename = text(entry, 'COREDUMP_FILENAME') ?? '';
      expect(pipeline.files()).toContain(filename.split('/').pop());
      expect(existsSync(join(pipeline.storage, filename.split('/').pop() ?? ''))).toBe(true);
    } finally {
      await p?.close();
    }
  });
});
