// What every verb gets: the parsed options and its dependencies (output
// streams, clock, name lookups), so verbs are testable without globals.
import type { TimeFormatter } from './format.js';
import type { TableWidth } from './table.js';
import type { Options } from './options.js';
import type { NameDb } from './users.js';

export interface Output {
  write(text: string | Buffer): void;
}

/** ANSI colours as systemd uses them; absent when colours are off (terminal.ts). */
export interface Style {
  readonly normal: string;
  readonly underline: string;
  highlight(text: string): string;
  /** the colour a COREFILE state is shown in, if any */
  stateColor(state: string): string | undefined;
  /** a log_error() line */
  error(text: string): string;
  /** a log_notice() line */
  notice(text: string): string;
  /** text linked to url (terminal_urlify()) */
  link(url: string, text: string): string;
}

export interface VerbContext {
  options: Options;
  stdout: Output;
  stderr: Output;
  nowUsec: number;
  time: TimeFormatter;
  names: NameDb;
  journalctl: string;
  /** the terminal list's table must fit, when output goes to one */
  terminal?: TableWidth | undefined;
  /** colours, when on */
  style?: Style | undefined;
  /** log a notice/warning line (suppressed by the caller where systemd does) */
  log(message: string): void;
}
