// The list verb (and -F): a table of matching entries, never loading COREDUMP=.
import { formatBytes } from '@coredump-ts/config';
import { signalFromString, signalToString } from '@coredump-ts/protocol';
import { createCoreFileProbe, locateCoreOf, type CoreFileProbe } from './corefile.js';
import type { VerbContext } from './context.js';
import { entryTexts, valueBytes, type EntryTexts } from './entry.js';
import { CoredumpctlError } from './errors.js';
import { escapeControl } from './escape.js';
import { readListEntries } from './journal-files.js';
import { baseQuery, fetchFullFields, type Query } from './journal-query.js';
import { MESSAGE_ID_COREDUMP, parsePid } from './matches.js';
import { selectEntries } from './select.js';
import { renderJsonRows, renderTable, type Cell, type Column, type TableStyle } from './table.js';
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

const COREFILE_COLUMN = COLUMNS.findIndex((c) => c.name === 'corefile');

/** The fields a row needs, by their place in LIST_FIELDS (what is read per entry). */
const FIELD = {
  MESSAGE_ID: 0,
  COREDUMP_PID: 1,
  COREDUMP_UID: 2,
  COREDUMP_GID: 3,
  COREDUMP_SIGNAL: 4,
  COREDUMP_COMM: 5,
  COREDUMP_EXE: 6,
  COREDUMP_FILENAME: 7,
  COREDUMP_TRUNCATED: 8,
  /** asked for, but comes back null when large: only whether it is there counts */
  COREDUMP: 9,
} as const;
type ListField = keyof typeof FIELD;

export const LIST_FIELDS = Object.keys(FIELD) as ListField[];

const MANDATORY: readonly ListField[] = [
  'COREDUMP_PID',
  'COREDUMP_UID',
  'COREDUMP_GID',
  'COREDUMP_SIGNAL',
  'COREDUMP_COMM',
];
const MANDATORY_AT = MANDATORY.map((n) => FIELD[n]);

/** One row as JSON cells, or a warning when mandatory fields are missing (systemd 262). */
export function buildRow(
  entry: EntryTexts,
  root: string | undefined,
  probe?: CoreFileProbe,
): Cell[] | { warning: string } {
  // Plain indexed reads: this runs for every entry of a listing, mostly before the JIT has.
  const t = entry.texts;
  for (let i = 0; i < MANDATORY_AT.length; i++) {
    if ((t[MANDATORY_AT[i] ?? 0] ?? undefined) === undefined) {
      const shown = MANDATORY.map(
        (n) => `${n.slice('COREDUMP_'.length)}=${t[FIELD[n]] ?? '(null)'}`,
      ).join(', ');
      return { warning: `Found a coredump entry without mandatory fields (${shown}), ignoring.` };
    }
  }
  const normal = t[FIELD.MESSAGE_ID] === MESSAGE_ID_COREDUMP;
  const sig = normal ? signalFromString(t[FIELD.COREDUMP_SIGNAL] ?? '') : undefined;
  const core = locateCoreOf(
    {
      filename: t[FIELD.COREDUMP_FILENAME] ?? undefined,
      inJournal: t[FIELD.COREDUMP] !== undefined,
      normal,
      truncated: t[FIELD.COREDUMP_TRUNCATED] ?? undefined,
    },
    root,
    probe,
  );
  return [
    entry.realtimeUsec,
    parsePid(t[FIELD.COREDUMP_PID] ?? '') ?? null,
    parseUid(t[FIELD.COREDUMP_UID] ?? undefined) ?? null,
    parseUid(t[FIELD.COREDUMP_GID] ?? undefined) ?? null,
    sig ?? null,
    core.state ?? null,
    t[FIELD.COREDUMP_EXE] ?? t[FIELD.COREDUMP_COMM] ?? null,
    core.sizeBytes ?? null,
  ];
}

const dash = (c: Cell | undefined): string => (c === null || c === undefined ? '-' : String(c));

/** "SIGSEGV" by signal number, made once each (a listing's rows share a few). */
const SIGNAL_TEXT: string[] = [];

/** The text of a row's cells (COLUMNS' order); by index, not destructuring, for speed. */
export function rowText(row: readonly Cell[], ctx: VerbContext): string[] {
  const sig = row[4];
  const size = row[7];
  return [
    ctx.time.timestamp(row[0] as number),
    dash(row[1]),
    dash(row[2]),
    dash(row[3]),
    typeof sig === 'number' ? (SIGNAL_TEXT[sig] ??= `SIG${signalToString(sig)}`) : 'SIG0',
    dash(row[5]),
    typeof row[6] === 'string' ? escapeControl(row[6]) : dash(row[6]),
    typeof size === 'number' ? formatBytes(size) : '-',
  ];
}

/**
 * The rows of a listing as entries arrive: text cells at once (JSON cells
 * for --json), so an entry is garbage as soon as its row is made.
 */
class ListRows {
  readonly cells: Cell[][] = [];
  readonly texts: string[][] = [];
  private readonly probe = createCoreFileProbe();

  constructor(
    private readonly ctx: VerbContext,
    /** where the warning for an entry without mandatory fields goes */
    private readonly warn: (message: string) => void,
  ) {}

  get count(): number {
    return this.cells.length + this.texts.length;
  }

  /** Add an entry's row; false once there are -n rows. */
  add(entry: EntryTexts): boolean {
    const o = this.ctx.options;
    const row = buildRow(entry, o.root, this.probe);
    if ('warning' in row) this.warn(row.warning);
    else if (o.json !== 'off') this.cells.push(row);
    else this.texts.push(rowText(row, this.ctx));
    return o.rowsMax === undefined || this.count < o.rowsMax;
  }
}

export async function runList(ctx: VerbContext): Promise<void> {
  const o = ctx.options;
  if (o.field !== undefined) {
    await printField(ctx, o.field);
    return;
  }
  const focus = o.rowsMax === 1 && o.reverse;
  // The journal files read directly when they can be; else journalctl, as before.
  // Warnings wait for the files' answer: if journalctl answers, it warns again.
  const warnings: string[] = [];
  let rows = new ListRows(ctx, (w) => warnings.push(w));
  if (readListEntries(o, LIST_FIELDS, focus, (e) => rows.add(e))) {
    for (const w of warnings) ctx.log(w);
  } else {
    rows = new ListRows(ctx, (w) => {
      ctx.log(w);
    });
    const q: Query = { ...baseQuery(o), outputFields: LIST_FIELDS };
    for await (const entry of selectEntries(ctx, q, focus))
      if (!rows.add(entryTexts(entry, LIST_FIELDS))) break;
  }
  if (rows.count === 0 && !focus) {
    throw new CoredumpctlError('ERR_NOT_FOUND', 'No coredumps found.', {
      silent: o.quiet,
      notice: true,
    });
  }
  if (o.json !== 'off') ctx.stdout.write(renderJsonRows(COLUMNS, rows.cells, o.json));
  else ctx.stdout.write(renderTable(COLUMNS, rows.texts, o.legend, tableStyle(ctx), ctx.terminal));
}

/** On a terminal: the underlined legend and the COREFILE state colours. */
function tableStyle(ctx: VerbContext): TableStyle | undefined {
  const style = ctx.style;
  if (style === undefined) return undefined;
  return {
    normal: style.normal,
    underline: style.underline,
    cellColor: (column, text) => (column === COREFILE_COLUMN ? style.stateColor(text) : undefined),
  };
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
