import { describe, expect, it } from 'vitest';
import { escapeControl } from './escape.js';
import { fitWidths, renderTable, type Column } from './table.js';

const COLUMNS: readonly Column[] = [
  { name: 'name', right: false },
  { name: 'n', right: true },
  { name: 'exe', right: false },
];

/** The table as systemd lays it out: every cell padded to its column's width in code points. */
function reference(rows: readonly (readonly string[])[], legend: boolean): string {
  const all = legend ? [COLUMNS.map((c) => c.name.toUpperCase()), ...rows] : rows;
  // Code points, as Array.from() splits them; a lone low surrogate counts as nothing.
  const width = (s: string): number =>
    Array.from(s).filter((ch) => !/^[\udc00-\udfff]$/.test(ch)).length;
  const widths = COLUMNS.map((_, i) => Math.max(0, ...all.map((r) => width(r[i] ?? ''))));
  return all
    .map(
      (r) =>
        COLUMNS.map((c, i) => {
          const cell = r[i] ?? '';
          const pad = ' '.repeat((widths[i] ?? 0) - width(cell));
          return c.right ? pad + cell : cell + pad;
        }).join(' ') + '\n',
    )
    .join('');
}

describe('renderTable', () => {
  it.for([
    [
      'ASCII',
      [
        ['a', '1', '/bin/a'],
        ['bbb', '22', '/usr/bin/b'],
      ],
    ],
    [
      'an empty cell',
      [
        ['', '1', ''],
        ['x', '', '/x'],
      ],
    ],
    [
      'UTF-8 in the BMP',
      [
        ['é', '1', '/bin/çà'],
        ['ab', '10', '/bin/x'],
      ],
    ],
    [
      'a surrogate pair (one code point)',
      [
        ['😀x', '1', '/bin/😀'],
        ['abc', '2', '/bin/ab'],
      ],
    ],
    [
      'a lone low surrogate (counted as nothing)',
      [
        ['\udc00a', '1', 'x'],
        ['ab', '2', 'y'],
      ],
    ],
  ] as const)('%s', ([, rows]) => {
    for (const legend of [false, true]) {
      expect(renderTable(COLUMNS, rows, legend)).toBe(reference(rows, legend));
    }
  });

  it('no rows: nothing, or the legend alone', () => {
    expect(renderTable(COLUMNS, [], false)).toBe('');
    expect(renderTable(COLUMNS, [], true)).toBe('NAME N EXE\n');
  });
});

describe('renderTable: cells with newlines (format-table sublines)', () => {
  const cols: Column[] = [
    { name: 'pid', right: true },
    { name: 'exe', right: false },
    { name: 'size', right: true },
  ];

  it('puts continuation lines in their column, not at column 0', () => {
    const text = renderTable(
      cols,
      [
        ['1', '/a\nforged row', '1.0K'],
        ['22', '/b', '-'],
      ],
      true,
    );
    expect(text).toBe(
      'PID EXE        SIZE\n' +
        '  1 /a         1.0K\n' +
        '    forged row \n' +
        ' 22 /b            -\n',
    );
  });
});

describe('escapeControl', () => {
  it.for([
    ['/usr/bin/x', '/usr/bin/x'],
    ['\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['a\tb\rc', 'a\\tb\\rc'],
    ['keep\nnewline', 'keep\nnewline'],
    ['\x00\x7f\u009b', '\\x00\\x7f\\x9b'],
    ['é😀', 'é😀'],
  ] as const)('%j -> %j', ([text, want]) => {
    expect(escapeControl(text)).toBe(want);
  });
});

describe('fitWidths (format-table shrinking a table to the terminal)', () => {
  it.for([
    // systemd 252 on an 80-column pty: TIME and EXE give way, the narrow columns keep theirs.
    [[27, 5, 3, 3, 7, 8, 47, 4], 80, [21, 5, 3, 3, 7, 8, 22, 4]],
    [[27, 5, 3, 3, 7, 8, 47, 4], 250, [27, 5, 3, 3, 7, 8, 47, 4]],
    [[10, 10], 21, [10, 10]],
    [[10, 10], 20, [9, 10]],
    [[5, 5, 5], 1, [1, 1, 1]],
  ] as const)('%j in %i -> %j', ([requested, limit, want]) => {
    expect(fitWidths(requested, limit)).toEqual(want);
  });

  it('renders with "…" or "..."', () => {
    const cols: Column[] = [
      { name: 'a', right: false },
      { name: 'b', right: true },
    ];
    expect(
      renderTable(cols, [['abcdefgh', '1']], false, undefined, { columns: 6, utf8: true }),
    ).toBe('abc… 1\n');
    expect(
      renderTable(cols, [['abcdefgh', '1']], false, undefined, { columns: 6, utf8: false }),
    ).toBe('a... 1\n');
  });
});
