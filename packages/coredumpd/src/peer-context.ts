// The crash context in socket mode (spec §2.4 "Worker", systemd 262's
// coredump_context_parse_from_peer): no core_pattern arguments, everything comes
// from the peer's pidfd (SO_PEERPIDFD + PIDFD_GET_INFO), prlimit, the process's
// UTS namespace and /proc. This is the third source of a CrashContext ('peer'),
// beside the kernel's argv and the datagrams; the /proc fields and their order are
// the pipe path's own (@coredump-ts/context's collectProcFields and
// kernelContextValues).
import { readFileSync, readdirSync } from 'node:fs';
import { hostname as ourHostname } from 'node:os';

import {
  collectProcFields,
  kernelContextValues,
  readComm,
  type CollectedContext,
  type CrashMetadata,
} from '@coredump-ts/context';
import { closeQuietly } from '@coredump-ts/pipeline';
import { CoredumpError, FIELD, signalName } from '@coredump-ts/protocol';
import {
  PIDFD_COREDUMPED,
  PIDFD_COREDUMP_SKIP,
  PIDFD_COREDUMP_USER,
  PIDFD_INFO_CGROUPID,
  PIDFD_INFO_COREDUMP,
  PIDFD_INFO_COREDUMP_SIGNAL,
  PIDFD_INFO_CREDS,
  PIDFD_INFO_PID,
  RLIMIT_CORE,
  getProcessLimit,
  peerPidfd,
  pidfdGetInfo,
  pidfdPid,
  utsHostname,
  type PidfdInfo,
} from '@coredump-ts/unix';

/** The crashing process as the kernel describes the peer of its connection. */
export interface Peer {
  /** Owned by the caller from here on (close it when done). */
  readonly pidfd: number;
  readonly pid: number;
  /** Real uid and gid (ruid/rgid), as %u/%g give them in pipe mode. */
  readonly uid: number;
  readonly gid: number;
  /** PIDFD_COREDUMP_USER ? 1 : 2 (SUID_DUMP_USER or SUID_DUMP_ROOT). */
  readonly dumpable: 1 | 2;
  /** From PIDFD_INFO_COREDUMP_SIGNAL (Linux 6.19+); else the core's notes tell. */
  readonly signal: number | undefined;
}

const refuse = (message: string, cause?: unknown): CoredumpError =>
  new CoredumpError('ERR_PROTOCOL', message, cause === undefined ? undefined : { cause });

/** The peer of a connection as its pidfd describes it, not yet judged. */
export interface OpenedPeer {
  /** Owned by the caller from here on (close it when done). */
  readonly pidfd: number;
  readonly info: PidfdInfo;
}

const PEER_INFO_MASK =
  PIDFD_INFO_PID |
  PIDFD_INFO_CREDS |
  PIDFD_INFO_CGROUPID |
  PIDFD_INFO_COREDUMP |
  PIDFD_INFO_COREDUMP_SIGNAL;

/** SO_PEERPIDFD + PIDFD_GET_INFO of whoever is at the other end of `conn`. */
export function openPeer(conn: number): OpenedPeer {
  let pidfd: number;
  try {
    pidfd = peerPidfd(conn);
  } catch (error) {
    throw refuse('We do not have pidfd of the crashed process.', error);
  }
  try {
    return { pidfd, info: pidfdGetInfo(pidfd, PEER_INFO_MASK) };
  } catch (error) {
    closeQuietly(pidfd);
    throw refuse('Failed to get pidfd info of the crashed process.', error);
  }
}

/**
 * Did the kernel put this peer there because it crashed? A process that merely
 * connected has no coredump in its pidfd info and is refused with systemd's
 * message. Pure: the caller still owns (and closes) the pidfd either way.
 */
