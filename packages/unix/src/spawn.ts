// A child with its output on pipes, started by posix_spawn and watched through
// a pidfd (spawn.c): for the crash path, where child_process.spawn's fork of
// the whole worker and its stream objects cost more than the child's start.
// Output arrives through callbacks; `done` settles once the child has exited
// and both pipes have reached EOF.
import { closeSync, readSync } from 'node:fs';
import { constants } from 'node:os';

import { addon } from './addon.js';
import { setNonBlocking } from './socket.js';
import { FdWatcher } from './watch.js';

export interface PipedChildOptions {
  /** Arguments after argv[0] (which is the path). */
  readonly args: readonly string[];
  /** The child's whole environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Become the child's fds 3, 4, ... in this order (at most 16). */
  readonly fds?: readonly number[];
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
}

export interface PipedChildExit {
  /** The exit status, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface PipedChild {
  readonly pid: number;
  readonly done: Promise<PipedChildExit>;
  /** Signals the child until it has been reaped; a no-op after. */
  kill(signal: NodeJS.Signals): void;
}

const READ_CHUNK_BYTES = 64 * 1024;

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/**
 * Starts `path` (no PATH search) with stdin /dev/null and stdout/stderr on
 * pipes. Throws (with errno) when it cannot be started: ENOENT, EACCES, ENOEXEC...
 */
export function spawnPiped(path: string, opts: PipedChildOptions): PipedChild {
  return spawnWatched(path, opts, 'pidfd');
}

/** How often the exit is polled for where there is no pidfd_open (Linux < 5.3). */
const EXIT_POLL_MS = 5;

/** spawnPiped, with the exit watched through a pidfd or by polling (tests use 'poll'). */
export function spawnWatched(
  path: string,
  opts: PipedChildOptions,
  exitWatch: 'pidfd' | 'poll',
): PipedChild {
  const envp = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  const [pid, stdout, stderr] = addon.spawnPiped(path, [path, ...opts.args], envp, [
    ...(opts.fds ?? []),
  ]);
  // Not reaped until a wait says so: the pid cannot be reused meanwhile.
  let pidfd: number | undefined;
  if (exitWatch === 'pidfd') {
    try {
      pidfd = addon.pidfdOpen(pid, 0);
    } catch {
      pidfd = undefined; // before Linux 5.3 (or under seccomp): poll for the exit instead
    }
  }
  let reaped = false;
  let open = 3; // stdout, stderr, the process
  let exit: PipedChildExit = { code: null, signal: null };
  let settle: (value: PipedChildExit) => void = () => undefined;
  const done = new Promise<PipedChildExit>((resolve) => {
    settle = resolve;
  });
  const closed = (): void => {
    open -= 1;
    if (open === 0) settle(exit);
  };

  const drain = (fd: number, deliver: (chunk: Buffer) => void): void => {
    setNonBlocking(fd, true);
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let watcher: FdWatcher | undefined = undefined;
    const finish = (): void => {
      watcher?.close();
      watcher = undefined;
      closeSync(fd);
      closed();
    };
    watcher = new FdWatcher(fd, (errno) => {
      if (watcher === undefined) return;
      if (errno !== 0) {
        finish();
        return;
      }
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return; // drained for now
          if ((error as NodeJS.ErrnoException).code === 'EINTR') continue;
          finish();
          return;
        }
        if (n === 0) {
          finish();
          return;
        }
        deliver(Buffer.from(buf.subarray(0, n)));
      }
    });
    watcher.start();
  };
  drain(stdout, opts.onStdout);
  drain(stderr, opts.onStderr);

  /** Reaps the child if it has exited; true once it has. */
  const reap = (wait: () => [number, number] | undefined): boolean => {
    let status: [number, number] | undefined;
    try {
      status = wait();
    } catch {
      status = [-1, 0]; // cannot happen for our own child; end rather than spin
    }
    if (status === undefined) return false;
    reaped = true;
    const [code, signo] = status;
    exit =
      signo === 0 ? { code, signal: null } : { code: null, signal: signalNames.get(signo) ?? null };
    closed();
    return true;
  };
  if (pidfd !== undefined) {
    const fd = pidfd;
    let exitWatcher: FdWatcher | undefined = new FdWatcher(fd, () => {
      // Readable before the exit was recorded: wait on.
      if (!reap(() => addon.waitPid(pid))) return;
      exitWatcher?.close();
      exitWatcher = undefined;
      closeSync(fd);
    });
    exitWatcher.start();
  } else {
    const timer = setInterval(() => {
      if (reap(() => addon.waitPid(pid))) clearInterval(timer);
    }, EXIT_POLL_MS);
  }

  return {
    pid,
    done,
    kill(signal) {
      if (reaped) return;
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile (a zombie until reaped: kill still succeeds; ESRCH cannot happen)
      }
    },
  };
}
