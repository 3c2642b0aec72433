// The socket-mode worker (spec §2.4 "Worker"): a process the manager starts
// ahead of time. It loads everything, then waits on fd 3 (its end of a
// SOCK_SEQPACKET socketpair) for ONE datagram, `{"acceptedUsec":<n>}` with the
// accepted kernel connection in SCM_RIGHTS, and handles that one crash:
// peer pidfd checks -> handshake -> the core's head (signal) -> /proc context ->
// the shared pipeline -> exit. One crash per process: no crash's bytes ever
// share a process with another's.
import { writeFileSync } from 'node:fs';

import { formatDiagnostic, loadConfig, type CoredumpConfig } from '@coredump-ts/config';
import { CoredumpError, signalName } from '@coredump-ts/protocol';
import {
  configFs,
  pipe,
  recvmsg,
  setDumpable,
  setNonBlocking,
  socketType,
} from '@coredump-ts/unix';
import {
  closeQuietly,
  pathsFromEnv,
  submitCrash,
  type Log,
  type Paths,
  reportFailure,
  warmCoreStream,
} from '@coredump-ts/pipeline';

import { readCoreHead, readThroughNotes } from './core-head.js';
import { decideBeforeDump, type PreDumpVerdict } from './flood.js';
import { COREDUMP_KERNEL, runHandshake, type AckDecision } from './handshake.js';
import {
  contextFromPeer,
  openPeer,
  verifyPeer,
  withSignal,
  type OpenedPeer,
} from './peer-context.js';

/** The manager's end of the socketpair, as the worker inherits it. */
export const WORKER_CHANNEL_FD = 3;

export interface KernelConnectionDeps {
  readonly config: CoredumpConfig;
  readonly paths: Paths;
  readonly log: Log;
  /**
   * Overrides flood control's say: 'reject' makes the kernel skip the dump. Default:
   * RateLimitIntervalSec=/RateLimitBurst= decide (flood.ts), and a rejected crash
   * still gets its journal entry.
   */
  readonly decide?: (peer: OpenedPeer) => AckDecision;
  readonly handshakeTimeoutMs?: number;
}

/**
 * One crash on one accepted kernel connection: `conn` is owned from here on and
 * always closed. Returns the exit status (0, or the failing step's code).
 */
export async function processKernelConnection(
  conn: number,
  acceptedUsec: number,
  deps: KernelConnectionDeps,
): Promise<number> {
  const { log } = deps;
  let opened: OpenedPeer;
  try {
    opened = openPeer(conn);
  } catch (error) {
    closeQuietly(conn);
    return reportFailure(log, error);
  }
  // Closed at the end, once the entry is written, as systemd's worker closes it when
  // it exits: the kernel (COREDUMP_WAIT) keeps the crashed process until then. Closing
  // it as soon as the mini core was collected let the kernel free the process's memory
  // while the stack helper ran, and on two cores that slowed the helper by a third to a
  // half (docs/performance.md, "Latest run (commit eef4c4a)").
  try {
    // The handshake comes before the verdict on the peer, so that flood control can
    // still tell the kernel to skip; a peer that is not a crash is refused right
    // after it, before a byte of "core" is read.
    const pre: PreDumpVerdict | undefined =
      deps.decide === undefined ? decideBeforeDump(opened, acceptedUsec, deps) : undefined;
    // Before Linux 6.19 the pidfd info has no signal, and an entry without
    // COREDUMP_SIGNAL makes systemd's coredumpctl abort: a suppressed crash whose
    // signal is unknown is let start instead of rejected, its notes (which come
    // first) are read for the signal, and then the connection is closed, which
    // ends the dump after a few kilobytes.
    const cutShort = pre?.decision === 'reject' && pre.ctx?.meta.signal === undefined;
    let handshake;
    try {
      handshake = runHandshake(conn, {
        decision: deps.decide?.(opened) ?? (cutShort ? 'dump' : (pre?.decision ?? 'dump')),
        ...(deps.handshakeTimeoutMs !== undefined && { timeoutMs: deps.handshakeTimeoutMs }),
      });
    } catch (error) {
      return reportFailure(log, error, 'Failed to process coredump request: ');
    }
    const peer = verifyPeer(opened);
    if ((handshake.ackMask & COREDUMP_KERNEL) === 0n) {
      log.info(`Told the kernel to skip the coredump of process ${String(peer.pid)}.`);
      return pre?.ctx !== undefined && pre.decision === 'reject'
        ? await journalRejected(pre, deps)
        : 0;
    }

    setNonBlocking(conn, false);
    const head = readCoreHead(conn);
    const signal = peer.signal ?? head.result.signal;
    if (signal === undefined) {
      log.warn(
        `Could not learn the signal of process ${String(peer.pid)}: ${head.result.reason ?? 'unknown'}.`,
      );
    }
    // Flood control read the context already: only the signal may be new.
    const { ctx, warnings } =
      pre?.ctx === undefined
        ? contextFromPeer(peer, {
            procRoot: deps.paths.procRoot,
            timestampUsec: acceptedUsec,
            signal,
          })
        : { ctx: withSignal(pre.ctx, signal), warnings: pre.warnings ?? [] };
    for (const w of warnings) log.warn(w);
    const meta = ctx.meta;
    if (cutShort) {
      // The connection stays open while the stacks are read from the held process (the
      // notes say where); closing it at the end makes the kernel's next write fail: the
      // dump ends there.
      log.info(
        `Read the signal of process ${String(meta.pid)} from its core's notes and stopped the dump (rate limit).`,
      );
      return await journalRejected({ ...pre, ctx }, deps, 'cut short', {
        head: readThroughNotes(conn, head.head),
        pidfd: opened.pidfd,
      });
    }
    log.info(
      `Process ${String(meta.pid)} (${meta.comm}) of user ${String(meta.uid)} terminated abnormally with signal ${String(signal ?? 0)}/${signalText(signal)}, processing...`,
    );

    // The pipeline reads the connection itself, after the head already read from it
    // (a pipe fed by a splice thread cost 10-20% more of the worker's CPU: the socket's
    // buffers were handled twice). The link_map walk reads the held process's memory
    // once the stream ends.
    const result = await submitCrash(ctx, conn, {
      config: deps.config,
      paths: deps.paths,
      log,
      ...(pre !== undefined && pre.limit.verdict !== 'off' && { rateLimit: pre.limit }),
      pidfd: opened.pidfd,
      coreHead: head.head,
    });
    return result.error === undefined ? 0 : result.error.exitStatus;
  } catch (error) {
    return reportFailure(log, error);
  } finally {
    closeQuietly(conn);
    closeQuietly(opened.pidfd);
  }
}

