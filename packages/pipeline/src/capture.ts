// Capture within the limits (spec §5.4): rlimit and ProcessSizeMax=/storage
// limit checks, then the core stream (stream.ts) into the file in the storage
// directory (with mode, ACL, xattrs, and the ExternalSizeMax= keep decision), the
// memfd for Storage=journal, or count-only for Storage=none. Returns what happened;
// the one failure, if any, is returned for submit to log and report.
import { fstatSync, readFileSync } from 'node:fs';

import { storageSizeMax } from '@coredump-ts/config';
import { sendJournalEntry } from '@coredump-ts/journal';
import type { CoredumpConfig } from '@coredump-ts/config';
import type { CrashContext } from '@coredump-ts/context';
import {
  CoredumpError,
  FIELD,
  MESSAGE_ID_TRUNCATED_CORE,
  SYSLOG_IDENTIFIER_COREDUMP,
  errnoText,
  field,
  type JournalField,
} from '@coredump-ts/protocol';

import { ELF_HEADER_PEEK_BYTES, decideUserAccess } from './access.js';
import { grantReadAcl } from './acl.js';
import { makeCoreFileName, normalizeBootId } from './file-name.js';
import { captureToMemfd } from './journal-core.js';
import type { Log } from './log.js';
import type { Paths } from './paths.js';
import {
  closeFile,
  captureToFile,
  CORE_FILE_MODE,
  discardTemp,
  fixMode,
  linkCore,
} from './store.js';
import { openStorageDir, type StorageDir } from './storage-dir.js';
import { HeadObserver, type CoreObserver } from './stream.js';
import { applyXattrs, buildXattrs } from './xattrs.js';

const PAGE_SIZE = 4096;
const LOG_INFO = 6;

/** systemd's log_struct for the uncompressed truncation: MESSAGE_ID and SIZE_LIMIT for the catalog. */
function logTruncation(message: string, sizeLimit: number, socketPath: string, log: Log): void {
  try {
    sendJournalEntry(
      [
        field(FIELD.PRIORITY, LOG_INFO),
        field(FIELD.MESSAGE_ID, MESSAGE_ID_TRUNCATED_CORE),
        field(FIELD.MESSAGE, message),
        field('SIZE_LIMIT', sizeLimit),
        field(FIELD.SYSLOG_IDENTIFIER, SYSLOG_IDENTIFIER_COREDUMP),
      ],
      { socketPath },
    );
  } catch (error) {
    log.debug(`Failed to log the truncation to the journal: ${errnoText(error)}`);
  }
}

export interface CaptureDeps {
  readonly config: CoredumpConfig;
  readonly paths: Paths;
  readonly log: Log;
  /** PID 1 or journald crashed: keep the file whatever Storage=/ExternalSizeMax= say. */
  readonly pid1OrJournald: boolean;
  /** Observers after the ELF head peek (progress, and what the caller adds). */
  readonly observers: readonly CoreObserver[];
  /** The core's first bytes, already read from the fd by the caller. */
  readonly coreHead?: Buffer | undefined;
}

export interface CaptureResult {
  /** The core was captured ("dumped core."). */
  readonly written: boolean;
  /** Full path of the kept file. */
  readonly filename: string | undefined;
  readonly truncated: boolean;
  /** Uncompressed bytes read. */
  readonly coreBytes: number;
  /** Storage=journal: the raw core in a memfd, for COREDUMP=; the caller closes it. */
  readonly journalCore: { readonly fd: number; readonly length: number } | undefined;
  /** The kept file, for vacuum to spare. */
  readonly newFile: { readonly dev: bigint; readonly ino: bigint } | undefined;
  /** The failure, not yet logged: `what` failed because of `error`. */
  readonly failure: { readonly error: unknown; readonly what: string } | undefined;
}

/** Nothing captured, nothing failed. */
export const NOTHING: CaptureResult = {
  written: false,
  filename: undefined,
  truncated: false,
  coreBytes: 0,
  journalCore: undefined,
  newFile: undefined,
  failure: undefined,
};

