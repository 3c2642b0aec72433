// Content= (issue 16 item 4): what a stored core holds. With `full` the core stream is
// stored as it comes (capture.ts). With `stacks` the stream is only counted, as for
// Storage=none (the observers, the mini-core builder among them, still see every byte
// within the limit), and the mini core built from it (stack-trace.ts) is then stored
// in its place by the same capture code: file name, zstd, mode, ACL, xattrs,
// ExternalSizeMax=, or the memfd for COREDUMP= with Storage=journal.
import { closeSync } from 'node:fs';

import { storageSizeMax, type CoredumpConfig } from '@coredump-ts/config';
import type { CrashContext } from '@coredump-ts/context';
import { FIELD, field, type JournalField } from '@coredump-ts/protocol';
import { memfdWith } from '@coredump-ts/unix';

import { capture, type CaptureDeps, type CaptureResult } from './capture.js';

/**
 * The configuration the core stream is captured with. For Content=stacks: count only,
 * over as many bytes as Content=full would read, so that "dumped core." and
 * COREDUMP_TRUNCATED= mean the same under both.
 */
export function streamConfig(config: CoredumpConfig): CoredumpConfig {
  if (config.content !== 'stacks') return config;
  return {
    ...config,
    storage: 'none',
    processSizeMax: Math.max(config.processSizeMax, storageSizeMax(config)),
  };
}

/**
 * Content=stacks, after the mini core was built and before privileges are dropped:
 * store it as the configured storage would store the core. `counted` is the count-only
 * capture of the core stream; the result keeps its byte count and truncation (they
 * describe the crash's core) and takes the stored file or memfd of the mini core.
 * Without a mini core nothing is stored; the entry is still written, and `why` says
 * in one line why there is no core.
 */
export function storeMiniCore(
  ctx: CrashContext,
  fields: readonly JournalField[],
  counted: CaptureResult,
  miniCore: Buffer | undefined,
  deps: CaptureDeps & { readonly why: () => string },
): CaptureResult {
  const { config, log } = deps;
  if (!counted.written) return counted;
  if (config.storage === 'none' && !deps.pid1OrJournald) return counted;
  if (miniCore === undefined) {
    log.warn(`Content=stacks: no stack-only core could be built (${deps.why()}), none is stored.`);
    return counted;
  }
  let fd: number;
  try {
    fd = memfdWith('coredump-ts-stacks', miniCore);
  } catch (error) {
    return { ...counted, failure: { error, what: 'Failed to hold the stack-only core' } };
  }
  let stored: CaptureResult;
  try {
    stored = capture(ctx, fields, fd, { ...deps, observers: [] });
  } finally {
    closeSync(fd);
  }
  return {
    ...stored,
    written: true,
    truncated: counted.truncated || stored.truncated,
    coreBytes: counted.coreBytes,
    failure: stored.failure ?? counted.failure,
  };
}

/** COREDUMP_TS_CONTENT of a stored core (a kept file or COREDUMP=): what Content= stored. */
export function contentFields(
  stored: { readonly filename: string | undefined; readonly journalCore: unknown },
  content: CoredumpConfig['content'],
): JournalField[] {
  if (stored.filename === undefined && stored.journalCore === undefined) return [];
  return [field(FIELD.TS_CONTENT, content)];
}
