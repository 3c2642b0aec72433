// What a pidfd and the kernel tell about a process (Linux 6.5+ SO_PEERPIDFD,
// 6.13+ PIDFD_GET_INFO, 6.16+ its coredump fields): the socket-mode worker's
// view of the crashing process, which arrives as the peer of its connection.
import { addon, type RawPidfdInfo } from './addon.js';

// linux/pidfd.h: what PIDFD_GET_INFO is asked for and says it filled in.
export const PIDFD_INFO_PID = 1 << 0;
export const PIDFD_INFO_CREDS = 1 << 1;
export const PIDFD_INFO_CGROUPID = 1 << 2;
export const PIDFD_INFO_EXIT = 1 << 3;
export const PIDFD_INFO_COREDUMP = 1 << 4;
export const PIDFD_INFO_SUPPORTED_MASK = 1 << 5;
export const PIDFD_INFO_COREDUMP_SIGNAL = 1 << 6;
export const PIDFD_INFO_COREDUMP_CODE = 1 << 7;

// coredump_mask bits.
export const PIDFD_COREDUMPED = 1 << 0;
export const PIDFD_COREDUMP_SKIP = 1 << 1;
export const PIDFD_COREDUMP_USER = 1 << 2;
export const PIDFD_COREDUMP_ROOT = 1 << 3;

export type PidfdInfo = Readonly<RawPidfdInfo>;

/** getsockopt(SO_PEERPIDFD): a pidfd (close-on-exec) of the peer that connected. */
export function peerPidfd(fd: number): number {
  return addon.peerPidfd(fd);
}

/**
 * ioctl(PIDFD_GET_INFO) asking for `mask`; the reply's `mask` says which parts are
 * valid (PID, CREDS and CGROUPID always are). Fields the kernel does not know stay 0.
 */
export function pidfdGetInfo(pidfd: number, mask: number): PidfdInfo {
  return addon.pidfdGetInfo(pidfd, mask);
}

/**
 * The PIDFD_INFO_* bits this kernel can fill in: its supported_mask where it has one
 * (6.19+), else what it reported for a request of every known bit about ourselves.
 */
export function pidfdInfoSupported(): number {
  const ALL = 0xff;
  const self = addon.pidfdOpen(process.pid, 0);
  try {
    const info = addon.pidfdGetInfo(self, ALL);
    if ((info.mask & PIDFD_INFO_SUPPORTED_MASK) !== 0) return info.supportedMask;
    // Older kernels fill only what applies to a live process: COREDUMP is still
    // reported (with an empty coredump_mask) when the kernel has it.
    return info.mask;
  } finally {
    addon.close(self);
  }
}

export const RLIMIT_CORE = 4;

/** prlimit(pid, resource): the soft and hard limit; 2^64-1 is RLIM_INFINITY. */
export function getProcessLimit(pid: number, resource: number): { cur: bigint; max: bigint } {
  const [cur, max] = addon.prlimit(pid, resource);
  return { cur, max };
}

/**
 * The hostname inside the UTS namespace of process `pid`: a short-lived thread joins
 * the namespace (setns needs CAP_SYS_ADMIN) and calls uname(); ours is never changed.
 */
export function utsHostname(pid: number): string {
  return addon.utsHostname(pid);
}
