// The coredump journal entry (spec §4.2-§4.4): every received field as it
// came, then MESSAGE, COREDUMP_FILENAME, COREDUMP_TRUNCATED and, for
// Storage=journal, COREDUMP= copied from a memfd by the journal writer.
import {
  FIELD,
  MESSAGE_ID_COREDUMP,
  PRIORITY_CRIT,
  SYSLOG_IDENTIFIER_COREDUMP,
  field,
  type JournalField,
} from '@coredump-ts/protocol';
import type { CrashMetadata } from '@coredump-ts/context';
import { JournalEntryFile, sendJournalEntry } from '@coredump-ts/journal';

export interface EntryOutcome {
  /** The core was captured ("dumped core.") rather than not written. */
  readonly written: boolean;
  /** Full path of the kept file. */
  readonly filename?: string | undefined;
  readonly truncated: boolean;
  /** journald crashed: MESSAGE says where the core went. */
  readonly journaldCrash?: boolean | undefined;
  /** A sentence after the first (flood control's, rate-limit.ts). */
  readonly note?: string | undefined;
  /** "\n\n" + the stack trace text (spec §4.4), or "". */
  readonly stackText?: string | undefined;
}

export function buildMessage(meta: CrashMetadata, outcome: EntryOutcome): string {
  const who = `Process ${String(meta.pid)} (${meta.comm}) of user ${String(meta.uid)}`;
  let message = outcome.written
    ? `${who} dumped core.`
    : `${who} terminated abnormally without generating a coredump.`;
  if (outcome.journaldCrash === true && outcome.filename !== undefined) {
    message += `\nCoredump diverted to ${outcome.filename}`;
  }
  if (outcome.note !== undefined) message += `\n${outcome.note}`;
  return message + (outcome.stackText ?? '');
}

/**
 * The entry without COREDUMP=. PRIORITY, MESSAGE_ID and SYSLOG_IDENTIFIER are
 * added only when the sender left them out (a v252 sender puts the first two
 * first; sd_journal_sendv adds the identifier last).
 */
export function buildEntryFields(
  received: readonly JournalField[],
  meta: CrashMetadata,
  outcome: EntryOutcome,
): JournalField[] {
  const fields = [...received];
  const has = (name: string): boolean => fields.some((f) => f.name === name);
  if (!has(FIELD.PRIORITY)) fields.push(field(FIELD.PRIORITY, PRIORITY_CRIT));
  if (!has(FIELD.MESSAGE_ID)) fields.push(field(FIELD.MESSAGE_ID, MESSAGE_ID_COREDUMP));
  fields.push(field(FIELD.MESSAGE, buildMessage(meta, outcome)));
  if (outcome.filename !== undefined) fields.push(field(FIELD.FILENAME, outcome.filename));
  if (outcome.truncated) fields.push(field(FIELD.TRUNCATED, '1'));
  if (!has(FIELD.SYSLOG_IDENTIFIER)) {
    fields.push(field(FIELD.SYSLOG_IDENTIFIER, SYSLOG_IDENTIFIER_COREDUMP));
  }
  return fields;
}

export interface JournalSendOptions {
  readonly socketPath: string;
  /** journald's own crash: never block on its socket. */
  readonly dontWait?: boolean | undefined;
}

/** Send the entry; with core, COREDUMP= is appended from that memfd (never the JS heap). */
export async function sendCoredumpEntry(
  fields: readonly JournalField[],
  core: { readonly fd: number; readonly length: number } | undefined,
  opts: JournalSendOptions,
): Promise<void> {
  const sendOpts = {
    socketPath: opts.socketPath,
    ...(opts.dontWait === true ? { dontWait: true } : {}),
  };
  if (core === undefined) {
    sendJournalEntry(fields, sendOpts);
    return;
  }
  const entry = new JournalEntryFile();
  try {
    for (const f of fields) entry.append(f);
    await entry.appendBinaryFromFd(FIELD.COREDUMP, core.fd, core.length, { position: 0 });
    entry.send(sendOpts);
  } finally {
    entry.close();
  }
}
