// Socket activation without systemd as PID 1: run a command under
// `systemd-socket-activate --seqpacket --accept`, one child per connection,
// with the connection on fd 3 (LISTEN_FDS=1, LISTEN_PID).
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';

import { withTestDebuginfoCache } from './global-setup.js';
import { StopWaiting, waitFor } from './wait.js';

export const SOCKET_ACTIVATE = 'systemd-socket-activate';

export interface SocketActivateOptions {
  socketPath: string;
  command: string;
  args?: readonly string[];
  /**
   * The children's environment. systemd-socket-activate gives children only
   * LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, what it is told with -E, and its own
   * TERM, PATH, USER and HOME; so every variable the command needs goes here.
   */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

export interface SocketActivation {
  readonly pid: number;
  readonly socketPath: string;
  /** What systemd-socket-activate has written to stderr so far (one line per connection). */
  output(): string;
  /** Kills systemd-socket-activate (not the children it already started) and removes the socket. */
  stop(): Promise<void>;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

export async function socketActivate({
  socketPath,
  command,
  args = [],
  env = {},
  timeoutMs = 15_000,
}: SocketActivateOptions): Promise<SocketActivation> {
  // A stale socket file from an earlier run makes bind() fail with EADDRINUSE.
  rmSync(socketPath, { force: true });
  const envArgs = Object.entries(withTestDebuginfoCache(env)).flatMap(([name, value]) => [
    '-E',
    `${name}=${value}`,
  ]);
  const child = spawn(
    SOCKET_ACTIVATE,
    ['--seqpacket', '--accept', '-l', socketPath, ...envArgs, command, ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    output += chunk;
    // Keep memory bounded in long runs (a burst test makes many connections).
    if (output.length > 1_000_000) output = output.slice(-500_000);
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  // 'close' comes after the last of stderr, so the error message is complete by then.
  let closed = false;
  child.once('close', () => {
    closed = true;
  });
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!hasExited()) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(socketPath, { force: true });
  };

  try {
    // It logs "Listening on <path> as 3." once socket(), bind() and listen() are done.
    await waitFor(
      () => {
        if (spawnError) throw new StopWaiting(spawnError.message, { cause: spawnError });
        if (closed) {
          throw new StopWaiting(`${SOCKET_ACTIVATE} exited early: ${output.trim()}`);
        }
        return output.includes('Listening on') && isSocket(socketPath);
      },
      { what: `${SOCKET_ACTIVATE} to listen on ${socketPath}`, timeoutMs },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error(`${SOCKET_ACTIVATE} has no pid`);
  return { pid: child.pid, socketPath, output: () => output, stop };
}
