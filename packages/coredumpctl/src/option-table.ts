// coredumpctl's options, declared once (systemd 252's coredumpctl.c): the
// getopt_long() short string and long table, and the Options part of --help,
// are all made from this table.
import type { LongOption } from './getopt.js';

/** What parseOptions() switches on: the short letter, or the long name. */
export type OptionKey =
  | 'h'
  | 'version'
  | 'no-pager'
  | 'no-legend'
  | 'json'
  | 'debugger'
  | 'A'
  | 'n'
  | '1'
  | 'S'
  | 'U'
  | 'r'
  | 'F'
  | 'o'
  | 'file'
  | 'D'
  | 'q'
  | 'all'
  | 'root'
  | 'image';

export interface OptionRow {
  readonly key: OptionKey;
  readonly short?: string;
  readonly long?: string;
  /** the argument's name in --help; an option with one requires an argument */
  readonly arg?: string;
  readonly help: string;
  /** --help puts the text on a line of its own */
  readonly helpOnNextLine?: boolean;
  /** --help puts a blank line before this row */
  readonly blankBefore?: boolean;
}

/** In --help's order. */
export const OPTION_TABLE: readonly OptionRow[] = [
  { key: 'h', short: 'h', long: 'help', help: 'Show this help' },
  { key: 'version', long: 'version', help: 'Print version string' },
  { key: 'no-pager', long: 'no-pager', help: 'Do not pipe output into a pager' },
  { key: 'no-legend', long: 'no-legend', help: 'Do not print the column headers' },
  {
    key: 'json',
    long: 'json',
    arg: 'pretty|short|off',
    help: 'Generate JSON output',
    helpOnNextLine: true,
  },
  { key: 'debugger', long: 'debugger', arg: 'DEBUGGER', help: 'Use the given debugger' },
  {
    key: 'A',
    short: 'A',
    long: 'debugger-arguments',
    arg: 'ARGS',
    help: 'Pass the given arguments to the debugger',
  },
  { key: 'n', short: 'n', arg: 'INT', help: 'Show maximum number of rows' },
  { key: '1', short: '1', help: 'Show information about most recent entry only' },
  { key: 'S', short: 'S', long: 'since', arg: 'DATE', help: 'Only print coredumps since the date' },
  { key: 'U', short: 'U', long: 'until', arg: 'DATE', help: 'Only print coredumps until the date' },
  { key: 'r', short: 'r', long: 'reverse', help: 'Show the newest entries first' },
  {
    key: 'F',
    short: 'F',
    long: 'field',
    arg: 'FIELD',
    help: 'List all values a certain field takes',
  },
  { key: 'o', short: 'o', long: 'output', arg: 'FILE', help: 'Write output to FILE' },
  { key: 'file', long: 'file', arg: 'PATH', help: 'Use journal file' },
  {
    key: 'D',
    short: 'D',
    long: 'directory',
    arg: 'DIR',
    help: 'Use journal files from directory',
  },
  {
    key: 'q',
    short: 'q',
    long: 'quiet',
    help: 'Do not show info messages and privilege warning',
    blankBefore: true,
  },
  { key: 'all', long: 'all', help: 'Look at all journal files instead of local ones' },
  { key: 'root', long: 'root', arg: 'PATH', help: 'Operate on an alternate filesystem root' },
  { key: 'image', long: 'image', arg: 'PATH', help: 'Operate on disk image as filesystem root' },
];

/** getopt_long()'s optstring: each short letter, ':' after one that takes an argument. */
export const SHORT_OPTIONS = OPTION_TABLE.map((r) =>
  r.short === undefined ? '' : `${r.short}${r.arg !== undefined ? ':' : ''}`,
).join('');

/** getopt_long()'s long option table. */
export const LONG_OPTIONS: readonly LongOption[] = OPTION_TABLE.flatMap((r) =>
  r.long === undefined ? [] : [{ name: r.long, hasArg: r.arg !== undefined, key: r.key }],
);

/** Where --help's descriptions start. */
const HELP_COLUMN = 31;

/** The Options block of --help: "  -S --since=DATE              Only print ...". */
export function optionsHelp(): string {
  let text = '';
  for (const r of OPTION_TABLE) {
    const arg = r.arg ?? '';
    // "-S --since=DATE", "   --all", and a short-only option's argument after its letter: "-n INT".
    const flag = r.short !== undefined ? `-${r.short}` : '  ';
    const left =
      r.long !== undefined
        ? `  ${flag} --${r.long}${arg !== '' ? `=${arg}` : ''}`
        : `  ${flag}${arg !== '' ? ` ${arg}` : ''}`;
    if (r.blankBefore === true) text += '\n';
    text +=
      r.helpOnNextLine === true || left.length >= HELP_COLUMN
        ? `${left}\n${' '.repeat(HELP_COLUMN)}${r.help}\n`
        : `${left.padEnd(HELP_COLUMN)}${r.help}\n`;
  }
  return text;
}
