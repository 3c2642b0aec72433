/**
 * The journal importer's view of one Journal Export Format entry on stdin (spec §2.3):
 * `NAME=value\n` text fields, `NAME\n<le64 length><bytes>\n` binary ones, an empty line
 * ends the entry. Cursor and sequence fields are dropped, the two timestamps consumed,
 * other `__` fields and invalid names skipped.
 */
import type { JournalField } from '@coredump-ts/protocol';

export interface ImportedEntry {
  readonly fields: JournalField[];
  /** False when the input ended before the empty line that closes an entry. */
  readonly complete: boolean;
  /** Names skipped, for a debug/notice log. */
  readonly skipped: readonly string[];
}

const NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;
const CONSUMED = new Set(['__REALTIME_TIMESTAMP', '__MONOTONIC_TIMESTAMP']);
export const DATA_SIZE_MAX = 768 * 1024 * 1024;

export const importExportEntry = (input: Buffer): ImportedEntry => {
  const fields: JournalField[] = [];
  const skipped: string[] = [];
  let pos = 0;
  const done = (complete: boolean): ImportedEntry => ({ fields, complete, skipped });
  for (;;) {
    const nl = input.indexOf(0x0a, pos);
    if (nl < 0) return done(false);
    if (nl === pos) return done(true);
    const line = input.subarray(pos, nl);
    const eq = line.indexOf(0x3d);
    let name: string;
    let value: Buffer;
    if (eq >= 0) {
      name = line.subarray(0, eq).toString('latin1');
      value = line.subarray(eq + 1);
      pos = nl + 1;
    } else {
      name = line.toString('latin1');
      if (input.length < nl + 1 + 8) return done(false);
      const size = input.readBigUInt64LE(nl + 1);
      if (size > BigInt(DATA_SIZE_MAX)) return done(false);
      const start = nl + 1 + 8;
      const end = start + Number(size);
      if (input.length < end + 1 || input[end] !== 0x0a) return done(false);
      value = input.subarray(start, end);
      pos = end + 1;
    }
    if (CONSUMED.has(name) || name === '__CURSOR' || name.startsWith('__SEQNUM')) continue;
    if (name.startsWith('__') || !NAME.test(name)) {
      skipped.push(name);
      continue;
    }
    fields.push({ name, value: Buffer.from(value) });
  }
};
