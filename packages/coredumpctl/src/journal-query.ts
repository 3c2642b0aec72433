// How coredumpctl's journal selection maps onto journalctl: -D, --root,
// --file, --all, the matches, and --since/--until as "@seconds.µs".
import { parseExportStream } from '@coredump-ts/journal/read';
import type { VerbContext } from './context.js';
import { entryFromExport, entryFromJsonLine, type CoredumpEntry } from './entry.js';
import { CoredumpctlError } from './errors.js';
import { buildMatches } from './matches.js';
import type { Options } from './options.js';
import { journalctlTimestamp } from './time.js';

export interface Query {
  matches: string[];
  directory?: string;
  files?: string[];
  root?: string;
  since?: string;
  until?: string;
  reverse?: boolean;
  lines?: number;
  cursor?: string;
  outputFields?: string[];
  all?: boolean;
}

export function baseQuery(o: Options, { withTimes = true } = {}): Query {
  const q: Query = { matches: buildMatches(o.matches) };
  if (o.directory !== undefined) q.directory = o.directory;
  else if (o.root !== undefined) q.root = o.root;
  else if (o.files !== undefined) q.files = o.files;
  else if (o.all) q.all = true;
  if (withTimes && o.sinceUsec !== undefined) q.since = journalctlTimestamp(o.sinceUsec);
  if (withTimes && o.untilUsec !== undefined) q.until = journalctlTimestamp(o.untilUsec);
  return q;
}

/** The query without --since/--until (focus() seeks to the tail and ignores them). */
export function withoutTimes(q: Query): Query {
  const rest = { ...q };
  delete rest.since;
  delete rest.until;
  return rest;
}

/** Which journal files: -D, --file, --root, --all. */
function selectionArgs(q: Query): string[] {
  const args: string[] = [];
  if (q.directory !== undefined) args.push(`--directory=${q.directory}`);
  for (const f of q.files ?? []) args.push(`--file=${f}`);
  if (q.root !== undefined) args.push(`--root=${q.root}`);
  if (q.all === true) args.push('--merge');
  return args;
}

export function journalctlArgs(q: Query, format: 'json' | 'export'): string[] {
  const args = ['-o', format, '--no-pager', '-q', ...selectionArgs(q)];
  if (q.since !== undefined && q.cursor === undefined) args.push(`--since=${q.since}`);
  if (q.until !== undefined && q.cursor === undefined) args.push(`--until=${q.until}`);
  if (q.cursor !== undefined) args.push(`--cursor=${q.cursor}`);
  if (q.reverse === true) args.push('--reverse');
  if (q.lines !== undefined) args.push(`--lines=${q.lines}`);
  if (q.outputFields !== undefined) args.push(`--output-fields=${q.outputFields.join(',')}`);
  args.push('--', ...q.matches);
  return args;
}

/** journalctl's stderr kept for messages. */
const STDERR_KEEP_CHARS = 65536;

interface Journalctl {
  readonly stdout: NodeJS.ReadableStream;
  /** Its exit status and stderr once it has exited; rejects if it could not run. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  stop(): void;
}

/** The one place journalctl is started. */
function startJournalctl(journalctl: string, args: readonly string[]): Journalctl {
  // Never colours: $SYSTEMD_COLORS=1 of ours would make journalctl colour its JSON.
  const env = { ...process.env, SYSTEMD_COLORS: '0' };
  // Loaded here, not imported: list and top read the files themselves and
  // rarely need journalctl; child_process and the net module under it are
  // ~5 ms of every start.
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn(journalctl, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < STDERR_KEEP_CHARS) stderr += s;
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stderr });
    });
  });
  exited.catch(() => undefined);
  return {
    stdout: child.stdout,
    exited,
    stop() {
      child.kill('SIGTERM');
      child.stdout.destroy();
    },
  };
}

