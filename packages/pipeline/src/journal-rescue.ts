// When journald cannot take the coredump entry (stalled: its queue full and nobody
// reading; or absent), the crash must not be lost (issue 15 item 4):
// - the send is bounded: MSG_DONTWAIT, retried with back-off until a deadline, never a
//   send that blocks until RuntimeMaxSec= kills the worker;
// - with Storage=journal the core only lives in a memfd, so before privileges are
//   dropped (only root may write the storage directory) journald is probed; if it
//   cannot take an entry now, the core is stored as a file instead;
// - the outcome is said on kmsg, the one log that does not depend on journald.
import { closeSync, openSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { CrashContext } from '@coredump-ts/context';
import {
  CoredumpError,
  errnoText,
  isCoredumpError,
  type JournalField,
} from '@coredump-ts/protocol';
import { POLLOUT, close, connect, pollFd, socket } from '@coredump-ts/unix';

import { capture, type CaptureDeps, type CaptureResult } from './capture.js';
import { closeQuietly } from './fds.js';
import { sendCoredumpEntry, type JournalSendOptions } from './journal-entry.js';

/** How long one entry may wait for journald; COREDUMP_TS_JOURNAL_TIMEOUT_MS overrides. */
export const JOURNAL_SEND_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 250;
const KMSG_DEFAULT = '/dev/kmsg';
const LOG_ERR = 3;
const LOG_NOTICE = 5;

export function journalSendTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env['COREDUMP_TS_JOURNAL_TIMEOUT_MS']);
  return Number.isSafeInteger(n) && n > 0 ? n : JOURNAL_SEND_TIMEOUT_MS;
}

const causeCode = (e: unknown): string | undefined => {
  const cause = isCoredumpError(e) ? e.cause : e;
  if (typeof cause !== 'object' || cause === null || !('code' in cause)) return undefined;
  return typeof cause.code === 'string' ? cause.code : undefined;
};

/**
 * Whether journald can take a datagram now, without sending one: a dgram socket
 * connected to it polls writable unless journald's receive queue is full.
 */
export function journalCanTakeEntry(socketPath: string): { ok: true } | { ok: false; why: string } {
  let fd: number;
  try {
    fd = socket('dgram');
  } catch (error) {
    return { ok: false, why: errnoText(error) };
  }
  try {
    connect(fd, socketPath);
    if ((pollFd(fd, POLLOUT, 0) & POLLOUT) === 0) {
      return { ok: false, why: `journald's queue on ${socketPath} is full` };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, why: `journald is not listening on ${socketPath}: ${errnoText(error)}` };
  } finally {
    close(fd);
  }
}

/**
 * sendCoredumpEntry that never blocks past `timeoutMs`: each try does not wait, a full
 * queue (EAGAIN) is retried with back-off. Throws ERR_JOURNAL_SEND at the deadline.
 */
export async function sendEntryBounded(
  fields: readonly JournalField[],
  core: { readonly fd: number; readonly length: number } | undefined,
  opts: JournalSendOptions & { readonly timeoutMs: number; readonly now?: () => number },
): Promise<void> {
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  let wait = FIRST_RETRY_MS;
  for (;;) {
    try {
      await sendCoredumpEntry(fields, core, { socketPath: opts.socketPath, dontWait: true });
      return;
    } catch (error) {
      const full = causeCode(error) === 'EAGAIN' || causeCode(error) === 'EWOULDBLOCK';
      if (!full || opts.dontWait === true) throw error;
      const left = deadline - now();
      if (left <= 0) {
        throw new CoredumpError(
          'ERR_JOURNAL_SEND',
          `journald did not take the entry within ${String(opts.timeoutMs)} ms (its queue on ${opts.socketPath} stayed full)`,
          { cause: error },
        );
      }
      await sleep(Math.min(wait, left));
      wait = Math.min(wait * 2, MAX_RETRY_MS);
    }
  }
}

/** One line on kmsg (COREDUMP_TS_KMSG redirects it); failing to log is ignored. */
export function kmsgLine(level: 'err' | 'notice', message: string, env = process.env): void {
  const path = env['COREDUMP_TS_KMSG'] ?? KMSG_DEFAULT;
  const prio = level === 'err' ? LOG_ERR : LOG_NOTICE;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a');
    writeSync(
      fd,
      `<${String(prio)}>systemd-coredump[${String(process.pid)}]: ${message.slice(0, 800)}\n`,
    );
  } catch {
    // kmsg is the last resort; nothing else to tell
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const who = (ctx: CrashContext): string =>
  `process ${String(ctx.meta.pid)} (${ctx.meta.comm}) of user ${String(ctx.meta.uid)}`;

/**
 * Storage=journal, before privileges are dropped: if journald cannot take an entry
 * now, store the core from its memfd as a file (all of capture's rules: name, mode,
 * ACL, xattrs; kept whatever ExternalSizeMax= says) and return that capture instead.
 */
export function rescueJournalCore(
  ctx: CrashContext,
  fields: readonly JournalField[],
  cap: CaptureResult,
  deps: CaptureDeps,
): CaptureResult {
  const core = cap.journalCore;
  if (core === undefined) return cap;
  const probe = journalCanTakeEntry(deps.paths.journalSocket);
  if (probe.ok) return cap;
  let fd: number;
  try {
    fd = openSync(`/proc/self/fd/${String(core.fd)}`, 'r'); // from offset 0
  } catch (error) {
    kmsgLine(
      'err',
      `Cannot keep the core of ${who(ctx)} for the journal (${probe.why}): ${errnoText(error)}`,
    );
    return cap;
  }
  let kept: CaptureResult;
  try {
    kept = capture(ctx, fields, fd, {
      ...deps,
      config: { ...deps.config, storage: 'external' },
      pid1OrJournald: true,
      observers: [],
    });
  } finally {
    closeQuietly(fd);
  }
  if (kept.filename === undefined) {
    kmsgLine('err', `Cannot keep the core of ${who(ctx)} (${probe.why}): it could not be stored.`);
    return { ...kept, failure: kept.failure ?? cap.failure, journalCore: cap.journalCore };
  }
  closeQuietly(core.fd);
  kmsgLine(
    'notice',
    `${probe.why}; the core of ${who(ctx)} is kept in ${kept.filename} instead of the journal.`,
  );
  return { ...kept, failure: kept.failure ?? cap.failure };
}

/** The entry did not reach journald: say on kmsg where the core is, or that it is gone. */
export function reportEntryLost(ctx: CrashContext, cap: CaptureResult, error: unknown): void {
  const where =
    cap.filename !== undefined
      ? `the core is kept in ${cap.filename}`
      : cap.journalCore !== undefined
        ? 'the core was only in the entry and is lost'
        : 'no core was stored';
  kmsgLine(
    'err',
    `Failed to log the coredump of ${who(ctx)} to the journal: ${errnoText(error)}; ${where}.`,
  );
}
