// The worker's own diagnostics: written synchronously to stderr (a short-lived
// process loses buffered lines at exit), one line per record, prefixed `<N>`
// with the syslog priority so journald files it at that level.
//
// This was pino with a sync fd-2 destination. Loading pino and its dependencies
// (thread-stream, sonic-boom, safe-stable-stringify, redact, worker_threads, ...)
// cost ~15 ms of every crash's start-up (docs/performance.md, "Start-up") for
// five string methods, so the same output is produced here directly. Levels keep
// pino's numbers and names, so COREDUMP_TS_LOG_LEVEL means what it meant.
import { writeSync } from 'node:fs';

/** What stages and the orchestrator need from a logger. */
export interface Log {
  debug(msg: string): void;
  info(msg: string): void;
  notice?(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** The logger `createLogger` returns: every level, `notice` included. */
export interface Logger extends Required<Log> {
  readonly level: string;
  trace(msg: string): void;
  fatal(msg: string): void;
}

/** pino's level numbers (and its `silent`), with the custom `notice` between info and warn. */
const LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  notice: 35,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
} as const;

type LevelName = keyof typeof LEVELS;

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

/** One `<N>message` line; newlines inside the message become spaces. */
export function formatLine(level: number, msg: string, errMessage?: string): string {
  const text = errMessage === undefined ? msg : `${msg}: ${errMessage}`;
  return `<${String(priorityOf(level))}>${text.replaceAll('\n', ' ')}\n`;
}

/** `<N>message` from one pino-format JSON line (err.message appended when present). */
export function formatRecord(line: string): string {
  let record: { level?: number; msg?: string; err?: { message?: string } };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    return `<6>${line.trimEnd()}\n`;
  }
  return formatLine(record.level ?? 30, record.msg ?? '', record.err?.message);
}

function isLevelName(name: string): name is LevelName {
  return Object.hasOwn(LEVELS, name);
}

export function createLogger(env: NodeJS.ProcessEnv = process.env, fd = 2): Logger {
  const wanted =
    env['COREDUMP_TS_LOG_LEVEL'] ?? (env['SYSTEMD_LOG_LEVEL'] === 'debug' ? 'debug' : 'info');
  // An unknown name made pino throw at start-up, losing the crash; fall back to info.
  const level: LevelName = isLevelName(wanted) ? wanted : 'info';
  const threshold = LEVELS[level];
  const method =
    (value: number) =>
    (msg: string): void => {
      if (value < threshold) return;
      try {
        writeSync(fd, formatLine(value, msg));
      } catch {
        // stderr gone: nothing sensible left to do
      }
    };
  return {
    level,
    trace: method(LEVELS.trace),
    debug: method(LEVELS.debug),
    info: method(LEVELS.info),
    notice: method(LEVELS.notice),
    warn: method(LEVELS.warn),
    error: method(LEVELS.error),
    fatal: method(LEVELS.fatal),
  };
}
