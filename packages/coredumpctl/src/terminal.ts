// What coredumpctl does on a terminal, as systemd 252 does it: colours
// (terminal-util.c: $SYSTEMD_COLORS, then $NO_COLOR, then stdout and stderr
// being a tty with a $TERM that is not "dumb") and the pager (pager.ts). Loaded
// only when stdout is a tty or $SYSTEMD_COLORS is set: a piped `list` never
// reads this file.
import { isatty } from 'node:tty';
import type { Style } from './context.js';

const NORMAL = '\x1b[0m';
const HIGHLIGHT = '\x1b[0;1;39m';
const GREY = '\x1b[0;38;5;245m';
const RED = '\x1b[0;1;31m';
const YELLOW = '\x1b[0;1;38;5;185m';
const UNDERLINE = '\x1b[0;4m';

/** The COREFILE states systemd colours (spec §10.4). */
const STATE_COLORS: Readonly<Record<string, string>> = {
  missing: GREY,
  none: GREY,
  '-': GREY,
  inaccessible: YELLOW,
  error: RED,
};

/** systemd's parse_boolean(). */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(t)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(t)) return false;
  return undefined;
}

/** on_tty() and terminal_is_dumb(): both stdout and stderr ttys, $TERM set and not dumb. */
export function terminalIsDumb(env: NodeJS.ProcessEnv, tty = isatty(1) && isatty(2)): boolean {
  return !tty || env.TERM === undefined || env.TERM === 'dumb';
}

/** colors_enabled(): $SYSTEMD_COLORS (a boolean, 16, 256, 24bit), else $NO_COLOR, else a tty. */
export function colorsEnabled(env: NodeJS.ProcessEnv, tty?: boolean): boolean {
  const setting = env.SYSTEMD_COLORS;
  if (setting !== undefined) {
    if (['16', '256', '24bit'].includes(setting)) return true;
    const b = parseBoolean(setting);
    if (b !== undefined) return b;
  }
  if (env.NO_COLOR !== undefined) return false;
  return !terminalIsDumb(env, tty);
}

/** The colours, and links unless $SYSTEMD_URLIFY says no (urlify_enabled()). */
export function createStyle(env: NodeJS.ProcessEnv): Style {
  const urlify = env.SYSTEMD_URLIFY === undefined || parseBoolean(env.SYSTEMD_URLIFY) !== false;
  return {
    normal: NORMAL,
    underline: UNDERLINE,
    highlight: (text) => `${HIGHLIGHT}${text}${NORMAL}`,
    stateColor: (state) => STATE_COLORS[state],
    error: (text) => `${RED}${text}${NORMAL}`,
    notice: (text) => `${HIGHLIGHT}${text}${NORMAL}`,
    // An OSC 8 hyperlink, as terminal_urlify() writes it.
    link: (url, text) => (urlify ? `\x1b]8;;${url}\x07${text}\x1b]8;;\x07` : text),
  };
}
