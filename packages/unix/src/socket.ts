// AF_UNIX sockets: what Node's `net` and `dgram` cannot do (SOCK_SEQPACKET,
// SCM_RIGHTS, exact-size datagram reads, abstract addresses, inherited fds).
// Paths starting with '@' are Linux abstract addresses.
import { addon } from './addon.js';

export type SocketType = 'seqpacket' | 'dgram' | 'stream';

export interface RecvResult {
  /** The whole datagram at its exact size (the size is peeked first). */
  data: Buffer;
  /** SCM_RIGHTS fds received, close-on-exec. The caller owns them. */
  fds: number[];
  /** Peer closed: 0 bytes and no fds on a stream or seqpacket socket. */
  eof: boolean;
  /** MSG_TRUNC: the datagram was longer than the buffer (only if it grew between peek and read). */
  truncated: boolean;
  /** MSG_CTRUNC: more fds arrived than maxFds; the extras were closed. */
  controlTruncated: boolean;
}

export interface RecvOptions {
  /** Give up after this long with a SysError code 'ETIMEDOUT'. Default: wait forever. */
  timeoutMs?: number;
  /** Most fds accepted per message (default 8); extras are closed. */
  maxFds?: number;
}

export interface SendOptions {
  /** Pass these fds with SCM_RIGHTS (the caller keeps its own copies). */
  fds?: readonly number[];
  /** Destination address, for unconnected dgram sockets. */
  path?: string;
  /** MSG_DONTWAIT: fail with EAGAIN instead of blocking on a full queue. */
  dontWait?: boolean;
}

const DEFAULT_MAX_FDS = 8;
const IOV_MAX = 1024;

const TYPE_NUMBERS: Record<SocketType, number> = {
  seqpacket: addon.constants.SOCK_SEQPACKET,
  dgram: addon.constants.SOCK_DGRAM,
  stream: addon.constants.SOCK_STREAM,
};

function typeNumber(type: SocketType): number {
  const n = TYPE_NUMBERS[type] as number | undefined;
  if (n === undefined) {
    throw Object.assign(new TypeError(`unknown socket type: ${JSON.stringify(type)}`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
  return n;
}

function timeoutArg(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || timeoutMs === Infinity) return -1;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw Object.assign(new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  return Math.min(Math.ceil(timeoutMs), 0x7fffffff);
}

/** A new blocking, close-on-exec AF_UNIX socket. */
export function socket(type: SocketType): number {
  return addon.socket(typeNumber(type));
}

/** A connected pair of AF_UNIX sockets, close-on-exec. */
export function socketpair(type: SocketType): [number, number] {
  return addon.socketpair(typeNumber(type));
}

export function connect(fd: number, path: string): void {
  addon.connect(fd, path);
}

export function bind(fd: number, path: string): void {
  addon.bind(fd, path);
}

export function listen(fd: number, backlog = 16): void {
  addon.listen(fd, backlog);
}

/** Accept one connection (blocking, close-on-exec), waiting on the libuv threadpool. */
export function accept(fd: number, opts: { timeoutMs?: number } = {}): Promise<number> {
  return addon.accept(fd, timeoutArg(opts.timeoutMs));
}

/** accept() on the calling thread. */
export function acceptSync(fd: number, opts: { timeoutMs?: number } = {}): number {
  return addon.acceptSync(fd, timeoutArg(opts.timeoutMs));
}

/**
 * Send one message (one datagram on dgram/seqpacket) gathered from `data`,
 * with MSG_NOSIGNAL. Returns the bytes sent.
 */
export function sendmsg(
  fd: number,
  data: Uint8Array | readonly Uint8Array[],
  opts: SendOptions = {},
): number {
  let iov: readonly Uint8Array[] = data instanceof Uint8Array ? [data] : data;
  if (iov.length > IOV_MAX) iov = [Buffer.concat(iov)];
  return addon.sendmsg(fd, iov, opts.fds ?? [], opts.path, opts.dontWait ?? false);
}

/** Receive one whole message; the wait and the read run on the libuv threadpool. */
export function recvmsg(fd: number, opts: RecvOptions = {}): Promise<RecvResult> {
  return addon.recvmsg(fd, timeoutArg(opts.timeoutMs), opts.maxFds ?? DEFAULT_MAX_FDS);
}

/** recvmsg() on the calling thread (blocks the event loop for up to timeoutMs). */
export function recvmsgSync(fd: number, opts: RecvOptions = {}): RecvResult {
  return addon.recvmsgSync(fd, timeoutArg(opts.timeoutMs), opts.maxFds ?? DEFAULT_MAX_FDS);
}

/** SO_PEERCRED: the peer's credentials at connect()/listen() time. */
export function peerCred(fd: number): { pid: number; uid: number; gid: number } {
  return addon.peerCred(fd);
}

/** SO_TYPE of an AF_UNIX socket; undefined for other families and non-sockets. */
export function socketType(fd: number): SocketType | undefined {
  const n = addon.socketType(fd);
  for (const [name, value] of Object.entries(TYPE_NUMBERS)) {
    if (value === n) return name as SocketType;
  }
  return undefined;
}

/** SO_SNDBUFFORCE (root), falling back to SO_SNDBUF (capped by wmem_max). */
export function setSendBuffer(fd: number, bytes: number): void {
  addon.setBuffer(fd, bytes, false);
}

/** SO_RCVBUFFORCE (root), falling back to SO_RCVBUF (capped by rmem_max). */
export function setRecvBuffer(fd: number, bytes: number): void {
  addon.setBuffer(fd, bytes, true);
}

export function setNonBlocking(fd: number, on: boolean): void {
  addon.setNonBlocking(fd, on);
}
