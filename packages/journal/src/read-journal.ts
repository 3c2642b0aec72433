// Reading the journal back: `journalctl -o export --no-pager` parsed as it
// streams, so a 767 MiB COREDUMP= field is never more than one copy in memory.
import { spawn } from 'node:child_process';
import type { JournalEntry } from './entry.js';
import { journalError } from './errors.js';
import { parseExportStream } from './export-parser.js';

export interface ReadJournalOptions {
  /** journalctl matches (`FIELD=value`); same field ORed, different fields ANDed. */
  matches?: readonly string[];
  /** -D: read the journal files in this directory. */
  directory?: string;
  /** --file: exactly these journal files (globs are expanded by journalctl). */
  files?: readonly string[];
  /** --root: the journal of another root directory. */
  root?: string;
  /** -S / -U: systemd.time timestamps. */
  since?: string;
  until?: string;
  /** -r: newest first. */
  reverse?: boolean;
  /** -n: at most this many entries (the newest ones). */
  lines?: number;
  /** --output-fields=: print only these fields (address fields are always printed). */
  outputFields?: readonly string[];
  /** -m: merge all journals, not just the local ones. */
  all?: boolean;
  /** The journalctl binary; default `journalctl` from PATH. */
  journalctl?: string;
}

/** Stderr kept for the error message when journalctl fails. */
const STDERR_MAX = 64 * 1024;

/** The journalctl argument vector for `opts` (exported for tests). */
export function journalctlArgs(opts: ReadJournalOptions): string[] {
  const args = ['-o', 'export', '--no-pager', '-q'];
  if (opts.directory !== undefined) args.push(`--directory=${opts.directory}`);
  for (const file of opts.files ?? []) args.push(`--file=${file}`);
  if (opts.root !== undefined) args.push(`--root=${opts.root}`);
  if (opts.since !== undefined) args.push(`--since=${opts.since}`);
  if (opts.until !== undefined) args.push(`--until=${opts.until}`);
  if (opts.reverse === true) args.push('--reverse');
  if (opts.lines !== undefined) {
    if (!Number.isSafeInteger(opts.lines) || opts.lines < 0)
      throw new RangeError(`lines must be a non-negative integer, got ${opts.lines}`);
    args.push(`--lines=${opts.lines}`);
  }
  if (opts.outputFields !== undefined && opts.outputFields.length > 0)
    args.push(`--output-fields=${opts.outputFields.join(',')}`);
  if (opts.all === true) args.push('--merge');
  // getopt stops at "--", so a match can never be taken for an option.
  if (opts.matches !== undefined && opts.matches.length > 0) args.push('--', ...opts.matches);
  return args;
}

/**
 * Runs journalctl and yields the matching entries as they are parsed.
 * Stopping the iteration early kills journalctl. A non-zero exit throws
 * CoredumpError ERR_JOURNAL_READ carrying journalctl's stderr; malformed
 * output throws ERR_JOURNAL_EXPORT_PARSE.
 */
export async function* readJournal(opts: ReadJournalOptions = {}): AsyncGenerator<JournalEntry> {
  const binary = opts.journalctl ?? 'journalctl';
  const args = journalctlArgs(opts);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < STDERR_MAX) stderr += s.slice(0, STDERR_MAX - stderr.length);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => {
        resolve({ code: null, signal: null, error });
      });
      child.once('close', (code, signal) => {
        resolve({ code, signal });
      });
    },
  );

  let finished = false;
  try {
    for await (const entry of parseExportStream(child.stdout as AsyncIterable<Buffer>)) yield entry;
    finished = true;
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      child.stdout.destroy();
    }
  }

  const result = await exited;
  const command = `${binary} ${args.join(' ')}`;
  if (result.error)
    throw journalError(
      'ERR_JOURNAL_READ',
      `could not run ${command}: ${result.error.message}`,
      result.error,
    );
  if (result.code !== 0) {
    const status =
      result.code === null
        ? `was killed by ${String(result.signal)}`
        : `exited with status ${result.code}`;
    const detail = stderr.trim();
    throw journalError(
      'ERR_JOURNAL_READ',
      `${command} ${status}${detail === '' ? '' : `: ${detail}`}`,
    );
  }
}
