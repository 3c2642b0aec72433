/**
 * The kernel's core_pattern helper: `main.js %P %u %g %s %t %c %h %d %F %I` with the core
 * on stdin, or `main.js --backtrace PID UID GID SIGNAL TIMESTAMP RLIMIT ...` (spec §1.2).
 */
import { openKmsg, DEFAULT_KMSG_PATH } from './kmsg.js';
import { runKernelHelper } from './helper.js';
import { DEFAULT_SOCKET_PATH } from './send.js';

const env = process.env;
const pick = (name: string, fallback: string): string => {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
};
const procRoot = pick('COREDUMP_TS_PROC', '/proc');
const argv = process.argv.slice(2);

// No top-level await: the bundle is CommonJS (@coredump-ts/unix/entry).
async function main(): Promise<void> {
  if (argv[0] === '--backtrace') {
    const { runBacktrace } = await import('./backtrace.js');
    try {
      await runBacktrace(argv.slice(1), {
        procRoot,
        journalSocket: pick('COREDUMP_TS_JOURNAL_SOCKET', '/run/systemd/journal/socket'),
        warn: (m) => process.stderr.write(`${m}\n`),
      });
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = (error as { exitStatus?: number }).exitStatus ?? 1;
    }
  } else {
    const log = openKmsg(pick('COREDUMP_TS_KMSG', DEFAULT_KMSG_PATH));
    process.exitCode = await runKernelHelper(argv, {
      socketPath: pick('COREDUMP_TS_SOCKET', DEFAULT_SOCKET_PATH),
      procRoot,
      log,
      coreFd: 0,
      env,
    });
    log.close();
  }
}

void main();
