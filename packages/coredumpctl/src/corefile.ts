// Where an entry's core is and in what state (spec §10.4 COREFILE states).
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
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

export function analyzeCoreFile(path: string): {
  state: 'present' | 'missing' | 'inaccessible' | 'error';
  sizeBytes?: number;
} {
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

/** systemd's parse_boolean() true values. */
export function parseBoolean(text: string | undefined): boolean {
  return text !== undefined && ['1', 'yes', 'y', 'true', 't', 'on'].includes(text.toLowerCase());
}

export interface CoreLocation {
  state: CoreState;
  filename?: string;
  sizeBytes?: number;
}

export function locateCore(entry: CoredumpEntry, root: string | undefined): CoreLocation {
  const normal = fieldText(entry, 'MESSAGE_ID') === MESSAGE_ID_COREDUMP;
  const truncated = parseBoolean(fieldText(entry, 'COREDUMP_TRUNCATED'));
  const filename = fieldText(entry, 'COREDUMP_FILENAME');
  let loc: CoreLocation;
  if (filename !== undefined) {
    const resolved = resolveUnderRoot(filename, root);
    loc = { filename: resolved, ...analyzeCoreFile(resolved) };
  } else if (hasField(entry, 'COREDUMP')) loc = { state: 'journal' };
  else loc = { state: normal ? 'none' : undefined };
  if (truncated && (loc.state === 'present' || loc.state === 'journal')) loc.state = 'truncated';
  return loc;
}
