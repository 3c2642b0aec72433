/**
 * The v262 file search (spec §5.1, config_parse_standard_file_with_dropins):
 * the first of {/etc,/run,/usr/local/lib,/usr/lib}/systemd/coredump.conf is the main file;
 * coredump.conf.d/*.conf from the same four directories are merged by file name (a higher
 * directory masks a lower one; a symlink to /dev/null, a device or an empty file masks),
 * sorted by file name across directories and parsed after the main file. A main file that
 * resolves to a selected drop-in is read once, as that drop-in. `root` prefixes every path.
 * Never throws: unreadable files become diagnostics.
 */
import {
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  lstatSync,
} from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type CoredumpConfig } from './config.js';
import { finalizeConfig, parseConfigText, type Diagnostic } from './parse.js';

export const CONFIG_DIRS: readonly string[] = ['/etc', '/run', '/usr/local/lib', '/usr/lib'];
const MAIN_FILE = 'systemd/coredump.conf';
const DROPIN_DIR = 'systemd/coredump.conf.d';

export interface LoadResult {
  readonly config: CoredumpConfig;
  readonly diagnostics: Diagnostic[];
  /** Files actually parsed, in parse order (root-prefixed paths). */
  readonly files: string[];
}

const errnoOf = (e: unknown): string =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'EIO';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const isMasked = (path: string): boolean => {
  const l = lstatSync(path);
  if (l.isSymbolicLink() && readlinkSync(path) === '/dev/null') return true;
  const st = statSync(path);
  return st.isCharacterDevice() || st.isBlockDevice() || (st.isFile() && st.size === 0);
};

const realpathOrSelf = (path: string): string => {
  try {
    // One realpath(3) call instead of a JS lstat walk over every component.
    return realpathSync.native(path);
  } catch {
    return path;
  }
};

export const loadConfig = (opts: { root?: string } = {}): LoadResult => {
  const root = opts.root ?? '/';
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  const problem = (file: string, message: string): void => {
    diagnostics.push({ level: 'warning', file, line: 0, message });
  };

  // Main file: the first that exists.
  let main: string | undefined;
  for (const dir of CONFIG_DIRS) {
    const path = join(root, dir, MAIN_FILE);
    try {
      lstatSync(path);
      statSync(path);
    } catch (e) {
      if (['ENOENT', 'ENOTDIR'].includes(errnoOf(e))) continue;
      problem(path, `Failed to open configuration file: ${messageOf(e)}`);
      break;
    }
    main = path;
    break;
  }

  // Drop-ins: first (highest-priority) entry of each name wins.
  const byName = new Map<string, string>();
  for (const dir of CONFIG_DIRS) {
    const path = join(root, dir, DROPIN_DIR);
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (e) {
      if (!['ENOENT', 'ENOTDIR'].includes(errnoOf(e))) {
        problem(path, `Failed to enumerate drop-in directory: ${messageOf(e)}`);
      }
      continue;
    }
    for (const name of names) {
      if (!name.endsWith('.conf') || name.startsWith('.') || byName.has(name)) continue;
      byName.set(name, join(path, name));
    }
  }
  const dropins: string[] = [];
  for (const name of [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const path = byName.get(name) ?? '';
    try {
      if (isMasked(path) || !statSync(path).isFile()) continue;
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT')
        problem(path, `Failed to open configuration file: ${messageOf(e)}`);
      continue;
    }
    dropins.push(path);
  }

  const toRead: string[] = [];
  if (main !== undefined) {
    const real = realpathOrSelf(main);
    const isDevNull = real === '/dev/null';
    if (!isDevNull && !dropins.some((d) => realpathOrSelf(d) === real)) toRead.push(main);
  }
  toRead.push(...dropins);

  let config: CoredumpConfig = { ...DEFAULT_CONFIG };
  let journalSizeFile = main ?? join(root, CONFIG_DIRS[0] ?? '/etc', MAIN_FILE);
  for (const path of toRead) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      problem(path, `Failed to open configuration file: ${messageOf(e)}`);
      continue;
    }
    const before = config.journalSizeMax;
    const r = parseConfigText(text, path, config);
    config = r.config;
    diagnostics.push(...r.diagnostics);
    files.push(path);
    if (config.journalSizeMax !== before) journalSizeFile = path;
  }

  const fin = finalizeConfig(config, journalSizeFile);
  diagnostics.push(...fin.diagnostics);
  return { config: fin.config, diagnostics, files };
};
