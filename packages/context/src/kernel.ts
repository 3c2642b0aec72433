/**
 * The kernel source (spec §2.1, §3.2): core_pattern argv, COMM and the /proc collection
 * become a context whose fields go out in systemd 262's build_iovw order. contextFromValues
 * is the constructor shared with the kernel socket mode's peer source.
 */
import { fstatSync } from 'node:fs';
import { FIELD, buildContextFields, signalName } from '@coredump-ts/protocol';

import type { CollectedContext, ContextValues } from './context.js';
import { parseContextFields, type ReceiveOptions } from './datagrams.js';
import type { ProcCollection } from './proc.js';

/** The parsed core_pattern arguments the context needs (the handler's KernelArgs). */
export interface KernelCrashArgs {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** Undefined when %s was not a valid signal number. */
  readonly signal: number | undefined;
  readonly timestampUsec: number | undefined;
  readonly rlimit: bigint | undefined;
  readonly hostname: string | undefined;
  readonly dumpable: number;
  readonly tid: number | undefined;
}

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

/**
 * A collected context from its fields by name: validated as the worker validates what it
 * receives (so every source agrees), throwing CoredumpError like the receiver would.
 */
export const contextFromValues = (
  source: CollectedContext['source'],
  values: ContextValues,
  opts: ReceiveOptions,
): CollectedContext => ({
  source,
  meta: parseContextFields(buildContextFields(values), opts),
  values,
});

export const kernelContextValues = (
  args: KernelCrashArgs,
  comm: string,
  proc: ProcCollection,
  pidfd: PidfdInfo | undefined,
): Map<string, Buffer> => {
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
  return values;
};

/**
 * The kernel pipe source: argv, COMM, /proc and the pidfd (verified against the PID by
 * the caller, which passes `pidfdPid` as the PID it refers to now).
 */
export const contextFromKernel = (
  args: KernelCrashArgs,
  comm: string,
  proc: ProcCollection,
  pidfd: PidfdInfo | undefined,
  opts: { readonly pidfdPid?: number } = {},
): CollectedContext =>
  contextFromValues('kernel', kernelContextValues(args, comm, proc, pidfd), {
    pidfdReceived: pidfd !== undefined,
    ...(opts.pidfdPid !== undefined && { pidfdPid: opts.pidfdPid }),
  });
