// --help and --version text; the Options block comes from the option table.
// On a terminal systemd highlights the summary, underlines the headings and
// links the man page.
import type { Style } from './context.js';
import { optionsHelp } from './option-table.js';

export function helpText(style?: Style): string {
  const heading = (t: string): string =>
    style === undefined ? t : `${style.normal}${style.underline}${t}${style.normal}`;
  const summary = 'List or retrieve coredumps from the journal.';
  const man = 'coredumpctl(1) man page';
  return `coredumpctl [OPTIONS...] COMMAND ...

${style === undefined ? summary : style.highlight(summary)}

${heading('Commands:')}
  list [MATCHES...]  List available coredumps (default)
  info [MATCHES...]  Show detailed information about one or more coredumps
  dump [MATCHES...]  Print first matching coredump to stdout
  debug [MATCHES...] Start a debugger for the first matching coredump

${heading('Options:')}
${optionsHelp()}
See the ${style === undefined ? man : style.link('man:coredumpctl(1)', man)} for details.
`;
}

export const HELP = helpText();

export const VERSION = 'coredump-ts coredumpctl 0.1.0 (systemd 252/262 compatible)\n';
