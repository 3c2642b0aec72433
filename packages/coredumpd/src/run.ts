// coredumpd's modes (spec §1.2, as systemd 262's `systemd-coredump`):
//   --check-requirements  exit 0 if the kernel coredump socket is usable here
//   --manager             the resident manager (manager.ts)
//   --worker              one kernel connection, passed by the manager (runSocketWorker)
// Dispatch only; dist/main.cjs picks this module, bundled or not.
import { createLogger } from '@coredump-ts/pipeline';
import { setDumpable } from '@coredump-ts/unix';

const USAGE = 'Usage: coredumpd --manager | --worker | --check-requirements\n';

type Logger = ReturnType<typeof createLogger>;
type SocketWorker = (env: NodeJS.ProcessEnv, log: Logger) => Promise<number>;

/** The socket-mode worker, exported from this package's index as runSocketWorker. */
async function socketWorker(): Promise<SocketWorker | undefined> {
  const lib: Record<string, unknown> = await import('./index.js');
  const worker = lib['runSocketWorker'];
  return typeof worker === 'function' ? (worker as SocketWorker) : undefined;
}

async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = createLogger(env);
  const mode = argv[0];
  if (argv.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (mode === '--check-requirements') {
    const { checkRequirements, kernelProbes } = await import('./requirements.js');
    const result = checkRequirements(kernelProbes(env['COREDUMP_TS_PROC'] || '/proc'));
    if (!result.ok) {
      log.debug(result.reason);
      return 1;
    }
    // Until the socket-mode worker is part of the build, socket mode would
    // accept crashes and lose them: report it unusable, so auto picks the pipe.
    if ((await socketWorker()) === undefined) {
      log.debug('This build has no socket-mode worker (runSocketWorker).');
      return 1;
    }
    return 0;
  }
  // Neither the manager nor a worker may ever dump core itself (no loops).
  setDumpable(false);
  if (mode === '--manager') {
    const { runManager } = await import('./manager.js');
    const { managerOptionsFromEnv } = await import('./manager-options.js');
    return runManager(env, log, managerOptionsFromEnv(env, process.argv[1] ?? ''));
  }
  if (mode === '--worker') {
    const worker = await socketWorker();
    if (worker === undefined) {
      log.error('This build has no socket-mode worker (runSocketWorker).');
      return 1;
    }
    return worker(env, log);
  }
  process.stderr.write(USAGE);
  return 2;
}

// No top-level await: the bundle is CommonJS (@coredump-ts/unix/entry).
run(process.argv.slice(2), process.env).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(
      `<3>coredumpd: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
