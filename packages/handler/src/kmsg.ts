/**
 * Synchronous logging to /dev/kmsg (journald may be the process that crashed): one
 * `<prio>systemd-coredump[pid]: message` record per line. COREDUMP_TS_KMSG redirects it
 * (tests point it at a plain file). Failing to log never fails the handler.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export const DEFAULT_KMSG_PATH = '/dev/kmsg';
const IDENTIFIER = 'systemd-coredump';
/** printk records are cut at 1 KiB; keep well under it. */
const MAX_LINE_BYTES = 900;

export const LOG_PRIORITY = {
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
} as const;
export type LogLevel = keyof typeof LOG_PRIORITY;

export interface KmsgLogger {
  log(level: LogLevel, message: string): void;
  close(): void;
}

export const formatKmsgLine = (level: LogLevel, pid: number, message: string): Buffer => {
  const line = Buffer.from(`<${LOG_PRIORITY[level]}>${IDENTIFIER}[${pid}]: ${message}`);
  const body = line.length > MAX_LINE_BYTES ? line.subarray(0, MAX_LINE_BYTES) : line;
  return Buffer.concat([body, Buffer.from('\n')]);
};

export const openKmsg = (
  path: string = DEFAULT_KMSG_PATH,
  opts: { pid?: number; maxLevel?: LogLevel } = {},
): KmsgLogger => {
  const pid = opts.pid ?? process.pid;
  const max = LOG_PRIORITY[opts.maxLevel ?? 'info'];
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a');
  } catch {
    fd = undefined;
  }
  return {
    log(level, message) {
      if (fd === undefined || LOG_PRIORITY[level] > max) return;
      for (const part of message.split('\n')) {
        try {
          writeSync(fd, formatKmsgLine(level, pid, part));
        } catch {
          return;
        }
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
};
