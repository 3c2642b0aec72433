/**
 * systemd's escaping rules for /proc-derived fields (spec §4.1): cescape_char, cellescape
 * (COMM), shell_maybe_quote with SHELL_ESCAPE_POSIX (CMDLINE) and the environ block
 * (ENVIRON). All work on raw bytes: /proc contents need not be valid UTF-8.
 */

const C_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x0b, '\\v'],
  [0x5c, '\\\\'],
  [0x22, '\\"'],
  [0x27, "\\'"],
]);

/** cescape_char: named C escapes, octal `\ooo` for bytes < 0x20 and >= 0x7f. */
export const cescapeByte = (b: number): string => {
  const named = C_ESCAPES.get(b);
  if (named !== undefined) return named;
  if (b < 0x20 || b >= 0x7f) return `\\${b.toString(8).padStart(3, '0')}`;
  return String.fromCharCode(b);
};

const ESCAPE_TABLE: readonly string[] = Array.from({ length: 256 }, (_, b) => cescapeByte(b));

const isUnicharValid = (c: number): boolean =>
  c < 0x110000 &&
  (c & 0xfffff800) !== 0xd800 &&
  !(c >= 0xfdd0 && c <= 0xfdef) &&
  (c & 0xfffe) !== 0xfffe;

const encodedLength = (c: number): number =>
  c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : c < 0x200000 ? 4 : c < 0x4000000 ? 5 : 6;

/**
 * utf8_encoded_valid_unichar: the length of the valid UTF-8 sequence at buf[i], or -1 when
 * it is truncated, overlong, or encodes an invalid code point.
 */
export const utf8SequenceLength = (buf: Uint8Array, i: number): number => {
  const first = buf[i];
  if (first === undefined) return -1;
  if (first < 0x80) return 1;
  let len: number;
  let c: number;
  if ((first & 0xe0) === 0xc0) [len, c] = [2, first & 0x1f];
  else if ((first & 0xf0) === 0xe0) [len, c] = [3, first & 0x0f];
  else if ((first & 0xf8) === 0xf0) [len, c] = [4, first & 0x07];
  else if ((first & 0xfc) === 0xf8) [len, c] = [5, first & 0x03];
  else if ((first & 0xfe) === 0xfc) [len, c] = [6, first & 0x01];
  else return -1;
  for (let k = 1; k < len; k++) {
    const b = buf[i + k];
    if (b === undefined || (b & 0xc0) !== 0x80) return -1;
    c = c * 64 + (b & 0x3f);
  }
  if (encodedLength(c) !== len || !isUnicharValid(c)) return -1;
  return len;
};

const isControl = (b: number): boolean => b < 0x20 || b === 0x7f;

/** WHITESPACE + SHELL_NEED_QUOTES: whitespace, "\`$ and the glob and shell metacharacters. */
const NEEDS_QUOTES = new Set(Buffer.from(' \t\n\r"\\`$*?[\'()<>|&;!', 'latin1'));
/** SHELL_NEED_ESCAPE_POSIX: backslash-escaped inside $'…'. */
const NEEDS_ESCAPE_POSIX = new Set(Buffer.from("\\'", 'latin1'));

/** shell_maybe_quote(arg, SHELL_ESCAPE_POSIX|SHELL_ESCAPE_EMPTY). */
export const shellQuotePosix = (arg: Buffer): Buffer => {
  if (arg.length === 0) return Buffer.from('""');
  let p = 0;
  while (p < arg.length) {
    const len = utf8SequenceLength(arg, p);
    const b = arg[p] ?? 0;
    if (len < 0 || isControl(b) || NEEDS_QUOTES.has(b)) break;
    p += len;
  }
  if (p === arg.length) return arg;
  const out: (Buffer | string)[] = ["$'", arg.subarray(0, p)];
  while (p < arg.length) {
    const b = arg[p] ?? 0;
    const len = utf8SequenceLength(arg, p);
    if (len < 0 || isControl(b)) {
      out.push(cescapeByte(b));
      p += 1;
    } else if (len === 1) {
      out.push(NEEDS_ESCAPE_POSIX.has(b) ? `\\${String.fromCharCode(b)}` : String.fromCharCode(b));
      p += 1;
    } else {
      out.push(arg.subarray(p, p + len));
      p += len;
    }
  }
  out.push("'");
  return Buffer.concat(out.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x)));
};

/** Splits a NUL-separated block; a trailing NUL does not start another element. */
export const splitNulstr = (raw: Buffer): Buffer[] => {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < raw.length) {
    let end = raw.indexOf(0, start);
    if (end < 0) end = raw.length;
    parts.push(raw.subarray(start, end));
    start = end + 1;
  }
  return parts;
};

/** get_process_cmdline(QUOTE_POSIX): undefined for an empty cmdline (kernel threads). */
export const quoteCmdline = (raw: Buffer): Buffer | undefined => {
  if (raw.length === 0) return undefined;
  const args = splitNulstr(raw).map(shellQuotePosix);
  const out: Buffer[] = [];
  args.forEach((a, i) => {
    if (i > 0) out.push(Buffer.from(' '));
    out.push(a);
  });
  return Buffer.concat(out);
};

export const ENVIRON_MAX_BYTES = 5 * 1024 * 1024;

/**
 * get_process_environ: NUL becomes `\n`, every other byte goes through cescape_char.
 * Undefined (field omitted, ENOBUFS) when the escaped block reaches 5 MiB.
 */
export const escapeEnviron = (raw: Buffer): Buffer | undefined => {
  // every byte becomes at least one output byte
  if (raw.length >= ENVIRON_MAX_BYTES) return undefined;
  const out = Buffer.allocUnsafe(raw.length * 4);
  let size = 0;
  for (const b of raw) {
    if (b === 0) {
      out[size++] = 0x0a;
      continue;
    }
    const e = ESCAPE_TABLE[b] ?? '';
    if (e.length === 1) out[size++] = b;
    else size += out.write(e, size, 'latin1');
  }
  return size >= ENVIRON_MAX_BYTES ? undefined : out.subarray(0, size);
};

const CELL_MAX = 128;

/** cellescape into 128 bytes: every byte through cescape_char, whole escapes only. */
export const cellescape = (raw: Buffer): string => {
  let out = '';
  for (const b of raw) {
    const s = cescapeByte(b);
    if (out.length + s.length + 1 > CELL_MAX) {
      return `${out.slice(0, CELL_MAX - 4)}...`;
    }
    out += s;
  }
  return out;
};
