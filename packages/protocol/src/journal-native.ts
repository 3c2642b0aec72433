/**
 * journald native protocol serialisation (spec §3.5, systemd.journal-fields(7)):
 * `NAME=value\n`, or `NAME\n` + little-endian u64 length + raw bytes + `\n`.
 *
 * Choice: only a '\n' in the value selects the binary form, exactly as sd_journal_sendv
 * does. journald stores NUL bytes and invalid UTF-8 verbatim in the `NAME=value` form
 * (only the newline is a delimiter), so those stay in the text form.
 */
import { CoredumpError } from './errors.js';
import type { JournalField } from './fields.js';

const NEWLINE = 0x0a;
const MAX_FIELD_NAME_LENGTH = 64;
const NAME_RE = /^[A-Z][A-Z0-9_]*$/;

/**
 * journald's rule for fields a client may send: 1..64 chars of A-Z, 0-9, '_', not starting
 * with a digit, and not starting with '_' (those are trusted fields journald adds itself).
 */
export const isValidJournalFieldName = (name: string): boolean =>
  name.length <= MAX_FIELD_NAME_LENGTH && NAME_RE.test(name);

export const assertJournalFieldName = (name: string): void => {
  if (!isValidJournalFieldName(name)) {
    throw new CoredumpError(
      'ERR_JOURNAL_FIELD_NAME',
      `Invalid journal field name: ${JSON.stringify(name)}`,
    );
  }
};

export const serializeJournalNative = (fields: readonly JournalField[]): Buffer => {
  const parts: Buffer[] = [];
  for (const f of fields) {
    assertJournalFieldName(f.name);
    if (f.value.includes(NEWLINE)) {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(f.value.length));
      parts.push(Buffer.from(`${f.name}\n`, 'latin1'), len, f.value, Buffer.from('\n'));
    } else {
      parts.push(Buffer.from(`${f.name}=`, 'latin1'), f.value, Buffer.from('\n'));
    }
  }
  return Buffer.concat(parts);
};
