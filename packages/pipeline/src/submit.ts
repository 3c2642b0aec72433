// The crash-processing pipeline shared by the worker and the handler's
// in-process path (spec §5.4): vacuum, capture within the limits, store or
// buffer for the journal, vacuum again, drop privileges, send the entry.
// The orchestrator: the only place besides main that logs.
import type { CoredumpConfig } from '@coredump-ts/config';
import { buildJournalFields, type CrashContext, type CrashMetadata } from '@coredump-ts/context';
import { CoredumpError, errnoText, isCoredumpError } from '@coredump-ts/protocol';
import { enlargePipe, punchHole } from '@coredump-ts/unix';

import { capture, type CaptureResult } from './capture.js';
import { contentFields, storeMiniCore, streamConfig } from './content.js';
import { closeQuietly } from './fds.js';
import { buildEntryFields, buildMessage } from './journal-entry.js';
import { dropRefusedFieldNames } from './journal-names.js';
import {
  journalSendTimeoutMs,
  reportEntryLost,
  rescueJournalCore,
  sendEntryBounded,
} from './journal-rescue.js';
import type { Log } from './log.js';
import { createNotifier, type Notifier } from './notify.js';
import type { Paths } from './paths.js';
import {
  decideRateLimit,
  drainSuppressed,
  rateLimitFields,
  rateLimitNote,
  type SubmitRateLimit,
} from './rate-limit.js';
import { chooseDropTarget, dropTo, readCoredumpUser, type Ids } from './privileges.js';
import { startStackTrace } from './stack-trace.js';
import { progressObserver, type CoreObserver } from './stream.js';
import { vacuumCores } from './vacuum.js';

export interface SubmitDeps {
  readonly config: CoredumpConfig;
  readonly paths: Paths;
  readonly log: Log;
  /** ms clock for progress throttling. */
  readonly clock?: () => number;
  /** Drop to the crashing (or coredump) user before journaling; default true when root. */
  readonly dropPrivileges?: boolean;
  /**
   * PID 1 or journald crashed: keep the file whatever Storage=/ExternalSizeMax= say (v262).
   * Default: derived from COREDUMP_PID and COREDUMP_UNIT.
   */
  readonly pid1OrJournald?: boolean;
  readonly notifier?: Notifier;
  /**
   * Observers of the core stream for this crash, after the ELF head peek and the
   * progress report (stream.ts): each sees every chunk within the byte limit.
   */
  readonly observers?: (ctx: CrashContext) => readonly CoreObserver[];
  /** Flood control's verdict when already made (socket mode, before the dump). */
  readonly rateLimit?: SubmitRateLimit;
  /**
   * A pidfd of the crashed process: the stack trace's mini core reads its memory
   * (link_map) through /proc/PID/mem only after checking the pidfd still names the PID.
   */
  readonly pidfd?: number | undefined;
  /**
   * The core's first bytes, already read from coreFd (socket mode reads the ELF
   * header and notes for the signal before the pipeline starts): streamed first.
   */
  readonly coreHead?: Buffer | undefined;
}

export interface SubmitResult {
  /** The core was captured ("dumped core."). */
  readonly written: boolean;
  /** Full path of the kept file. */
  readonly filename: string | undefined;
  readonly truncated: boolean;
  /** Uncompressed bytes read. */
  readonly coreBytes: number;
  readonly message: string;
  /** The first failure (already logged); undefined when all went well. */
  readonly error: CoredumpError | undefined;
}

