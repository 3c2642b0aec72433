// The list verb (and -F): a table of matching entries, never loading COREDUMP=.
import { locateCore } from './corefile.js';
import type { VerbContext } from './context.js';
import { fieldText, valueBytes, type CoredumpEntry } from './entry.js';
import { CoredumpctlError } from './errors.js';
import { formatBytes } from './format.js';
import { readListEntries } from './journal-files.js';
import {
  baseQuery,
  fetchFullFields,
  queryEntries,
  withFileNotices,
  withoutTimes,
  type Query,
} from './journal-query.js';
import { MESSAGE_ID_COREDUMP, parsePid } from './matches.js';
import { signalFromString, signalToString } from './signals.js';
import { renderJsonRows, renderTable, type Cell, type Column } from './table.js';
import { parseUid } from './users.js';

const COLUMNS: readonly Column[] = [
  { name: 'time', right: false },
  { name: 'pid', right: true },
  { name: 'uid', right: true },
  { name: 'gid', right: true },
  { name: 'sig', right: false },
  { name: 'corefile', right: false },
  { name: 'exe', right: false },
  { name: 'size', right: true },
];

/** The fields a row needs; COREDUMP is asked for but comes back null when large. */
export const LIST_FIELDS = [
  'MESSAGE_ID',
  'COREDUMP_PID',
  'COREDUMP_UID',
  'COREDUMP_GID',
  'COREDUMP_SIGNAL',
  'COREDUMP_EXE',
  'COREDUMP_COMM',
  'COREDUMP_FILENAME',
  'COREDUMP_TRUNCATED',
  'COREDUMP',
];

const MANDATORY = [
  'COREDUMP_PID',
  'COREDUMP_UID',
  'COREDUMP_GID',
  'COREDUMP_SIGNAL',
  'COREDUMP_COMM',
] as const;

/** One row as JSON cells, or a warning when mandatory fields are missing (systemd 262). */
export function buildRow(
  entry: CoredumpEntry,
  root: string | undefined,
): Cell[] | { warning: string } {
  const v = (n: string): string | undefined => fieldText(entry, n);
  if (MANDATORY.some((n) => v(n) === undefined)) {
    const shown = MANDATORY.map((n) => `${n.slice('COREDUMP_'.length)}=${v(n) ?? '(null)'}`).join(
      ', ',
    );
    return { warning: `Found a coredump entry without mandatory fields (${shown}), ignoring.` };
  }
  const normal = v('MESSAGE_ID') === MESSAGE_ID_COREDUMP;
  const sig = normal ? signalFromString(v('COREDUMP_SIGNAL') ?? '') : undefined;
  const core = locateCore(entry, root);
  return [
    entry.realtimeUsec,
    parsePid(v('COREDUMP_PID') ?? '') ?? null,
    parseUid(v('COREDUMP_UID')) ?? null,
    parseUid(v('COREDUMP_GID')) ?? null,
    sig ?? null,
    core.state ?? null,
    v('COREDUMP_EXE') ?? v('COREDUMP_COMM') ?? null,
    core.sizeBytes ?? null,
  ];
}

export function rowText(row: readonly Cell[], ctx: VerbContext): string[] {
  const [time, pid, uid, gid, sig, corefile, exe, size] = row;
  const dash = (c: Cell | undefined): string => (c === null || c === undefined ? '-' : String(c));
  return [
    ctx.time.timestamp(time as number),
    dash(pid),
    dash(uid),
    dash(gid),
    typeof sig === 'number' ? `SIG${signalToString(sig)}` : 'SIG0',
    dash(corefile),
    dash(exe),
    typeof size === 'number' ? formatBytes(size) : '-',
  ];
}

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

export async function runList(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  if (o.field !== undefined) {
    await printField(ctx, o.field);
    return;
  }
  const q: Query = { ...baseQuery(o), outputFields: LIST_FIELDS };
  const focus = o.rowsMax === 1 && o.reverse;
  const rows: Cell[][] = [];
  // The journal files read directly when they can be; else journalctl, as before.
  const entries = readListEntries(o, LIST_FIELDS, focus) ?? selectEntries(ctx, q, focus);
  for await (const entry of entries) {
    const row = buildRow(entry, o.root);
    if ('warning' in row) {
      ctx.log(row.warning);
      continue;
    }
    rows.push(row);
    if (o.rowsMax !== undefined && rows.length >= o.rowsMax) break;
  }
  if (rows.length === 0 && !focus) {
    throw new CoredumpctlError('ERR_NOT_FOUND', 'No coredumps found.', { silent: o.quiet });
  }
  if (o.json !== 'off') ctx.stdout.write(renderJsonRows(COLUMNS, rows, o.json));
  else
    ctx.stdout.write(
      renderTable(
        COLUMNS,
        rows.map((r) => rowText(r, ctx)),
        o.legend,
      ),
    );
}

async function printField(ctx: VerbContext, field: string): Promise<void> {
  const o = ctx.options;
  const q: Query = { ...baseQuery(o), outputFields: [field] };
  let n = 0;
  for await (const entry of selectEntries(ctx, q, o.rowsMax === 1 && o.reverse)) {
    let e = entry;
    if ((e.fields.get(field) ?? []).some((x) => x === null) && e.cursor !== undefined) {
      e = (await fetchFullFields(q, e.cursor, [field], ctx.journalctl)) ?? e;
    }
    for (const value of e.fields.get(field) ?? []) {
      if (value !== null) ctx.stdout.write(Buffer.concat([valueBytes(value), Buffer.from('\n')]));
    }
    if (o.rowsMax !== undefined && ++n >= o.rowsMax) break;
  }
}
