// A journald of our own, as a journal namespace (systemd-journald.service(8),
// "Journal Namespaces"), for checks the machine's main journald cannot make.
//
// Why: a user reads their own entries through the per-uid file journald
// writes once it has persistent storage (SplitMode=uid). The main journald only
// gets there after `journalctl --flush`, and the flush ends with rm_rf() of its
// runtime journal, which refuses to touch anything outside tmpfs/ramfs. Where
// /run is a disk (the test VMs, CI), the runtime system.journal stays and takes
// every entry, so no user-<uid>.journal ever appears. A namespace instance is
// not started during early boot and opens /var/log/journal/<machine-id>.<ns>
// at once (journald-server.c, flushed_flag_is_set(): "We don't support the
// 'flushing' concept for namespace instances, we assume them to always have
// access to /var"): it never has a runtime journal, so nothing needs removing
// and no tmpfs is needed. Its config is /etc/systemd/journald@<ns>.conf.
//
// `/lib/systemd/systemd-journald <ns>` needs no systemd as PID 1: without
// socket activation it binds /run/systemd/journal.<ns>/{socket,stdout,dev-log,
// io.systemd.journal} itself. Everything it creates is removed by stop(), and
// only the process started here is signalled (by its pid).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

import { JOURNALD_BINARY, journaldAccepts, type JsonJournalEntry } from './journald.js';
import { StopWaiting, waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

const MACHINE_ID = readFileSync('/etc/machine-id', 'utf8').trim();
/** How much of journald's own output to keep for error messages. */
const OUTPUT_TAIL_CHARS = 4096;

export interface JournaldNamespace {
  readonly name: string;
  readonly pid: number;
  /** The native protocol socket (what COREDUMP_TS_JOURNAL_SOCKET points at). */
  readonly socketPath: string;
  /** The persistent journal directory, /var/log/journal/<machine-id>.<name>. */
  readonly journalDir: string;
  /** `journalctl --namespace=<name> -o json` for these matches, as root or as `user`. */
  read(matches: readonly string[], options?: { user?: string }): Promise<JsonJournalEntry[]>;
  /** Stops this journald and removes its config, sockets and journal files. */
  stop(): Promise<void>;
}

/** The paths one namespace owns. */
function namespacePaths(name: string): {
  config: string;
  runtimeDir: string;
  journalDir: string;
  runtimeJournalDir: string;
} {
  return {
    config: `/etc/systemd/journald@${name}.conf`,
    runtimeDir: `/run/systemd/journal.${name}`,
    journalDir: `/var/log/journal/${MACHINE_ID}.${name}`,
    runtimeJournalDir: `/run/log/journal/${MACHINE_ID}.${name}`,
  };
}

function removeNamespaceFiles(name: string): void {
  for (const path of Object.values(namespacePaths(name))) {
    rmSync(path, { recursive: true, force: true });
  }
}

function exitedPromise(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

/** SIGTERM the child, SIGKILL it if it has not exited by the deadline. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const dead = await waitFor(() => child.exitCode !== null || child.signalCode !== null, {
    what: `journald ${String(child.pid)} to exit on SIGTERM`,
    timeoutMs: 10_000,
  }).catch(() => false);
  if (!dead) child.kill('SIGKILL');
  await exited;
}

/**
 * Start journald for a fresh namespace (a unique name per call) with
 * Storage=persistent and SplitMode=uid, written to its own journald@<ns>.conf
 * so the test does not depend on the machine's defaults.
 */
export async function startJournaldNamespace({
  prefix = 'cdts',
  timeoutMs = 15_000,
}: { prefix?: string; timeoutMs?: number } = {}): Promise<JournaldNamespace> {
  // Namespace names must be valid unit instance names without dots.
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const paths = namespacePaths(name);
  for (const path of Object.values(paths)) {
    if (existsSync(path)) throw new Error(`journal namespace ${name}: ${path} already exists`);
  }
  writeFileSync(paths.config, '[Journal]\nStorage=persistent\nSplitMode=uid\n');
  const socketPath = `${paths.runtimeDir}/socket`;
  const stdoutSocket = `${paths.runtimeDir}/stdout`;

  let child: ChildProcess;
  try {
    child = spawn(JOURNALD_BINARY, [name], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    removeNamespaceFiles(name);
    throw error;
  }
  const exited = exitedPromise(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  const cleanUp = async (): Promise<void> => {
    try {
      await stopChild(child, exited);
    } finally {
      removeNamespaceFiles(name);
    }
  };

  try {
    await waitFor(
      async () => {
        if (spawnError) throw new StopWaiting(spawnError.message, { cause: spawnError });
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new StopWaiting(
            `${JOURNALD_BINARY} ${name} exited (${String(child.exitCode ?? child.signalCode)}): ${output}`,
          );
        }
        // The persistent file exists before it accepts: no runtime journal in between.
        return (
          existsSync(socketPath) &&
          existsSync(`${paths.journalDir}/system.journal`) &&
          (await journaldAccepts(stdoutSocket))
        );
      },
      { what: `journald namespace ${name} to listen on ${socketPath}`, timeoutMs },
    );
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const pid = child.pid;
  if (pid === undefined) {
    await cleanUp();
    throw new Error(`${JOURNALD_BINARY} ${name} has no pid`);
  }

  let stopped = false;
  return {
    name,
    pid,
    socketPath,
    journalDir: paths.journalDir,
    async read(matches, { user } = {}) {
      const journalctl = ['journalctl', `--namespace=${name}`, '-q', '--no-pager', '-o', 'json'];
      const [command, ...args] =
        user === undefined ? journalctl : ['runuser', '-u', user, '--', ...journalctl];
      const { stdout } = await execFileAsync(command ?? 'journalctl', [...args, ...matches], {
        maxBuffer: 64 << 20,
      });
      return stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as JsonJournalEntry);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await cleanUp();
    },
  };
}
