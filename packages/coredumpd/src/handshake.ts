// The request/ack handshake of the kernel coredump socket (core_pattern "@@",
// Linux 6.17+; spec §2.4 "Handshake", UAPI linux/coredump.h): the kernel sends a
// coredump_req, we answer with a coredump_ack, the kernel replies with a 4-byte
// mark, and on REQACK with COREDUMP_KERNEL the core follows on the same stream.
// The transitions are pure functions on plain state values; runHandshake is the
// thin I/O around them. Error texts are systemd 262's.
import { CoredumpError, type ErrorCode } from '@coredump-ts/protocol';
import {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  pollFd,
  queuedBytes,
  recvBytes,
  sendmsg,
} from '@coredump-ts/unix';

export const COREDUMP_KERNEL = 1n << 0n;
export const COREDUMP_USERSPACE = 1n << 1n;
export const COREDUMP_REJECT = 1n << 2n;
export const COREDUMP_WAIT = 1n << 3n;

export const COREDUMP_REQ_SIZE_VER0 = 16;
export const COREDUMP_ACK_SIZE_VER0 = 16;
/** systemd's bound on a request: larger ones are refused unread. */
export const COREDUMP_REQ_SIZE_MAX = 4096;

export const COREDUMP_MARK_REQACK = 0;
export const COREDUMP_MARK_MINSIZE = 1;
export const COREDUMP_MARK_MAXSIZE = 2;
export const COREDUMP_MARK_UNSUPPORTED = 3;
export const COREDUMP_MARK_CONFLICTING = 4;

/** Every flag systemd insists the kernel offers. */
const REQUIRED_REQUEST_FLAGS =
  COREDUMP_KERNEL | COREDUMP_USERSPACE | COREDUMP_REJECT | COREDUMP_WAIT;

/** What we answer: the kernel writes the core and waits for us, or it skips the dump. */
export type AckDecision = 'dump' | 'reject';

export const ACK_MASKS: Readonly<Record<AckDecision, bigint>> = {
  dump: COREDUMP_KERNEL | COREDUMP_WAIT,
  reject: COREDUMP_REJECT,
};

export interface CoredumpRequest {
  /** Bytes of the request as the kernel sent it (>= 16). */
  readonly size: number;
  /** The largest coredump_ack this kernel reads. */
  readonly sizeAck: number;
  readonly mask: bigint;
}

export type HandshakeState =
  | { readonly phase: 'await-request' }
  | { readonly phase: 'send-ack'; readonly request: CoredumpRequest; readonly ack: Buffer }
  | { readonly phase: 'await-mark'; readonly request: CoredumpRequest; readonly ackMask: bigint }
  | { readonly phase: 'done'; readonly request: CoredumpRequest; readonly ackMask: bigint };

/** errno names systemd returns for each refusal; the CoredumpError carries one. */
export type HandshakeErrno =
  'EBADMSG' | 'ENOBUFS' | 'EMSGSIZE' | 'EOPNOTSUPP' | 'EINVAL' | 'EIO' | 'ESTALE' | 'ETIMEDOUT';

export class HandshakeError extends CoredumpError {
  readonly errno: HandshakeErrno;

  constructor(
    errno: HandshakeErrno,
    message: string,
    code: ErrorCode = 'ERR_PROTOCOL',
    cause?: unknown,
  ) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.errno = errno;
  }
}

export const INITIAL_STATE: HandshakeState = { phase: 'await-request' };

const badMessage = (message: string): HandshakeError => new HandshakeError('EBADMSG', message);

/** The queued byte count, checked before anything is read. */
export function checkRequestSize(queued: number): void {
  if (queued < COREDUMP_REQ_SIZE_VER0) {
    throw badMessage(
      `Acquired coredump request size is too small (${String(queued)} < ${String(COREDUMP_REQ_SIZE_VER0)})`,
    );
  }
  if (queued > COREDUMP_REQ_SIZE_MAX) {
    throw badMessage(
      `Acquired coredump request size is too large (${String(queued)} > ${String(COREDUMP_REQ_SIZE_MAX)})`,
    );
  }
}

/** await-request -> send-ack: validate the request bytes and build our answer. */
export function onRequest(bytes: Buffer, decision: AckDecision): HandshakeState {
  const n = bytes.length;
  if (n < COREDUMP_REQ_SIZE_VER0) {
    throw badMessage(
      `Received coredump request size is too small (${String(n)} < ${String(COREDUMP_REQ_SIZE_VER0)})`,
    );
  }
  const request: CoredumpRequest = {
    size: bytes.readUInt32LE(0),
    sizeAck: bytes.readUInt32LE(4),
    mask: bytes.readBigUInt64LE(8),
  };
  if (n !== request.size) {
    throw badMessage(
      `Received coredump request size does not match with the size specified in the request (${String(n)} != ${String(request.size)})`,
    );
  }
  if (request.sizeAck < COREDUMP_ACK_SIZE_VER0) {
    throw badMessage(
      `Received coredump request with too small ack size (${String(request.sizeAck)} < ${String(COREDUMP_ACK_SIZE_VER0)})`,
    );
  }
  if ((request.mask & REQUIRED_REQUEST_FLAGS) !== REQUIRED_REQUEST_FLAGS) {
    throw badMessage(
      `Received coredump request with insufficient flags (${request.mask.toString(16)})`,
    );
  }
  return { phase: 'send-ack', request, ack: buildAck(request, ACK_MASKS[decision]) };
}