async function* runJournalctl<T>(
  args: string[],
  parse: (stdout: NodeJS.ReadableStream) => AsyncIterable<T>,
  journalctl: string,
): AsyncGenerator<T> {
  const child = startJournalctl(journalctl, args);
  let finished = false;
  try {
    yield* parse(child.stdout);
    finished = true;
  } finally {
    if (!finished) child.stop();
  }
  let result: { code: number | null; stderr: string };
  try {
    result = await child.exited;
  } catch (cause) {
    throw new CoredumpctlError(
      'ERR_JOURNAL',
      `Failed to open journal: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (result.code !== 0) {
    const detail = result.stderr.trim();
    throw new CoredumpctlError(
      'ERR_JOURNAL',
      detail === '' ? `journalctl exited with status ${String(result.code)}` : openFailure(detail),
    );
  }
}

/**
 * journalctl's "could not open" line in systemd coredumpctl's words
 * (coredumpctl.c): "Failed to open journal files: %m" for --file, "Failed to
 * open journals in directory: %s: %m" for -D; anything else as it is.
 */
export function openFailure(detail: string): string {
  const files = /^Failed to open files: ([^\n]*)$/.exec(detail);
  if (files !== null) return filesOpenFailure(files[1] ?? '');
  const dir = /^Failed to open (\/[^\n]*): ([^:\n]*)$/.exec(detail);
  if (dir !== null) return directoryOpenFailure(dir[1] ?? '', dir[2] ?? '');
  return detail;
}

/** systemd coredumpctl's words for a --file that does not open. */
export const filesOpenFailure = (reason: string): string =>
  `Failed to open journal files: ${reason}`;

/** systemd coredumpctl's words for a -D directory that does not open. */
export const directoryOpenFailure = (dir: string, reason: string): string =>
  `Failed to open journals in directory: ${dir}: ${reason}`;

async function* jsonLines(stdout: NodeJS.ReadableStream): AsyncGenerator<CoredumpEntry> {
  // One entry per line. Split by hand: readline costs an event and a promise per line.
  stdout.setEncoding('utf8');
  let rest = '';
  for await (const chunk of stdout as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl > start) yield entryFromJsonLine(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield entryFromJsonLine(rest);
}

async function* exportEntries(stdout: NodeJS.ReadableStream): AsyncGenerator<CoredumpEntry> {
  for await (const e of parseExportStream(stdout as AsyncIterable<Buffer>))
    yield entryFromExport(e);
}

/** Entries in `-o json` form (values over 4096 bytes are null). Breaking out kills journalctl. */
export function queryEntries(q: Query, journalctl = 'journalctl'): AsyncGenerator<CoredumpEntry> {
  return runJournalctl(journalctlArgs(q, 'json'), jsonLines, journalctl);
}

/** Re-read the named fields of one entry (by cursor) in full, with `-o export`. */
export async function fetchFullFields(
  q: Query,
  cursor: string,
  names: readonly string[],
  journalctl = 'journalctl',
): Promise<CoredumpEntry | undefined> {
  const args = journalctlArgs({ ...q, cursor, outputFields: [...names], reverse: false }, 'export');
  for await (const entry of runJournalctl(args, exportEntries, journalctl)) {
    if (entry.cursor === cursor) return entry;
    break;
  }
  return undefined;
}

/**
 * The notices in journalctl's stderr that are about the journal files
 * themselves: the access hint (a "Hint: " line and its indented
 * continuation) and "No journal files were found.".
 */
export function keepFileNotices(stderr: string): string {
  const kept: string[] = [];
  let inHint = false;
  for (const line of stderr.split('\n')) {
    inHint = line.startsWith('Hint: ') || (inHint && line.startsWith('      '));
    if (inHint || line === 'No journal files were found.') kept.push(`${line}\n`);
  }
  return kept.join('');
}

/**
 * What systemd's coredumpctl says about the journal files before any entry
 * (journal_access_check_and_warn): to a user who may not read all of them, which
 * groups may; and "No journal files were found.". journalctl prints these only in
 * its short output mode, never with -o json, so this asks `journalctl -o short
 * -n 0` over the same files (no matches: they do not change which files open).
 */
export async function journalFileNotices(q: Query, journalctl = 'journalctl'): Promise<string> {
  const args = ['-o', 'short', '--lines=0', '--no-pager', ...selectionArgs(q)];
  const child = startJournalctl(journalctl, args);
  child.stdout.resume();
  try {
    // Its exit status is the main query's business; only the notices matter here.
    return keepFileNotices((await child.exited).stderr);
  } catch {
    return '';
  }
}

/**
 * `entries`, with systemd's notices about the journal files (journalFileNotices)
 * where systemd prints them: first, for a user who is not root (who may be
 * missing files); for root, who can open every file, only when nothing matched,
 * since then the reason may be that there were no files. Nothing with -q.
 */
export async function* withFileNotices<T>(
  ctx: VerbContext,
  q: Query,
  entries: AsyncIterable<T>,
): AsyncGenerator<T> {
  if (ctx.options.quiet) {
    yield* entries;
    return;
  }
  const asRoot = process.geteuid?.() === 0;
  if (!asRoot) ctx.stderr.write(await journalFileNotices(q, ctx.journalctl));
  let any = false;
  for await (const e of entries) {
    any = true;
    yield e;
  }
  if (!any && asRoot) ctx.stderr.write(await journalFileNotices(q, ctx.journalctl));
}
