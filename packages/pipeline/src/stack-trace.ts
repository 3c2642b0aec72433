// The stack-trace step of the pipeline (issue 16, spec §8): a mini core is kept while
// the core streams; after the last chunk, while the crashed process is still held,
// the link_map walk reads its memory (proc-mem.ts); after the privilege drop the
// libdw helper runs on the mini core in a memfd, and its trace becomes MESSAGE's
// suffix, COREDUMP_PACKAGE_*, COREDUMP_TS_STACKTRACE and the signature fields.
// Nothing here fails the crash: every failure is one log line and no trace.
import { closeSync, openSync } from 'node:fs';

import type { CrashMetadata } from '@coredump-ts/context';
import { createMiniCoreBuilder, moduleBuildIds, type MiniCoreBuilder } from '@coredump-ts/elf';
import { FIELD, errorText, field, type JournalField } from '@coredump-ts/protocol';
import { crashSignature } from '@coredump-ts/signature';
import {
  formatStackText,
  isStackError,
  packageFields,
  runStackHelper,
  traceFieldValue,
  type StackTrace,
  STACK_HELPER_PATH,
} from '@coredump-ts/stacktrace';
import { memfdWith } from '@coredump-ts/unix';

import {
  debuginfoSearchPath,
  unsafeCacheDir,
  warmDebuginfoCache,
  type DebuginfoCacheOptions,
} from './debuginfo-cache.js';
import type { Log } from './log.js';
import { openProcMem } from './proc-mem.js';
import type { Ids } from './privileges.js';
import type { CoreObserver } from './stream.js';

export interface StackTraceOptions {
  readonly meta: CrashMetadata;
  /** ProcessSizeMax=: no trace of a bigger core (spec §5.4). */
  readonly processSizeMax: number;
  /** A pidfd of the crashed process: its memory is read only through a checked one. */
  readonly pidfd: number | undefined;
  readonly procRoot: string;
  readonly log: Log;
  /** Where the helper's deadline and library overrides are read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The stream stops after the core's notes (socket mode's flood control): trace
   * anyway, with the memory the notes ask for read from the held process.
   */
  readonly fillFromMemory?: boolean;
  /** The cache of decompressed debug files; undefined: libdw reads the packages' own. */
  readonly debuginfo?: DebuginfoCacheOptions;
}

export interface StackTraceOutcome {
  /** What MESSAGE gets appended: "\n\n" + the trace text, or "". */
  readonly messageSuffix: string;
  /** COREDUMP_PACKAGE_*, COREDUMP_TS_STACKTRACE, the signature fields. */
  readonly fields: readonly JournalField[];
}

export interface StackTraceStep {
  readonly observer: CoreObserver;
  /**
   * After the last chunk, before the privilege drop and while the core fd is still
   * open (the crashed process is held): build the mini core. Returns it, or undefined.
   */
  collect(core: { readonly written: boolean; readonly coreBytes: number }): Buffer | undefined;
  /** Why collect() gave no mini core, for Content=stacks' log line. */
  whyNoMiniCore(): string;
  /**
   * After collect(), before the privilege drop (it writes as root): the debug files of
   * the mini core's modules get their decompressed copies. May run while run()'s helper
   * does: the copies appear under their names whole (renamed) or not at all, and the
   * helper reads the packages' files for those it does not find. Never rejects.
   */
  warmDebuginfo(): Promise<void>;
  /**
   * Runs the helper on the mini core: spawned at once (before the first await), as `as`
   * when given (the helper becomes that user before it reads anything; the caller is
   * root), else as whoever the caller is by then. Never rejects.
   */
  run(as?: Ids): Promise<StackTraceOutcome>;
}

/**
 * Milliseconds since a process.hrtime.bigint() reading, for log lines. Not
 * `performance.now()`: the `performance` global loads perf_hooks on first use, 4-6 ms
 * (profiled) in the middle of a crash in a worker that had not touched it yet.
 */
function msSince(started: bigint): string {
  return (Number(process.hrtime.bigint() - started) / 1e6).toFixed(1);
}

