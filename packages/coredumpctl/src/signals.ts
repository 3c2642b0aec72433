// Linux signal numbers and names, as systemd's signal_to_string() and
// signal_from_string() use them (x86_64/arm64 numbering).
const NAMES = [
  '',
  'HUP',
  'INT',
  'QUIT',
  'ILL',
  'TRAP',
  'ABRT',
  'BUS',
  'FPE',
  'KILL',
  'USR1',
  'SEGV',
  'USR2',
  'PIPE',
  'ALRM',
  'TERM',
  'STKFLT',
  'CHLD',
  'CONT',
  'STOP',
  'TSTP',
  'TTIN',
  'TTOU',
  'URG',
  'XCPU',
  'XFSZ',
  'VTALRM',
  'PROF',
  'WINCH',
  'IO',
  'PWR',
  'SYS',
];
const RTMIN = 34;
const RTMAX = 64;

/** "SEGV", "RTMIN+3"; a plain number for anything else. */
export function signalToString(n: number): string {
  const name = n > 0 ? NAMES[n] : undefined;
  if (name !== undefined) return name;
  if (n >= RTMIN && n <= RTMAX) return `RTMIN+${n - RTMIN}`;
  return String(n);
}

const RTMIN_PLUS = /^RTMIN(?:\+(\d+))?$/;
const RTMAX_MINUS = /^RTMAX(?:-(\d+))?$/;
const DIGITS = /^\d+$/;

/** "SIGSEGV", "SEGV", "RTMIN+2", "11" -> the number; undefined if invalid. */
export function signalFromString(text: string): number | undefined {
  const bare = text.startsWith('SIG') ? text.slice(3) : text;
  const idx = NAMES.indexOf(bare);
  if (idx > 0) return idx;
  if (text === bare && DIGITS.test(text)) {
    const n = Number(text);
    return n > 0 && n <= RTMAX ? n : undefined;
  }
  const rt = RTMIN_PLUS.exec(bare) ?? RTMAX_MINUS.exec(bare);
  if (rt !== null) {
    const off = rt[1] !== undefined ? Number(rt[1]) : 0;
    const n = bare.startsWith('RTMIN') ? RTMIN + off : RTMAX - off;
    return n >= RTMIN && n <= RTMAX ? n : undefined;
  }
  return undefined;
}
