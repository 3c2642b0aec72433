// sd_notify progress while a big core streams: STATUS= with the bytes so far
// and EXTEND_TIMEOUT_USEC= so RuntimeMaxSec= does not kill a worker that is
// still making progress. Silent no-op without NOTIFY_SOCKET.
import { close, sendmsg, socket } from '@coredump-ts/unix';

/** How long each report extends the unit's runtime limit. */
export const EXTEND_TIMEOUT_USEC = 30_000_000;
/** Report at most this often. */
export const NOTIFY_INTERVAL_MS = 1_000;

export interface Notifier {
  /** Called with the running byte count; sends when the interval has passed. */
  progress(bytes: number): void;
  send(text: string): void;
  close(): void;
}

/** NOTIFY_SOCKET's address: `@name` is the abstract namespace. */
export function notifySocketAddress(value: string): string {
  return value.startsWith('@') ? `\0${value.slice(1)}` : value;
}

export function formatProgress(bytes: number): string {
  return `STATUS=Processing coredump: ${String(bytes)} bytes read\nEXTEND_TIMEOUT_USEC=${String(EXTEND_TIMEOUT_USEC)}\n`;
}

export function createNotifier(
  env: NodeJS.ProcessEnv = process.env,
  now: () => number = Date.now,
): Notifier {
  const target = env['NOTIFY_SOCKET'];
  if (target === undefined || target === '') {
    return { progress: () => undefined, send: () => undefined, close: () => undefined };
  }
  const path = notifySocketAddress(target);
  let fd: number | undefined;
  let last = Number.NEGATIVE_INFINITY;
  const send = (text: string): void => {
    try {
      fd ??= socket('dgram');
      sendmsg(fd, Buffer.from(text), { path, dontWait: true });
    } catch {
      // progress reports are best effort; the manager may be gone
    }
  };
  return {
    progress(bytes) {
      const t = now();
      if (t - last < NOTIFY_INTERVAL_MS) return;
      last = t;
      send(formatProgress(bytes));
    },
    send,
    close() {
      if (fd !== undefined) close(fd);
      fd = undefined;
    },
  };
}
