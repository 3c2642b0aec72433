/**
 * `--backtrace` mode (spec §2.3): argv as in pipe mode, the process's /proc fields, then
 * the reporter's journal entry from stdin, sent to journald with MESSAGE_ID=1f4e….
 */
import { readFileSync } from 'node:fs';
import { collectProcFields, kernelContextValues, readComm } from '@coredump-ts/context';
import {
  FIELD,
  buildContextFields,
  MESSAGE_ID_BACKTRACE,
  field,
  isValidJournalFieldName,
  type JournalField,
} from '@coredump-ts/protocol';
import { parseKernelArgv } from './argv.js';
import { importExportEntry } from './export-entry.js';

export interface BacktraceOptions {
  readonly procRoot: string;
  readonly journalSocket: string;
  /** stdin contents; read from fd 0 when not given. */
  readonly input?: Buffer;
  readonly warn: (message: string) => void;
}

/** The journal entry for a reporter's "crash" report; pure apart from the /proc reads. */
export const buildBacktraceEntry = (
  argv: readonly string[],
  input: Buffer,
  opts: Pick<BacktraceOptions, 'procRoot' | 'warn'>,
): JournalField[] => {
  const { args, warnings } = parseKernelArgv(argv);
  for (const w of warnings) opts.warn(w);
  const comm = readComm(opts.procRoot, args.pid);
  const proc = collectProcFields(opts.procRoot, args.pid, args.tid);
  // Not validated as a crash context: a reporter's entry is logged whatever argv held.
  const values = kernelContextValues(args, comm, proc, undefined);
  const fields = buildContextFields(values).map((f) =>
    f.name === FIELD.MESSAGE_ID ? field(FIELD.MESSAGE_ID, MESSAGE_ID_BACKTRACE) : f,
  );
  const imported = importExportEntry(input);
  if (imported.complete) return [...fields, ...imported.fields];
  opts.warn('Did not receive a full journal entry on stdin, ignoring message sent by reporter.');
  const message = `Process ${args.pid} (${comm}) of user ${args.uid} failed with ${args.signal}.`;
  return [...fields, field(FIELD.MESSAGE, message)];
};

export const runBacktrace = async (
  argv: readonly string[],
  opts: BacktraceOptions,
): Promise<void> => {
  const input = opts.input ?? readFileSync(0);
  const entry = buildBacktraceEntry(argv, input, opts);
  const { sendJournalEntry } = await import('@coredump-ts/journal');
  // journald ignores trusted (`_`-prefixed) fields from clients; the serializer rejects them.
  const sendable = entry.filter((f) => isValidJournalFieldName(f.name));
  sendJournalEntry(sendable, { socketPath: opts.journalSocket });
};
