// Receive one crash on the accepted connection (spec §3.3, systemd 262's
// coredump_receive): payload datagrams, then the core fd, then optionally the
// pidfd and a mount-tree fd. Beyond systemd, the peer must be root.
import { contextFromDatagrams, type CrashContext } from '@coredump-ts/context';
import { closeQuietly } from '@coredump-ts/pipeline';
import { CoredumpError } from '@coredump-ts/protocol';
import { isSysError, peerCred, pidfdPid, recvmsg } from '@coredump-ts/unix';

export interface ReceivedCrash {
  readonly ctx: CrashContext;
  readonly coreFd: number;
  readonly pidfd: number | undefined;
  readonly mountTreeFd: number | undefined;
}

export interface ReceiveOptions {
  /** Besides root, the peer uid allowed to connect (unprivileged component tests). */
  readonly allowedPeerUid?: number | undefined;
  /** Per-datagram wait, so a silent peer cannot pin the worker forever. */
  readonly timeoutMs?: number;
  /**
   * The whole conversation's limit, so a slow-drip peer (one datagram just inside each
   * per-datagram wait) cannot pin it either.
   */
  readonly deadlineMs?: number;
  /** ms clock for the deadline (tests). */
  readonly now?: () => number;
  /** Total payload bytes accepted before the first fd. */
  readonly maxPayloadBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** A real sender sends its metadata in milliseconds; this is for a hostile or stuck one. */
export const DEFAULT_DEADLINE_MS = 60_000;
const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const deadlineError = (ms: number): CoredumpError =>
  new CoredumpError(
    'ERR_SOCKET_RECEIVE',
    `The coredump conversation did not finish within ${String(ms)} ms, refusing.`,
  );

const protocolError = (message: string): CoredumpError =>
  new CoredumpError('ERR_PROTOCOL', message);

/** Refuse peers other than root (and the configured test uid). */
export function checkPeer(fd: number, allowedPeerUid: number | undefined): void {
  const cred = peerCred(fd);
  if (cred.uid !== 0 && cred.uid !== allowedPeerUid) {
    throw new CoredumpError(
      'ERR_PEER_NOT_ROOT',
      `Refusing connection from pid ${String(cred.pid)} uid ${String(cred.uid)}: only root may submit coredumps.`,
    );
  }
}

export async function receiveCrash(fd: number, opts: ReceiveOptions = {}): Promise<ReceivedCrash> {
  checkPeer(fd, opts.allowedPeerUid);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const now = opts.now ?? Date.now;
  const deadline = now() + deadlineMs;
  const maxPayload = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const datagrams: Buffer[] = [];
  const fds: number[] = []; // core, pidfd, mount tree, in arrival order
  let payloadBytes = 0;
  try {
    while (fds.length < 3) {
      const left = deadline - now();
      if (left <= 0) throw deadlineError(deadlineMs);
      let msg;
      try {
        msg = await recvmsg(fd, { timeoutMs: Math.min(timeoutMs, left), maxFds: 1 });
      } catch (error) {
        // Waiting the rest of the conversation's time, not a whole per-datagram wait.
        if (isSysError(error, 'ETIMEDOUT') && left <= timeoutMs) throw deadlineError(deadlineMs);
        throw new CoredumpError('ERR_SOCKET_RECEIVE', 'Failed to receive coredump datagram', {
          cause: error,
        });
      }
      const before = fds.length;
      const carried = msg.fds.length;
      fds.push(...msg.fds); // owned from here on: closed on any error below
      if (msg.truncated) throw protocolError('Received truncated datagram.');
      if (msg.data.length === 0) {
        // A zero-length datagram without fds is EOF on SEQPACKET: fine once the core arrived.
        if (carried === 0 && !msg.controlTruncated && before > 0) break;
        if (carried !== 1 || msg.controlTruncated) {
          throw protocolError(
            'Received zero length message with zero or more than one file descriptor(s), expected one.',
          );
        }
        continue;
      }
      if (before > 0) throw protocolError('Received unexpected message with non-zero length.');
      if (carried > 0 || msg.controlTruncated) {
        throw protocolError('Received payload message with file descriptor(s), expected none.');
      }
      payloadBytes += msg.data.length;
      if (payloadBytes > maxPayload) throw protocolError('Received too much metadata.');
      datagrams.push(msg.data);
    }
    const [coreFd, pidfd, mountTreeFd] = fds;
    if (coreFd === undefined) throw protocolError('Coredump file descriptor missing.');
    const ctx = contextFromDatagrams(datagrams, {
      pidfdReceived: pidfd !== undefined,
      ...(pidfd !== undefined ? pidPart(pidfd) : {}),
    });
    return { ctx, coreFd, pidfd, mountTreeFd };
  } catch (error) {
    for (const f of fds) closeQuietly(f);
    throw error;
  }
}

/** The PID the second fd names; any fd that is not a pidfd is a protocol error (EINVAL). */
function pidPart(pidfd: number): { pidfdPid?: number } {
  let pid: number | undefined;
  try {
    pid = pidfdPid(pidfd);
  } catch (error) {
    throw new CoredumpError(
      'ERR_PROTOCOL',
      'Received a second file descriptor that is not a pidfd.',
      { cause: error },
    );
  }
  return pid === undefined ? {} : { pidfdPid: pid };
}
