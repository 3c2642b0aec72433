// Where coredumpctl's output goes: stdout and stderr, or on a terminal the
// pager (opened at the first line of list or info, as systemd opens it only
// once there is something to show), and log lines as systemd's log.c writes
// them to a console: coloured by level when colours are on, ending "\r\n" on a
// tty. Pager and colours load only when stdout is a tty or $SYSTEMD_COLORS is
// set.
import { isatty } from 'node:tty';
import type { Output, Style } from './context.js';
import type { Pager } from './pager.js';
import type { TableWidth } from './table.js';

export interface Outputs {
  stdout: Output;
  stderr: Output;
  style: Style | undefined;
  /** the terminal's width and charset, when stdout and stderr are ttys (on_tty()) */
  terminal: TableWidth | undefined;
  /** A log line: an error (red) or a notice (highlighted). */
  log(message: string, level: 'error' | 'notice' | 'plain'): void;
  /** From now on stdout goes through the pager, if one is wanted: call before the verb runs. */
  enablePager(): Promise<void>;
  /** Wait for the pager to finish. */
  close(): Promise<void>;
}

export async function createOutputs(env: NodeJS.ProcessEnv = process.env): Promise<Outputs> {
  const stdoutTty = isatty(1);
  const colors =
    stdoutTty || env.SYSTEMD_COLORS !== undefined ? await import('./terminal.js') : undefined;
  const style = colors?.colorsEnabled(env) === true ? colors.createStyle(env) : undefined;
  const onTty = stdoutTty && isatty(2);
  const pagerModule = onTty ? await import('./pager.js') : undefined;
  const terminal: TableWidth | undefined =
    pagerModule !== undefined
      ? { columns: terminalColumns(env), utf8: pagerModule.localeIsUtf8(env) }
      : undefined;
  let pager: Pager | undefined;
  let openPager: (() => Pager | undefined) | undefined;
  const toStdout = (t: string | Buffer): void => {
    if (openPager !== undefined) {
      pager = openPager();
      openPager = undefined;
    }
    if (pager !== undefined) pager.input.write(t);
    else process.stdout.write(t);
  };
  const toStderr = (t: string | Buffer): void => {
    // systemd's stderr goes to the pager too once it runs.
    if (pager !== undefined) pager.input.write(t);
    else process.stderr.write(t);
  };
  return {
    stdout: { write: toStdout },
    stderr: { write: toStderr },
    style,
    terminal,
    log(message, level) {
      const text =
        style === undefined || level === 'plain'
          ? message
          : level === 'error'
            ? style.error(message)
            : style.notice(message);
      // log.c ends a line "\r\n" on a tty, in case it is in raw mode.
      toStderr(`${text}${pager === undefined && level !== 'plain' && isatty(2) ? '\r\n' : '\n'}`);
    },
    async enablePager() {
      if (!stdoutTty) return;
      const p = await import('./pager.js');
      const command = p.choosePager(env, {
        tty: isatty(1) && isatty(2),
        euid: process.geteuid?.() ?? 0,
        ownerUid: p.ownerUid(),
        localeUtf8: p.localeIsUtf8(env),
        which: (name) => p.which(name, env.PATH),
      });
      if (command === undefined || command === 'builtin') return;
      openPager = () => p.startPager(command);
    },
    async close() {
      openPager = undefined;
      await pager?.close();
    },
  };
}

/** columns(): $COLUMNS when it is a number 1..65535, else the tty's width, else 80. */
function terminalColumns(env: NodeJS.ProcessEnv): number {
  const fromEnv =
    env.COLUMNS !== undefined && /^\s*\d+$/.test(env.COLUMNS) ? Number(env.COLUMNS) : 0;
  if (fromEnv > 0 && fromEnv <= 0xffff) return fromEnv;
  const tty = process.stdout.columns;
  return tty > 0 ? tty : 80;
}
