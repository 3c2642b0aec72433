// The top verb (issue 18): one row per crash signature over the selected
// entries, most frequent first. Reads only small fields (the signature and top
// frame, never the trace JSON or COREDUMP=), with the journal-file reader
// like list, journalctl when that cannot answer.
import { signalFromString, signalToString } from '@coredump-ts/protocol';
import { topCrashers, type TopInput, type TopRow } from '@coredump-ts/signature';

import type { VerbContext } from './context.js';
import { entryTexts, type EntryTexts } from './entry.js';
import { CoredumpctlError } from './errors.js';
import { escapeControl } from './escape.js';
import { readListEntries } from './journal-files.js';
import { baseQuery, type Query } from './journal-query.js';
import { MESSAGE_ID_COREDUMP } from './matches.js';
import { selectEntries } from './select.js';
import { renderJsonRows, renderTable, type Cell, type Column } from './table.js';

const COLUMNS: readonly Column[] = [
  { name: 'count', right: true },
  { name: 'signature', right: false },
  { name: 'first', right: false },
  { name: 'last', right: false },
  { name: 'sig', right: false },
  { name: 'exe', right: false },
  { name: 'top_frame', right: false },
];

/** The fields a row needs, by their place in TOP_FIELDS. */
const AT = {
  MESSAGE_ID: 0,
  COREDUMP_TS_SIGNATURE: 1,
  COREDUMP_TS_TOP_FRAME: 2,
  COREDUMP_EXE: 3,
  COREDUMP_COMM: 4,
  COREDUMP_SIGNAL: 5,
} as const;

export const TOP_FIELDS = Object.keys(AT) as (keyof typeof AT)[];

/** What topCrashers groups, from one entry; undefined for an entry that is not a coredump. */
export function topInput(entry: EntryTexts): TopInput | undefined {
  const t = entry.texts;
  if (t[AT.MESSAGE_ID] !== MESSAGE_ID_COREDUMP) return undefined;
  const signal = signalFromString(t[AT.COREDUMP_SIGNAL] ?? '');
  return {
    signature: t[AT.COREDUMP_TS_SIGNATURE] ?? undefined,
    exe: t[AT.COREDUMP_EXE] ?? t[AT.COREDUMP_COMM] ?? '-',
    signal,
    signalName: signal === undefined ? undefined : `SIG${signalToString(signal)}`,
    topFrame: t[AT.COREDUMP_TS_TOP_FRAME] ?? undefined,
    realtimeUsec: entry.realtimeUsec,
  };
}

/** A row as JSON cells (COLUMNS' order). */
export function topCells(r: TopRow): Cell[] {
  return [
    r.count,
    r.signature,
    r.firstUsec,
    r.lastUsec,
    r.signal ?? null,
    r.exe,
    r.topFrame ?? null,
  ];
}

export async function runTop(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  let inputs: TopInput[] = [];
  const add = (e: EntryTexts): boolean => {
    const i = topInput(e);
    if (i !== undefined) inputs.push(i);
    return true;
  };
  if (!readListEntries(o, TOP_FIELDS, false, add)) {
    inputs = [];
    const q: Query = { ...baseQuery(o), outputFields: TOP_FIELDS };
    for await (const entry of selectEntries(ctx, q, false)) add(entryTexts(entry, TOP_FIELDS));
  }
  let rows = topCrashers(inputs);
  if (o.rowsMax !== undefined) rows = rows.slice(0, o.rowsMax);
  if (rows.length === 0) {
    throw new CoredumpctlError('ERR_NOT_FOUND', 'No coredumps found.', {
      silent: o.quiet,
      notice: true,
    });
  }
  if (o.json !== 'off') {
    ctx.stdout.write(renderJsonRows(COLUMNS, rows.map(topCells), o.json));
    return;
  }
  const texts = rows.map((r) => [
    String(r.count),
    r.signature,
    ctx.time.timestamp(r.firstUsec),
    ctx.time.timestamp(r.lastUsec),
    r.signalName ?? 'SIG0',
    escapeControl(r.exe),
    r.topFrame === undefined ? '-' : escapeControl(r.topFrame),
  ]);
  ctx.stdout.write(renderTable(COLUMNS, texts, o.legend, undefined, ctx.terminal));
}
