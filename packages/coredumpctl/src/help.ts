// --help and --version text; the Options block comes from the option table.
import { optionsHelp } from './option-table.js';

export const HELP = `coredumpctl [OPTIONS...] COMMAND ...

List or retrieve coredumps from the journal.

Commands:
  list [MATCHES...]  List available coredumps (default)
  info [MATCHES...]  Show detailed information about one or more coredumps
  dump [MATCHES...]  Print first matching coredump to stdout
  debug [MATCHES...] Start a debugger for the first matching coredump

Options:
${optionsHelp()}
See the coredumpctl(1) man page for details.
`;

export const VERSION = 'coredump-ts coredumpctl 0.1.0 (systemd 252/262 compatible)\n';
