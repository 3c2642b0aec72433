/**
 * Processes a crash inside the handler with the crash pipeline the worker uses (spec §3.6):
 * for PID 1 and journald crashes and when the coredump socket cannot be reached. Loaded
 * with a dynamic import so the normal path never pays for zstd or the config parser.
 */
import type { CrashContext } from '@coredump-ts/context';
import { errorText } from '@coredump-ts/protocol';
import { configFs } from '@coredump-ts/unix';
import type { KmsgLogger } from './kmsg.js';

export interface InProcessOptions {
  readonly coreFd: number;
  readonly isJournald: boolean;
  /**
   * PID 1 or journald crashed: keep the core whatever Storage=/ExternalSizeMax= say.
   * False for an ordinary crash whose socket was unreachable: the limits apply as usual.
   */
  readonly pid1OrJournald: boolean;
  /** The crashed process's pidfd (the stack trace reads its memory through a checked one). */
  readonly pidfd: number | undefined;
  readonly log: KmsgLogger;
  readonly env: NodeJS.ProcessEnv;
}

export const submitInProcess = async (
  ctx: CrashContext,
  opts: InProcessOptions,
): Promise<number> => {
  const { log } = opts;
  const [{ submitCrash, pathsFromEnv }, { loadConfig }] = await Promise.all([
    import('@coredump-ts/pipeline'),
    import('@coredump-ts/config'),
  ]);
  const paths = pathsFromEnv(opts.env);
  const { config, diagnostics } = loadConfig({ root: paths.configRoot, fs: configFs });
  for (const d of diagnostics) log.log('debug', `${d.file}:${d.line}: ${d.message}`);
  const workerLog = {
    debug(m: string): void {
      log.log('debug', m);
    },
    info(m: string): void {
      log.log('info', m);
    },
    notice(m: string): void {
      log.log('notice', m);
    },
    warn(m: string): void {
      log.log('warning', m);
    },
    error(m: string): void {
      log.log('err', m);
    },
  };
  try {
    const result = await submitCrash(ctx, opts.coreFd, {
      config,
      paths,
      log: workerLog,
      pid1OrJournald: opts.pid1OrJournald,
      pidfd: opts.pidfd,
    });
    // journald may be what crashed: the complete MESSAGE goes to kmsg as well.
    if (opts.isJournald) log.log('err', result.message);
    return result.error === undefined ? 0 : result.error.exitStatus;
  } catch (error) {
    log.log('err', `Failed to process the coredump in-process: ${errorText(error)}`);
    return 1;
  }
};
