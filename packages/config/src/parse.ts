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

const WHITESPACE = /^[ \t\n\r]+|[ \t\n\r]+$/g;
const strip = (s: string): string => s.replace(WHITESPACE, '');
const KEYS: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.name, k]));

/** Ends in a backslash that is not itself escaped. */
const endsEscaped = (s: string): boolean => {
  let escaped = false;
  for (const c of s) escaped = escaped ? false : c === '\\';
  return escaped;
};

export const parseConfigText = (
  text: string,
  file: string,
  base: Readonly<CoredumpConfig>,
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
    const l = strip(raw);
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
    const lvalue = strip(l.slice(0, eq));
    const rvalue = strip(l.slice(eq + 1));
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
  let continuation: string | undefined;
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    const lead = line.replace(/^[ \t\n\r]+/, '');
    if (lead.startsWith('#') || lead.startsWith(';')) continue;
    const p = continuation === undefined ? line : continuation + line;
    if (endsEscaped(p)) {
      continuation = `${p.slice(0, -1)} `;
      continue;
    }
    continuation = undefined;
    if (!parseLine(lineNo, p)) return { config, diagnostics };
  }
  if (continuation !== undefined) parseLine(lineNo, continuation);

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
