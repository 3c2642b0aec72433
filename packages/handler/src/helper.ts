/**
 * Kernel pipe mode (spec §2.1 helper algorithm): argv -> pidfd -> COMM -> early log line
 * -> /proc -> pidfd re-check -> socket, or in-process for PID 1, journald and an
 * unreachable socket. Returns the exit status; every failure is logged once, on kmsg.
 */
import { writeFileSync } from 'node:fs';
import {
  buildJournalFields,
  collectProcFields,
  contextFromKernel,
  readComm,
  type CrashContext,
  type PidfdInfo,
} from '@coredump-ts/context';
import { CoredumpError, errorText, isCoredumpError, signalName } from '@coredump-ts/protocol';
import {
  close,
  isSysError,
  pidfdOpen,
  pidfdPid,
  setDumpable,
  enlargePipe,
} from '@coredump-ts/unix';
import { parseKernelArgv, type KernelArgs } from './argv.js';
import type { KmsgLogger } from './kmsg.js';
import { connectCoredumpSocket, sendCrash } from './send.js';

export interface HelperOptions {
  readonly socketPath: string;
  readonly procRoot: string;
  readonly log: KmsgLogger;
  /** The core pipe (fd 0 as the kernel hands it over). */
  readonly coreFd: number;
  readonly env: NodeJS.ProcessEnv;
}

const CORE_PATTERN = '/proc/sys/kernel/core_pattern';

/** The pidfd to use: the kernel's %F one (checked against %P), else one we open. */
const acquirePidfd = (args: KernelArgs): PidfdInfo | undefined => {
  if (args.pidfd !== undefined) {
    let pid: number | undefined;
    try {
      pid = pidfdPid(args.pidfd);
    } catch (error) {
      throw new CoredumpError('ERR_PIDFD_MISMATCH', `Received invalid pidfd: ${args.pidfd}`, {
        cause: error,
      });
    }
    if (pid !== args.pid) {
      throw new CoredumpError(
        'ERR_PIDFD_MISMATCH',
        `Received conflicting pidfd: ${args.pidfd} refers to PID ${pid ?? 'none'}, not ${args.pid}`,
      );
    }
    return { fd: args.pidfd, fromKernel: true };
  }
  try {
    return { fd: pidfdOpen(args.pid), fromKernel: false };
  } catch (error) {
    if (isSysError(error, 'ESRCH')) {
      throw new CoredumpError('ERR_PID_GONE', `Process ${args.pid} does not exist anymore.`, {
        cause: error,
      });
    }
    return undefined; // no pidfd support: carry on by PID, as old systemd does
  }
};

/** pidref_verify: the pidfd must still name the PID after the /proc reads (CVE-2025-4598). */
const verifyPidfd = (pidfd: PidfdInfo | undefined, pid: number): void => {
  if (pidfd === undefined) return;
  let now: number | undefined;
  try {
    now = pidfdPid(pidfd.fd);
  } catch {
    now = undefined;
  }
  if (now !== pid) {
    throw new CoredumpError(
      'ERR_PIDFD_MISMATCH',
      `PIDFD validation failed: PID ${pid} was replaced or exited while being inspected.`,
    );
  }
};

/**
 * Enlarge the core pipe first thing, past fs.pipe-max-size where CAP_SYS_RESOURCE
 * allows: the kernel keeps dumping into it while this helper and the worker start,
 * instead of blocking on a full 64 KiB pipe (docs/performance.md).
 */
const inContainer = (env: NodeJS.ProcessEnv): boolean =>
  env['container'] !== undefined && env['container'] !== '';

export const runKernelHelper = async (
  argv: readonly string[],
  opts: HelperOptions,
): Promise<number> => {
  const { log } = opts;
  try {
    setDumpable(false);
  } catch (error) {
    log.log('warning', `Failed to disable dumping of the helper, ignoring: ${errorText(error)}`);
  }
  enlargePipe(opts.coreFd);
  let pidfd: PidfdInfo | undefined;
  try {
    const { args, warnings } = parseKernelArgv(argv);
    for (const w of warnings) log.log('warning', w);
    pidfd = acquirePidfd(args);
    const comm = readComm(opts.procRoot, args.pid);
    const sig = signalName(args.signal) ?? '';
    log.log(
      'info',
      `Process ${args.pid} (${comm}) of user ${args.uid} terminated abnormally with signal ${args.signal}/${sig}, processing...`,
    );
    const proc = collectProcFields(opts.procRoot, args.pid, args.tid);
    verifyPidfd(pidfd, args.pid);
    // Validated as the worker validates what it receives, so both paths agree.
    const ctx = contextFromKernel(args, comm, proc, pidfd, { pidfdPid: args.pid });

    const isPid1 = args.pid === 1 || proc.unit === 'init.scope';
    const isJournald = proc.unit === 'systemd-journald.service';
    if (isPid1) {
      log.log('notice', 'Due to PID 1 having crashed coredump collection will now be turned off.');
      if (!inContainer(opts.env)) {
        try {
          writeFileSync(CORE_PATTERN, '|/bin/false');
        } catch (error) {
          log.log('warning', `Failed to turn off coredumps, ignoring: ${errorText(error)}`);
        }
      }
    }
    const special = { pidfd, isJournald, pid1OrJournald: isPid1 || isJournald };
    if (isPid1 || isJournald) {
      return await processInProcess(ctx, { ...opts, ...special, reason: undefined });
    }

    let socketFd: number;
    try {
      socketFd = connectCoredumpSocket(opts.socketPath);
    } catch (error) {
      return await processInProcess(ctx, { ...opts, ...special, reason: error });
    }
    const progress = { coreSent: false };
    try {
      const result = sendCrash(socketFd, buildJournalFields(ctx), opts.coreFd, pidfd?.fd, progress);
      if (result.halved.length > 0) {
        log.log('debug', `Truncated oversize fields: ${result.halved.join(', ')}`);
      }
      if (result.pidfdError !== undefined) {
        log.log('debug', `${result.pidfdError.message} (pidfd), ignoring.`);
      }
    } catch (error) {
      if (progress.coreSent) throw error;
      return await processInProcess(ctx, { ...opts, ...special, reason: error });
    }
    return 0;
  } catch (error) {
    log.log('err', errorText(error));
    return isCoredumpError(error) ? error.exitStatus : 1;
  } finally {
    if (pidfd !== undefined && !pidfd.fromKernel) close(pidfd.fd);
  }
};

interface InProcessOptions extends HelperOptions {
  readonly pidfd: PidfdInfo | undefined;
  readonly isJournald: boolean;
  /** PID 1 or journald crashed (not merely an unreachable socket): keep the core on disk. */
  readonly pid1OrJournald: boolean;
  /** Why the socket was not used; undefined for PID 1 and journald. */
  readonly reason: unknown;
}

/** The in-process path: loads the crash pipeline only now (spec §3.6, DESIGN §3.5). */
const processInProcess = async (ctx: CrashContext, opts: InProcessOptions): Promise<number> => {
  const { log } = opts;
  if (opts.reason !== undefined) {
    log.log('warning', `${errorText(opts.reason)}; processing the coredump in-process.`);
  }
  const { submitInProcess } = await import('./in-process.js');
  return submitInProcess(ctx, {
    coreFd: opts.coreFd,
    isJournald: opts.isJournald,
    pid1OrJournald: opts.pid1OrJournald,
    pidfd: opts.pidfd?.fd,
    log,
    env: opts.env,
  });
};
