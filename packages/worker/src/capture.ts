// Capture within the limits (spec §5.4): rlimit and ProcessSizeMax=/storage
// limit checks, then either the file in the storage directory (with mode, ACL,
// xattrs, and the ExternalSizeMax= keep decision) or the memfd for
// Storage=journal, or a plain drain for Storage=none. Logs through the
// orchestrator's logger: it is part of submit, split out for size.
import { fstatSync, readFileSync } from 'node:fs';

import { storageSizeMax } from '@coredump-ts/config';
import { sendJournalEntry } from '@coredump-ts/journal';
import {
  CoredumpError,
  FIELD,
  MESSAGE_ID_TRUNCATED_CORE,
  SYSLOG_IDENTIFIER_COREDUMP,
  field,
  type CrashContext,
} from '@coredump-ts/protocol';

import { decideUserAccess } from './access.js';
import { grantReadAcl } from './acl.js';
import { makeCoreFileName, normalizeBootId } from './file-name.js';
import { captureToMemfd } from './journal-core.js';
import type { Notifier } from './notify.js';
import {
  closeFile,
  captureToFile,
  CORE_FILE_MODE,
  discardTemp,
  fixMode,
  linkCore,
} from './store.js';
import type { SubmitDeps } from './submit.js';
import { applyXattrs, buildXattrs } from './xattrs.js';

const PAGE_SIZE = 4096;
const LOG_INFO = 6;

/** systemd's log_struct for the uncompressed truncation: MESSAGE_ID and SIZE_LIMIT for the catalog. */
function logTruncation(
  message: string,
  sizeLimit: number,
  socketPath: string,
  log: SubmitDeps['log'],
): void {
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

export const errnoText = (e: unknown): string => {
  const cause = (e as { cause?: unknown }).cause;
  const msg = e instanceof Error ? e.message : String(e);
  return cause instanceof Error ? `${msg}: ${cause.message}` : msg;
};

export interface Capture {
  written: boolean;
  filename: string | undefined;
  truncated: boolean;
  coreBytes: number;
  journalCore: { fd: number; length: number } | undefined;
  newFile: { dev: bigint; ino: bigint } | undefined;
}

export function capture(
  ctx: CrashContext,
  coreFd: number,
  deps: SubmitDeps,
  notifier: Notifier,
  cap: Capture,
  fail: (e: unknown, what: string) => void,
): void {
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
      const got = captureToMemfd(coreFd, { maxBytes, keepBytes, onProgress });
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
    file = captureToFile(coreFd, {
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
    if (!config.compress && file.limit.truncated) {
      const message = `Core file was truncated to ${String(maxBytes)} bytes.`;
      log.info(message);
      logTruncation(message, maxBytes, paths.journalSocket, log);
    }
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
        grantReadAcl(file.fd, CORE_FILE_MODE, meta.uid);
      } catch (error) {
        log.warn(`Failed to adjust ACL of the coredump: ${errnoText(error)}`);
      }
    }
    for (const e of applyXattrs(file.fd, buildXattrs(ctx.fields))) {
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
