// Byte-stream helpers for the kernel coredump socket: readiness with its hang-up
// bits, queued bytes, one non-blocking (peeking) recv, and a blocking recv that fills
// a buffer.
import { addon } from './addon.js';

export const POLLIN = 0x001;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;

/**
 * poll() one fd for `events` (POLLIN/POLLOUT); returns revents, 0 when timeoutMs
 * passed. POLLERR and POLLHUP are reported whether asked for or not.
 */
export function pollFd(fd: number, events: number, timeoutMs = -1): number {
  return addon.pollFd(fd, events, timeoutMs < 0 ? -1 : Math.min(Math.ceil(timeoutMs), 0x7fffffff));
}

/** FIONREAD: bytes queued for reading. */
export function queuedBytes(fd: number): number {
  return addon.queuedBytes(fd);
}

/**
 * One recv(MSG_DONTWAIT[|MSG_PEEK]) of at most `length` bytes: what was queued
 * (an empty Buffer at end of stream). Nothing queued: SysError EAGAIN.
 */
export function recvBytes(fd: number, length: number, opts: { peek?: boolean } = {}): Buffer {
  return addon.recvBytes(fd, length, opts.peek ?? false);
}

/**
 * One blocking recv(MSG_WAITALL) into `into`: its whole length unless the stream
 * ends first; 0 at end of stream. For reading a stream socket in big pieces.
 */
export function recvFill(fd: number, into: Buffer): number {
  return addon.recvFill(fd, into);
}
