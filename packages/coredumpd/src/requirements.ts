// --check-requirements (spec §2.4, coredump_manager_check_requirements): can
// the kernel coredump socket be used here? PIDFD_GET_INFO must know
// PIDFD_INFO_COREDUMP (the kernel accepts any core_pattern string, so this
// probe doubles as the "kernel supports @@" check), and we must run in the
// initial PID, user and time namespaces.
//
// systemd 262 also requires PIDFD_INFO_COREDUMP_SIGNAL (6.19). We do not: the
// signal is in the core's own NT_SIGINFO / NT_PRSTATUS notes, which arrive
// first (issue 17), so 6.17 and 6.18 qualify.
import { statSync } from 'node:fs';
import { PIDFD_INFO_COREDUMP, pidfdInfoSupported } from '@coredump-ts/unix';

/** The inode numbers the kernel gives the initial namespaces (include/linux/proc_ns.h). */
export const INITIAL_NAMESPACE_INODES = {
  pid: 0xeffffffc,
  user: 0xeffffffd,
  time: 0xeffffffa,
} as const;

export type RequirementResult = { ok: true } | { ok: false; reason: string };

export interface RequirementProbes {
  /** PIDFD_GET_INFO on our own pidfd: does the kernel fill PIDFD_INFO_COREDUMP? */
  pidfdCoredumpInfo(): boolean;
  /** The inode of /proc/self/ns/<name>, undefined if that namespace type does not exist. */
  namespaceInode(name: keyof typeof INITIAL_NAMESPACE_INODES): number | undefined;
}

export function kernelProbes(procRoot = '/proc'): RequirementProbes {
  return {
    pidfdCoredumpInfo() {
      try {
        return (pidfdInfoSupported() & PIDFD_INFO_COREDUMP) !== 0;
      } catch {
        return false; // no pidfd_open or no PIDFD_GET_INFO: a kernel far older than 6.17
      }
    },
    namespaceInode(name) {
      try {
        return statSync(`${procRoot}/self/ns/${name}`).ino;
      } catch {
        return undefined;
      }
    },
  };
}

export function checkRequirements(probes: RequirementProbes): RequirementResult {
  if (!probes.pidfdCoredumpInfo()) {
    return {
      ok: false,
      reason: 'ioctl(PIDFD_GET_INFO) does not support PIDFD_INFO_COREDUMP.',
    };
  }
  for (const name of ['pid', 'user', 'time'] as const) {
    const inode = probes.namespaceInode(name);
    // A kernel without time namespaces (before 5.6) has only the initial one.
    if (inode !== undefined && inode !== INITIAL_NAMESPACE_INODES[name]) {
      return { ok: false, reason: `Running in a non-initial ${name} namespace.` };
    }
  }
  return { ok: true };
}
