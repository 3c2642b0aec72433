// An entry's fields and cursor, read from its items.
import type { EntryHead, ReadDataOptions } from './journal-file.js';

/** Field name -> values in item order (null: omitted or over the size limit). */
export function entryFields(
  head: EntryHead,
  opts: ReadDataOptions = {},
): Map<string, (Buffer | null)[]> {
  const fields = new Map<string, (Buffer | null)[]>();
  for (const item of head.file.entryData(head.offset, opts)) {
    const values = fields.get(item.name);
    if (values === undefined) fields.set(item.name, [item.value]);
    else values.push(item.value);
  }
  return fields;
}

/** The entry's cursor, as `journalctl -o export` prints `__CURSOR`. */
export function entryCursor(head: EntryHead): string {
  const xor =
    head.xorHashHigh === 0
      ? head.xorHashLow.toString(16)
      : head.xorHashHigh.toString(16) + head.xorHashLow.toString(16).padStart(8, '0');
  return (
    `s=${head.file.seqnumId};i=${head.seqnum.toString(16)};b=${Buffer.from(head.bootId, 'latin1').toString('hex')};` +
    `m=${head.monotonicUsec.toString(16)};t=${head.realtimeUsec.toString(16)};x=${xor}`
  );
}