export function startStackTrace(opts: StackTraceOptions): StackTraceStep {
  const { meta, log } = opts;
  let builder: MiniCoreBuilder | undefined = createMiniCoreBuilder();
  let miniCore: Buffer | undefined;
  let helperFd: number | undefined;
  let why: string | undefined;
  let skipped = 'no core was dumped';
  return {
    observer: builder,
    collect(core) {
      const b = builder;
      builder = undefined; // what it holds is freed with it
      if (b === undefined) return miniCore;
      if (!core.written && opts.fillFromMemory !== true) {
        why = ''; // nothing to trace, nothing to say (as systemd)
        return undefined;
      }
      if (core.coreBytes > opts.processSizeMax) {
        log.debug(
          `Not generating stack trace: core size ${String(core.coreBytes)} is greater than ${String(opts.processSizeMax)} (the configured maximum)`,
        );
        why = ''; // logged already, at systemd's level
        skipped = `core size ${String(core.coreBytes)} is greater than ProcessSizeMax=${String(opts.processSizeMax)}`;
        return undefined;
      }
      const mem = openProcMem(opts.procRoot, meta.pid, opts.pidfd);
      try {
        const result = b.finish('error' in mem ? undefined : mem.read, {
          fillFromMemory: opts.fillFromMemory === true,
        });
        if (!result.ok) {
          why = `${result.code}: ${result.reason}`;
          return undefined;
        }
        const link = result.info.linkMap;
        if ('error' in mem) log.debug(`Not reading process memory for the trace: ${mem.error}.`);
        else if (link.error !== undefined) log.debug(`link_map walk: ${link.error}.`);
        miniCore = result.core;
        // Opened now, as root: after the drop the crashing user may not reach
        // the install directory (a checkout in a 0700 home); it runs through this fd.
        try {
          helperFd = openSync(STACK_HELPER_PATH, 'r');
        } catch {
          helperFd = undefined; // runStackHelper names the path that fails
        }
        return miniCore;
      } finally {
        if (!('error' in mem)) mem.close();
      }
    },
    whyNoMiniCore() {
      return why === undefined || why === '' ? skipped : why;
    },
    async warmDebuginfo() {
      const cache = opts.debuginfo;
      if (miniCore === undefined || cache === undefined || cache.maxUseBytes <= 0) return;
      const started = process.hrtime.bigint();
      const ids = moduleBuildIds(miniCore).map((m) => m.buildId);
      const report = await warmDebuginfoCache(ids, cache);
      for (const problem of report.problems) log.debug(`Debug info cache: ${problem}.`);
      log.debug(
        `Debug info cache: ${String(ids.length)} modules, ${String(report.present)} cached, ${String(report.added.length)} added, ${String(report.removed)} removed, in ${msSince(started)} ms.`,
      );
    },
    async run(as) {
      let trace: StackTrace | undefined;
      if (miniCore !== undefined) {
        try {
          const started = process.hrtime.bigint();
          const result = await traceMiniCore(miniCore, {
            exe: meta.exe,
            env: opts.env,
            helperFd,
            debuginfoPath: helperSearchPath(opts.debuginfo),
            as,
          });
          // What the step costs, per crash (docs/performance.md, "Stack traces").
          log.debug(
            `Stack helper took ${msSince(started)} ms on a ${String(miniCore.length)}-byte mini core.`,
          );
          if (isStackError(result)) why = result.error;
          else trace = result;
        } finally {
          if (helperFd !== undefined) closeSync(helperFd);
        }
      }
      if (trace === undefined && why !== '') {
        log.warn(`Failed to generate stack trace: ${why ?? 'no mini core'}.`);
      }
      return traceOutcome(meta, trace);
    },
  };
}

/**
 * The helper's --debuginfo-path: the cache first when it exists and is safe, whether or
 * not this crash adds to it; undefined without a cache configured (libdwfl's default).
 */
function helperSearchPath(cache: DebuginfoCacheOptions | undefined): string | undefined {
  if (cache === undefined) return undefined;
  const usable = cache.maxUseBytes > 0 && unsafeCacheDir(cache.cacheDir) === undefined;
  return debuginfoSearchPath(usable ? cache.cacheDir : undefined, cache.debugRoot);
}

interface TraceInputs {
  readonly exe: string | undefined;
  readonly env: StackTraceOptions['env'];
  readonly helperFd: number | undefined;
  readonly debuginfoPath: string | undefined;
  readonly as: Ids | undefined;
}

async function traceMiniCore(
  core: Buffer,
  { exe, env, helperFd, debuginfoPath, as }: TraceInputs,
): ReturnType<typeof runStackHelper> {
  let fd: number;
  try {
    fd = memfdWith('coredump-ts-minicore', core);
  } catch (error) {
    return { error: `cannot hold the mini core in a memfd: ${errorText(error)}` };
  }
  try {
    return await runStackHelper({
      coreFd: fd,
      ...(helperFd === undefined ? {} : { helperFd }),
      ...(exe === undefined ? {} : { exe }),
      ...(env === undefined ? {} : { env }),
      ...(debuginfoPath === undefined ? {} : { debuginfoPath }),
      ...(as === undefined ? {} : { uid: as.uid, gid: as.gid }),
    });
  } finally {
    closeSync(fd);
  }
}

/** The entry's additions from a trace, or only the fallback signature without one. */
export function traceOutcome(
  meta: CrashMetadata,
  trace: StackTrace | undefined,
): StackTraceOutcome {
  const sig = crashSignature({ exe: meta.exe ?? meta.comm, signal: meta.signal, trace });
  const fields: JournalField[] = [];
  if (trace !== undefined) {
    for (const p of packageFields(trace, meta.exe)) fields.push(field(p.name, p.value));
    fields.push(field(FIELD.TS_STACKTRACE, traceFieldValue(trace)));
  }
  fields.push(field(FIELD.TS_SIGNATURE, sig.signature));
  fields.push(field(FIELD.TS_SIGNATURE_BASIS, sig.basis));
  const top = sig.frames[0];
  if (top !== undefined) fields.push(field(FIELD.TS_TOP_FRAME, top));
  return {
    messageSuffix: trace === undefined ? '' : `\n\n${formatStackText(trace)}`,
    fields,
  };
}
