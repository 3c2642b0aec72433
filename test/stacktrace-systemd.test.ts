// Our stack traces against systemd 252's, on the same cores: each program is
// crashed through the real kernel into systemd's own helper and worker
// (support/systemd-stack.ts, a private journald namespace); our libdw helper
// then reads the core systemd stored, and our MESSAGE text and package
// fields must equal what systemd logged, byte for byte.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import {
  formatStackText,
  isStackError,
  packageFields,
  runStackHelper,
  STACK_HELPER_PATH,
  type StackTrace,
} from '@coredump-ts/stacktrace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreWithoutLinkMap } from './support/core-link-map.js';

import {
  buildStackPrograms,
  EXE_PACKAGE_NOTE,
  type StackPrograms,
} from './support/stack-crashers.js';
import {
  crashCasesThroughSystemd,
  entryText,
  removeSystemdCrashes,
  SYSTEMD_COREDUMP,
  type SystemdCrash,
} from './support/systemd-stack.js';

const CASES = ['threads', 'recurse', 'pkg', 'abort', 'dlopen', 'threads70', 'altstack'] as const;
type Case = (typeof CASES)[number];

const PACKAGE_FIELDS = [
  'COREDUMP_PACKAGE_JSON',
  'COREDUMP_PACKAGE_NAME',
  'COREDUMP_PACKAGE_VERSION',
];