export function capture(
  ctx: CrashContext,
  fields: readonly JournalField[],
  coreFd: number,
  deps: CaptureDeps,
): CaptureResult {
  const { config, paths, log } = deps;
  const meta = ctx.meta;
  const failed = (error: unknown, what: string, so = NOTHING): CaptureResult => ({
    ...so,
    failure: { error, what },
  });
  if (meta.rlimit < PAGE_SIZE) {
    log.info(
      `Resource limits disable core dumping for process ${String(meta.pid)} (${meta.comm}).`,
    );
    return NOTHING;
  }
  const storageMax = storageSizeMax(config);
  const processLimit = Math.max(config.processSizeMax, storageMax);
  if (processLimit === 0) {
    log.debug('Limits for coredump processing and storage are both 0, not dumping core.');
    return NOTHING;
  }
  const maxBytes = Math.min(meta.rlimit, processLimit);
  const head = new HeadObserver(ELF_HEADER_PEEK_BYTES);
  const observers = [head, ...deps.observers];
  const keepOnDisk =
    config.storage === 'external' || (deps.pid1OrJournald && config.storage !== 'none');

  if (!keepOnDisk) {
    const keepBytes = config.storage === 'journal' ? config.journalSizeMax : 0;
    let got;
    try {
      got = captureToMemfd(coreFd, { maxBytes, keepBytes, observers, head: deps.coreHead });
    } catch (error) {
      return failed(error, 'Failed to capture the core');
    }
    if (got.memfd === undefined && config.storage === 'journal') {
      log.info(
        `The core will not be stored: size ${String(got.stream.bytes)} is greater than ${String(config.journalSizeMax)} (the configured maximum)`,
      );
    }
    return {
      ...NOTHING,
      written: true,
      truncated: got.stream.truncated,
      coreBytes: got.stream.bytes,
      journalCore:
        got.memfd === undefined ? undefined : { fd: got.memfd, length: got.stream.bytes },
    };
  }

  let bootId: string;
  try {
    bootId = normalizeBootId(readFileSync(paths.bootIdFile, 'utf8'));
  } catch (error) {
    return failed(
      new CoredumpError('ERR_STORAGE_IO', 'Failed to read the boot id', { cause: error }),
      'Failed to read the boot id',
    );
  }
  const fileName = makeCoreFileName({
    comm: meta.comm,
    uid: meta.uid,
    bootId,
    pid: meta.pid,
    timestampUsec: meta.timestampUsec,
    compressed: config.compress,
  });
  let dir: StorageDir | undefined;
  let file;
  try {
    // Every file operation goes through the directory opened here, never its path.
    dir = openStorageDir(paths.storageDir, { create: true });
    if (dir === undefined) throw new CoredumpError('ERR_STORAGE_IO', `No ${paths.storageDir}`);
    file = captureToFile(coreFd, {
      dir: dir.at,
      fileName,
      compress: config.compress,
      maxBytes,
      observers,
      head: deps.coreHead,
    });
  } catch (error) {
    dir?.close();
    return failed(error, `Failed to store the core ${fileName}`);
  }
  const captured: CaptureResult = {
    ...NOTHING,
    written: true,
    truncated: file.stream.truncated,
    coreBytes: file.stream.bytes,
  };
  let kept = false;
  try {
    if (!config.compress && file.stream.truncated) {
      const message = `Core file was truncated to ${String(maxBytes)} bytes.`;
      log.info(message);
      logTruncation(message, maxBytes, paths.journalSocket, log);
    }
    fixMode(file.fd);
    const access = decideUserAccess({
      dumpable: meta.dumpable,
      uid: meta.uid,
      auxv: meta.auxv,
      coreHead: head.head,
    });
    if (access.level === 'info') log.info(access.message);
    else log.debug(access.message);
    if (access.grant) {
      try {
        grantReadAcl(file.fd, CORE_FILE_MODE, meta.uid);
      } catch (error) {
        log.warn(`Failed to adjust ACL of the coredump: ${errnoText(error)}`);
      }
    }
    for (const e of applyXattrs(file.fd, buildXattrs(fields))) {
      log.debug(`Failed to set xattr: ${e.message}`);
    }
    const keep = deps.pid1OrJournald || file.storedBytes <= config.externalSizeMax;
    if (!keep) {
      log.info(
        `The core will not be stored: size ${String(file.storedBytes)} is greater than ${String(config.externalSizeMax)} (the configured maximum)`,
      );
      return captured;
    }
    linkCore(file, dir.at, fileName);
    kept = true;
    const st = fstatSync(file.fd, { bigint: true });
    return {
      ...captured,
      filename: `${paths.storageDir}/${fileName}`,
      newFile: { dev: st.dev, ino: st.ino },
    };
  } catch (error) {
    return failed(error, `Failed to store the core ${fileName}`, {
      ...captured,
      written: false,
      filename: kept ? `${paths.storageDir}/${fileName}` : undefined,
    });
  } finally {
    if (kept) closeFile(file);
    else discardTemp(file);
    dir.close();
  }
}
