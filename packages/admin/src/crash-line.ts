// One line per captured crash, from a journal entry as `journalctl -o json`
// prints it:  12:01:02 pid 1234 (segv) uid 0 SIGSEGV -> /var/lib/.../core.segv...zst (12.2K)
import { formatBytes } from '@coredump-ts/config';

export type JsonEntry = Record<string, unknown>;

/** A field as text: json strings as is, byte arrays decoded, first of several values. */
export function fieldText(entry: JsonEntry, name: string): string | undefined {
  const value = entry[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.every((b) => typeof b === 'number')) return Buffer.from(value).toString('utf8');
    const first: unknown = value[0];
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

function clock(usec: number): string {
  const d = new Date(Math.floor(usec / 1000));
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

export interface CrashEvent {
  pid: number | undefined;
  filename: string | undefined;
  line: string;
}

/** sizeOf: the stored file's size, undefined when it is missing. */
export function describeCrash(
  entry: JsonEntry,
  sizeOf: (path: string) => number | undefined,
): CrashEvent {
  const pidText = fieldText(entry, 'COREDUMP_PID');
  const usec = Number(
    fieldText(entry, 'COREDUMP_TIMESTAMP') ?? fieldText(entry, '__REALTIME_TIMESTAMP') ?? NaN,
  );
  const signal =
    fieldText(entry, 'COREDUMP_SIGNAL_NAME') ??
    `signal ${fieldText(entry, 'COREDUMP_SIGNAL') ?? '?'}`;
  const filename = fieldText(entry, 'COREDUMP_FILENAME');
  let where: string;
  if (filename !== undefined) {
    const size = sizeOf(filename);
    where = `${filename} (${size === undefined ? 'missing' : formatBytes(size)})`;
  } else if (entry.COREDUMP !== undefined) {
    where = 'journal (COREDUMP= field)';
  } else {
    where = 'not stored';
  }
  const line = [
    Number.isFinite(usec) ? clock(usec) : '--:--:--',
    `pid ${pidText ?? '?'}`,
    `(${fieldText(entry, 'COREDUMP_COMM') ?? '?'})`,
    `uid ${fieldText(entry, 'COREDUMP_UID') ?? '?'}`,
    signal,
    '->',
    where,
  ].join(' ');
  return { pid: pidText === undefined ? undefined : Number(pidText), filename, line };
}
