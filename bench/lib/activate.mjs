// `systemd-socket-activate --seqpacket --accept -l SOCKET [-E ...] CMD...`, as
// the units do on a machine without systemd as PID 1. Stopped by its own pid;
// the socket file is removed when it stops (and on any exit of the bench).
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { onCleanup } from './cleanup.mjs';

const isSocket = (path) => {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
};

export async function socketActivate({ socketPath, command, env = {} }) {
  rmSync(socketPath, { force: true });
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-E', `${k}=${v}`]);
  const child = spawn(
    'systemd-socket-activate',
    ['--seqpacket', '--accept', '-l', socketPath, ...envArgs, ...command],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
    rmSync(socketPath, { force: true });
  };
  const unregister = onCleanup(stopSync);
  const deadline = Date.now() + 10_000;
  while (!isSocket(socketPath)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stopSync();
      unregister();
      throw new Error(`systemd-socket-activate did not create ${socketPath}`);
    }
    await sleep(5);
  }
  return {
    pid: child.pid,
    async stop() {
      stopSync();
      unregister();
      await exited;
    },
  };
}
