// Which entries a verb works on, shared by list, info, dump and debug: the
// walk of dump_list() (-1 focuses on the newest), focus() for dump and debug,
// and the full values -o json left out.
import type { VerbContext } from './context.js';
import { mergeFields, omittedFields, type CoredumpEntry } from './entry.js';
import { CoredumpctlError } from './errors.js';
import {
  baseQuery,
  fetchFullFields,
  queryEntries,
  withFileNotices,
  withoutTimes,
  type Query,
} from './journal-query.js';

/** Iterate entries the way dump_list() does: -1 (focus), or seek + walk with -n. */
export async function* selectEntries(
  ctx: VerbContext,
  q: Query,
  focus: boolean,
): AsyncGenerator<CoredumpEntry> {
  const o = ctx.options;
  if (focus) {
    // focus(): seek to the tail and take one entry; --since/--until do not apply.
    const rest = withoutTimes(q);
    const one = queryEntries({ ...rest, reverse: true, lines: 1 }, ctx.journalctl);
    for await (const e of withFileNotices(ctx, rest, one)) {
      yield e;
      return;
    }
    throw new CoredumpctlError('ERR_NOT_FOUND', 'No match found.');
  }
  yield* withFileNotices(ctx, q, queryEntries({ ...q, reverse: o.reverse }, ctx.journalctl));
}

/** Full values for everything journalctl -o json left out, except the core itself. */
export async function completeEntry(
  ctx: VerbContext,
  q: Query,
  entry: CoredumpEntry,
): Promise<CoredumpEntry> {
  const missing = omittedFields(entry).filter((n) => n !== 'COREDUMP');
  if (missing.length === 0 || entry.cursor === undefined) return entry;
  const full = await fetchFullFields(q, entry.cursor, missing, ctx.journalctl);
  return full === undefined ? entry : mergeFields(entry, full);
}

/** The most recent match, and whether more than one matched. */
export async function focusEntry(
  ctx: VerbContext,
): Promise<{ entry: CoredumpEntry; more: boolean }> {
  const q = withoutTimes(baseQuery(ctx.options));
  const found: CoredumpEntry[] = [];
  const two = queryEntries({ ...q, reverse: true, lines: 2 }, ctx.journalctl);
  for await (const e of withFileNotices(ctx, q, two)) found.push(e);
  const entry = found[0];
  if (entry === undefined) throw new CoredumpctlError('ERR_NOT_FOUND', 'No match found.');
  return { entry: await completeEntry(ctx, q, entry), more: found.length > 1 };
}
