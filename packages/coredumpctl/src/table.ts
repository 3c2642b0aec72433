// systemd's format-table output for the list verb: text with padded columns,
// or JSON (short: one line; pretty: tab-indented with " : ").
export type Cell = string | number | null;

export interface Column {
  name: string;
  right: boolean;
}

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
): string {
  const all = legend ? [columns.map((c) => c.name.toUpperCase()), ...rows] : rows;
  const widths = columns.map((_, i) =>
    all.reduce((w, r) => Math.max(w, codePoints(r[i] ?? '')), 0),
  );
  return all
    .map((r) =>
      columns
        .map((c, i) => {
          const cell = r[i] ?? '';
          const pad = ' '.repeat((widths[i] ?? 0) - codePoints(cell));
          return c.right ? pad + cell : cell + pad;
        })
        .join(' '),
    )
    .map((line) => `${line}\n`)
    .join('');
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
