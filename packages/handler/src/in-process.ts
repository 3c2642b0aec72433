/**
 * Processes a crash inside the handler with the worker's own pipeline (spec §3.6): used for
 * PID 1 and journald crashes and when the coredump socket cannot be reached. Loaded with a
 * dynamic import so the normal path never pays for zstd, pino or the config parser.
 */
import { encodeDatagram, parseReceivedFields, type JournalField } from '@coredump-ts/protocol';
import { configFs, pidfdPid } from '@coredump-ts/unix';
import type { KmsgLogger } from './kmsg.js';

export interface InProcessOptions {
  readonly coreFd: number;
  readonly pidfd: number | undefined;
  readonly isJournald: boolean;
  readonly log: KmsgLogger;
  readonly env: NodeJS.ProcessEnv;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const submitInProcess = async (
  fields: readonly JournalField[],
  opts: InProcessOptions,
): Promise<number> => {
  const { log } = opts;
  const [{ submitCrash, pathsFromEnv }, { loadConfig }] = await Promise.all([
    import('@coredump-ts/worker'),
    import('@coredump-ts/config'),
  ]);
  let livePid: number | undefined;
  try {
    livePid = opts.pidfd === undefined ? undefined : pidfdPid(opts.pidfd);
  } catch {
    livePid = undefined;
  }
  // The same validation the worker applies to what it receives, so both paths agree.
  const ctx = parseReceivedFields(fields.map(encodeDatagram), {
    pidfdReceived: opts.pidfd !== undefined,
    ...(livePid !== undefined && { pidfdPid: livePid }),
  });
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
      pid1OrJournald: true,
    });
    // journald may be what crashed: the complete MESSAGE goes to kmsg as well.
    if (opts.isJournald) log.log('err', result.message);
    return result.error === undefined ? 0 : result.error.exitStatus;
  } catch (error) {
    log.log('err', `Failed to process the coredump in-process: ${errorText(error)}`);
    return 1;
  }
};
