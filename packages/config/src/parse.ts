/**
 * coredump.conf text -> config + diagnostics, with systemd's conf-parser rules: `#`/`;`
 * comments, a trailing unescaped backslash continues the line (it becomes a space, and
 * comment lines inside a continuation are skipped), whitespace around `=` stripped,
 * unknown sections/keys warned about unless they start with `X-`, a value that fails to
 * parse is a warning and the previous value stays. Pure: no I/O, no logging.
 */
import { formatBytes } from './size.js';
import {
  CONFIG_KEYS,
  CONFIG_SECTION,
  JOURNAL_SIZE_MAX,
  type ConfigKey,
  type CoredumpConfig,
} from './config.js';

export interface Diagnostic {
  readonly level: 'warning' | 'notice' | 'debug';
  readonly file: string;
  /** 1-based; 0 when the diagnostic is about the file as a whole. */
  readonly line: number;
  readonly message: string;
}

/** `file:line: message`, as systemd's log_syntax() prints it. */
export const formatDiagnostic = (d: Diagnostic): string =>
  d.line > 0 ? `${d.file}:${d.line}: ${d.message}` : `${d.file}: ${d.message}`;

/**
 * systemd's LONG_LINE_MAX (1 MiB): conf-parser.c reads each line with
 * read_line(f, LONG_LINE_MAX, ...) and fails the file with "Line too long"
 * (-ENOBUFS); a continued line longer than that fails with "Continuation line
 * too long". The rest of the file is then not parsed.
 */
export const LINE_MAX_BYTES = 1024 * 1024;

const KEYS: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.name, k]));

/** Work counters for tests: characters the scanning loops visited. */
export interface ParseStats {
  steps: number;
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * strstrip(): `s` without leading and trailing blanks. Index scans from both
 * ends (an anchored /\s+$/ regex retries at every blank of a long run:
 * quadratic, 481 s for one value with a 1 MiB run of blanks).
 */
const strip = (s: string, stats: ParseStats): string => {
  let a = 0;
  let b = s.length;
  while (a < b && isBlank(s.charCodeAt(a))) a++;
  while (b > a && isBlank(s.charCodeAt(b - 1))) b--;
  stats.steps += a + (s.length - b) + 1;
  return a === 0 && b === s.length ? s : s.slice(a, b);
};

/**
 * Ends in a backslash that is not itself escaped: an odd run of trailing
 * backslashes (systemd scans the whole line toggling `escaped`; only the
 * last run decides). Only the run is visited.
 */
const endsEscaped = (s: string, stats: ParseStats): boolean => {
  let i = s.length;
  while (i > 0 && s.charCodeAt(i - 1) === 0x5c) i--;
  stats.steps += s.length - i + 1;
  return (s.length - i) % 2 === 1;
};

/** The first non-blank character of `s` is a comment sign (`#` or `;`). */
const isComment = (s: string, stats: ParseStats): boolean => {
  let i = 0;
  while (i < s.length && isBlank(s.charCodeAt(i))) i++;
  stats.steps += i + 1;
  const c = s.charCodeAt(i);
  return c === 0x23 || c === 0x3b;
};

/** UTF-8 length of `s`, counted only when it could exceed `max` (cheap for short lines). */
const longerThan = (s: string, max: number): boolean =>
  s.length > max || (s.length * 3 > max && Buffer.byteLength(s) > max);

export const parseConfigText = (
  text: string,
  file: string,
  base: Readonly<CoredumpConfig>,
  stats: ParseStats = { steps: 0 },
): { config: CoredumpConfig; diagnostics: Diagnostic[] } => {
  const config: CoredumpConfig = { ...base };
  const set = config as unknown as Record<string, unknown>;
  const diagnostics: Diagnostic[] = [];
  const warn = (line: number, message: string): void => {
    diagnostics.push({ level: 'warning', file, line, message });
  };

  let section: string | undefined;
  let sectionIgnored = false;

  /** Returns false when the rest of the file must be abandoned (bad section header). */
  const parseLine = (lineNo: number, raw: string): boolean => {
    const l = strip(raw, stats);
    if (l === '') return true;
    if (l.startsWith('[')) {
      if (!l.endsWith(']')) {
        warn(lineNo, `Invalid section header '${l}'`);
        return false;
      }
      const name = l.slice(1, -1);
      if (name === CONFIG_SECTION) {
        section = name;
        sectionIgnored = false;
      } else {
        if (!name.startsWith('X-')) warn(lineNo, `Unknown section '${name}'. Ignoring.`);
        section = undefined;
        sectionIgnored = true;
      }
      return true;
    }
    if (section === undefined) {
      if (!sectionIgnored) warn(lineNo, 'Assignment outside of section. Ignoring.');
      return true;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      warn(lineNo, "Missing '=', ignoring line.");
      return true;
    }
    if (eq === 0) {
      warn(lineNo, "Missing key name before '=', ignoring line.");
      return true;
    }
    const lvalue = strip(l.slice(0, eq), stats);
    const rvalue = strip(l.slice(eq + 1), stats);
    const row = KEYS.get(lvalue);
    if (row === undefined) {
      if (!lvalue.startsWith('X-')) {
        warn(lineNo, `Unknown key '${lvalue}' in section [${section}], ignoring.`);
      }
      return true;
    }
    const r = row.parse(rvalue);
    if (r.ok) set[row.field] = r.value;
    else warn(lineNo, `Failed to parse ${lvalue}=${rvalue}, ignoring assignment: ${r.reason}`);
    return true;
  };

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n|\0/);
  if (lines.at(-1) === '') lines.pop();
  // A continued line is kept as parts and joined once: appending and rescanning
  // the whole of it per line was quadratic (40,000 continued lines: ~10 s).
  let parts: string[] = [];
  let partsBytes = 0;
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    if (longerThan(line, LINE_MAX_BYTES)) {
      warn(lineNo, 'Line too long');
      return { config, diagnostics };
    }
    if (isComment(line, stats)) continue;
    if (parts.length > 0) {
      partsBytes += Buffer.byteLength(line);
      if (partsBytes > LINE_MAX_BYTES) {
        warn(lineNo, 'Continuation line too long');
        return { config, diagnostics };
      }
    }
    // The continuation so far ends in a space, so only this line's end decides.
    if (endsEscaped(line, stats)) {
      const head = `${line.slice(0, -1)} `;
      if (parts.length === 0) partsBytes = Buffer.byteLength(head);
      parts.push(head);
      continue;
    }
    const p = parts.length === 0 ? line : parts.join('') + line;
    parts = [];
    if (!parseLine(lineNo, p)) return { config, diagnostics };
  }
  if (parts.length > 0) parseLine(lineNo, parts.join(''));
  return { config, diagnostics };
};

/**
 * Fix-ups done once after every file is parsed. v262 lowers JournalSizeMax= above what
 * journald accepts, warning when Storage=journal and at debug level otherwise.
 */
export const finalizeConfig = (
  config: Readonly<CoredumpConfig>,
  file: string,
): { config: CoredumpConfig; diagnostics: Diagnostic[] } => {
  if (config.journalSizeMax <= JOURNAL_SIZE_MAX) return { config: { ...config }, diagnostics: [] };
  return {
    config: { ...config, journalSizeMax: JOURNAL_SIZE_MAX },
    diagnostics: [
      {
        level: config.storage === 'journal' ? 'warning' : 'debug',
        file,
        line: 0,
        message:
          `JournalSizeMax= set to larger value (${formatBytes(config.journalSizeMax)}) than ` +
          `journald would accept (${formatBytes(JOURNAL_SIZE_MAX)}), lowering automatically.`,
      },
    ],
  };
};
