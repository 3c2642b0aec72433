// --help and --version text.
export const HELP = `coredumpctl [OPTIONS...] COMMAND ...

List or retrieve coredumps from the journal.

Commands:
  list [MATCHES...]  List available coredumps (default)
  info [MATCHES...]  Show detailed information about one or more coredumps
  dump [MATCHES...]  Print first matching coredump to stdout
  debug [MATCHES...] Start a debugger for the first matching coredump

Options:
  -h --help                    Show this help
     --version                 Print version string
     --no-pager                Do not pipe output into a pager
     --no-legend               Do not print the column headers
     --json=pretty|short|off
                               Generate JSON output
     --debugger=DEBUGGER       Use the given debugger
  -A --debugger-arguments=ARGS Pass the given arguments to the debugger
  -n INT                       Show maximum number of rows
  -1                           Show information about most recent entry only
  -S --since=DATE              Only print coredumps since the date
  -U --until=DATE              Only print coredumps until the date
  -r --reverse                 Show the newest entries first
  -F --field=FIELD             List all values a certain field takes
  -o --output=FILE             Write output to FILE
     --file=PATH               Use journal file
  -D --directory=DIR           Use journal files from directory

  -q --quiet                   Do not show info messages and privilege warning
     --all                     Look at all journal files instead of local ones
     --root=PATH               Operate on an alternate filesystem root
     --image=PATH              Operate on disk image as filesystem root

See the coredumpctl(1) man page for details.
`;

export const VERSION = 'coredump-ts coredumpctl 0.1.0 (systemd 252/262 compatible)\n';
