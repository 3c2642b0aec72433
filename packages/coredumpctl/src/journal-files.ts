// The file-reader path of `list` (COREDUMP_TS_JOURNAL_FILES=1): read the
// journal files directly instead of running `journalctl -o json`. Only for what it reproduces exactly (the local
// journal, -D of a flat directory, --file; matches; -S/-U; -r; -1); anything
// else, any file it cannot open and any reader error returns undefined and
// the caller runs journalctl as before. COREDUMP= is never loaded: like
// journalctl's JSON output, a value of 4096 payload bytes or more is null.
import {
  directoryJournalFiles,
  entryFields,
  JournalFile,
  localJournalFiles,
  queryFiles,
  type FileQuery,
  type ReadDataOptions,
} from '@coredump-ts/journal/read';
import type { CoredumpEntry, FieldValue } from './entry.js';
import { buildMatches } from './matches.js';
import type { Options } from './options.js';

/** journalctl -o json prints null for a `NAME=value` payload this long or longer. */
const JSON_NULL_AT_BYTES = 4096;
/** Never decompressed by the fast path (the core itself). */
const OMITTED_FIELD = 'COREDUMP';

function journalPaths(o: Options): string[] | undefined {
  if (o.root !== undefined || o.all) return undefined;
  if (o.files !== undefined) return new Set(o.files).size === o.files.length ? o.files : undefined;
  if (o.directory !== undefined) return directoryJournalFiles(o.directory);
  return localJournalFiles();
}

/**
 * The entries `list` shows, read from the files; undefined when journalctl
 * must answer instead (not enabled, unsupported options, unreadable files,
 * reader errors, no entries at all, or COREDUMP_TS_JOURNALCTL set).
 */
export function readListEntries(
  o: Options,
  fieldNames: readonly string[],
  focus: boolean,
  env: NodeJS.ProcessEnv = process.env,
): CoredumpEntry[] | undefined {
  // Opt-in: on the 2-core test machine it is not yet faster than journalctl
  // (see docs/coredumpctl.md), so the default stays journalctl.
  if (env.COREDUMP_TS_JOURNAL_FILES !== '1' || env.COREDUMP_TS_JOURNALCTL !== undefined)
    return undefined;
  const files: JournalFile[] = [];
  try {
    const paths = journalPaths(o);
    if (paths === undefined || paths.length === 0) return undefined;
    for (const p of paths) files.push(JournalFile.open(p));
    const q: FileQuery = { matches: buildMatches(o.matches), reverse: focus || o.reverse };
    if (!focus && o.sinceUsec !== undefined) q.sinceUsec = o.sinceUsec;
    if (!focus && o.untilUsec !== undefined) q.untilUsec = o.untilUsec;
    const wanted = new Set(fieldNames);
    // One options object per file: the reader's caches hold for one set of options.
    const optionsByFile = new Map<JournalFile, ReadDataOptions>();
    const optionsFor = (file: JournalFile): ReadDataOptions => {
      let opts = optionsByFile.get(file);
      if (opts === undefined) {
        let omitted: Set<number> | undefined;
        opts = {
          wanted,
          nullAtBytes: JSON_NULL_AT_BYTES,
          omitted: (offset) => {
            omitted ??= file.fieldDataOffsets(OMITTED_FIELD);
            return omitted.has(offset) ? OMITTED_FIELD : undefined;
          },
        };
        optionsByFile.set(file, opts);
      }
      return opts;
    };
    const entries: CoredumpEntry[] = [];
    // Values become text once per DATA object (shared ones, like COREDUMP_UID=0, are one Buffer).
    const texts = new Map<Buffer, string>();
    const text = (v: Buffer | null): string | null => {
      if (v === null) return null;
      let t = texts.get(v);
      if (t === undefined) texts.set(v, (t = v.toString('utf8')));
      return t;
    };
    for (const head of queryFiles(files, q)) {
      const raw = entryFields(head, optionsFor(head.file));
      const fields = new Map<string, FieldValue[]>();
      for (const [name, values] of raw) fields.set(name, values.map(text));
      entries.push({ fields, realtimeUsec: head.realtimeUsec, cursor: undefined });
      if (focus) break;
    }
    return entries.length === 0 ? undefined : entries;
  } catch {
    // Whatever the reader could not do, journalctl does: same output, only slower.
    return undefined;
  } finally {
    for (const f of files) f.close();
  }
}
