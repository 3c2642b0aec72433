// sd_notify(3) for the resident manager: READY=1, RELOADING=1, STOPPING=1,
// STATUS=, WATCHDOG=1, and FDSTORE=1 with the listening socket attached
// (SCM_RIGHTS), so the socket outlives a restart. Without NOTIFY_SOCKET every
// call is a no-op that returns false.
import { close, sendmsg, socket } from '@coredump-ts/unix';

export interface SdNotify {
  readonly enabled: boolean;
  /** Sends the `KEY=value` lines as one datagram; false when disabled or on failure. */
  send(lines: readonly string[], fds?: readonly number[]): boolean;
  close(): void;
}

/** NOTIFY_SOCKET's address: `@name` is the abstract namespace. */
export function notifyAddress(value: string): string {
  return value.startsWith('@') ? `\0${value.slice(1)}` : value;
}

export function createSdNotify(env: NodeJS.ProcessEnv): SdNotify {
  const target = env['NOTIFY_SOCKET'];
  if (target === undefined || target === '') {
    return { enabled: false, send: () => false, close: () => undefined };
  }
  const path = notifyAddress(target);
  let fd: number | undefined;
  return {
    enabled: true,
    send(lines, fds = []) {
      try {
        fd ??= socket('dgram');
        sendmsg(fd, Buffer.from(`${lines.join('\n')}\n`), { path, fds, dontWait: true });
        return true;
      } catch {
        return false; // the service manager is gone or busy: nothing to do about it
      }
    },
    close() {
      if (fd !== undefined) close(fd);
      fd = undefined;
    },
  };
}

/**
 * How often to send WATCHDOG=1: half of WATCHDOG_USEC, as sd_watchdog_enabled(3)
 * advises; undefined when the watchdog is off or meant for another process.
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = env['WATCHDOG_USEC'];
  const forPid = env['WATCHDOG_PID'];
  if (usec === undefined || !/^\d+$/.test(usec) || Number(usec) === 0) return undefined;
  if (forPid !== undefined && forPid !== String(pid)) return undefined;
  return Math.max(1, Math.floor(Number(usec) / 2000));
}

/** CLOCK_MONOTONIC in µs, for RELOADING=1's MONOTONIC_USEC= (libuv's hrtime is that clock). */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}