export async function submitCrash(
  ctx: CrashContext,
  coreFd: number,
  deps: SubmitDeps,
): Promise<SubmitResult> {
  const { config, paths, log } = deps;
  const meta = ctx.meta;
  // spec §3.6: is_pid1 (PID 1 or init.scope) or is_journald, whoever calls us.
  const isJournald = meta.unit === 'systemd-journald.service';
  const special =
    deps.pid1OrJournald ?? (meta.pid === 1 || meta.unit === 'init.scope' || isJournald);
  const notifier = deps.notifier ?? createNotifier(process.env, deps.clock);
  let firstError: CoredumpError | undefined;
  const fail = (e: unknown, what: string): void => {
    const err = isCoredumpError(e) ? e : new CoredumpError('ERR_STORAGE_IO', what, { cause: e });
    log.error(`${what}: ${errnoText(err)}`);
    firstError ??= err;
  };
  const vacuum = (exclude: CaptureResult['newFile']): void => {
    try {
      const removed = vacuumCores({
        dir: paths.storageDir,
        maxUse: config.maxUse,
        keepFree: config.keepFree,
        exclude,
        deallocate: (fd, len) => {
          punchHole(fd, 0, len);
        },
      });
      for (const name of removed) log.info(`Removed old coredump ${name}.`);
    } catch (error) {
      log.warn(`Failed to vacuum ${paths.storageDir}, ignoring: ${errnoText(error)}`);
    }
  };

  const fields = buildJournalFields(ctx);
  // Flood control before any byte is read: a suppressed core is drained, not stored.
  const limit: SubmitRateLimit =
    deps.rateLimit ?? decideRateLimit(meta, fields, { config, storageDir: paths.storageDir, log });
  const suppressed = limit.verdict === 'suppress';
  const skipped = limit.skipped ?? 'not stored';
  if (!suppressed) vacuum(undefined);
  enlargePipe(coreFd);
  const trace = startStackTrace({
    meta,
    processSizeMax: config.processSizeMax,
    pidfd: deps.pidfd,
    procRoot: paths.procRoot,
    log,
    // Its stream is the core's head only: the stacks come from the held process.
    fillFromMemory: suppressed && skipped === 'cut short',
    debuginfo: {
      cacheDir: paths.debuginfoCacheDir,
      debugRoot: paths.debugRoot,
      maxUseBytes: config.debugInfoCacheMaxUse,
    },
  });
  let cap: CaptureResult;
  const captureDeps = {
    config,
    paths,
    log,
    pid1OrJournald: special,
    observers: [
      progressObserver((bytes) => {
        notifier.progress(bytes);
      }),
      trace.observer,
      ...(deps.observers?.(ctx) ?? []),
    ],
  };
  try {
    // The head read ahead belongs to coreFd's stream only, not to the later captures
    // of a mini core (Content=stacks) or of a memfd (the journal rescue).
    cap = suppressed
      ? drainSuppressed(coreFd, skipped === 'not stored', [trace.observer], deps.coreHead)
      : capture(ctx, fields, coreFd, {
          ...captureDeps,
          config: streamConfig(config),
          coreHead: deps.coreHead,
        });
  } finally {
    notifier.close();
  }
  const miniCore = trace.collect(cap); // the crashed process is still held: before the drop
  if (config.content === 'stacks' && !suppressed) {
    cap = storeMiniCore(ctx, fields, cap, miniCore, {
      ...captureDeps,
      why: () => trace.whyNoMiniCore(),
    });
  }
  if (!isJournald && !suppressed) cap = rescueJournalCore(ctx, fields, cap, captureDeps);
  if (cap.failure !== undefined) fail(cap.failure.error, cap.failure.what);
  if (cap.newFile !== undefined) vacuum(cap.newFile);
  // The helper starts now, as the user this worker is about to become: it becomes that
  // user itself, first thing, so libdw runs unprivileged as systemd's does. Meanwhile
  // this worker, still root, updates the debuginfo cache and then drops its own
  // privileges: ~3-4 ms of each crash that no longer wait for each other.
  const becomes =
    (deps.dropPrivileges ?? process.getuid?.() === 0) ? dropTarget(meta, log) : undefined;
  const tracing = trace.run(becomes);
  await trace.warmDebuginfo();
  try {
    if (becomes !== undefined) {
      dropTo(becomes);
      log.debug(`Dropped privileges to uid ${String(becomes.uid)} gid ${String(becomes.gid)}.`);
    }
  } catch (error) {
    fail(
      new CoredumpError('ERR_PRIVILEGES', 'Failed to drop privileges', { cause: error }),
      'Failed to drop privileges',
    );
  }
  const traced = await tracing;
  const outcome = {
    written: cap.written,
    filename: cap.filename,
    truncated: cap.truncated,
    journaldCrash: isJournald,
    ...(suppressed && {
      note: rateLimitNote(limit, skipped),
    }),
    stackText: traced.messageSuffix,
  };
  try {
    const entryFields = dropRefusedFieldNames(
      [
        ...buildEntryFields(fields, meta, outcome),
        ...traced.fields,
        ...contentFields(cap, config.content),
        ...rateLimitFields(limit),
      ],
      log,
    );
    await sendEntryBounded(entryFields, cap.journalCore, {
      socketPath: paths.journalSocket,
      dontWait: isJournald,
      timeoutMs: journalSendTimeoutMs(),
    });
  } catch (error) {
    if (isJournald) log.warn(`Failed to log journal coredump, ignoring: ${errnoText(error)}`);
    else {
      fail(error, 'Failed to log coredump');
      reportEntryLost(ctx, cap, error);
    }
  } finally {
    if (cap.journalCore !== undefined) closeQuietly(cap.journalCore.fd);
  }
  return {
    written: cap.written,
    filename: cap.filename,
    truncated: cap.truncated,
    coreBytes: cap.coreBytes,
    message: buildMessage(meta, outcome),
    error: firstError,
  };
}

/** Whom the worker becomes after the root-only steps; undefined: it stays root (warned). */
function dropTarget(meta: CrashMetadata, log: Log): Ids | undefined {
  const target = chooseDropTarget({ uid: meta.uid, gid: meta.gid }, readCoredumpUser());
  if (target.kind === 'missing-coredump-user') {
    log.warn(
      'Cannot resolve systemd-coredump user. Proceeding to dump core as root: No such process',
    );
    return undefined;
  }
  return target.ids;
}
