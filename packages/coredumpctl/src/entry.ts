// One coredump journal entry as coredumpctl sees it. Fields come from
// `journalctl -o json`, where a value over 4096 bytes is null: so COREDUMP=
// (the core itself) is known to exist without ever being loaded.
import type { JournalEntry } from '@coredump-ts/journal/read';

/**
 * A field value: text as `-o json` printed it (valid UTF-8, kept as a string so
 * listing 5,000 entries does not build 70,000 Buffers), bytes (binary values,
 * and everything read with `-o export`), or null when journalctl left out a
 * large value.
 */
export type FieldValue = string | Buffer | null;

export interface CoredumpEntry {
  readonly fields: ReadonlyMap<string, readonly FieldValue[]>;
  readonly realtimeUsec: number;
  readonly cursor: string | undefined;
}

/** The bytes of a present value. */
export function valueBytes(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** The last value of a field as text, as systemd's RETRIEVE() keeps the last one. */
export function fieldText(entry: CoredumpEntry, name: string): string | undefined {
  return lastText(entry, name) ?? undefined;
}

/** fieldText(), but null for a value that is present and was left out (too large). */
function lastText(entry: CoredumpEntry, name: string): string | null | undefined {
  const values = entry.fields.get(name);
  const last = values?.[values.length - 1];
  return last === undefined || last === null || typeof last === 'string'
    ? last
    : last.toString('utf8');
}

/**
 * Chosen fields of an entry as `list` reads them: the last value of each, in
 * the order asked for, as text (null: present but left out as too large;
 * undefined: absent). One small array per entry instead of a CoredumpEntry.
 */
export interface EntryTexts {
  readonly texts: readonly (string | null | undefined)[];
  readonly realtimeUsec: number;
}

/** fieldText() of each of `names`, keeping null for a value left out. */
export function entryTexts(entry: CoredumpEntry, names: readonly string[]): EntryTexts {
  return { texts: names.map((name) => lastText(entry, name)), realtimeUsec: entry.realtimeUsec };
}

export function hasField(entry: CoredumpEntry, name: string): boolean {
  return (entry.fields.get(name)?.length ?? 0) > 0;
}

/** Names whose value journalctl replaced by null (too large for -o json). */
export function omittedFields(entry: CoredumpEntry): string[] {
  return [...entry.fields].filter(([, vs]) => vs.some((v) => v === null)).map(([k]) => k);
}

function jsonValue(value: unknown): FieldValue {
  if (value === null || typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((b): b is number => typeof b === 'number'))
    return Buffer.from(value);
  return JSON.stringify(value);
}

/** Parse one line of `journalctl -o json`. */
export function entryFromJsonLine(line: string): CoredumpEntry {
  const obj = JSON.parse(line) as Record<string, unknown>;
  const fields = new Map<string, FieldValue[]>();
  for (const name in obj) {
    const value = obj[name];
    if (typeof value === 'string' || value === null) {
      fields.set(name, [value]);
      continue;
    }
    // Several values: an array of strings / byte arrays. One binary value: an array of numbers.
    const many = Array.isArray(value) && value.some((v) => typeof v !== 'number');
    fields.set(name, many ? (value as unknown[]).map(jsonValue) : [jsonValue(value)]);
  }
  const rt = obj.__REALTIME_TIMESTAMP;
  const cursor = obj.__CURSOR;
  return {
    fields,
    realtimeUsec: typeof rt === 'string' ? Number(rt) : 0,
    cursor: typeof cursor === 'string' ? cursor : undefined,
  };
}

/** Adapt an entry read with `-o export` (full values). */
export function entryFromExport(entry: JournalEntry): CoredumpEntry {
  return { fields: entry.fields, realtimeUsec: entry.realtimeUsec ?? 0, cursor: entry.cursor };
}

/** Replace null (omitted) values with the full ones from a second, targeted read. */
export function mergeFields(entry: CoredumpEntry, full: CoredumpEntry): CoredumpEntry {
  const fields = new Map(entry.fields);
  for (const [name, values] of full.fields) if (fields.has(name)) fields.set(name, values);
  return { ...entry, fields };
}
