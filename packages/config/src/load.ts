/**
 * The v262 file search (spec §5.1, config_parse_standard_file_with_dropins):
 * the first of {/etc,/run,/usr/local/lib,/usr/lib}/systemd/coredump.conf is the main file;
 * coredump.conf.d/*.conf from the same four directories are merged by file name (a higher
 * directory masks a lower one; a symlink to /dev/null, a device or an empty file masks),
 * sorted by file name across directories and parsed after the main file. A main file that
 * resolves to a selected drop-in is read once, as that drop-in. `root` prefixes every path.
 * Never throws: unreadable files become diagnostics.
 */
import type { ConfigFs, FileStat } from './config-fs.js';
import { DEFAULT_CONFIG, type CoredumpConfig } from './config.js';
import { finalizeConfig, LINE_MAX_BYTES, parseConfigText, type Diagnostic } from './parse.js';

export const CONFIG_DIRS: readonly string[] = ['/etc', '/run', '/usr/local/lib', '/usr/lib'];
const MAIN_FILE = 'systemd/coredump.conf';
const DROPIN_DIR = 'systemd/coredump.conf.d';

/**
 * The most of one file that is read. systemd parses a file of any length, one
 * line of at most LONG_LINE_MAX (1 MiB) at a time (conf-parser.c); every
 * worker reads these files on every crash, so a file is also capped as a
 * whole: four maximal lines. A larger file is refused with a diagnostic.
 */
export const CONFIG_FILE_MAX_BYTES = 4 * LINE_MAX_BYTES;

export interface LoadResult {
  readonly config: CoredumpConfig;
  readonly diagnostics: Diagnostic[];
  /** Files actually parsed, in parse order (root-prefixed paths). */
  readonly files: string[];
}

export interface LoadOptions {
  /** Prefixed to every path (tests, containers); default `/`. */
  readonly root?: string;
  /** The file system (`configFs` from @coredump-ts/unix). */
  readonly fs: ConfigFs;
}

const join = (...parts: string[]): string => parts.join('/').replace(/\/{2,}/g, '/');

const NOT_THERE = new Set(['ENOENT', 'ENOTDIR']);

const isDevice = (st: FileStat): boolean => st.kind === 'char-device' || st.kind === 'block-device';

export const loadConfig = ({ root = '/', fs }: LoadOptions): LoadResult => {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  const problem = (file: string, message: string): void => {
    diagnostics.push({ level: 'warning', file, line: 0, message });
  };

  // Main file: the first that exists.
  let main: { path: string; stat: FileStat } | undefined;
  for (const dir of CONFIG_DIRS) {
    const path = join(root, dir, MAIN_FILE);
    const st = fs.stat(path);
    if (!st.ok && NOT_THERE.has(st.code)) continue; // a dangling symlink too, as fopen() says ENOENT
    if (!st.ok) {
      // A symlink loop, EACCES: reported, and no later main file is tried.
      problem(path, `Failed to open configuration file: ${st.message}`);
      break;
    }
    main = { path, stat: st.value };
    break;
  }

  // Drop-ins: first (highest-priority) entry of each name wins.
  const byName = new Map<string, string>();
  for (const dir of CONFIG_DIRS) {
    const path = join(root, dir, DROPIN_DIR);
    const names = fs.listDirectory(path);
    if (!names.ok) {
      if (!NOT_THERE.has(names.code))
        problem(path, `Failed to enumerate drop-in directory: ${names.message}`);
      continue;
    }
    for (const name of names.value) {
      if (!name.endsWith('.conf') || name.startsWith('.') || byName.has(name)) continue;
      byName.set(name, join(path, name));
    }
  }
  const dropins: { path: string; identity: string }[] = [];
  for (const name of [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const path = byName.get(name) ?? '';
    const link = fs.readLink(path);
    if (link.ok && link.value === '/dev/null') continue; // masked
    const st = fs.stat(path);
    if (!st.ok) {
      if (st.code !== 'ENOENT') problem(path, `Failed to open configuration file: ${st.message}`);
      continue;
    }
    // A device or an empty file masks; anything else but a regular file is
    // skipped (conf-files.c, CONF_FILES_REGULAR: "Ignoring ..., as it is not a
    // regular file", at debug level).
    if (isDevice(st.value) || st.value.kind !== 'file' || st.value.sizeBytes === 0) continue;
    dropins.push({ path, identity: st.value.identity });
  }

  const toRead: string[] = [];
  // A main file that is a device is not read (as a device masks a drop-in: a
  // symlink to /dev/null or /dev/zero); one that is also a selected drop-in
  // (same inode, as systemd compares) is read once, as the drop-in.
  if (
    main !== undefined &&
    !isDevice(main.stat) &&
    !dropins.some((d) => d.identity === main.stat.identity)
  )
    toRead.push(main.path);
  toRead.push(...dropins.map((d) => d.path));

  let config: CoredumpConfig = { ...DEFAULT_CONFIG };
  let journalSizeFile = main?.path ?? join(root, CONFIG_DIRS[0] ?? '/etc', MAIN_FILE);
  for (const path of toRead) {
    // Regular files only, never more than the cap: a FIFO or /dev/zero must not
    // block or fill the worker that reads this on every crash.
    const text = fs.readRegularFile(path, CONFIG_FILE_MAX_BYTES);
    if (!text.ok) {
      problem(path, `Failed to open configuration file: ${text.message}`);
      continue;
    }
    const before = config.journalSizeMax;
    const r = parseConfigText(text.value, path, config);
    config = r.config;
    diagnostics.push(...r.diagnostics);
    files.push(path);
    if (config.journalSizeMax !== before) journalSizeFile = path;
  }

  const fin = finalizeConfig(config, journalSizeFile);
  diagnostics.push(...fin.diagnostics);
  return { config: fin.config, diagnostics, files };
};
