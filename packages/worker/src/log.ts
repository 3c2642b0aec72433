// The worker's own diagnostics: pino, written synchronously to stderr (a
// short-lived process loses buffered lines at exit), one line per record,
// prefixed `<N>` with the syslog priority so journald files it at that level.
import { writeSync } from 'node:fs';

import { pino, type Logger } from 'pino';

/** What stages and the orchestrator need from a logger; any pino logger fits. */
export interface Log {
  debug(msg: string): void;
  info(msg: string): void;
  notice?(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const PRIORITY_BY_LEVEL: readonly (readonly [number, number])[] = [
  [60, 2], // fatal -> crit
  [50, 3], // error -> err
  [40, 4], // warn -> warning
  [35, 5], // notice
  [30, 6], // info
  [0, 7], // debug, trace
];

export function priorityOf(level: number): number {
  return PRIORITY_BY_LEVEL.find(([min]) => level >= min)?.[1] ?? 7;
}

/** `<N>message` from one pino JSON line (err.message appended when present). */
export function formatRecord(line: string): string {
  let record: { level?: number; msg?: string; err?: { message?: string } };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    return `<6>${line.trimEnd()}\n`;
  }
  const err = record.err?.message;
  const text = `${record.msg ?? ''}${err !== undefined ? `: ${err}` : ''}`;
  return `<${String(priorityOf(record.level ?? 30))}>${text.replaceAll('\n', ' ')}\n`;
}

export function createLogger(env: NodeJS.ProcessEnv = process.env, fd = 2): Logger<'notice'> {
  const level =
    env['COREDUMP_TS_LOG_LEVEL'] ?? (env['SYSTEMD_LOG_LEVEL'] === 'debug' ? 'debug' : 'info');
  const destination = {
    write(line: string): void {
      try {
        writeSync(fd, formatRecord(line));
      } catch {
        // stderr gone: nothing sensible left to do
      }
    },
  };
  return pino<'notice'>(
    { level, base: null, timestamp: false, customLevels: { notice: 35 } },
    destination,
  );
}
