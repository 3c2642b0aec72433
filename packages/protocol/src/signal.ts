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

const RTMIN_PLUS = /^RTMIN(?:\+(\d+))?$/;
const RTMAX_MINUS = /^RTMAX(?:-(\d+))?$/;
const DIGITS = /^\d+$/;

/**
 * systemd's signal_from_string(): "SIGSEGV", "SEGV", "RTMIN+2", "RTMAX-1", "11" -> the
 * number; undefined for anything that is not a valid signal (SIGNAL_VALID()).
 */
export const signalFromString = (text: string): number | undefined => {
  const bare = text.startsWith('SIG') ? text.slice(3) : text;
  const idx = NAMES.indexOf(bare);
  if (idx >= 0) return idx + 1;
  if (text === bare && DIGITS.test(text)) {
    const n = Number(text);
    return isSignalValid(n) ? n : undefined;
  }
  const rt = RTMIN_PLUS.exec(bare) ?? RTMAX_MINUS.exec(bare);
  if (rt === null) return undefined;
  const off = rt[1] !== undefined ? Number(rt[1]) : 0;
  const n = bare.startsWith('RTMIN') ? SIGRTMIN + off : SIGRTMAX - off;
  return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
};
