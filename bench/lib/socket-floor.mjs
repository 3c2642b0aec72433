// The kernel-socket floor (bench/lib/socket-floor.c): listens on a path for
// core_pattern `@@PATH`, does the request/ack handshake and drains each core
// to EOF. Used by bench/run.mjs (method socket-floor) and bench/socket-floor.mjs.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { onCleanup } from './cleanup.mjs';
import { compile } from './native.mjs';

export const socketFloorBinary = () =>
  compile(fileURLToPath(new URL('./socket-floor.c', import.meta.url)), 'socket-floor');

/**
 * The floor, serving `count` connections on socketPath. `ready` resolves once it
 * listens; `lines` collects "<core bytes> <mark>" per connection; it is killed by
 * its pid if the bench ends first.
 */
export function startSocketFloor(binary, socketPath, count) {
  const child = spawn(binary, [socketPath, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const unregister = onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    rmSync(socketPath, { force: true });
  });
  const lines = [];
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'ready') resolve();
        else lines.push(line);
      }
    });
    child.once('exit', () => reject(new Error('socket-floor ended before it was ready')));
  });
  ready.catch(() => undefined);
  const exited = new Promise((resolve) =>
    child.once('exit', () => {
      unregister();
      resolve();
    }),
  );
  return {
    pid: child.pid,
    ready,
    exited,
    lines,
    /** Ends it now (by its pid) if it still runs. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
      await exited;
      rmSync(socketPath, { force: true });
    },
  };
}
