// A reader of the crashed process's memory through /proc/PID/mem, for the mini
// core's link_map walk (issue 16). Only with a pidfd: it is checked to still name
// the PID after /proc/PID/mem is opened, so the open file is the crashed process's
// and not a process that got its PID later. Without a pidfd there is no reader.
import { closeSync, openSync, readSync } from 'node:fs';

import { pidfdPid } from '@coredump-ts/unix';

export type ReadMemory = (address: bigint, length: number) => Buffer | undefined;

export interface ProcMemReader {
  readonly read: ReadMemory;
  close(): void;
}

/** The pidfd's process is still `pid` (false once it has exited or is not a pidfd). */
function stillNames(pidfd: number, pid: number): boolean {
  try {
    return pidfdPid(pidfd) === pid;
  } catch {
    return false;
  }
}

/**
 * Opens /proc/PID/mem of the process the pidfd names; undefined (and why) when there
 * is no pidfd, the process is gone, or the file cannot be opened.
 */
export function openProcMem(
  procRoot: string,
  pid: number,
  pidfd: number | undefined,
): ProcMemReader | { readonly error: string } {
  if (pidfd === undefined) return { error: 'no pidfd' };
  if (!stillNames(pidfd, pid)) return { error: `process ${String(pid)} is gone` };
  let fd: number;
  try {
    fd = openSync(`${procRoot}/${String(pid)}/mem`, 'r');
  } catch (error) {
    return { error: (error as Error).message };
  }
  // Checked after the open: the pidfd pins the identity, so if it still names the PID
  // now, the file opened above belongs to the crashed process.
  if (!stillNames(pidfd, pid)) {
    closeSync(fd);
    return { error: `process ${String(pid)} is gone` };
  }
  return {
    read(address, length) {
      const buf = Buffer.allocUnsafe(length);
      try {
        const n = readSync(fd, buf, 0, length, address);
        return n === length ? buf : undefined;
      } catch {
        return undefined;
      }
    },
    close() {
      closeSync(fd);
    },
  };
}
