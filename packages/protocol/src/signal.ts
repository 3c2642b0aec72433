/*
 * Signal names as systemd writes COREDUMP_SIGNAL_NAME: "SIG" + signal_to_string(signo).
 * 1..31 are the Linux x86_64 names of systemd's static table (7 is BUS, 10 USR1, 16 STKFLT,
 * 29 IO, 30 PWR, 31 SYS; aliases such as IOT/POLL/CLD are never produced).
 * signal_to_string() formats SIGRTMIN..SIGRTMAX as "RTMIN+<signo - SIGRTMIN>", and any
 * other number as its decimal. glibc's SIGRTMIN is 34 (32 and 33 are reserved for NPTL),
 * so 34 -> SIGRTMIN+0, 64 -> SIGRTMIN+30, 32 -> SIG32. SIGNAL_VALID() is 1.._NSIG-1 (64);
 * outside it systemd sends no name at all, hence undefined. Source: spec §4.1 and
 * systemd src/basic/signal-util.c (signal_to_string).
 */

const NAMES: readonly string[] = [
  'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1',
  'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP',
  'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR',
  'SYS',
]; // prettier-ignore

export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

export const isSignalValid = (signo: number): boolean =>
  Number.isInteger(signo) && signo >= 1 && signo <= SIGRTMAX;

export const signalName = (signo: number): string | undefined => {
  if (!isSignalValid(signo)) return undefined;
  const name = NAMES[signo - 1];
  if (name !== undefined) return `SIG${name}`;
  if (signo >= SIGRTMIN) return `SIGRTMIN+${signo - SIGRTMIN}`;
  return `SIG${signo}`;
};

/**
 * systemd's signal_to_string(): "SEGV", "RTMIN+3"; the decimal number for anything
 * else (0, 32, 65, -1). coredumpctl prints it after COREDUMP_SIGNAL.
 */
export const signalToString = (signo: number): string =>
  signo >= 1 && signo <= 31
    ? (NAMES[signo - 1] ?? String(signo))
    : signo >= SIGRTMIN && signo <= SIGRTMAX
      ? `RTMIN+${signo - SIGRTMIN}`
      : String(signo);

/** strtol()'s isspace(). */
const C_SPACE = /^[ \t\n\v\f\r]*/;

/** strtol(text, base) that must consume all of text and fit a C int; undefined otherwise. */
function strtolInt(text: string, base: number): number | undefined {
  let rest = text.replace(C_SPACE, '');
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  let radix = base;
  if ((radix === 0 || radix === 16) && /^0[xX][0-9a-fA-F]/.test(rest)) {
    radix = 16;
    rest = rest.slice(2);
  } else if (radix === 0) radix = rest.startsWith('0') ? 8 : 10;
  if (rest === '') return undefined;
  let value = 0;
  for (const c of rest) {
    const digit = parseInt(c, 36);
    if (Number.isNaN(digit) || digit >= radix) return undefined;
    value = value * radix + digit;
    if (value > 2 ** 31) return undefined;
  }
  const n = sign * value;
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}

/**
 * systemd's safe_atoi(): leading whitespace, "0b"/"0o" (systemd's own), then
 * strtol() with base 0 ("0x" hex, a leading 0 octal, a sign), all of it, a C int.
 * "013" is 11, "0x0b" 11, " 11" 11; "11 " is not a number.
 */
export function safeAtoi(text: string): number | undefined {
  const plain = plainDecimal(text);
  if (plain !== undefined) return plain;
  const s = text.replace(/^[ \t\n\r]*/, '');
  if (/^0[bB]/.test(s)) return strtolInt(s.slice(2), 2);
  if (/^0[oO]/.test(s)) return strtolInt(s.slice(2), 8);
  return strtolInt(s, 0);
}

/**
 * The common case of safeAtoi(): 1-9 decimal digits, no leading zero (but
 * "0"), read without regular expressions. Listings call this per entry.
 */
function plainDecimal(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 9 || (n > 1 && text.charCodeAt(0) === 0x30)) return undefined;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * systemd's signal_from_string(): a number (safe_atoi()) that is a valid signal,
 * "SIGSEGV"/"SEGV", "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" -> the number;
 * undefined where systemd returns an error.
 */
export const signalFromString = (text: string): number | undefined => {
  const number = safeAtoi(text);
  if (number !== undefined) return isSignalValid(number) ? number : undefined;
  const bare = text.startsWith('SIG') ? text.slice(3) : text;
  const idx = NAMES.indexOf(bare);
  if (idx >= 0) return idx + 1;
  for (const [name, sign, base] of [
    ['RTMIN', '+', SIGRTMIN],
    ['RTMAX', '-', SIGRTMAX],
  ] as const) {
    if (!bare.startsWith(name)) continue;
    const tail = bare.slice(name.length);
    if (tail === '') return base;
    if (!tail.startsWith(sign)) return undefined;
    const off = safeAtoi(tail);
    if (off === undefined) return undefined;
    const n = base + off;
    return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
  }
  return undefined;
};