/** A cut-short dump: the core's head as read, and the process still held by the connection. */
interface HeldDump {
  readonly head: Buffer;
  readonly pidfd: number;
}

/**
 * The entry of a crash whose dump flood control rejected: the context, no core.
 * A cut-short dump's head (its notes) goes to the pipeline as the whole stream,
 * so the crash is traced from its notes and the held process's memory and gets
 * the signature its stored crashes have.
 */
async function journalRejected(
  pre: PreDumpVerdict,
  deps: KernelConnectionDeps,
  how: 'not dumped' | 'cut short' = 'not dumped',
  held?: HeldDump,
): Promise<number> {
  if (pre.ctx === undefined) return 0;
  // Nothing more is read: the pipeline sees EOF after the head a cut-short dump had.
  const [coreFd, feedFd] = pipe();
  closeQuietly(feedFd);
  try {
    const result = await submitCrash(pre.ctx, coreFd, {
      config: deps.config,
      paths: deps.paths,
      log: deps.log,
      rateLimit: { ...pre.limit, skipped: how },
      ...(held !== undefined && {
        pidfd: held.pidfd,
        coreHead: held.head,
      }),
    });
    return result.error === undefined ? 0 : result.error.exitStatus;
  } finally {
    closeQuietly(coreFd);
  }
}

/** signal_to_string(): "SEGV" for 11, "RTMIN+3" for 37; empty when unknown. */
function signalText(signal: number | undefined): string {
  return signal === undefined ? '' : (signalName(signal)?.slice('SIG'.length) ?? '');
}

/** What the manager sends: the accept time, JSON. */
export function parseHandoff(data: Buffer): { acceptedUsec: number } {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new CoredumpError('ERR_PROTOCOL', 'Received a malformed hand-off from the manager.', {
      cause: error,
    });
  }
  const usec = (value as { acceptedUsec?: unknown } | null)?.acceptedUsec;
  if (typeof usec !== 'number' || !Number.isSafeInteger(usec) || usec < 0) {
    throw new CoredumpError('ERR_PROTOCOL', 'Received a hand-off without a valid acceptedUsec.');
  }
  return { acceptedUsec: usec };
}

function loadWorkerConfig(paths: Paths, log: Log): CoredumpConfig {
  const { config, diagnostics } = loadConfig({ root: paths.configRoot, fs: configFs });
  for (const d of diagnostics) {
    const text = formatDiagnostic(d);
    if (d.level === 'warning') log.warn(text);
    else if (d.level === 'notice') (log.notice ?? log.info)(text);
    else log.debug(text);
  }
  return config;
}

/**
 * The pre-started worker's whole life. Exported for the manager's dispatcher:
 * everything is loaded before the wait, so a crash pays no start-up.
 */
export async function runSocketWorker(env: NodeJS.ProcessEnv, log: Log): Promise<number> {
  try {
    setDumpable(false); // never dump our own core into ourselves
  } catch {
    // not fatal: the unit's sandbox still applies
  }
  try {
    writeFileSync('/proc/self/oom_score_adj', '500'); // only the manager is protected
  } catch {
    // not root, or no /proc: keep the inherited score
  }
  const paths = pathsFromEnv(env);
  const config = loadWorkerConfig(paths, log);
  warmCoreStream(config);

  let handoff;
  try {
    handoff = await recvmsg(WORKER_CHANNEL_FD, { maxFds: 1 });
  } catch (error) {
    return reportFailure(
      log,
      new CoredumpError('ERR_SOCKET_RECEIVE', 'Failed to receive a connection from the manager', {
        cause: error,
      }),
    );
  } finally {
    closeQuietly(WORKER_CHANNEL_FD);
  }
  const [conn] = handoff.fds;
  if (handoff.eof) {
    log.debug('The manager closed the channel without handing over a connection.');
    return 0;
  }
  let owned = handoff.fds; // closed on any failure before processKernelConnection takes it
  try {
    if (conn === undefined || owned.length !== 1 || handoff.controlTruncated) {
      throw new CoredumpError('ERR_LISTEN_FDS', 'Received unexpected number of file descriptors.');
    }
    if (socketType(conn) !== 'stream') {
      throw new CoredumpError('ERR_PROTOCOL', 'The handed-over connection is not a stream socket.');
    }
    const { acceptedUsec } = parseHandoff(handoff.data);
    owned = [];
    return await processKernelConnection(conn, acceptedUsec, { config, paths, log });
  } catch (error) {
    for (const fd of owned) closeQuietly(fd);
    return reportFailure(log, error);
  }
}
