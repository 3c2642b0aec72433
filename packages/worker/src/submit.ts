// The crash-processing pipeline shared by the worker and the handler's
// in-process path (spec §5.4): vacuum, capture within the limits, store or
// buffer for the journal, vacuum again, drop privileges, send the entry.
// The orchestrator: the only place besides main that logs.
import { fstatSync, readFileSync } from 'node:fs';

import { storageSizeMax, type CoredumpConfig } from '@coredump-ts/config';
import { CoredumpError, isCoredumpError, type CrashContext } from '@coredump-ts/protocol';
import { punchHole } from '@coredump-ts/unix';

import { decideUserAccess } from './access.js';
import { grantReadAcl } from './acl.js';
import { makeCoreFileName, normalizeBootId } from './file-name.js';
import { buildEntryFields, buildMessage, sendCoredumpEntry } from './journal-entry.js';
import { captureToMemfd } from './journal-core.js';
import type { Log } from './log.js';
import { createNotifier, type Notifier } from './notify.js';
import type { Paths } from './paths.js';
import { chooseDropTarget, dropTo, readCoredumpUser } from './privileges.js';
import {
  closeFile,
  captureToFile,
  CORE_FILE_MODE,
  discardTemp,
  enlargePipe,
  fixMode,
  linkCore,
} from './store.js';
import { closeQuietly } from './receive.js';
import { vacuumCores } from './vacuum.js';
import { applyXattrs, buildXattrs } from './xattrs.js';

const PAGE_SIZE = 4096;

