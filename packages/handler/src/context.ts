/**
 * Assembles the handler's context fields from argv, COMM and the /proc collection, in
 * systemd 262's build_iovw order (spec §3.2), ending with PRIORITY=2 and MESSAGE_ID.
 */
import { fstatSync } from 'node:fs';
import { FIELD, buildContextFields, signalName, type JournalField } from '@coredump-ts/protocol';
import type { KernelArgs } from './argv.js';
import type { ProcCollection } from './proc.js';

export interface PidfdInfo {
  readonly fd: number;
  /** The kernel passed it with %F (COREDUMP_BY_PIDFD=1). */
  readonly fromKernel: boolean;
}

/** The pidfs inode number of a pidfd (COREDUMP_PIDFDID); undefined without pidfs. */
export const pidfdInode = (fd: number): bigint | undefined => {
  try {
    const ino = fstatSync(fd, { bigint: true }).ino;
    return ino > 0n ? ino : undefined;
  } catch {
    return undefined;
  }
};

export const buildHelperFields = (
  args: KernelArgs,
  comm: string,
  proc: ProcCollection,
  pidfd: PidfdInfo | undefined,
): JournalField[] => {
  const values = new Map<string, Buffer>(proc.values);
  const put = (name: string, value: string | number | bigint | undefined): void => {
    if (value !== undefined) values.set(name, Buffer.from(String(value)));
  };
  put(FIELD.PID, args.pid);
  if (pidfd?.fromKernel === true) put(FIELD.BY_PIDFD, 1);
  if (pidfd !== undefined) put(FIELD.PIDFDID, pidfdInode(pidfd.fd));
  put(FIELD.UID, args.uid);
  put(FIELD.GID, args.gid);
  if (args.signal !== undefined) {
    put(FIELD.SIGNAL, args.signal);
    put(FIELD.SIGNAL_NAME, signalName(args.signal));
  }
  put(FIELD.TIMESTAMP, args.timestampUsec);
  put(FIELD.RLIMIT, args.rlimit);
  put(FIELD.HOSTNAME, args.hostname);
  put(FIELD.DUMPABLE, args.dumpable);
  put(FIELD.COMM, comm);
  put(FIELD.TID, args.tid);
  return buildContextFields(values);
};
