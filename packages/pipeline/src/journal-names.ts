// Fields journald would refuse by name (lowercase, a leading digit or '_', over 64
// characters) reach the worker as they came: a sender may put anything after the
// context fields. journald drops only such a field and keeps the entry; our native
// serialiser refuses the whole entry (ERR_JOURNAL_FIELD_NAME). So the entry goes out
// without them, and the drop is logged once per crash, naming every dropped field.
import { isValidJournalFieldName, type JournalField } from '@coredump-ts/protocol';

import type { Log } from './log.js';

/** At most this many names (each cut to 64 characters) in the one log line. */
const NAMES_SHOWN = 8;

export function dropRefusedFieldNames(fields: readonly JournalField[], log: Log): JournalField[] {
  const kept: JournalField[] = [];
  const dropped: string[] = [];
  for (const f of fields) {
    if (isValidJournalFieldName(f.name)) kept.push(f);
    else dropped.push(f.name);
  }
  if (dropped.length > 0) {
    const shown = dropped.slice(0, NAMES_SHOWN).map((n) => JSON.stringify(n.slice(0, 64)));
    const more =
      dropped.length > NAMES_SHOWN ? ` and ${String(dropped.length - NAMES_SHOWN)} more` : '';
    log.warn(
      `Dropping ${String(dropped.length)} field(s) journald would refuse by name: ${shown.join(', ')}${more}.`,
    );
  }
  return kept;
}