describe.skipIf(!existsSync(SYSTEMD_COREDUMP) || !existsSync(STACK_HELPER_PATH))(
  "stack traces equal systemd 252's",
  () => {
    let programs: StackPrograms;
    const crashes = new Map<Case, SystemdCrash>();
    const traces = new Map<Case, StackTrace>();

    beforeAll(async () => {
      programs = await buildStackPrograms();
      await crashCasesThroughSystemd(CASES, programs, crashes);
      for (const [c, crash] of crashes) {
        const result = await runStackHelper({ corePath: crash.corePath, exe: programs[c].exe });
        if (isStackError(result)) throw new Error(`${c}: ${result.error}`);
        traces.set(c, result);
      }
    }, 300_000);

    afterAll(() => {
      removeSystemdCrashes([...crashes.values()]);
    });

    const threadBlocks = (text: string): string =>
      text.slice(text.indexOf('Stack trace of thread '));
    const moduleLines = (text: string): string[] =>
      text
        .split('\n')
        .filter((line) => line.startsWith('Module '))
        .sort();
    const parsedFields = (fields: { name: string; value: string }[]): unknown[] =>
      fields.map(({ name, value }) => [
        name,
        name === 'COREDUMP_PACKAGE_JSON' ? (JSON.parse(value) as unknown) : value,
      ]);

    function packageValues(entry: SystemdCrash['entry']): { name: string; value: string }[] {
      return PACKAGE_FIELDS.flatMap((name) => {
        const value = entryText(entry, name);
        return value === undefined ? [] : [{ name, value }];
      });
    }

    function get(c: Case): { crash: SystemdCrash; trace: StackTrace; message: string } {
      const crash = crashes.get(c);
      const trace = traces.get(c);
      if (crash === undefined || trace === undefined) throw new Error(`no crash for ${c}`);
      return { crash, trace, message: entryText(crash.entry, 'MESSAGE') ?? '' };
    }

    it.for(CASES)("%s: MESSAGE is systemd's, stack trace included", (c) => {
      const { crash, trace, message } = get(c);
      const comm = entryText(crash.entry, 'COREDUMP_COMM') ?? '';
      expect(message).toContain('\nStack trace of thread ');
      expect(message).toBe(
        `Process ${String(crash.exit.pid)} (${comm}) of user 0 dumped core.\n\n${formatStackText(trace)}`,
      );
    });

    it.for(CASES)("%s: COREDUMP_PACKAGE_* are systemd's", (c) => {
      const { crash, trace } = get(c);
      const theirs = packageValues(crash.entry);
      expect(theirs.length).toBeGreaterThan(0);
      expect(packageFields(trace, entryText(crash.entry, 'COREDUMP_EXE'))).toEqual(theirs);
    });

    // Without link_map data (a mini core), libdwfl names modules by their
    // NT_FILE paths and lists them in another order: the names must still be
    // systemd's (SONAME, else basename), so the frames and Module lines are
    // the same text, and the package fields the same values.
    it.for(CASES)("%s: without link_map data, modules keep systemd's names", async (c) => {
      const { crash, message } = get(c);
      const exe = programs[c].exe;
      const exeModule = traces.get(c)?.modules.find((m) => m.name === basename(exe));
      if (exeModule === undefined) throw new Error(`${c}: no module for ${exe}`);
      const dir = mkdtempSync(join(tmpdir(), 'cdts-no-link-map-'));
      try {
        const core = join(dir, 'core');
        writeFileSync(core, coreWithoutLinkMap(crash.corePath, exe, BigInt(exeModule.start)));
        // The patch worked: elfutils itself now names libc by its path.
        expect(execFileSync('eu-unstrip', ['-n', '--core', core], { encoding: 'utf8' })).toMatch(
          / \/\S*\/libc\.so\.6\n/,
        );
        const result = await runStackHelper({ corePath: core, exe });
        if (isStackError(result)) throw new Error(result.error);
        const ours = formatStackText(result);
        expect(threadBlocks(ours)).toBe(threadBlocks(message));
        expect(moduleLines(ours)).toEqual(moduleLines(message));
        expect(parsedFields(packageFields(result, exe))).toEqual(
          parsedFields(packageValues(crash.entry)),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('without link_map data, a module whose file is gone keeps its path', async () => {
      const { crash } = get('pkg');
      const exe = programs.pkg.exe;
      const exeModule = traces.get('pkg')?.modules.find((m) => m.name === basename(exe));
      if (exeModule === undefined) throw new Error('no module for stack-pkg');
      const dir = mkdtempSync(join(tmpdir(), 'cdts-gone-'));
      try {
        const core = join(dir, 'core');
        writeFileSync(core, coreWithoutLinkMap(crash.corePath, exe, BigInt(exeModule.start)));
        // The helper runs where the programs' directory is an empty tmpfs.
        const programsDir = dirname(exe);
        const helperPath = join(dir, 'helper');
        writeFileSync(
          helperPath,
          `#!/bin/sh\nexec unshare --mount --propagation private /bin/sh -c 'mount -t tmpfs none "$0" && exec "$@"' '${programsDir}' '${STACK_HELPER_PATH}' "$@"\n`,
          { mode: 0o755 },
        );
        const result = await runStackHelper({ corePath: core, exe, helperPath });
        if (isStackError(result)) throw new Error(result.error);
        const names = result.modules.map((m) => m.name);
        expect(names).toContain(exe);
        expect(names).toContain(join(programsDir, 'libcdtspkg.so.1.0.0'));
        expect(names).toContain('libc.so.6');
        expect(result.threads[0]?.frames[0]?.module).toBe(join(programsDir, 'libcdtspkg.so.1.0.0'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('multi-threaded: four threads, the crashing one first', () => {
      const { crash, trace } = get('threads');
      const tid = Number(/tid=(\d+)/.exec(crash.exit.stdout)?.[1]);
      expect(trace.threads.map((t) => t.tid)).toHaveLength(4);
      expect(trace.threads[0]?.tid).toBe(tid);
    });

    it('200-deep recursion: 64 frames, all in descend', () => {
      const { trace } = get('recurse');
      const frames = trace.threads[0]?.frames ?? [];
      expect(frames).toHaveLength(64);
      expect(frames.every((f) => f.function === 'descend' && f.module === 'stack-recurse')).toBe(
        true,
      );
    });

    it('70 threads: 64 shown, the crashing one first', () => {
      const { crash, trace } = get('threads70');
      const tid = Number(/tid=(\d+)/.exec(crash.exit.stdout)?.[1]);
      expect(trace.threads).toHaveLength(64);
      expect(trace.threads[0]?.tid).toBe(tid);
    });

    it('package notes: executable and library, each under its module name', () => {
      const { crash, trace, message } = get('pkg');
      expect(message).toContain(
        `Module stack-pkg from deb cdts-crasher-${EXE_PACKAGE_NOTE.version}.amd64\n`,
      );
      expect(message).toMatch(
        /\nModule libcdtspkg\.so\.1 from deb cdts-lib\.amd64, build-id=[0-9a-f]{40}\n/,
      );
      expect(entryText(crash.entry, 'COREDUMP_PACKAGE_NAME')).toBe('cdts-crasher');
      const top = trace.threads[0]?.frames
        .slice(0, 3)
        .map((f) => `${f.function ?? ''}@${f.module ?? ''}`);
      expect(top).toEqual([
        'pkg_lib_store@libcdtspkg.so.1',
        'pkg_lib_crash@libcdtspkg.so.1',
        'call_library@stack-pkg',
      ]);
    });

    it("dlopen'ed library: the crashing frame is in it", () => {
      const { trace } = get('dlopen');
      const top = trace.threads[0]?.frames[0];
      expect(top?.module).toBe('libcdtsplugin.so');
      expect(top?.function).toBe('plugin_store');
    });

    it('sigaltstack: from the handler across the signal frame to the fault', () => {
      const { trace } = get('altstack');
      const functions = (trace.threads[0]?.frames ?? []).map((f) => f.function);
      expect(functions).toContain('reraise');
      expect(functions).toContain('on_segv');
      expect(functions.indexOf('fault')).toBeGreaterThan(functions.indexOf('on_segv'));
      expect(functions).toContain('main');
    });

    it('abort(): the trace goes through abort in libc', () => {
      const { trace } = get('abort');
      const frames = (trace.threads[0]?.frames ?? []).map(
        (f) => `${f.function ?? ''}@${f.module ?? ''}`,
      );
      expect(frames).toContain('main@abort');
      expect(frames.filter((f) => /abort@libc\.so\.6$/.test(f))).toHaveLength(1);
    });
  },
);
