// Crash programs: start alloc.c with `cue` (allocate and fill, print pid, wait),
// then fire it and time the crash from just before the cue to the waitpid.
import { spawn } from 'node:child_process';

import { onCleanup } from './cleanup.mjs';

export const nowRealtimeUs = () => (performance.timeOrigin + performance.now()) * 1000;

/** Start a crasher and resolve once it has filled its memory and waits for the cue. */
export function startCrasher(binary, mib, fill) {
  const child = spawn(binary, [String(mib), fill, 'cue'], { stdio: ['pipe', 'pipe', 'inherit'] });
  // A crasher left waiting if the bench dies: kill it by its pid.
  const unregister = onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      unregister();
      resolve({ code, signal, reapedNs: process.hrtime.bigint() });
    });
  });
  const ready = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve();
    });
    child.once('exit', () => reject(new Error(`crasher ${mib} ${fill} ended before its cue`)));
  });
  return {
    pid: child.pid,
    ready,
    exited,
    /** Send the cue; returns the start times (monotonic ns, realtime µs). */
    fire() {
      const t0Ns = process.hrtime.bigint();
      const t0RealUs = nowRealtimeUs();
      child.stdin.end('x');
      return { t0Ns, t0RealUs };
    },
  };
}
