// Medians and formatting.
export const median = (values) => {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

export const fmt = (x, digits = 0) => (x === undefined ? '-' : x.toFixed(digits));
export const fmtMs = (x) =>
  x === undefined ? '-' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;
export const fmtMiB = (bytes) =>
  bytes === undefined
    ? '-'
    : bytes < 1 << 20
      ? `${(bytes / 1024).toFixed(0)} KiB`
      : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
export const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
export const fmtRatio = (r) => (r === undefined ? '-' : `${r.toFixed(2)}x`);

/** A plain-text table: rows of strings, first row the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) =>
    r
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(rows[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}
