// Where coredumpctl's output goes: stdout and stderr, or on a terminal the
// pager (opened at the first line of list or info, as systemd opens it only
// once there is something to show), and log lines as systemd's log.c writes
// them to a console: coloured by level when colours are on, ending "\r\n" on a
// tty. Pager and colours load only when stdout is a tty or $SYSTEMD_COLORS is
// set. Not on a terminal, stdout is written with write(2) as systemd does:
// no stream (node:tty and node:net are ~5 ms of a start), the whole text at
// once, and a reader that went away (`| head`) ends the output quietly.
import { fstatSync, writeSync } from 'node:fs';
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
  const stdoutTty = isTerminal(1);
  const stderrTty = isTerminal(2);
  const colors =
    stdoutTty || env.SYSTEMD_COLORS !== undefined ? await import('./terminal.js') : undefined;
  const style = colors?.colorsEnabled(env) === true ? colors.createStyle(env) : undefined;
  const onTty = stdoutTty && stderrTty;
  const pagerModule = onTty ? await import('./pager.js') : undefined;
  const terminal: TableWidth | undefined =
    pagerModule !== undefined
      ? { columns: terminalColumns(env), utf8: pagerModule.localeIsUtf8(env) }
      : undefined;
  let pager: Pager | undefined;
  const plainStdout = new PlainStdout();
  let openPager: (() => Pager | undefined) | undefined;
  const toStdout = (t: string | Buffer): void => {
    if (openPager !== undefined) {
      pager = openPager();
      openPager = undefined;
    }
    if (pager !== undefined) pager.input.write(t);
    else if (stdoutTty) process.stdout.write(t);
    else plainStdout.write(t);
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
      toStderr(`${text}${pager === undefined && level !== 'plain' && stderrTty ? '\r\n' : '\n'}`);
    },
    async enablePager() {
      if (!stdoutTty) return;
      const p = await import('./pager.js');
      const command = p.choosePager(env, {
        tty: onTty,
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

/** isatty(), without loading node:tty for what is not a character device (a pipe, a file). */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}

/**
 * stdout when it is not a terminal: written synchronously with write(2).
 * A non-blocking descriptor that would block (EAGAIN) hands the rest, and
 * all later text, to process.stdout, which waits for the reader; a closed
 * reader (EPIPE) ends the output, as SIGPIPE ends systemd's coredumpctl.
 */
class PlainStdout {
  private closed = false;
  private viaStream = false;

  write(text: string | Buffer): void {
    if (this.closed) return;
    if (this.viaStream) {
      process.stdout.write(text);
      return;
    }
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(1, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') this.closed = true;
      else if (code === 'EAGAIN') {
        this.viaStream = true;
        process.stdout.write(bytes.subarray(done));
      } else throw error;
    }
  }
}
