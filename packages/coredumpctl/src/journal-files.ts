// How `list` reads the journal by default: the journal files directly
// instead of running `journalctl -o json` (COREDUMP_TS_JOURNALCTL set forces
// journalctl). Only for what it reproduces exactly (the local journal, -D of a
// flat directory, --file; matches; -S/-U; -r; -1); anything else, any file it
// cannot open and any reader error make the caller run journalctl as before.
// COREDUMP= is never loaded: like journalctl's JSON output, a value of 4096
// payload bytes or more is null.
import {
  directoryJournalFiles,
  JournalFile,
  localJournalFiles,
  QueryWalk,
  type FileQuery,
  type ReadDataOptions,
} from '@coredump-ts/journal/read';
import type { EntryTexts } from './entry.js';
import { buildMatches } from './matches.js';
import type { Options } from './options.js';
import { Tiering } from './tiering.js';

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
 * Visit the entries `list` shows, read from the files, in order, until
 * `visit` returns false. Returns false when journalctl must answer instead:
 * COREDUMP_TS_JOURNALCTL set, unsupported options, unreadable files, no
 * entries at all, or a reader error (the entries visited before it are to be
 * dropped). The entry passed to `visit` is reused for the next one: the
 * caller keeps what it needs of it, never the entry itself.
 */
export function readListEntries(
  o: Options,
  fieldNames: readonly string[],
  focus: boolean,
  visit: (entry: EntryTexts) => boolean,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.COREDUMP_TS_JOURNALCTL !== undefined) return false;
  const files: JournalFile[] = [];
  const tiering = new Tiering();
  try {
    const paths = journalPaths(o);
    if (paths === undefined || paths.length === 0) return false;
    for (const p of paths) files.push(JournalFile.open(p));
    const q: FileQuery = { matches: buildMatches(o.matches), reverse: focus || o.reverse };
    if (!focus && o.sinceUsec !== undefined) q.sinceUsec = o.sinceUsec;
    if (!focus && o.untilUsec !== undefined) q.untilUsec = o.untilUsec;
    const wanted = new Set(fieldNames);
    // One options object per file: the reader's caches hold for one set of options.
    type Opts = ReadDataOptions & { wanted: ReadonlySet<string> };
    const optionsByFile = new Map<JournalFile, Opts>();
    const optionsFor = (file: JournalFile): Opts => {
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
    let any = false;
    let lastFile: JournalFile | undefined;
    let opts: Opts = { wanted };
    const texts = new Array<string | null | undefined>(fieldNames.length).fill(undefined);
    const entry = { texts, realtimeUsec: 0 };
    for (const walk = new QueryWalk(files, q); walk.next();) {
      const file = walk.file as JournalFile;
      if (file !== lastFile) opts = optionsFor((lastFile = file));
      any = true;
      tiering.step();
      // Values as text straight from the file: one string per value, no Buffer,
      // into the one array and entry object reused for every entry.
      texts.fill(undefined);
      file.entryTexts(walk.offset, opts, texts);
      entry.realtimeUsec = walk.realtimeUsec;
      if (!visit(entry) || focus) break;
    }
    return any;
  } catch {
    // Whatever the reader could not do, journalctl does: same output, only slower.
    return false;
  } finally {
    tiering.allow();
    for (const f of files) f.close();
  }
}
