// systemd's format-table output for the list verb: text with padded columns,
// or JSON (short: one line; pretty: tab-indented with " : ").
export type Cell = string | number | null;

/** Colours for a table on a terminal, as format-table prints them. */
export interface TableStyle {
  readonly normal: string;
  /** the legend's cells, separator included, each underlined on its own */
  readonly underline: string;
  /** the colour of a body cell, by column and text */
  cellColor(column: number, text: string): string | undefined;
}

export interface Column {
  name: string;
  right: boolean;
}

/** A cell with one of these is narrower than its length (see codePoints()). */
const LOW_SURROGATE = /[\udc00-\udfff]/;

/** Width in code points, as systemd counts a UTF-8 cell when not on a terminal. */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // a low surrogate completes a pair already counted
  }
  return n;
}

export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  legend: boolean,
  style?: TableStyle,
): string {
  const all = legend ? [columns.map((c) => c.name.toUpperCase()), ...rows] : rows;
  if (style !== undefined) return renderStyled(columns, all, legend, style);
  // A cell's width is its length unless it holds a low surrogate: checked
  // once on the whole text rather than cell by cell (a listing has 40,000).
  // Likewise a cell with a newline shows as one more line than there are rows.
  let text = renderRows(columns, all, false);
  const wide = LOW_SURROGATE.test(text);
  if (countLines(text) > all.length) return renderRows(columns, splitLines(all), wide, true);
  if (wide) text = renderRows(columns, all, true);
  return text;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Rows whose cells hold newlines, as systemd's format-table prints them: one
 * line per line of the tallest cell, each cell's lines in its own column (so a
 * continuation is indented under it, never at column 0 like a row of its own).
 */
function splitLines(rows: readonly (readonly string[])[]): string[][] {
  const out: string[][] = [];
  for (const row of rows) {
    const cells = row.map((c) => c.split('\n'));
    const height = Math.max(1, ...cells.map((lines) => lines.length));
    for (let k = 0; k < height; k++) out.push(cells.map((lines) => lines[k] ?? ''));
  }
  return out;
}

/** The same table with colours: no hot path, so widths are measured simply. */
function renderStyled(
  columns: readonly Column[],
  all: readonly (readonly string[])[],
  legend: boolean,
  style: TableStyle,
): string {
  const plain = renderTable(columns, all, false);
  const multiline = countLines(plain) > all.length;
  const rows = multiline ? splitLines(all) : all;
  const n = columns.length;
  const widths = new Array<number>(n).fill(0);
  for (const row of rows)
    for (let i = 0; i < n; i++) widths[i] = Math.max(widths[i] ?? 0, codePoints(row[i] ?? ''));
  const pad = (cell: string, i: number): string => {
    const width = (widths[i] ?? 0) + cell.length - codePoints(cell);
    return columns[i]?.right === true ? cell.padStart(width) : cell.padEnd(width);
  };
  const lines = rows.map((row, r) => {
    if (legend && r === 0)
      return row
        .map(
          (cell, i) =>
            `${style.normal}${style.underline}${i > 0 ? ' ' : ''}${pad(cell, i)}${style.normal}`,
        )
        .join('');
    return row
      .map((cell, i) => {
        const last = multiline && i === n - 1 && cell === '';
        const text = last ? cell : pad(cell, i);
        const color = cell === '' ? undefined : style.cellColor(i, cell);
        return color === undefined ? text : `${color}${text}${style.normal}`;
      })
      .join(' ');
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function renderRows(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  inCodePoints: boolean,
  /** continuation lines: an empty last cell is not padded (format-table does not) */
  sublines = false,
): string {
  const n = columns.length;
  const widths = new Array<number>(n).fill(0);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] ?? [];
    for (let i = 0; i < n; i++) {
      const cell = row[i] ?? '';
      const w = inCodePoints ? codePoints(cell) : cell.length;
      if (w > (widths[i] ?? 0)) widths[i] = w;
    }
  }
  const right = columns.map((c) => c.right);
  // Padded by the string builtins, and only where needed (most cells of a
  // column are as wide as the widest); one join per line and one for all.
  const lines = new Array<string>(rows.length);
  const cells = new Array<string>(n);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] ?? [];
    for (let i = 0; i < n; i++) {
      const cell = row[i] ?? '';
      const length = (widths[i] ?? 0) + (inCodePoints ? cell.length - codePoints(cell) : 0);
      if (cell.length >= length || (sublines && cell === '' && i === n - 1)) cells[i] = cell;
      else cells[i] = right[i] === true ? cell.padStart(length) : cell.padEnd(length);
    }
    lines[r] = cells.join(' ');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

const jsonScalar = (v: Cell): string => JSON.stringify(v);

export function renderJsonRows(
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
  mode: 'short' | 'pretty',
): string {
  if (mode === 'short') {
    const objs = rows.map(
      (r) =>
        `{${columns.map((c, i) => `${JSON.stringify(c.name)}:${jsonScalar(r[i] ?? null)}`).join(',')}}`,
    );
    return `[${objs.join(',')}]\n`;
  }
  const objs = rows.map(
    (r) =>
      `\t{\n${columns.map((c, i) => `\t\t${JSON.stringify(c.name)} : ${jsonScalar(r[i] ?? null)}`).join(',\n')}\n\t}`,
  );
  return `[\n${objs.join(',\n')}\n]\n`;
}