/** struct coredump_ack { u32 size; u32 spare; u64 mask }, cut to what the kernel reads. */
export function buildAck(request: CoredumpRequest, mask: bigint): Buffer {
  const ack = Buffer.alloc(COREDUMP_ACK_SIZE_VER0);
  const size = Math.min(COREDUMP_ACK_SIZE_VER0, request.sizeAck);
  ack.writeUInt32LE(size, 0);
  ack.writeBigUInt64LE(mask, 8);
  return ack.subarray(0, size);
}

/** send-ack -> await-mark, once `sent` bytes went out. */
export function onAckSent(state: HandshakeState, sent: number): HandshakeState {
  if (state.phase !== 'send-ack') throw new Error(`ack sent in phase ${state.phase}`);
  if (sent !== state.ack.length) {
    throw new HandshakeError(
      'ESTALE',
      `Sent size does not match with the size of coredump ack (${String(sent)} != ${String(state.ack.length)})`,
      'ERR_SOCKET_SEND',
    );
  }
  return { phase: 'await-mark', request: state.request, ackMask: state.ack.readBigUInt64LE(8) };
}

const MARK_REFUSALS: Readonly<Record<number, readonly [HandshakeErrno, string]>> = {
  [COREDUMP_MARK_MINSIZE]: [
    'ENOBUFS',
    'Sent coredump ack message is refused as its size is too small.',
  ],
  [COREDUMP_MARK_MAXSIZE]: [
    'EMSGSIZE',
    'Sent coredump ack message is refused as its size is too large.',
  ],
  [COREDUMP_MARK_UNSUPPORTED]: [
    'EOPNOTSUPP',
    'Sent coredump ack message is refused as it contains unsupported flags.',
  ],
  [COREDUMP_MARK_CONFLICTING]: [
    'EINVAL',
    'Sent coredump ack message is refused as it contains conflicting flags.',
  ],
};

/** await-mark -> done (REQACK), or the kernel's refusal as an error. */
export function onMark(state: HandshakeState, bytes: Buffer): HandshakeState {
  if (state.phase !== 'await-mark') throw new Error(`mark received in phase ${state.phase}`);
  if (bytes.length !== 4) {
    throw badMessage(`Received marker with invalid size (${String(bytes.length)}).`);
  }
  const mark = bytes.readUInt32LE(0);
  if (mark === COREDUMP_MARK_REQACK) {
    return { phase: 'done', request: state.request, ackMask: state.ackMask };
  }
  const refusal = MARK_REFUSALS[mark];
  if (refusal !== undefined) throw new HandshakeError(refusal[0], refusal[1]);
  throw badMessage(`Sent coredump ack message is refused with unknown reason (${String(mark)}).`);
}

export interface HandshakeOptions {
  /** REJECT tells the kernel to skip this dump (flood control); default: dump. */
  readonly decision?: AckDecision;
  /** Give up on a silent peer after this long in total (default 60 s). */
  readonly timeoutMs?: number;
  /** Milliseconds clock, for the deadline. */
  readonly now?: () => number;
}

export interface HandshakeResult {
  readonly request: CoredumpRequest;
  /** The mask the kernel accepted: with COREDUMP_KERNEL the core follows on the socket. */
  readonly ackMask: bigint;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Run the handshake on the kernel's connection (blocking or not: every read and
 * write waits with poll() and then does not block). Throws a HandshakeError with
 * systemd's text and errno on every refusal; nothing is read past the mark.
 */
export function runHandshake(fd: number, opts: HandshakeOptions = {}): HandshakeResult {
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const wait = (events: number, what: string): number => {
    const left = deadline - now();
    const revents = left > 0 ? pollFd(fd, events, left) : 0;
    if (revents === 0) {
      throw new HandshakeError('ETIMEDOUT', `Timed out waiting for ${what}.`, 'ERR_SOCKET_RECEIVE');
    }
    return revents;
  };
  const io = <T>(what: string, code: ErrorCode, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof HandshakeError) throw error;
      throw new HandshakeError('EIO', `${what}: ${(error as Error).message}`, code, error);
    }
  };
  const readable = (what: string): number => {
    const revents = wait(POLLIN, what);
    const queued = io('Failed to determine coredump request size', 'ERR_SOCKET_RECEIVE', () =>
      queuedBytes(fd),
    );
    // Data first, as systemd's handler does; a hang-up or error with nothing left to read is EIO.
    if (queued === 0 && (revents & (POLLHUP | POLLERR)) !== 0) {
      throw new HandshakeError(
        'EIO',
        `Connection hung up while waiting for ${what}.`,
        'ERR_SOCKET_RECEIVE',
      );
    }
    return queued;
  };

  let state: HandshakeState = INITIAL_STATE;
  for (;;) {
    switch (state.phase) {
      case 'await-request': {
        const queued = readable('the coredump request');
        checkRequestSize(queued);
        const bytes = io('Failed to receive coredump request', 'ERR_SOCKET_RECEIVE', () =>
          recvBytes(fd, queued),
        );
        state = onRequest(bytes, opts.decision ?? 'dump');
        break;
      }
      case 'send-ack': {
        const { ack } = state;
        wait(POLLOUT, 'room to send the coredump ack');
        const sent = io('Failed to send coredump ack', 'ERR_SOCKET_SEND', () =>
          sendmsg(fd, ack, { dontWait: true }),
        );
        state = onAckSent(state, sent);
        break;
      }
      case 'await-mark': {
        readable('the marker');
        const bytes = io('Failed to receive marker', 'ERR_SOCKET_RECEIVE', () => recvBytes(fd, 4));
        state = onMark(state, bytes);
        break;
      }
      case 'done':
        return { request: state.request, ackMask: state.ackMask };
    }
  }
}
