// Which files a query reads, as sd_journal_open() picks them: the local
// journal (/run/log/journal and /var/log/journal, their top level and the
// directory of this machine's ID), or one directory (-D).
import { readFileSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { JournalFileError } from './errors.js';

export const JOURNAL_ROOTS = ['/run/log/journal', '/var/log/journal'] as const;

const isJournalName = (name: string): boolean => /\.journal~?$/.test(name);

function listDir(dir: string, missingOk: boolean): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (missingOk && code === 'ENOENT') return [];
    throw new JournalFileError('io', dir, (cause as Error).message, cause);
  }
}

/** The journal files directly in `dir`. */
function filesIn(dir: string, entries: readonly Dirent[]): string[] {
  return entries
    .filter((e) => !e.isDirectory() && isJournalName(e.name))
    .map((e) => join(dir, e.name));
}

export function readMachineId(path = '/etc/machine-id'): string {
  const id = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new JournalFileError('io', path, 'no machine ID');
  return id;
}

/** The local journal's files (what journalctl reads without -D/--file/--merge). */
export function localJournalFiles(
  opts: { roots?: readonly string[]; machineId?: string } = {},
): string[] {
  const machineId = opts.machineId ?? readMachineId();
  const out: string[] = [];
  for (const root of opts.roots ?? JOURNAL_ROOTS) {
    const entries = listDir(root, true);
    out.push(...filesIn(root, entries));
    if (entries.some((e) => e.isDirectory() && e.name === machineId)) {
      const dir = join(root, machineId);
      out.push(...filesIn(dir, listDir(dir, false)));
    }
  }
  return out;
}

/**
 * The files of `-D dir`. A directory with subdirectories (per-machine
 * layouts) is left to journalctl: throws 'unsupported'.
 */
export function directoryJournalFiles(dir: string): string[] {
  const entries = listDir(dir, false);
  if (entries.some((e) => e.isDirectory()))
    throw new JournalFileError('unsupported', dir, 'directory with subdirectories');
  return filesIn(dir, entries);
}
