// Where an entry's core is and in what state (spec §10.4 COREFILE states).
import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fieldText, hasField, type CoredumpEntry } from './entry.js';
import { MESSAGE_ID_COREDUMP } from './matches.js';

export type CoreState =
  'present' | 'missing' | 'inaccessible' | 'error' | 'journal' | 'none' | 'truncated' | undefined;

/** COREDUMP_FILENAME resolved under --root (symlinks may not escape it). */
export function resolveUnderRoot(path: string, root: string | undefined): string {
  if (root === undefined || root === '/') return path;
  const prefixed = join(root, path);
  try {
    const real = realpathSync(prefixed);
    const rel = relative(root, real);
    return rel.startsWith('..') ? prefixed : real;
  } catch {
    return prefixed;
  }
}

export interface CoreFileState {
  state: 'present' | 'missing' | 'inaccessible' | 'error';
  sizeBytes?: number;
}

/** How a core file's state is found: analyzeCoreFile(), or a listing's cache of it. */
export type CoreFileProbe = (path: string) => CoreFileState;

export function analyzeCoreFile(path: string): CoreFileState {
  // systemd: open(O_PATH) (ENOENT -> missing, EACCES/EPERM -> inaccessible), regular
  // file or error, then access(R_OK). A missing file is the common case in a long
  // list, so it is answered without an exception.
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return { state: 'missing' };
    if (!st.isFile()) return { state: 'error' };
    accessSync(path, constants.R_OK);
    return { state: 'present', sizeBytes: st.size };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing' };
    if (code === 'EACCES' || code === 'EPERM') return { state: 'inaccessible' };
    return { state: 'error' };
  }
}

const MISSING: CoreFileState = { state: 'missing' };
/** Longer names and paths fail with ENAMETOOLONG ("error"), not ENOENT. */
const NAME_MAX_BYTES = 255;
const PATH_MAX_BYTES = 4095;

/**
 * analyzeCoreFile() for a listing: each directory is read once, and a name it
 * does not hold is `missing` without a syscall of its own (in a long list most
 * cores are long gone: 5,000 stats cost ~25 ms). Names it holds get the full
 * check, and so does every path of a directory that cannot be listed and
 * searched, or whose names match case-insensitively (vfat, ext4 casefold:
 * there open() finds names the listing spells differently), and any path
 * that is not a plain name in a directory.
 */
export function createCoreFileProbe(analyze: CoreFileProbe = analyzeCoreFile): CoreFileProbe {
  const listings = new Map<string, ReadonlySet<string> | null>();
  // The directory met last, and its names: consecutive cores mostly share one.
  let lastDir = '';
  let lastNames: ReadonlySet<string> | null = null;
  return (path) => {
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    if (
      slash < 0 ||
      name === '' ||
      name === '.' ||
      name === '..' ||
      path.includes('\0') ||
      tooLong(name, NAME_MAX_BYTES) ||
      tooLong(path, PATH_MAX_BYTES)
    )
      return analyze(path);
    const dirLength = slash === 0 ? 1 : slash;
    if (dirLength !== lastDir.length || !path.startsWith(lastDir)) {
      lastDir = path.slice(0, dirLength);
      let names = listings.get(lastDir);
      if (names === undefined) listings.set(lastDir, (names = listDirectory(lastDir)));
      lastNames = names;
    }
    return lastNames === null || lastNames.has(name) ? analyze(path) : MISSING;
  };
}

/** More than `maxBytes` in UTF-8 (at most 3 bytes per UTF-16 unit: most texts need no count). */
function tooLong(text: string, maxBytes: number): boolean {
  return text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes;
}

/** The names in `dir`, or null when a name's absence from them does not mean ENOENT. */
function listDirectory(dir: string): ReadonlySet<string> | null {
  try {
    // open() of a name needs search permission on the directory; readdir() needs read.
    accessSync(dir, constants.X_OK);
    const names = new Set(readdirSync(dir));
    for (const name of names) {
      const other = swapCase(name);
      if (other === name) continue;
      // One name with letters tells: found under another case, and not listed so.
      if (!names.has(other) && statSync(`${dir}/${other}`, { throwIfNoEntry: false }) !== undefined)
        return null;
      break;
    }
    return names;
  } catch {
    return null;
  }
}

function swapCase(name: string): string {
  const upper = name.toUpperCase();
  return upper !== name ? upper : name.toLowerCase();
}

/** systemd's parse_boolean() true values. */
export function parseBoolean(text: string | undefined): boolean {
  return text !== undefined && ['1', 'yes', 'y', 'true', 't', 'on'].includes(text.toLowerCase());
}

export interface CoreLocation {
  state: CoreState;
  filename?: string;
  sizeBytes?: number;
}

/** What says where an entry's core is, from its fields. */
export interface CoreFields {
  /** COREDUMP_FILENAME */
  filename: string | undefined;
  /** COREDUMP= is there (loaded or not) */
  inJournal: boolean;
  /** MESSAGE_ID is the coredump one */
  normal: boolean;
  /** COREDUMP_TRUNCATED */
  truncated: string | undefined;
}

export function locateCoreOf(
  f: CoreFields,
  root: string | undefined,
  probe: CoreFileProbe = analyzeCoreFile,
): CoreLocation {
  let loc: CoreLocation;
  if (f.filename !== undefined) {
    const resolved = resolveUnderRoot(f.filename, root);
    const found = probe(resolved);
    loc = { state: found.state, filename: resolved };
    if (found.sizeBytes !== undefined) loc.sizeBytes = found.sizeBytes;
  } else if (f.inJournal) loc = { state: 'journal' };
  else loc = { state: f.normal ? 'none' : undefined };
  if (parseBoolean(f.truncated) && (loc.state === 'present' || loc.state === 'journal'))
    loc.state = 'truncated';
  return loc;
}

export function locateCore(entry: CoredumpEntry, root: string | undefined): CoreLocation {
  return locateCoreOf(
    {
      filename: fieldText(entry, 'COREDUMP_FILENAME'),
      inJournal: hasField(entry, 'COREDUMP'),
      normal: fieldText(entry, 'MESSAGE_ID') === MESSAGE_ID_COREDUMP,
      truncated: fieldText(entry, 'COREDUMP_TRUNCATED'),
    },
    root,
  );
}
