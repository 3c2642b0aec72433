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

/** A terminal's width, when the table is printed to one (format-table shrinks it to fit). */
export interface TableWidth {
  readonly columns: number;
  /** ellipsize with "…" (a UTF-8 locale) or "..." */
  readonly utf8: boolean;
}

export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  legend: boolean,
  style?: TableStyle,
  fit?: TableWidth,
): string {
  const unfitted = legend ? [columns.map((c) => c.name.toUpperCase()), ...rows] : rows;
  const all = fit !== undefined ? fitTable(unfitted, fit) : unfitted;
  if (style !== undefined) {
    // Colours go by the whole value ("missing"), not what fitting left of it ("mis…").
    const colors = unfitted.map((row) => row.map((cell, i) => style.cellColor(i, cell)));
    return renderStyled(columns, all, legend, style, colors);
  }
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

/**
 * format-table's compression when the table is wider than the terminal: each
 * column starts at width 1, the room left is shared by weight (all equal here),
 * a column that would get more than it asks for gets what it asks for and the
 * share is worked out again; then the cells are ellipsized at the end.
 */
export function fitWidths(requested: readonly number[], limit: number): number[] {
  const n = requested.length;
  if (requested.reduce((a, b) => a + b, 0) + n - 1 <= limit) return [...requested];
  const WEIGHT = 100;
  const width = new Array<number | undefined>(n).fill(undefined);
  let extra = Math.max(0, limit - (2 * n - 1));
  let weightSum = WEIGHT * n;
  for (let finalize = false; ;) {
    let restart = false;
    for (let j = 0; j < n; j++) {
      if (width[j] !== undefined) continue;
      let w = 1 + Math.floor((WEIGHT * extra) / weightSum);
      const want = requested[j] ?? 1;
      if (w >= want) {
        w = want;
        restart = true;
      } else if (!finalize) continue;
      width[j] = w;
      extra -= w - 1;
      weightSum -= WEIGHT;
      if (restart && !finalize) break;
    }
    if (finalize) break;
    if (!restart) finalize = true;
  }
  return width.map((w, j) => w ?? requested[j] ?? 1);
}

function fitTable(rows: readonly (readonly string[])[], fit: TableWidth): string[][] {
  const n = rows[0]?.length ?? 0;
  const requested = new Array<number>(n).fill(0);
  for (const row of rows)
    for (let i = 0; i < n; i++)
      requested[i] = Math.max(requested[i] ?? 0, codePoints(row[i] ?? ''));
  const widths = fitWidths(requested, fit.columns);
  const ellipsis = fit.utf8 ? '…' : '...';
  return rows.map((row) =>
    row.map((cell, i) => {
      const w = widths[i] ?? 0;
      const chars = Array.from(cell);
      if (chars.length <= w) return cell;
      return chars.slice(0, Math.max(0, w - ellipsis.length)).join('') + ellipsis.slice(0, w);
    }),
  );
}

/** The same table with colours: no hot path, so widths are measured simply. */
function renderStyled(
  columns: readonly Column[],
  all: readonly (readonly string[])[],
  legend: boolean,
  style: TableStyle,
  colors: readonly (readonly (string | undefined)[])[],
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
        const color =
          cell === '' ? undefined : multiline ? style.cellColor(i, cell) : colors[r]?.[i];
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