export function verifyPeer(peer: OpenedPeer): Peer {
  const { info } = peer;
  if ((info.mask & PIDFD_INFO_COREDUMP) === 0) {
    throw refuse('ioctl(PIDFD_GET_INFO) does not support PIDFD_INFO_COREDUMP.');
  }
  if ((info.coredumpMask & PIDFD_COREDUMPED) === 0) {
    throw refuse(`The process [${String(info.pid)}] did not crash.`);
  }
  if ((info.coredumpMask & PIDFD_COREDUMP_SKIP) !== 0) {
    throw refuse(`Coredump generation for process [${String(info.pid)}] is skipped.`);
  }
  const signal =
    (info.mask & PIDFD_INFO_COREDUMP_SIGNAL) !== 0 && info.coredumpSignal > 0
      ? info.coredumpSignal
      : undefined;
  return {
    pidfd: peer.pidfd,
    pid: info.pid,
    uid: info.ruid,
    gid: info.rgid,
    dumpable: (info.coredumpMask & PIDFD_COREDUMP_USER) !== 0 ? 1 : 2,
    signal,
  };
}

/** PF_DUMPCORE in /proc/<pid>/task/<tid>/stat's flags: the thread writing the dump. */
const PF_DUMPCORE = 0x200;

/** The TID of the thread that dumps core (the crashing one), by the PF_DUMPCORE scan. */
export function findDumpingThread(procRoot: string, pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`${procRoot}/${String(pid)}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`${procRoot}/${String(pid)}/task/${tid}/stat`, 'latin1');
    } catch {
      continue; // the thread is gone
    }
    // comm may contain anything, ")" too: the fields start after the last ")".
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const flags = Number(rest[6]); // field 9: state ppid pgrp session tty_nr tpgid flags
    if (Number.isInteger(flags) && (flags & PF_DUMPCORE) !== 0) return Number(tid);
  }
  return undefined;
}

/** "Max core file size  <soft>  <hard>  bytes" of /proc/<pid>/limits; 2^64-1 for unlimited. */
export function parseCoreLimit(limits: string): bigint | undefined {
  const m = /^Max core file size\s+(\S+)/m.exec(limits);
  if (m?.[1] === undefined) return undefined;
  if (m[1] === 'unlimited') return 2n ** 64n - 1n;
  return /^[0-9]+$/.test(m[1]) ? BigInt(m[1]) : undefined;
}

/**
 * The soft RLIMIT_CORE: prlimit(), as systemd does. prlimit() of another user's
 * process needs CAP_SYS_RESOURCE, which systemd-coredumpd.service's bounding set
 * lacks; where it is refused, /proc/<pid>/limits (world-readable) says the same.
 * Only when both fail does it stay 0, and then the core is not saved (spec §2.4).
 */
function coreLimit(procRoot: string, pid: number, warnings: string[]): bigint {
  let failure: unknown;
  try {
    return getProcessLimit(pid, RLIMIT_CORE).cur;
  } catch (error) {
    failure = error;
  }
  try {
    const limit = parseCoreLimit(readFileSync(`${procRoot}/${String(pid)}/limits`, 'latin1'));
    if (limit !== undefined) return limit;
  } catch {
    // fall through to the warning
  }
  warnings.push(
    `Failed to get RLIMIT_CORE of process ${String(pid)}, ignoring: ${(failure as Error).message}`,
  );
  return 0n;
}

/**
 * systemd's hostname_is_valid(): dot-separated labels of letters and digits with
 * inner hyphens, at most 64 bytes. (The handler keeps the same rule as a function
 * for argv; a shared home in protocol would serve both.)
 */
const VALID_HOSTNAME =
  /^(?=.{1,64}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export interface PeerContextOptions {
  readonly procRoot: string;
  /** When the manager accepted the connection (µs): the kernel gives no time in this mode. */
  readonly timestampUsec: number;
  /** The peer's signal, or the one from the core's notes; undefined leaves it out. */
  readonly signal: number | undefined;
}

export interface PeerContext {
  readonly ctx: CollectedContext;
  /** Non-fatal problems, one log line each (warning level). */
  readonly warnings: readonly string[];
}

/**
 * The CrashContext of the peer: /proc fields exactly as in pipe mode, the argv-like
 * fields from the pidfd and the kernel. The pidfd must still name the process after
 * the /proc reads (pidref_verify), or the context is refused.
 */
export function contextFromPeer(peer: Peer, opts: PeerContextOptions): PeerContext {
  const { procRoot } = opts;
  const warnings: string[] = [];
  const comm = readComm(procRoot, peer.pid);
  const tid = findDumpingThread(procRoot, peer.pid);

  const rlimit = coreLimit(procRoot, peer.pid, warnings);

  let hostname: string | undefined;
  try {
    hostname = utsHostname(peer.pid);
  } catch (error) {
    warnings.push(
      `Failed to get hostname of process ${String(peer.pid)}, ignoring: ${(error as Error).message}`,
    );
  }
  if (hostname === undefined || !VALID_HOSTNAME.test(hostname)) {
    if (hostname !== undefined)
      warnings.push(`Received coredump with an invalid hostname, ignoring: ${hostname}`);
    hostname = ourHostname(); // the default hostname, as systemd falls back to
  }

  const proc = collectProcFields(procRoot, peer.pid, tid);
  const values = kernelContextValues(
    {
      pid: peer.pid,
      uid: peer.uid,
      gid: peer.gid,
      signal: opts.signal,
      timestampUsec: opts.timestampUsec,
      rlimit,
      hostname,
      dumpable: peer.dumpable,
      tid,
    },
    comm,
    proc,
    { fd: peer.pidfd, fromKernel: true },
  );

  let now: number | undefined;
  try {
    now = pidfdPid(peer.pidfd);
  } catch {
    now = undefined;
  }
  if (now !== peer.pid) {
    throw new CoredumpError(
      'ERR_PIDFD_MISMATCH',
      `PIDFD validation failed: PID ${String(peer.pid)} was replaced or exited while being inspected.`,
    );
  }
  const value = (name: string): Buffer | undefined => values.get(name);
  const str = (name: string): string | undefined => value(name)?.toString('utf8');
  const { signal } = opts;
  const sigName = signal === undefined ? undefined : signalName(signal);
  const threadName = str(FIELD.THREAD_NAME);
  const exe = str(FIELD.EXE);
  const unit = str(FIELD.UNIT);
  const pidfdId = str(FIELD.PIDFDID);
  const auxv = value(FIELD.PROC_AUXV);
  const meta: CrashMetadata = {
    pid: peer.pid,
    uid: peer.uid,
    gid: peer.gid,
    ...(signal !== undefined && { signal }),
    ...(sigName !== undefined && { signalName: sigName }),
    timestampUsec: opts.timestampUsec,
    rlimit: rlimit >= 2n ** 53n ? Infinity : Number(rlimit),
    hostname,
    dumpable: peer.dumpable,
    comm,
    ...(tid !== undefined && { tid }),
    ...(threadName !== undefined && { threadName }),
    ...(exe !== undefined && { exe }),
    ...(unit !== undefined && { unit }),
    byPidfd: true,
    ...(pidfdId !== undefined && { pidfdId }),
    ...(auxv !== undefined && { auxv }),
  };
  return { ctx: { source: 'peer', meta, values }, warnings };
}

/**
 * The same context with the signal the core's notes gave (before Linux 6.19 the pidfd
 * info has none): flood control's context, read before the handshake, completed
 * without reading /proc a second time.
 */
export function withSignal(ctx: CollectedContext, signal: number | undefined): CollectedContext {
  if (signal === undefined || ctx.meta.signal === signal) return ctx;
  const values = new Map(ctx.values);
  values.set(FIELD.SIGNAL, Buffer.from(String(signal)));
  const name = signalName(signal);
  if (name === undefined) values.delete(FIELD.SIGNAL_NAME);
  else values.set(FIELD.SIGNAL_NAME, Buffer.from(name));
  const meta = Object.fromEntries(
    Object.entries(ctx.meta).filter(([key]) => key !== 'signalName'),
  ) as Omit<CrashMetadata, 'signalName'>;
  return {
    ...ctx,
    meta: { ...meta, signal, ...(name !== undefined && { signalName: name }) },
    values,
  };
}