export interface SubmitDeps {
  readonly config: CoredumpConfig;
  readonly paths: Paths;
  readonly log: Log;
  /** ms clock for progress throttling. */
  readonly clock?: () => number;
  /** Drop to the crashing (or coredump) user before journaling; default true when root. */
  readonly dropPrivileges?: boolean;
  /** PID 1 or journald crashed: keep the file whatever Storage=/ExternalSizeMax= say (v262). */
  readonly pid1OrJournald?: boolean;
  readonly notifier?: Notifier;
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

const errnoText = (e: unknown): string => {
  const cause = (e as { cause?: unknown }).cause;
  const msg = e instanceof Error ? e.message : String(e);
  return cause instanceof Error ? `${msg}: ${cause.message}` : msg;
};

interface Capture {
  written: boolean;
  filename: string | undefined;
  truncated: boolean;
  coreBytes: number;
  journalCore: { fd: number; length: number } | undefined;
  newFile: { dev: bigint; ino: bigint } | undefined;
}

export async function submitCrash(
  ctx: CrashContext,
  coreFd: number,
  deps: SubmitDeps,
): Promise<SubmitResult> {
  const { config, paths, log } = deps;
  const meta = ctx.meta;
  const notifier = deps.notifier ?? createNotifier(process.env, deps.clock);
  let firstError: CoredumpError | undefined;
  const fail = (e: unknown, what: string): void => {
    const err = isCoredumpError(e) ? e : new CoredumpError('ERR_STORAGE_IO', what, { cause: e });
    log.error(`${what}: ${errnoText(err)}`);
    firstError ??= err;
  };
  const vacuum = (exclude: Capture['newFile']): void => {
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

  vacuum(undefined);
  enlargePipe(coreFd);
  const cap: Capture = {
    written: false,
    filename: undefined,
    truncated: false,
    coreBytes: 0,
    journalCore: undefined,
    newFile: undefined,
  };
  try {
    await capture(ctx, coreFd, deps, notifier, cap, fail);
  } finally {
    notifier.close();
  }
  if (cap.newFile !== undefined) vacuum(cap.newFile);

  try {
    if (deps.dropPrivileges ?? process.getuid?.() === 0) dropPrivileges(meta, log);
  } catch (error) {
    fail(
      new CoredumpError('ERR_PRIVILEGES', 'Failed to drop privileges', { cause: error }),
      'Failed to drop privileges',
    );
  }

  const isJournald = meta.unit === 'systemd-journald.service';
  const outcome = {
    written: cap.written,
    filename: cap.filename,
    truncated: cap.truncated,
    journaldCrash: isJournald,
  };
  const fields = buildEntryFields(ctx.fields, meta, outcome);
  try {
    await sendCoredumpEntry(fields, cap.journalCore, {
      socketPath: paths.journalSocket,
      dontWait: isJournald,
    });
  } catch (error) {
    if (isJournald) log.warn(`Failed to log journal coredump, ignoring: ${errnoText(error)}`);
    else fail(error, 'Failed to log coredump');
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

function dropPrivileges(meta: CrashContext['meta'], log: Log): void {
  const target = chooseDropTarget({ uid: meta.uid, gid: meta.gid }, readCoredumpUser());
  if (target.kind === 'missing-coredump-user') {
    log.warn(
      'Cannot resolve systemd-coredump user. Proceeding to dump core as root: No such process',
    );
    return;
  }
  dropTo(target.ids);
  log.debug(`Dropped privileges to uid ${String(target.ids.uid)} gid ${String(target.ids.gid)}.`);
}

async function capture(
  ctx: CrashContext,
  coreFd: number,
  deps: SubmitDeps,
  notifier: Notifier,
  cap: Capture,
  fail: (e: unknown, what: string) => void,
): Promise<void> {
  const { config, paths, log } = deps;
  const meta = ctx.meta;
  if (meta.rlimit < PAGE_SIZE) {
    log.info(
      `Resource limits disable core dumping for process ${String(meta.pid)} (${meta.comm}).`,
    );
    return;
  }
  const storageMax = storageSizeMax(config);
  const processLimit = Math.max(config.processSizeMax, storageMax);
  if (processLimit === 0) {
    log.debug('Limits for coredump processing and storage are both 0, not dumping core.');
    return;
  }
  const maxBytes = Math.min(meta.rlimit, processLimit);
  const onProgress = (bytes: number): void => {
    notifier.progress(bytes);
  };
  const keepOnDisk =
    config.storage === 'external' || (deps.pid1OrJournald === true && config.storage !== 'none');

  if (!keepOnDisk) {
    const keepBytes = config.storage === 'journal' ? config.journalSizeMax : 0;
    try {
      const got = await captureToMemfd(coreFd, { maxBytes, keepBytes, onProgress });
      cap.written = true;
      cap.truncated = got.limit.truncated;
      cap.coreBytes = got.limit.bytes;
      if (got.memfd !== undefined) cap.journalCore = { fd: got.memfd, length: got.limit.bytes };
      else if (config.storage === 'journal') {
        log.info(
          `The core will not be stored: size ${String(got.limit.bytes)} is greater than ${String(config.journalSizeMax)} (the configured maximum)`,
        );
      }
    } catch (error) {
      fail(error, 'Failed to capture the core');
    }
    return;
  }

  let bootId: string;
  try {
    bootId = normalizeBootId(readFileSync(paths.bootIdFile, 'utf8'));
  } catch (error) {
    fail(
      new CoredumpError('ERR_STORAGE_IO', 'Failed to read the boot id', { cause: error }),
      'Failed to read the boot id',
    );
    return;
  }
  const fileName = makeCoreFileName({
    comm: meta.comm,
    uid: meta.uid,
    bootId,
    pid: meta.pid,
    timestampUsec: meta.timestampUsec,
    compressed: config.compress,
  });
  let file;
  try {
    file = await captureToFile(coreFd, {
      dir: paths.storageDir,
      fileName,
      compress: config.compress,
      maxBytes,
      onProgress,
    });
  } catch (error) {
    fail(error, `Failed to store the core ${fileName}`);
    return;
  }
  cap.written = true;
  cap.truncated = file.limit.truncated;
  cap.coreBytes = file.limit.bytes;
  try {
    if (!config.compress && file.limit.truncated)
      log.info(`Core file was truncated to ${String(maxBytes)} bytes.`);
    fixMode(file.fd);
    const access = decideUserAccess({
      dumpable: meta.dumpable,
      uid: meta.uid,
      auxv: meta.auxv,
      coreHead: file.limit.head,
    });
    if (access.level === 'info') log.info(access.message);
    else log.debug(access.message);
    if (access.grant) {
      try {
        await grantReadAcl(file.fd, CORE_FILE_MODE, meta.uid);
      } catch (error) {
        log.warn(`Failed to adjust ACL of the coredump: ${errnoText(error)}`);
      }
    }
    for (const e of await applyXattrs(file.fd, buildXattrs(ctx.fields))) {
      log.debug(`Failed to set xattr: ${e.message}`);
    }
    const keep = deps.pid1OrJournald === true || file.storedBytes <= config.externalSizeMax;
    if (!keep) {
      log.info(
        `The core will not be stored: size ${String(file.storedBytes)} is greater than ${String(config.externalSizeMax)} (the configured maximum)`,
      );
      return;
    }
    linkCore(file, paths.storageDir, fileName);
    cap.filename = `${paths.storageDir}/${fileName}`;
    const st = fstatSync(file.fd, { bigint: true });
    cap.newFile = { dev: st.dev, ino: st.ino };
  } catch (error) {
    cap.written = false;
    fail(error, `Failed to store the core ${fileName}`);
  } finally {
    if (cap.filename === undefined) discardTemp(file);
    else closeFile(file);
  }
}
