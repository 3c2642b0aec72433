// Control characters in values that crashed programs chose (COREDUMP_EXE,
// COMM, CMDLINE, ...) are shown escaped, so an ANSI sequence cannot recolour
// or rewrite the terminal: beyond systemd 252, which prints them raw. A newline
// is kept: list indents it into its column and info under its label, as
// systemd does, so it can never start a forged row or line.

/** C0 controls but newline, DEL, and the C1 controls (0x9b is a one-byte CSI). */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g; // eslint-disable-line no-control-regex
const CONTROL_TEST = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/; // eslint-disable-line no-control-regex

const NAMED: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

const escapeOne = (c: string): string =>
  NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `text` with every control character but newline as C escapes ("\x1b", "\t"). */
export function escapeControl(text: string): string {
  return CONTROL_TEST.test(text) ? text.replace(CONTROL, escapeOne) : text;
}
