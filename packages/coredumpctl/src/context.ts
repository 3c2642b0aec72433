// What every verb gets: the parsed options and its dependencies (output
// streams, clock, name lookups), so verbs are testable without globals.
import type { TimeFormatter } from './format.js';
import type { Options } from './options.js';
import type { NameDb } from './users.js';

export interface Output {
  write(text: string | Buffer): void;
}

export interface VerbContext {
  options: Options;
  stdout: Output;
  stderr: Output;
  nowUsec: number;
  time: TimeFormatter;
  names: NameDb;
  journalctl: string;
  /** log a notice/warning line (suppressed by the caller where systemd does) */
  log(message: string): void;
}
