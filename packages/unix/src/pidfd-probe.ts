// PIDFD_GET_INFO's answer on this kernel (pidfd-probe.c): which info fields it
// fills, and which it supports at all (PIDFD_INFO_SUPPORTED_MASK, 6.18+).
import { addon } from './addon.js';

export const PIDFD_INFO = {
  PID: 1 << 0,
  CREDS: 1 << 1,
  CGROUPID: 1 << 2,
  EXIT: 1 << 3,
  COREDUMP: 1 << 4,
  SUPPORTED_MASK: 1 << 5,
  COREDUMP_SIGNAL: 1 << 6,
} as const;

export interface PidfdInfoMasks {
  /** The reply's mask: the fields filled for this request. */
  mask: number;
  /** Every field this kernel knows; 0 on kernels older than PIDFD_INFO_SUPPORTED_MASK. */
  supportedMask: number;
}

/**
 * PIDFD_GET_INFO on `pidfd` asking for `requestMask` (plus the supported mask).
 * Throws a SysError (ENOTTY, EINVAL) on kernels without the ioctl.
 */
export function pidfdInfoMasks(pidfd: number, requestMask: number): PidfdInfoMasks {
  return addon.pidfdInfoMasks(pidfd, requestMask);
}
